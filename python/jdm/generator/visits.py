"""Clinic visits: when children are seen, and what is measured.

Visits start at diagnosis and recur every 1-6 months, more often while the
disease is active. The schedule is built one visit-step at a time for all
patients of a chunk at once (a loop over visit number, not over rows).

Two steps, because who starts cyclophosphamide is decided from what these
visits record (`treatment.decide_starts`):

1. `natural_visits`: every child's visits and scores over the follow-up of
   an untreated child (the natural history);
2. `finish_visits`: for a child who started a course, the visits before the
   first infusion stay exactly as recorded (the decision read them); from
   the infusion day on (the study's baseline visit) the schedule is drawn
   again up to the child's follow-up as placed by `cohort.place_treated`,
   with the 12-month review, except for the few the published cohort lost
   to incomplete data. The effect of the course is then added to DAS skin
   and physician global (`treatment.TreatmentEffect`), before they are
   rounded and limited to their range.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jdm.generator import codes, growth
from jdm.generator.arrays import cumcount
from jdm.generator.cohort import Cohort
from jdm.generator.course import Course
from jdm.generator.tables import Table
from jdm.generator.treatment import TreatmentEffect

MIN_GAP_DAYS = 14
MAX_VISITS_PER_PATIENT = 998  # ids are <patient>-V001 .. -V999; one spare for an injected copy

# Which scores a visit records: most visits are complete, some partial (a
# quick review), a few minimal (weight and height only).
FULL, PARTIAL, MINIMAL = 0, 1, 2
VISIT_KIND_MIX = (0.88, 0.09, 0.03)
# Chance a score is not recorded at a complete visit.
SCORE_MISSING = {
    "cmas": 0.05,
    "mmt8": 0.35,
    "physician_global_vas": 0.12,
    "parent_global_vas": 0.25,
    "chaq": 0.25,
    "das": 0.30,  # skin and muscle DAS are scored together
}
# Physician global VAS is missing often, and by habit: some clinics never
# record it (published cohort: recorded at baseline for 32 of 48).
PHYSICIAN_VAS_NOT_USED = 0.22
WEIGHT_MISSING = 0.10
HEIGHT_MISSING = 0.25
SKIN_EXAM_MISSING = 0.04
SIGN_MISSING = 0.03
SIGN_FLIP = 0.04  # an observer calls a sign differently now and then


@dataclass
class Visits:
    """Visit rows of a chunk, sorted by patient then date."""

    patient: np.ndarray  # local patient index
    day: np.ndarray  # days after diagnosis
    date: np.ndarray  # day number
    muscle: np.ndarray  # latent activity at the visit
    skin: np.ndarray
    table: Table
    # Per visit, as recorded without and with the full effect of a course
    # (what a counterfactual check needs: `generate_extract(truth_path=...)`).
    das_skin_untreated: np.ndarray | None = None
    das_skin_if_treated: np.ndarray | None = None
    physician10_untreated: np.ndarray | None = None
    physician10_if_treated: np.ndarray | None = None


@dataclass
class _Recorded:
    """Visits with their values before the table is assembled."""

    patient: np.ndarray
    day: np.ndarray
    muscle: np.ndarray
    skin: np.ndarray
    values: dict[str, np.ndarray]  # table columns (codes.MISSING where not recorded)
    das_skin: np.ndarray  # continuous, before rounding and range
    das_missing: np.ndarray
    physician: np.ndarray  # continuous, before rounding and range
    physician_missing: np.ndarray

    def take(self, rows: np.ndarray) -> _Recorded:
        return _Recorded(self.patient[rows], self.day[rows], self.muscle[rows], self.skin[rows],
                         {k: v[rows] for k, v in self.values.items()}, self.das_skin[rows], self.das_missing[rows],
                         self.physician[rows], self.physician_missing[rows])

    @staticmethod
    def concat(parts: list[_Recorded]) -> _Recorded:
        return _Recorded(*(np.concatenate([getattr(p, f) for p in parts]) for f in ("patient", "day", "muscle", "skin")),
                         {k: np.concatenate([p.values[k] for p in parts]) for k in parts[0].values},
                         *(np.concatenate([getattr(p, f) for p in parts])
                           for f in ("das_skin", "das_missing", "physician", "physician_missing")))

    def any_score(self) -> np.ndarray:
        scores = ("cmas", "mmt8", "physician10", "parent10", "chaq8", "das_skin", "das_muscle")
        return np.logical_or.reduce([self.values[c] != codes.MISSING for c in scores])


@dataclass
class NaturalVisits:
    """Step 1: every child's visits over an untreated child's follow-up."""

    recorded: _Recorded
    no_vas: np.ndarray  # per patient: the clinic does not record physician global
    parent_bias: np.ndarray  # per patient


def _schedule(rng: np.random.Generator, course: Course, who: np.ndarray, start: np.ndarray, end: np.ndarray,
              anchors: tuple[np.ndarray, ...] = ()) -> tuple[np.ndarray, np.ndarray]:
    """(patient, day after diagnosis) of the visits of patients `who` from
    day `start` (a visit) to day `end`, sorted. anchors: per listed patient,
    days the schedule never steps over (it takes them instead)."""
    n = len(who)
    patients = [np.arange(n)]
    days = [start.astype(float)]
    live = np.arange(n)
    current = start.astype(float).copy()
    for _ in range(MAX_VISITS_PER_PATIENT - 1):
        t = current[live]
        muscle, skin = course.activity(who[live], t)
        activity = np.maximum(muscle, skin)
        mean_gap = np.interp(activity, [0.08, 0.45], [150.0, 35.0])
        nxt = t + np.maximum(np.round(mean_gap * rng.uniform(0.8, 1.2, len(live))), MIN_GAP_DAYS)
        # Never step over an anchor visit: take it instead.
        for anchor in anchors:
            a = anchor[live]
            nxt = np.where((t < a) & (nxt > a), a, nxt)
        stays = nxt <= end[live]
        live = live[stays]
        if len(live) == 0:
            break
        current[live] = nxt[stays]
        patients.append(live)
        days.append(nxt[stays])
    patient = who[np.concatenate(patients)]
    day = np.concatenate(days)
    order = np.lexsort((day, patient))
    return patient[order], day[order]


def _scaled(values: np.ndarray, scale: float, missing: np.ndarray) -> np.ndarray:
    """Decimal values stored as integers (value * scale), MISSING where not recorded."""
    return np.where(missing, codes.MISSING, np.round(values * scale)).astype(np.int32)


def _score(values: np.ndarray, low: float, high: float, missing: np.ndarray) -> np.ndarray:
    return np.where(missing, codes.MISSING, np.clip(np.round(values), low, high)).astype(np.int16)


def _yes_no(present: np.ndarray, missing: np.ndarray) -> np.ndarray:
    return np.where(missing, codes.MISSING, present.astype(np.int8)).astype(np.int8)


def _record(rng: np.random.Generator, cohort: Cohort, course: Course, patient: np.ndarray, day: np.ndarray,
            kind: np.ndarray, no_vas: np.ndarray, parent_bias: np.ndarray) -> _Recorded:
    """What each visit records (the natural history of the disease)."""
    n = len(patient)
    date = cohort.diagnosis_date[patient] + day.astype(np.int64)
    age = cohort.age_years(patient, date)
    muscle, skin = course.activity(patient, day)

    def missing(p_full: float | np.ndarray) -> np.ndarray:
        p = np.where(kind == FULL, p_full, 0.5 + 0.5 * np.asarray(p_full))
        return (kind == MINIMAL) | (rng.random(n) < p)

    # --- growth
    is_male = cohort.is_male[patient]
    hz, wz = cohort.height_z[patient], cohort.weight_z[patient]
    weight = growth.weight_kg(age, is_male, hz, wz) * (1 + rng.normal(0, 0.015, n))
    height = growth.height_cm(age, is_male, hz) + rng.normal(0, 0.4, n)
    weight_missing = rng.random(n) < np.where(kind == MINIMAL, 0.05, WEIGHT_MISSING)
    height_missing = rng.random(n) < HEIGHT_MISSING

    # --- muscle scores: young children cannot do every CMAS/MMT8 item
    young = np.maximum(0.0, 7.0 - age)
    cmas = 52 - 1.5 * young - 46 * muscle + rng.normal(0, 2.5, n)
    mmt8 = 80 - 1.0 * young - 58 * muscle + rng.normal(0, 2.5, n)
    das_muscle = 11 * muscle + rng.normal(0, 0.7, n)
    chaq = np.clip(2.8 * muscle + rng.normal(0, 0.15, n), 0, 3)

    # --- skin signs (bool, before missingness)
    signs = (skin[:, None] > course.sign_threshold[patient]) | course.sign_persists[patient]
    signs ^= rng.random((n, 3)) < SIGN_FLIP
    signs &= ~course.sign_never[patient]
    calcinosis = (day >= course.calcinosis_from[patient]) & (day < course.calcinosis_until[patient])
    ulceration = (day >= course.ulceration_from[patient]) & (day < course.ulceration_until[patient])
    rash, nailfold, gottrons = signs.T
    das_skin = 5.5 * skin + 1.2 * rash + 0.8 * gottrons + 0.5 * nailfold + 0.8 * ulceration + rng.normal(0, 0.6, n)

    # --- global assessments
    physician = 10 * (0.6 * muscle + 0.5 * skin) + rng.normal(0, 0.5, n)
    parent = 10 * (0.5 * muscle + 0.4 * skin) + parent_bias[patient] + rng.normal(0, 0.9, n)

    exam_missing = (kind == MINIMAL) | (rng.random(n) < SKIN_EXAM_MISSING)
    das_missing = missing(SCORE_MISSING["das"])
    young_missing = np.where(age < 3, 0.25, 0.0)
    physician_missing = missing(SCORE_MISSING["physician_global_vas"]) | no_vas[patient]
    values = {
        "weight10": _scaled(np.clip(weight, 2, 150), 10, weight_missing),
        "height10": _scaled(np.clip(height, 40, 210), 10, height_missing),
        "cmas": _score(cmas, 0, 52, missing(SCORE_MISSING["cmas"] + young_missing)),
        "mmt8": _score(mmt8, 0, 80, missing(SCORE_MISSING["mmt8"] + young_missing)),
        "physician10": _scaled(np.clip(physician, 0, 10), 10, physician_missing),
        "parent10": _scaled(np.clip(parent, 0, 10), 10, missing(SCORE_MISSING["parent_global_vas"])),
        "chaq8": _scaled(chaq, 8, missing(SCORE_MISSING["chaq"])),
        "das_skin": _score(das_skin, 0, 9, das_missing),
        "das_muscle": _score(das_muscle, 0, 11, das_missing),
        "rash": _yes_no(rash, exam_missing | (rng.random(n) < SIGN_MISSING)),
        "nailfold_abnormal": _yes_no(nailfold, exam_missing | (rng.random(n) < SIGN_MISSING)),
        "gottrons": _yes_no(gottrons, exam_missing | (rng.random(n) < SIGN_MISSING)),
        "calcinosis": _yes_no(calcinosis, exam_missing | (rng.random(n) < SIGN_MISSING)),
        "skin_ulceration": _yes_no(ulceration, exam_missing | (rng.random(n) < SIGN_MISSING)),
    }
    return _Recorded(patient, day, muscle, skin, values, das_skin, das_missing, physician, physician_missing)


def natural_visits(rng: np.random.Generator, cohort: Cohort, course: Course) -> NaturalVisits:
    """Step 1: the visits of every child, as if none were treated, over the
    follow-up of cohort (before `place_treated`)."""
    n = len(cohort)
    length = (cohort.follow_up_end - cohort.diagnosis_date).astype(float)
    patient, day = _schedule(rng, course, np.arange(n), np.zeros(n), length)
    no_vas = rng.random(n) < PHYSICIAN_VAS_NOT_USED
    parent_bias = rng.normal(0.4, 0.8, n)
    kind = rng.choice(3, size=len(patient), p=VISIT_KIND_MIX)
    return NaturalVisits(_record(rng, cohort, course, patient, day, kind, no_vas, parent_bias), no_vas, parent_bias)


def finish_visits(rng: np.random.Generator, cohort: Cohort, course: Course, natural: NaturalVisits,
                  effect: TreatmentEffect) -> Visits:
    """Step 2: the visits as written, after `cohort.place_treated` and
    `course.after_treatment` (see the module docstring)."""
    rec = natural.recorded
    switch = course.switch_day
    treated = np.flatnonzero(cohort.has_cyc)
    # Untreated: as recorded. Treated: the visits before the first infusion.
    keep = rec.day < switch[rec.patient]
    no_baseline = cohort.cyc_no_baseline[rec.patient]
    s = switch[rec.patient]
    keep &= ~((no_baseline > 0) & (rec.day >= s - 30))  # a baseline assessment they do not have
    parts = [rec.take(np.flatnonzero(keep))]
    if len(treated):
        length = (cohort.follow_up_end[treated] - cohort.diagnosis_date[treated]).astype(float)
        start = switch[treated].copy()
        # No visit near the first infusion (treated elsewhere): seen again after the baseline window.
        elsewhere = cohort.cyc_no_baseline[treated] == 1
        start[elsewhere] += rng.integers(8, 40, int(elsewhere.sum()))
        review = np.where(cohort.cyc_short_follow_up[treated], np.inf, switch[treated] + 365 + rng.integers(0, 31, len(treated)))
        local = np.full(len(cohort), np.inf)
        local[treated] = review
        ok = start <= length
        patient, day = _schedule(rng, course, treated[ok], start[ok], length[ok], (local[treated[ok]],))
        kind = rng.choice(3, size=len(patient), p=VISIT_KIND_MIX)
        first = day == switch[patient]
        kind[first] = FULL  # the baseline assessment at the first infusion
        kind[first & (cohort.cyc_no_baseline[patient] == 2)] = MINIMAL  # infusion-day visit without scores
        parts.append(_record(rng, cohort, course, patient, day, kind, natural.no_vas, natural.parent_bias))
    rec = _Recorded.concat(parts)
    order = np.lexsort((rec.day, rec.patient))
    rec = rec.take(order)
    patient, day = rec.patient, rec.day

    # The course's effect on the two scores, before rounding and range.
    das_shift, physician_shift = effect.at(day - switch[patient])
    values = dict(rec.values)
    values["das_skin"] = _score(rec.das_skin + das_shift, 0, 9, rec.das_missing)
    values["physician10"] = _scaled(np.clip(rec.physician + physician_shift, 0, 10), 10, rec.physician_missing)
    full_das, full_physician = effect.at(np.full(len(day), np.inf))
    date = cohort.diagnosis_date[patient] + day.astype(np.int64)
    columns = {
        "patient": cohort.number[patient],
        "id_patient": cohort.number[patient],
        "k": (cumcount(patient) + 1).astype(np.int32),  # V001, V002, ... in date order
        "date": date,
        **values,
    }
    never = np.zeros(len(day), dtype=bool)
    return Visits(
        patient=patient, day=day, date=date, muscle=rec.muscle, skin=rec.skin, table=Table(columns),
        das_skin_untreated=_score(rec.das_skin, 0, 9, never),
        das_skin_if_treated=_score(rec.das_skin + full_das, 0, 9, never),
        physician10_untreated=_scaled(np.clip(rec.physician, 0, 10), 10, never),
        physician10_if_treated=_scaled(np.clip(rec.physician + full_physician, 0, 10), 10, never),
    )

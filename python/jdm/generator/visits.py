"""Clinic visits: when children are seen, and what is measured.

Visits start at diagnosis and recur every 1-6 months, more often while the
disease is active. For a child treated with cyclophosphamide a visit falls on
the day of the first infusion (the study's baseline) and one about a year
later (the 12-month review), except for the few the published cohort lost to
incomplete data. The schedule is built one visit-step at a time for all
patients of a chunk at once (a loop over visit number, not over rows).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jdm.generator import codes, growth
from jdm.generator.arrays import cumcount
from jdm.generator.cohort import Cohort
from jdm.generator.course import Course
from jdm.generator.tables import Table

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


def _schedule(rng: np.random.Generator, cohort: Cohort, course: Course) -> tuple[np.ndarray, np.ndarray]:
    """(patient, day after diagnosis) of every visit, sorted."""
    n = len(cohort)
    length = (cohort.follow_up_end - cohort.diagnosis_date).astype(float)
    switch = course.switch_day
    baseline_anchor = np.where(cohort.cyc_no_baseline == 1, np.inf, switch)
    review_anchor = np.where(cohort.cyc_short_follow_up, np.inf, switch + 365 + rng.integers(0, 31, n))
    anchors = (baseline_anchor, review_anchor)

    patients = [np.arange(n)]
    days = [np.zeros(n)]
    live = np.arange(n)
    current = np.zeros(n)
    for _ in range(MAX_VISITS_PER_PATIENT - 1):
        t = current[live]
        muscle, skin = course.activity(live, t)
        activity = np.maximum(muscle, skin)
        mean_gap = np.interp(activity, [0.08, 0.45], [150.0, 35.0])
        nxt = t + np.maximum(np.round(mean_gap * rng.uniform(0.8, 1.2, len(live))), MIN_GAP_DAYS)
        # Never step over an anchor visit: take it instead.
        for anchor in anchors:
            a = anchor[live]
            nxt = np.where((t < a) & (nxt > a), a, nxt)
        stays = nxt <= length[live]
        live = live[stays]
        if len(live) == 0:
            break
        current[live] = nxt[stays]
        patients.append(live)
        days.append(nxt[stays])
    patient = np.concatenate(patients)
    day = np.concatenate(days)

    # Incomplete data at the first infusion: no visit in the protocol's
    # baseline window (treated elsewhere), or only the infusion-day visit,
    # where nothing is scored (see generate_visits).
    no_baseline = cohort.cyc_no_baseline[patient]
    s = switch[patient]
    in_window = (day >= s - 30) & (day <= s + 7)
    drop = in_window & ((no_baseline == 1) | ((no_baseline == 2) & (day != s)))
    patient, day = patient[~drop], day[~drop]
    order = np.lexsort((day, patient))
    return patient[order], day[order]


def _scaled(values: np.ndarray, scale: float, missing: np.ndarray) -> np.ndarray:
    """Decimal values stored as integers (value * scale), MISSING where not recorded."""
    return np.where(missing, codes.MISSING, np.round(values * scale)).astype(np.int32)


def _score(values: np.ndarray, low: float, high: float, missing: np.ndarray) -> np.ndarray:
    return np.where(missing, codes.MISSING, np.clip(np.round(values), low, high)).astype(np.int16)


def _yes_no(present: np.ndarray, missing: np.ndarray) -> np.ndarray:
    return np.where(missing, codes.MISSING, present.astype(np.int8)).astype(np.int8)


def generate_visits(rng: np.random.Generator, cohort: Cohort, course: Course) -> Visits:
    patient, day = _schedule(rng, cohort, course)
    n = len(patient)
    date = cohort.diagnosis_date[patient] + day.astype(np.int64)
    age = cohort.age_years(patient, date)
    muscle, skin = course.activity(patient, day)
    switch = course.switch_day[patient]

    # --- what gets recorded
    kind = rng.choice(3, size=n, p=VISIT_KIND_MIX)
    is_baseline = day == switch
    kind[is_baseline] = FULL
    kind[is_baseline & (cohort.cyc_no_baseline[patient] == 2)] = MINIMAL

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
    parent_bias = rng.normal(0.4, 0.8, len(cohort))[patient]
    parent = 10 * (0.5 * muscle + 0.4 * skin) + parent_bias + rng.normal(0, 0.9, n)

    exam_missing = (kind == MINIMAL) | (rng.random(n) < SKIN_EXAM_MISSING)
    das_missing = missing(SCORE_MISSING["das"])
    young_missing = np.where(age < 3, 0.25, 0.0)
    no_vas = (rng.random(len(cohort)) < PHYSICIAN_VAS_NOT_USED)[patient]
    columns = {
        "patient": cohort.number[patient],
        "id_patient": cohort.number[patient],
        "k": (cumcount(patient) + 1).astype(np.int32),  # V001, V002, ... in date order
        "date": date,
        "weight10": _scaled(np.clip(weight, 2, 150), 10, weight_missing),
        "height10": _scaled(np.clip(height, 40, 210), 10, height_missing),
        "cmas": _score(cmas, 0, 52, missing(SCORE_MISSING["cmas"] + young_missing)),
        "mmt8": _score(mmt8, 0, 80, missing(SCORE_MISSING["mmt8"] + young_missing)),
        "physician10": _scaled(np.clip(physician, 0, 10), 10, missing(SCORE_MISSING["physician_global_vas"]) | no_vas),
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
    return Visits(patient=patient, day=day, date=date, muscle=muscle, skin=skin, table=Table(columns))

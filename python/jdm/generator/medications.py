"""Prescriptions: steroid tapers, pulses, DMARDs, biologics and IV cyclophosphamide.

Every child gets an oral corticosteroid taper from diagnosis: consecutive
episodes at a constant dose each (the next starts the day after the previous
stops), from 1-2 mg/kg/day prednisolone-equivalent down to nothing over
12-30 months, written the way clinics write them (mg, mg/kg, mg/m2 or g;
daily, twice daily early on, alternate days late), usually prednisolone,
for some children oral methylprednisolone (1.25 times as potent, so a
smaller dose). A child treated with cyclophosphamide gets a second taper
from the first infusion (steroid dose down about two thirds by 6 months,
off by 18-24 months, as published) and a monthly series of single
infusions, and some get weekly oral methylprednisolone pulses (in g) on
top of the taper; a relapse brings a short third taper; some children get a
single oral dose (`once`) during a taper. Episodes active on one day add
up. Episodes are cut at the end of follow-up: one still running then has
no stop date.

Each drug family is built for all its patients at once; rows are then sorted
per patient and numbered M001, M002, ...
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jdm.generator import codes, growth
from jdm.generator.arrays import cumcount, cumsum_within, ragged, round_to
from jdm.generator.cohort import Cohort
from jdm.generator.course import Course
from jdm.generator.tables import Table

MAX_DAILY_PREDNISOLONE_MG = 60.0
IVMP_MG_PER_KG, IVMP_MAX_MG = 30.0, 1000.0


@dataclass
class _Episodes:
    """Medication rows under construction (one entry per row)."""

    patient: np.ndarray  # local patient index
    drug: np.ndarray
    route: np.ndarray
    dose: np.ndarray  # in dose_unit
    unit: np.ndarray
    frequency: np.ndarray
    start: np.ndarray  # day number
    stop: np.ndarray  # day number or NO_DATE
    indication: np.ndarray

    @classmethod
    def of(cls, patient, drug, route, dose, unit, frequency, start, stop, indication=0) -> _Episodes:
        n = len(patient)

        def full(value, dtype):
            return np.broadcast_to(np.asarray(value), (n,)).astype(dtype)

        return cls(
            patient=np.asarray(patient, dtype=np.int64),
            drug=full(drug, np.int8),
            route=full(route, np.int8),
            dose=full(dose, np.float64),
            unit=full(unit, np.int8),
            frequency=full(frequency, np.int8),
            start=full(start, np.int64),
            stop=full(stop, np.int64),
            indication=full(indication, np.int8),
        )

    @classmethod
    def concat(cls, parts: list[_Episodes]) -> _Episodes:
        return cls(**{name: np.concatenate([getattr(p, name) for p in parts]) for name in cls.__dataclass_fields__})

    def take(self, rows: np.ndarray) -> _Episodes:
        return _Episodes(**{name: getattr(self, name)[rows] for name in self.__dataclass_fields__})


class _Body:
    """Weight, height and body-surface area of a chunk's patients on any day."""

    def __init__(self, cohort: Cohort) -> None:
        self.cohort = cohort

    def weight(self, patient: np.ndarray, day: np.ndarray) -> np.ndarray:
        c = self.cohort
        return growth.weight_kg(c.age_years(patient, day), c.is_male[patient], c.height_z[patient], c.weight_z[patient])

    def bsa(self, patient: np.ndarray, day: np.ndarray) -> np.ndarray:
        c = self.cohort
        height = growth.height_cm(c.age_years(patient, day), c.is_male[patient], c.height_z[patient])
        return growth.body_surface_area(height, self.weight(patient, day))


def _round_mg(mg: np.ndarray) -> np.ndarray:
    """Tablet-friendly doses: 2.5 mg steps above 10 mg, 1 mg above 2 mg, else 0.5 mg."""
    return np.where(mg >= 10, round_to(mg, 2.5), np.where(mg >= 2, round_to(mg, 1.0), round_to(mg, 0.5)))


# How a clinic writes a patient's oral corticosteroid doses.
MG_DAILY, MG_KG_DAILY, TWICE_DAILY_EARLY, ALTERNATE_DAYS_LATE, MG_M2_DAILY, G_DAILY = range(6)
STEROID_STYLE_MIX = (0.5, 0.15, 0.1, 0.1, 0.1, 0.05)
# Children whose tapers are oral methylprednisolone, 1.25 times as potent
# as prednisolone (seed drug_dictionary): the same effect in a smaller dose.
ORAL_METHYLPREDNISOLONE_SHARE = 0.1
METHYLPREDNISOLONE_POTENCY = 1.25
# Weekly oral methylprednisolone pulses (cyclophosphamide-treated children):
# 10 mg/kg, at most 500 mg, written in g, for 4-8 weeks from the second week.
WEEKLY_PULSE_SHARE, WEEKLY_PULSE_MG_PER_KG, WEEKLY_PULSE_MAX_MG = 0.2, 10.0, 500.0
# A single oral prednisolone dose (1 mg/kg) during the first taper.
SINGLE_ORAL_DOSE_SHARE = 0.15


def _taper(
    rng: np.random.Generator,
    body: _Body,
    style: np.ndarray,
    drug: np.ndarray,
    patient: np.ndarray,
    start: np.ndarray,
    mg_per_kg: np.ndarray,
    length: np.ndarray,
    steps: tuple[int, int],
    first_step: tuple[float, float],
) -> _Episodes:
    """One oral corticosteroid course per given patient (its drug: `drug`,
    prednisolone or methylprednisolone, per patient), as consecutive
    episodes.

    The dose falls as (1 - u) * exp(-k u), u = elapsed / length, k ~ 3.5-4.5:
    steep early (the 6-month dose is about a third of the starting dose), then
    slowly down to the last small dose just before `length`.
    """
    n_steps = rng.integers(steps[0], steps[1] + 1, len(patient))
    course, step = ragged(n_steps)
    # Step lengths: a fixed first step at full dose, the rest splitting the remainder.
    first = rng.uniform(*first_step, len(patient))
    weights = np.where(step == 0, 0.0, rng.uniform(0.6, 1.4, len(course)))
    totals = np.bincount(course, weights=weights, minlength=len(patient))
    share = weights / np.maximum(totals[course], 1e-9)
    rest = np.maximum(length - first, 30.0)
    duration = np.where(step == 0, first[course], share * rest[course])
    elapsed = np.round(cumsum_within(duration, n_steps) - duration).astype(np.int64)  # days before the step
    ends = np.r_[elapsed[1:], 0]
    is_last = np.r_[course[1:] != course[:-1], True]
    stop_offset = np.where(is_last, np.round(length[course]).astype(np.int64), ends) - 1

    k = rng.uniform(3.5, 4.5, len(patient))[course]
    u = elapsed / length[course]
    dose_mgkg = mg_per_kg[course] * (1 - u) * np.exp(-k * u)
    who = patient[course]
    day = start[course] + elapsed
    weight = body.weight(who, day)
    # The drug's own mg: oral methylprednisolone needs 1/1.25 of the
    # prednisolone dose for the same effect.
    methylprednisolone = drug[who] == codes.METHYLPREDNISOLONE
    mg_day = np.minimum(dose_mgkg * weight, MAX_DAILY_PREDNISOLONE_MG) / np.where(
        methylprednisolone, METHYLPREDNISOLONE_POTENCY, 1.0)

    s = style[who]
    unit = np.full(len(who), codes.MG, dtype=np.int8)
    freq = np.full(len(who), codes.DAILY, dtype=np.int8)
    dose = _round_mg(mg_day)
    per_kg = s == MG_KG_DAILY
    dose = np.where(per_kg, round_to(mg_day / weight, 0.05), dose)
    unit[per_kg] = codes.MG_KG
    per_m2 = s == MG_M2_DAILY
    dose = np.where(per_m2, round_to(mg_day / body.bsa(who, day), 1.0), dose)
    unit[per_m2] = codes.MG_M2
    in_grams = s == G_DAILY  # 12.5 mg written as 0.0125 g
    dose = np.where(in_grams, _round_mg(mg_day) / 1000, dose)
    unit[in_grams] = codes.G
    split = (s == TWICE_DAILY_EARLY) & (step < 2)
    dose = np.where(split, _round_mg(mg_day / 2), dose)
    freq[split] = codes.TWICE_DAILY
    alternate = (s == ALTERNATE_DAYS_LATE) & (elapsed >= 0.45 * length[course])
    dose = np.where(alternate, _round_mg(2 * mg_day), dose)
    freq[alternate] = codes.ALTERNATE_DAYS

    episodes = _Episodes.of(who, drug[who], codes.ORAL, dose, unit, freq, day, start[course] + stop_offset)
    # A dose that rounds to nothing means the taper has finished: drop that
    # step and every later one of the course, so the episodes stay consecutive.
    zeros_so_far = cumsum_within((dose <= 0).astype(np.int64), n_steps)
    return episodes.take(np.flatnonzero(zeros_so_far == 0))


def _pulses(rng: np.random.Generator, body: _Body, patient: np.ndarray, start: np.ndarray) -> _Episodes:
    """Three daily IV methylprednisolone pulses, 30 mg/kg (at most 1 g) each."""
    who = np.repeat(patient, 3)
    day = np.repeat(start, 3) + np.tile(np.arange(3), len(patient))
    weight = body.weight(who, day)
    capped = IVMP_MG_PER_KG * weight >= IVMP_MAX_MG
    in_grams = np.repeat(rng.random(len(patient)) < 0.3, 3)
    per_kg = np.repeat(rng.random(len(patient)) < 0.5, 3)
    dose = np.where(capped, np.where(in_grams, 1.0, IVMP_MAX_MG), np.where(per_kg, IVMP_MG_PER_KG, round_to(IVMP_MG_PER_KG * weight, 10)))
    unit = np.where(capped, np.where(in_grams, codes.G, codes.MG), np.where(per_kg, codes.MG_KG, codes.MG))
    stop = np.where(rng.random(len(who)) < 0.8, day, codes.NO_DATE)
    return _Episodes.of(who, codes.METHYLPREDNISOLONE, codes.IV, dose, unit, codes.ONCE, day, stop)


def _weekly_pulses(rng: np.random.Generator, body: _Body, patient: np.ndarray, start: np.ndarray) -> _Episodes:
    """Weekly oral methylprednisolone, 10 mg/kg (at most 500 mg) written in
    g, for 4-8 weeks: one episode each, on top of a taper."""
    weeks = rng.integers(4, 9, len(patient))
    mg = np.minimum(WEEKLY_PULSE_MG_PER_KG * body.weight(patient, start), WEEKLY_PULSE_MAX_MG)
    dose = np.maximum(round_to(mg, 50.0), 50.0) / 1000
    return _Episodes.of(patient, codes.METHYLPREDNISOLONE, codes.ORAL, dose, codes.G, codes.WEEKLY, start,
                        start + 7 * weeks - 1)


def _single_oral_doses(rng: np.random.Generator, body: _Body, patient: np.ndarray, day: np.ndarray) -> _Episodes:
    """One oral prednisolone dose of 1 mg/kg (mg/kg or mg) on the given days;
    most written with stop_date = start_date, some without."""
    per_kg = rng.random(len(patient)) < 0.5
    dose = np.where(per_kg, 1.0, _round_mg(body.weight(patient, day)))
    stop = np.where(rng.random(len(patient)) < 0.8, day, codes.NO_DATE)
    return _Episodes.of(patient, codes.PREDNISOLONE, codes.ORAL, dose, np.where(per_kg, codes.MG_KG, codes.MG),
                        codes.ONCE, day, stop)


def _cyclophosphamide(rng: np.random.Generator, body: _Body, cohort: Cohort, course: Course) -> _Episodes:
    """Monthly IV infusions from the index date: 500 mg/m2, then 750-1000 mg/m2."""
    patient = np.flatnonzero(cohort.has_cyc)
    n_inf = rng.integers(6, 13, len(patient))
    owner, k = ragged(n_inf)
    who = patient[owner]
    gap = np.where(k == 0, 0, rng.integers(26, 36, len(owner)))
    day = cohort.cyc_index_date[who] + cumsum_within(gap, n_inf)
    target = np.where(rng.random(len(patient)) < 0.6, 1000.0, 750.0)
    target[rng.random(len(patient)) < 0.15] = 500.0  # low-dose (Euro-Lupus-like) regimen
    per_m2 = np.where(k == 0, 500.0, np.where(k == 1, np.minimum(750.0, target[owner]), target[owner]))
    in_mg = np.repeat(rng.random(len(patient)) < 0.3, n_inf)
    dose = np.where(in_mg, round_to(per_m2 * body.bsa(who, day), 10), per_m2)
    unit = np.where(in_mg, codes.MG, codes.MG_M2)
    stop = np.where(rng.random(len(owner)) < 0.85, day, codes.NO_DATE)
    return _Episodes.of(who, codes.CYCLOPHOSPHAMIDE, codes.IV, dose, unit, codes.ONCE, day, stop, course.cyc_indication[who])


def _episode(
    rng: np.random.Generator,
    patient: np.ndarray,
    drug: int,
    route,
    dose,
    unit,
    frequency,
    start: np.ndarray,
    duration: tuple[int, int],
) -> _Episodes:
    """One continuous episode per patient lasting a random number of days."""
    stop = start + rng.integers(duration[0], duration[1] + 1, len(patient))
    return _Episodes.of(patient, drug, route, dose, unit, frequency, start, stop)


def _pick(rng: np.random.Generator, eligible: np.ndarray, share: float | np.ndarray) -> np.ndarray:
    return np.flatnonzero(eligible & (rng.random(len(eligible)) < share))


def generate_medications(rng: np.random.Generator, cohort: Cohort, course: Course) -> Table:
    n = len(cohort)
    body = _Body(cohort)
    diag = cohort.diagnosis_date
    cyc = cohort.has_cyc
    everyone = np.ones(n, dtype=bool)
    style = rng.choice(len(STEROID_STYLE_MIX), size=n, p=STEROID_STYLE_MIX)
    taper_drug = np.where(rng.random(n) < ORAL_METHYLPREDNISOLONE_SHARE, codes.METHYLPREDNISOLONE, codes.PREDNISOLONE)
    parts: list[_Episodes] = []

    # --- steroid courses: at diagnosis; again from the first CYC infusion or a relapse
    first_start = diag + rng.integers(0, 11, n)
    relapse = np.isfinite(cohort.flare_day) & ~cyc  # a treated child's relapse: the course's taper covers it
    second_start = np.full(n, codes.NO_DATE, dtype=np.int64)
    second_start[cyc] = cohort.cyc_index_date[cyc]
    second_start[relapse] = diag[relapse] + cohort.flare_day[relapse].astype(np.int64) + rng.integers(0, 15, int(relapse.sum()))
    all_p = np.arange(n)
    first = _taper(rng, body, style, taper_drug, all_p, first_start, rng.uniform(1.0, 2.0, n), rng.uniform(365, 900, n), (5, 8), (28, 56))
    # The first course ends the day before the second begins (the dose goes back up).
    cut = second_start[first.patient]
    keep = (cut == codes.NO_DATE) | (first.start < cut)
    first, cut = first.take(np.flatnonzero(keep)), cut[keep]
    first.stop = np.where(cut != codes.NO_DATE, np.minimum(first.stop, cut - 1), first.stop)
    parts.append(first)
    c = np.flatnonzero(cyc)
    parts.append(_taper(rng, body, style, taper_drug, c, second_start[c], rng.uniform(0.8, 2.0, len(c)), rng.uniform(520, 800, len(c)), (5, 8), (28, 42)))
    r = np.flatnonzero(relapse)
    parts.append(_taper(rng, body, style, taper_drug, r, second_start[r], rng.uniform(0.5, 1.0, len(r)), rng.uniform(120, 365, len(r)), (3, 5), (14, 28)))

    # --- oral extras that overlap a taper: weekly methylprednisolone pulses
    # with cyclophosphamide, and a single dose during the first taper
    p = _pick(rng, cyc, WEEKLY_PULSE_SHARE)
    parts.append(_weekly_pulses(rng, body, p, cohort.cyc_index_date[p] + 7))
    p = _pick(rng, everyone, SINGLE_ORAL_DOSE_SHARE)
    parts.append(_single_oral_doses(rng, body, p, first_start[p] + rng.integers(14, 120, len(p))))

    # --- IV methylprednisolone pulses for the sicker children
    severe = course.muscle.level_at_diagnosis > 0.6
    p = _pick(rng, everyone, np.where(severe, 0.6, 0.3))
    parts.append(_pulses(rng, body, p, first_start[p]))
    pulsed = np.zeros(n, dtype=bool)
    pulsed[p] = True
    # No second set of pulses within a month of the first (it would overlap).
    p = _pick(rng, cyc & ~(pulsed & (cohort.cyc_index_date - first_start < 30)), 0.6)
    parts.append(_pulses(rng, body, p, cohort.cyc_index_date[p]))
    p = _pick(rng, relapse, 0.3)
    parts.append(_pulses(rng, body, p, second_start[p]))

    parts.append(_cyclophosphamide(rng, body, cohort, course))

    # --- methotrexate 15 mg/m2 weekly (max 25 mg), SC or oral; some switch oral -> SC
    p = _pick(rng, everyone, np.where(cyc, 0.95, 0.85))
    start = diag[p] + rng.integers(0, 31, len(p))
    stop = start + rng.integers(540, 1461, len(p))
    switch = np.where(rng.random(len(p)) < 0.25, start + rng.integers(60, 271, len(p)), codes.NO_DATE)
    switches = switch != codes.NO_DATE
    per_m2 = rng.random(len(p)) < 0.5
    mg = np.minimum(round_to(15 * body.bsa(p, start), 2.5), 25.0)
    dose = np.where(per_m2, 15.0, mg)
    unit = np.where(per_m2, codes.MG_M2, codes.MG)
    route = np.where(switches | (rng.random(len(p)) < 0.4), codes.ORAL, codes.SC)
    parts.append(_Episodes.of(p, codes.METHOTREXATE, route, dose, unit, codes.WEEKLY, start, np.where(switches, switch - 1, stop)))
    s = np.flatnonzero(switches)
    parts.append(_Episodes.of(p[s], codes.METHOTREXATE, codes.SC, dose[s], unit[s], codes.WEEKLY, switch[s], stop[s]))

    # --- second-line and adjunct drugs
    p = _pick(rng, everyone, 0.18)  # hydroxychloroquine for skin disease
    start = diag[p] + rng.integers(30, 541, len(p))
    dose = np.where(body.weight(p, start) >= 30, 200.0, 100.0)
    parts.append(_episode(rng, p, codes.HYDROXYCHLOROQUINE, codes.ORAL, dose, codes.MG, codes.DAILY, start, (365, 1100)))

    p = _pick(rng, everyone, np.where(cyc, 0.25, 0.10))  # ciclosporin 2.5 mg/kg twice daily
    start = diag[p] + rng.integers(60, 501, len(p))
    per_kg = rng.random(len(p)) < 0.5
    dose = np.where(per_kg, 2.5, round_to(2.5 * body.weight(p, start), 5))
    parts.append(_episode(rng, p, codes.CICLOSPORIN, codes.ORAL, dose, np.where(per_kg, codes.MG_KG, codes.MG), codes.TWICE_DAILY, start, (180, 720)))

    # mycophenolate: maintenance after a cyclophosphamide course, or second line
    p = _pick(rng, everyone, np.where(cyc, 0.4, 0.06))
    start = np.where(cyc[p], cohort.cyc_index_date[p] + rng.integers(200, 400, len(p)), diag[p] + rng.integers(365, 1461, len(p)))
    per_m2 = rng.random(len(p)) < 0.5
    dose = np.where(per_m2, 600.0, np.minimum(round_to(600 * body.bsa(p, start), 50), 1000.0))
    parts.append(_episode(rng, p, codes.MYCOPHENOLATE, codes.ORAL, dose, np.where(per_m2, codes.MG_M2, codes.MG), codes.TWICE_DAILY, start, (365, 1100)))

    p = _pick(rng, everyone, np.where(cyc, 0.15, 0.06))  # IVIG 2 g/kg monthly
    start = diag[p] + rng.integers(30, 721, len(p))
    in_g = rng.random(len(p)) < 0.5
    dose = np.where(in_g, np.round(2 * body.weight(p, start)), 2000.0)
    parts.append(_episode(rng, p, codes.IVIG, codes.IV, dose, np.where(in_g, codes.G, codes.MG_KG), codes.MONTHLY, start, (120, 540)))

    p = _pick(rng, everyone, np.where(cyc, 0.12, 0.02))  # rituximab: two infusions a fortnight apart
    start = np.where(cyc[p], cohort.cyc_index_date[p] + rng.integers(250, 700, len(p)), diag[p] + rng.integers(365, 1461, len(p)))
    who, k = ragged(np.full(len(p), 2))
    day = start[who] + 14 * k
    per_m2 = np.repeat(rng.random(len(p)) < 0.5, 2)
    dose = np.where(per_m2, 750.0, np.minimum(round_to(750 * body.bsa(p[who], day), 50), 1000.0))
    stop = np.where(rng.random(len(day)) < 0.8, day, codes.NO_DATE)
    parts.append(_Episodes.of(p[who], codes.RITUXIMAB, codes.IV, dose, np.where(per_m2, codes.MG_M2, codes.MG), codes.ONCE, day, stop))

    p = _pick(rng, everyone, np.where(cyc, 0.06, 0.015))  # infliximab 6 mg/kg monthly
    start = diag[p] + rng.integers(365, 1461, len(p))
    parts.append(_episode(rng, p, codes.INFLIXIMAB, codes.IV, 6.0, codes.MG_KG, codes.MONTHLY, start, (180, 720)))

    p = _pick(rng, everyone, 0.015)  # tacrolimus 0.05 mg/kg twice daily
    start = diag[p] + rng.integers(180, 1461, len(p))
    dose = np.maximum(round_to(0.05 * body.weight(p, start), 0.5), 0.5)
    parts.append(_episode(rng, p, codes.TACROLIMUS, codes.ORAL, dose, codes.MG, codes.TWICE_DAILY, start, (180, 720)))

    p = _pick(rng, ~cyc, 0.01)  # oral cyclophosphamide: not the study's exposure
    start = diag[p] + rng.integers(90, 721, len(p))
    per_kg = rng.random(len(p)) < 0.5
    dose = np.where(per_kg, 2.0, round_to(2 * body.weight(p, start), 25))
    parts.append(_episode(rng, p, codes.CYCLOPHOSPHAMIDE, codes.ORAL, dose, np.where(per_kg, codes.MG_KG, codes.MG), codes.DAILY, start, (60, 120)))

    episodes = _Episodes.concat(parts)
    return _to_table(episodes, cohort)


def _to_table(episodes: _Episodes, cohort: Cohort) -> Table:
    """Cut episodes at the end of follow-up, sort, number and store as a table."""
    end = cohort.follow_up_end[episodes.patient]
    episodes = episodes.take(np.flatnonzero(episodes.start <= end))
    end = cohort.follow_up_end[episodes.patient]
    died = cohort.death_date[episodes.patient] != codes.NO_DATE
    # Still running when follow-up ended: the registry has no stop date,
    # except for a child who died, whose treatment stopped that day.
    running = episodes.stop > end
    episodes.stop = np.where(running, np.where(died, end, codes.NO_DATE), episodes.stop)
    order = np.lexsort((episodes.drug, episodes.start, episodes.patient))
    e = episodes.take(order)
    return Table(
        {
            "patient": cohort.number[e.patient],
            "id_patient": cohort.number[e.patient],
            "k": (cumcount(e.patient) + 1).astype(np.int32),
            "drug": e.drug,
            "route": e.route,
            "dose_micro": np.round(e.dose * 1_000_000).astype(np.int64),
            "unit": e.unit,
            "frequency": e.frequency,
            "start": e.start.astype(np.int32),
            "stop": e.stop.astype(np.int32),
            "indication": e.indication,
        }
    )

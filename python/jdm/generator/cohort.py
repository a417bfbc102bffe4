"""Who the patients are and when things happen to them (one chunk at a time).

Each patient gets demographics, a diagnosis, a timeline (symptom onset ->
diagnosis -> recruitment -> end of follow-up) and, for the severe ~15 %, the
date of a first IV cyclophosphamide infusion (the study's index date).

Cyclophosphamide patients are generated backwards from that index date so
that the published cohort's shape is controlled directly: how many were first
treated inside the study period, and how many of those fail the protocol's
eligibility (no baseline assessment, follow-up under a year). The counts are
fixed shares of the chunk (see `arrays.exact_mask`), so a 410-patient extract
lands near the published 56 treated / 48 analysed for any seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jdm.generator import codes
from jdm.generator.arrays import allocate, choose, exact_mask
from jdm.generator.tables import Table

YEAR = 365.25

CYC_SHARE = 0.148  # of the cohort: severe or refractory disease
CYC_IN_PERIOD_SHARE = 0.92  # of them: first infusion in 2000-2011
CYC_NO_BASELINE_SHARE = 0.05  # of them: no assessment near the first infusion
CYC_SHORT_FOLLOW_UP_SHARE = 0.05  # of them: left or died within a year
WITHDRAWAL_SHARE = 0.08
DEATH_SHARE = 0.008
FLARE_SHARE = 0.20  # non-CYC patients with one relapse (and a second steroid course)


@dataclass
class Cohort:
    """One chunk of patients; every array has one entry per patient.

    Dates are day numbers (days since 1970-01-01); `codes.NO_DATE` = none.
    """

    number: np.ndarray  # 1-based patient number: patient_id = JDM + zero-padded number
    sex: np.ndarray  # index into codes.SEXES
    ethnicity: np.ndarray  # index into codes.ETHNICITIES, MISSING = not recorded
    diagnosis: np.ndarray  # index into codes.DIAGNOSES
    date_of_birth: np.ndarray
    symptom_onset_date: np.ndarray
    diagnosis_date: np.ndarray
    recruitment_date: np.ndarray
    withdrawal_date: np.ndarray
    death_date: np.ndarray
    follow_up_end: np.ndarray  # last day anything is recorded for the patient
    height_z: np.ndarray
    weight_z: np.ndarray
    has_cyc: np.ndarray  # treated with IV cyclophosphamide
    cyc_index_date: np.ndarray  # first infusion (NO_DATE if untreated)
    cyc_no_baseline: np.ndarray  # 0 = has a baseline, 1 = no visit near index, 2 = visit without scores
    cyc_short_follow_up: np.ndarray
    flare_day: np.ndarray  # days after diagnosis of a relapse (inf = none)

    def __len__(self) -> int:
        return len(self.number)

    @property
    def is_male(self) -> np.ndarray:
        return self.sex == codes.SEXES.index("M")

    def age_years(self, idx: np.ndarray, day: np.ndarray) -> np.ndarray:
        return (day - self.date_of_birth[idx]) / YEAR


def _non_cyc_diagnosis_mix() -> np.ndarray:
    """Diagnosis mix of the untreated, so that the whole cohort matches DIAGNOSIS_MIX."""
    total = np.asarray(codes.DIAGNOSIS_MIX)
    cyc = np.asarray(codes.CYC_DIAGNOSIS_MIX)
    rest = np.clip(total - CYC_SHARE * cyc, 0, None)
    return rest / rest.sum()


def _diagnosis_lag(rng: np.random.Generator, n: int) -> np.ndarray:
    """Days from diagnosis to recruitment: incident cases join within weeks,
    prevalent cases (diagnosed before the registry reached them) years later."""
    incident = rng.random(n) < 0.55
    prevalent_lag = np.minimum(rng.exponential(1.5 * YEAR, n), 8 * YEAR)
    return np.where(incident, rng.uniform(0, 60, n), prevalent_lag).astype(np.int64)


def generate_cohort(rng: np.random.Generator, first_number: int, n: int) -> Cohort:
    """Patients first_number .. first_number + n - 1 (numbers are 1-based)."""
    number = np.arange(first_number, first_number + n, dtype=np.int64)
    sex = choose(rng, n, codes.SEX_MIX)
    ethnicity = choose(rng, n, codes.ETHNICITY_MIX).astype(np.int16)
    ethnicity[rng.random(n) < codes.ETHNICITY_MISSING] = codes.MISSING

    has_cyc = exact_mask(rng, n, CYC_SHARE)
    cyc_idx = np.flatnonzero(has_cyc)
    n_cyc = len(cyc_idx)
    diagnosis = np.empty(n, dtype=np.int8)
    diagnosis[has_cyc] = allocate(rng, n_cyc, codes.CYC_DIAGNOSIS_MIX)
    diagnosis[~has_cyc] = allocate(rng, n - n_cyc, _non_cyc_diagnosis_mix())

    # Age at diagnosis 1-17 years, right-skewed with a median near 6.5.
    age = np.clip(1.0 + rng.gamma(3.0, 2.0, n), 1.0, 17.9)

    # --- timeline of the untreated: recruitment spread over 1995-2012
    recruitment = rng.integers(codes.REGISTRY_START, codes.RECRUITMENT_END + 1, n)
    diagnosis_date = recruitment - _diagnosis_lag(rng, n)

    # --- timeline of the treated: fixed from the first infusion backwards
    cyc_index = np.full(n, codes.NO_DATE, dtype=np.int64)
    in_period = exact_mask(rng, n_cyc, CYC_IN_PERIOD_SHARE)
    period_lo, period_hi = codes.STUDY_PERIOD
    early = rng.random(n_cyc) < 0.5  # out-of-period infusions: late 1990s or 2012
    out_lo = np.where(early, period_lo - 540, period_hi + 1)
    out_hi = np.where(early, period_lo - 1, period_hi + 366)
    index = np.where(
        in_period,
        rng.integers(period_lo, period_hi + 1, n_cyc),
        rng.integers(out_lo, out_hi + 1),
    )
    cyc_index[cyc_idx] = index
    # Severe at presentation (ulceration, weakness) -> within weeks of diagnosis;
    # refractory to first-line treatment -> typically about a year later.
    at_presentation = rng.random(n_cyc) < 0.3
    delay = np.where(
        at_presentation,
        rng.uniform(3, 60, n_cyc),
        np.clip(rng.lognormal(np.log(330), 0.7, n_cyc), 60, 2500),
    ).astype(np.int64)
    diagnosis_date[cyc_idx] = index - delay
    cyc_recruitment = diagnosis_date[cyc_idx] + _diagnosis_lag(rng, n_cyc)
    # The registry opened in 1995: earlier patients were recruited in its first year.
    cyc_recruitment = np.where(
        cyc_recruitment < codes.REGISTRY_START,
        codes.REGISTRY_START + rng.integers(0, 365, n_cyc),
        np.minimum(cyc_recruitment, codes.RECRUITMENT_END),
    )
    recruitment[cyc_idx] = np.maximum(cyc_recruitment, diagnosis_date[cyc_idx])

    date_of_birth = diagnosis_date - np.round(age * YEAR).astype(np.int64)
    onset_delay = np.clip(rng.lognormal(np.log(120), 0.8, n), 14, 1500).astype(np.int64)
    onset_delay = np.minimum(onset_delay, diagnosis_date - date_of_birth - 30)
    symptom_onset = diagnosis_date - onset_delay

    # --- follow-up: seen until discharge/transfer (years after diagnosis,
    # or on reaching adulthood), but at least a while after recruitment.
    horizon = diagnosis_date + np.clip(rng.lognormal(np.log(7 * YEAR), 0.5, n), YEAR, 20 * YEAR).astype(np.int64)
    adult = date_of_birth + (rng.uniform(16, 19, n) * YEAR).astype(np.int64)
    discharge = np.maximum(np.minimum(horizon, adult), recruitment + rng.integers(180, 1100, n))

    withdrawal = np.full(n, codes.NO_DATE, dtype=np.int64)
    death = np.full(n, codes.NO_DATE, dtype=np.int64)
    leaves = exact_mask(rng, n, WITHDRAWAL_SHARE)
    dies = exact_mask(rng, n, DEATH_SHARE) & ~leaves
    span = np.maximum(discharge - recruitment, 1)
    withdrawal[leaves] = (recruitment + rng.uniform(0.1, 0.95, n) * span)[leaves]
    death[dies] = (recruitment + rng.uniform(0.05, 1.0, n) * span)[dies]

    # --- the treated: enough follow-up after the index date, except the few
    # the protocol excludes for short follow-up.
    cyc_short = np.zeros(n, dtype=bool)
    cyc_no_baseline = np.zeros(n, dtype=np.int8)
    short = exact_mask(rng, n_cyc, CYC_SHORT_FOLLOW_UP_SHARE)
    no_base = exact_mask(rng, n_cyc, CYC_NO_BASELINE_SHARE) & ~short
    cyc_short[cyc_idx] = short
    cyc_no_baseline[cyc_idx[no_base]] = rng.integers(1, 3, int(no_base.sum()))
    kept = cyc_idx[~short]
    min_end = index[~short] + rng.integers(480, 1100, len(kept))
    discharge[kept] = np.maximum(discharge[kept], min_end)
    for event in (withdrawal, death):
        has = event[kept] != codes.NO_DATE
        event[kept] = np.where(has, np.maximum(event[kept], min_end), codes.NO_DATE)
    gone = cyc_idx[short]
    end = index[short] + rng.integers(30, 300, len(gone))
    how = rng.random(len(gone))  # 60 % withdrawn, 30 % died, 10 % lost to follow-up
    withdrawal[gone] = np.where(how < 0.6, end, codes.NO_DATE)
    death[gone] = np.where((how >= 0.6) & (how < 0.9), end, codes.NO_DATE)
    discharge[gone] = end
    recruitment[gone] = np.minimum(recruitment[gone], end)

    # Nothing can happen after the extract was taken.
    for event in (withdrawal, death):
        event[event > codes.EXTRACT_DATE] = codes.NO_DATE
    follow_up_end = np.minimum(discharge, codes.EXTRACT_DATE)
    for event in (withdrawal, death):
        has = event != codes.NO_DATE
        follow_up_end[has] = np.minimum(follow_up_end[has], event[has])

    flare_day = np.full(n, np.inf)
    flares = (rng.random(n) < FLARE_SHARE) & ~has_cyc
    flare_day[flares] = rng.uniform(400, 1800, int(flares.sum()))

    return Cohort(
        number=number,
        sex=sex,
        ethnicity=ethnicity,
        diagnosis=diagnosis,
        date_of_birth=date_of_birth,
        symptom_onset_date=symptom_onset,
        diagnosis_date=diagnosis_date,
        recruitment_date=recruitment,
        withdrawal_date=withdrawal,
        death_date=death,
        follow_up_end=follow_up_end,
        height_z=np.clip(rng.normal(0, 1, n), -2.5, 2.5),
        weight_z=np.clip(rng.normal(0, 1, n), -2.5, 2.5),
        has_cyc=has_cyc,
        cyc_index_date=cyc_index,
        cyc_no_baseline=cyc_no_baseline,
        cyc_short_follow_up=cyc_short,
        flare_day=flare_day,
    )


def patients_table(cohort: Cohort) -> Table:
    """The chunk's rows of patients.csv."""
    return Table(
        {
            "patient": cohort.number,
            "sex": cohort.sex,
            "date_of_birth": cohort.date_of_birth.astype(np.int32),
            "ethnicity": cohort.ethnicity,
            "symptom_onset_date": cohort.symptom_onset_date.astype(np.int32),
            "diagnosis_date": cohort.diagnosis_date.astype(np.int32),
            "diagnosis": cohort.diagnosis,
            "recruitment_date": cohort.recruitment_date.astype(np.int32),
            "withdrawal_date": cohort.withdrawal_date.astype(np.int32),
            "death_date": cohort.death_date.astype(np.int32),
        }
    )

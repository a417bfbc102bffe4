"""Who the patients are and when things happen to them (one chunk at a time).

Each patient gets demographics, a diagnosis and a timeline (symptom onset ->
diagnosis -> recruitment -> end of follow-up). Whether and when a child
starts IV cyclophosphamide is not decided here: `jdm.generator.treatment`
decides it month by month from what the registry records of the disease
(so that treatment is confounded by severity the way a marginal structural
model can undo). This module then places the treated children's timelines
around their first infusion (the study's index date) with `place_treated`.

The published cohort's shape is kept by fixed counts (see
`arrays.exact_mask`), nested so that a 410-patient extract gives the same
flow for any seed: of the treated (CYC_SHARE of the chunk), CYC_IN_PERIOD_SHARE
first treated inside the study period; the treated with a diagnosis outside
the study's eligible ones are all placed inside it; of the in-period
eligible, CYC_NO_BASELINE_SHARE have no baseline assessment, and of those
left CYC_SHORT_FOLLOW_UP_SHARE leave within a year (410 -> 56 -> 52 -> 50
-> 47).
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
CYC_NO_BASELINE_SHARE = 0.04  # of the in-period eligible: no assessment near the first infusion
CYC_SHORT_FOLLOW_UP_SHARE = 0.06  # of the in-period eligible with a baseline: left or died within a year
ELIGIBLE_DIAGNOSES = ("Definite JDM", "Probable JDM", "JDM overlap")
WITHDRAWAL_SHARE = 0.08
DEATH_SHARE = 0.008
FLARE_SHARE = 0.20  # patients with one relapse (and a second steroid course)


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
    onset_delay: np.ndarray  # days from first symptom to diagnosis (before the birth-date limit)

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


def _timeline(rng: np.random.Generator, n: int, age: np.ndarray) -> dict[str, np.ndarray]:
    """An untreated child's calendar: recruitment spread over 1995-2012, the
    diagnosis before it, follow-up until discharge, withdrawal or death."""
    recruitment = rng.integers(codes.REGISTRY_START, codes.RECRUITMENT_END + 1, n)
    diagnosis_date = recruitment - _diagnosis_lag(rng, n)
    date_of_birth = diagnosis_date - np.round(age * YEAR).astype(np.int64)
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
    return dict(recruitment=recruitment, diagnosis_date=diagnosis_date, date_of_birth=date_of_birth,
                discharge=discharge, withdrawal=withdrawal, death=death)


def _follow_up_end(discharge: np.ndarray, withdrawal: np.ndarray, death: np.ndarray) -> np.ndarray:
    """Nothing can happen after the extract was taken (events after it are cleared in place)."""
    for event in (withdrawal, death):
        event[event > codes.EXTRACT_DATE] = codes.NO_DATE
    end = np.minimum(discharge, codes.EXTRACT_DATE)
    for event in (withdrawal, death):
        has = event != codes.NO_DATE
        end[has] = np.minimum(end[has], event[has])
    return end


def generate_cohort(rng: np.random.Generator, first_number: int, n: int) -> Cohort:
    """Patients first_number .. first_number + n - 1 (numbers are 1-based),
    all untreated for now (see `place_treated`)."""
    number = np.arange(first_number, first_number + n, dtype=np.int64)
    sex = choose(rng, n, codes.SEX_MIX)
    ethnicity = choose(rng, n, codes.ETHNICITY_MIX).astype(np.int16)
    ethnicity[rng.random(n) < codes.ETHNICITY_MISSING] = codes.MISSING
    # The untreated mix for everyone; the treated are given theirs when
    # placed, so that the whole cohort matches DIAGNOSIS_MIX.
    diagnosis = allocate(rng, n, _non_cyc_diagnosis_mix())

    # Age at diagnosis 1-17 years, right-skewed with a median near 6.5.
    age = np.clip(1.0 + rng.gamma(3.0, 2.0, n), 1.0, 17.9)
    t = _timeline(rng, n, age)
    onset_delay = np.clip(rng.lognormal(np.log(120), 0.8, n), 14, 1500).astype(np.int64)
    follow_up_end = _follow_up_end(t["discharge"], t["withdrawal"], t["death"])

    flare_day = np.full(n, np.inf)
    flares = rng.random(n) < FLARE_SHARE
    flare_day[flares] = rng.uniform(400, 1800, int(flares.sum()))

    cohort = Cohort(
        number=number,
        sex=sex,
        ethnicity=ethnicity,
        diagnosis=diagnosis,
        date_of_birth=t["date_of_birth"],
        symptom_onset_date=np.zeros(n, dtype=np.int64),
        diagnosis_date=t["diagnosis_date"],
        recruitment_date=t["recruitment"],
        withdrawal_date=t["withdrawal"],
        death_date=t["death"],
        follow_up_end=follow_up_end,
        height_z=np.clip(rng.normal(0, 1, n), -2.5, 2.5),
        weight_z=np.clip(rng.normal(0, 1, n), -2.5, 2.5),
        has_cyc=np.zeros(n, dtype=bool),
        cyc_index_date=np.full(n, codes.NO_DATE, dtype=np.int64),
        cyc_no_baseline=np.zeros(n, dtype=np.int8),
        cyc_short_follow_up=np.zeros(n, dtype=bool),
        flare_day=flare_day,
        onset_delay=onset_delay,
    )
    _set_onset(cohort)
    return cohort


def _set_onset(cohort: Cohort) -> None:
    delay = np.minimum(cohort.onset_delay, cohort.diagnosis_date - cohort.date_of_birth - 30)
    cohort.symptom_onset_date = cohort.diagnosis_date - delay


def place_treated(rng: np.random.Generator, cohort: Cohort, start_day: np.ndarray,
                  no_baseline_candidates: np.ndarray) -> np.ndarray:
    """Place the treated children's timelines around their first infusion.

    start_day: days from diagnosis to the first infusion (inf = untreated),
    decided by `treatment.decide_starts`. The course, and so every visit
    before the first infusion, is in days since diagnosis: moving a child's
    calendar does not change what the registry records of the disease, only
    the dates. The treated are placed backwards from an index date, inside
    the study period for CYC_IN_PERIOD_SHARE of them.

    no_baseline_candidates: treated children with no scored visit in the 30
    days before the first infusion; the few without a baseline assessment
    are taken among them first (so their earlier record stays as it was).

    Returns the treated children's local indices, in patient order. Updates
    cohort in place.
    """
    treated = np.flatnonzero(np.isfinite(start_day))
    k = len(treated)
    c = cohort
    c.has_cyc[treated] = True
    delay = start_day[treated].astype(np.int64)

    # Diagnoses of the treated: the treated mix, in exact shares. The
    # ineligible ones go inside the study period (fixed counts at each step).
    dx = allocate(rng, k, codes.CYC_DIAGNOSIS_MIX)
    eligible_codes = [codes.DIAGNOSES.index(d) for d in ELIGIBLE_DIAGNOSES]
    is_eligible = np.isin(dx, eligible_codes)
    order = np.argsort(is_eligible, kind="stable")  # ineligible first: all inside the period
    n_in = int(round(k * CYC_IN_PERIOD_SHARE))
    in_period = np.zeros(k, dtype=bool)
    in_period[order[:n_in]] = True
    c.diagnosis[treated] = dx

    period_lo, period_hi = codes.STUDY_PERIOD
    early = rng.random(k) < 0.5  # out-of-period infusions: late 1990s or 2012
    out_lo = np.where(early, period_lo - 540, period_hi + 1)
    out_hi = np.where(early, period_lo - 1, period_hi + 366)
    index = np.where(in_period, rng.integers(period_lo, period_hi + 1, k), rng.integers(out_lo, out_hi + 1))
    c.cyc_index_date[treated] = index
    diagnosis_date = index - delay
    recruitment = diagnosis_date + _diagnosis_lag(rng, k)
    # The registry opened in 1995: earlier patients were recruited in its first year.
    recruitment = np.where(recruitment < codes.REGISTRY_START, codes.REGISTRY_START + rng.integers(0, 365, k),
                           np.minimum(recruitment, codes.RECRUITMENT_END))
    recruitment = np.maximum(recruitment, diagnosis_date)
    age = (c.diagnosis_date[treated] - c.date_of_birth[treated]).astype(np.int64)  # days, kept
    c.diagnosis_date[treated] = diagnosis_date
    c.date_of_birth[treated] = diagnosis_date - age
    c.recruitment_date[treated] = recruitment

    # Exclusions among the in-period eligible: no baseline, then short follow-up.
    flow = np.flatnonzero(in_period & is_eligible)
    n_no_base = int(round(len(flow) * CYC_NO_BASELINE_SHARE))
    candidates = no_baseline_candidates[treated[flow]]
    pick = rng.permutation(len(flow))
    pick = pick[np.argsort(~candidates[pick], kind="stable")]  # candidates first
    no_base = np.zeros(k, dtype=bool)
    no_base[flow[pick[:n_no_base]]] = True
    rest = flow[~no_base[flow]]
    short = np.zeros(k, dtype=bool)
    short[rest[rng.permutation(len(rest))[: int(round(len(rest) * CYC_SHORT_FOLLOW_UP_SHARE))]]] = True
    c.cyc_no_baseline[treated[no_base]] = rng.integers(1, 3, int(no_base.sum()))
    c.cyc_short_follow_up[treated] = short

    # Follow-up: at least 480-1100 days after the index date (the published
    # cohort was followed for years), except the few who leave within a year.
    horizon = diagnosis_date + np.clip(rng.lognormal(np.log(7 * YEAR), 0.5, k), YEAR, 20 * YEAR).astype(np.int64)
    adult = c.date_of_birth[treated] + (rng.uniform(16, 19, k) * YEAR).astype(np.int64)
    min_end = index + rng.integers(480, 1100, k)
    discharge = np.maximum(np.minimum(horizon, adult), min_end)
    withdrawal = np.full(k, codes.NO_DATE, dtype=np.int64)
    death = np.full(k, codes.NO_DATE, dtype=np.int64)
    leaves = rng.random(k) < WITHDRAWAL_SHARE
    dies = (rng.random(k) < DEATH_SHARE) & ~leaves
    settled = np.maximum(min_end, recruitment)  # leaving comes after joining
    discharge = np.maximum(discharge, settled)
    span = np.maximum(discharge - settled, 1)
    withdrawal[leaves] = (settled + rng.uniform(0.0, 0.95, k) * span)[leaves]
    death[dies] = (settled + rng.uniform(0.0, 1.0, k) * span)[dies]
    end = index + rng.integers(30, 300, k)
    how = rng.random(k)  # 60 % withdrawn, 30 % died, 10 % lost to follow-up
    withdrawal[short] = np.where(how < 0.6, end, codes.NO_DATE)[short]
    death[short] = np.where((how >= 0.6) & (how < 0.9), end, codes.NO_DATE)[short]
    discharge[short] = end[short]
    c.recruitment_date[treated] = np.where(short, np.minimum(recruitment, end), recruitment)
    c.follow_up_end[treated] = _follow_up_end(discharge, withdrawal, death)
    c.withdrawal_date[treated] = withdrawal
    c.death_date[treated] = death
    _set_onset(cohort)
    return treated


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

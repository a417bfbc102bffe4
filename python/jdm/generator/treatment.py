"""Who starts IV cyclophosphamide, when, and what it does: a known effect,
confounded by severity, for a marginal structural model to recover.

**When a course starts.** Month by month from diagnosis, a child not yet
treated starts a course with probability (a discrete-time hazard)

    logit h = delta + 0.30 x physician global + 0.30 x DAS skin
              + 0.05 x (52 - CMAS) + missing-value terms

read from what the registry RECORDED before that month: each score's last
value at a visit before the month starts and at most CARRY_FORWARD_DAYS
(183) earlier, or missing (then the score's term is replaced by a constant:
MISSING_TERMS). This is exactly what the warehouse's person-time
(`int_person_time_activity_runs`) carries forward, so the pooled logistic
model of starting given the previous month's activity is correctly
specified (a linear logit in the carried values with missing indicators;
it also has a spline in time and the baseline covariates, whose true
coefficients here are 0). Sicker children, by the scores the registry
records, start sooner and more often: confounding by severity. The
natural history that decides the scores (`course`) goes on the same for
everyone, treated or not, so given the recorded past, starting is
independent of the untreated future (sequential exchangeability holds by
construction).

Months (the warehouse's too): month m of a child runs from day
floor(m x 30.4375) after diagnosis to the day before month m + 1 starts
(30.4375 = 365.25 / 12 = 487 / 16: whole-number arithmetic in Python and
SQL alike). A child is at risk from month 0 to the month of their last
visit of an untreated follow-up. The first infusion falls on a uniformly
drawn day of the month the course starts in.

**How many.** delta is chosen per chunk (bisection) so that exactly
round(n x CYC_SHARE) children start a course (the published share: the
cohort's shape is fixed counts). That makes delta depend on the chunk's
histories through one number, which for one child's own history is an
O(1/n) influence: negligible next to the sampling error at 410 patients
and none in practice at larger sizes.

**The effect.** From the first infusion, DAS skin falls by
`das_skin` x min(1, days since the first infusion / ramp_days) and
physician global by `physician_global` x the same ramp (defaults: the
follow-up paper's estimates, -1.19 and -0.66, ramping in linearly over
the six months of a typical monthly course, then constant for ever).
The shift is added to the continuous score before it is rounded to the
recorded precision and limited to its range (DAS skin 0-9, physician
global 0-10): a child whose untreated score is already near 0 cannot fall
by the whole effect, so the realised average effect is smaller in size
than the nominal one. The generator can write each visit's recorded score
without and with the full effect (`generate_extract(truth_path=...)`), so
a check can compute the realised effect the model estimates. Nothing else
(muscle scores, enzymes, visit frequency, skin signs) is changed by
treatment.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jdm.generator.arrays import cumsum_within
from jdm.generator.cohort import CYC_SHARE

MONTH_NUMERATOR, MONTH_DENOMINATOR = 487, 16  # a month is 487/16 = 30.4375 days
CARRY_FORWARD_DAYS = 183  # a score older than this at the start of a month is missing
# Hazard of starting, per month, on the logit scale (delta calibrated).
HAZARD_PER_PHYSICIAN_GLOBAL = 0.3  # per cm
HAZARD_PER_DAS_SKIN = 0.25  # per point
HAZARD_PER_CMAS_POINT_LOST = 0.2  # per point below 52
MISSING_TERMS = {"physician_global_vas": 2.0, "das_skin": 1.6, "cmas": 1.8}

DEFAULT_EFFECT_DAS_SKIN = -1.19
DEFAULT_EFFECT_PHYSICIAN_GLOBAL = -0.66
DEFAULT_RAMP_DAYS = 182.625  # six months


@dataclass(frozen=True)
class TreatmentEffect:
    """The true effect of a course on the recorded scores, in their units."""

    das_skin: float = DEFAULT_EFFECT_DAS_SKIN
    physician_global: float = DEFAULT_EFFECT_PHYSICIAN_GLOBAL
    ramp_days: float = DEFAULT_RAMP_DAYS

    def at(self, days_since_start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(DAS skin shift, physician global shift) at these days since the
        first infusion (negative or -inf: before it, no shift)."""
        d = np.asarray(days_since_start, dtype=float)
        ramp = np.where(d >= 0, np.minimum(1.0, np.maximum(d, 0) / self.ramp_days) if self.ramp_days > 0 else 1.0, 0.0)
        ramp = np.nan_to_num(ramp, nan=0.0)
        return self.das_skin * ramp, self.physician_global * ramp


def month_start(m: np.ndarray) -> np.ndarray:
    """First day (after diagnosis) of month m."""
    return (np.asarray(m, dtype=np.int64) * MONTH_NUMERATOR) // MONTH_DENOMINATOR


def month_of(day: np.ndarray) -> np.ndarray:
    """The month a day after diagnosis falls in."""
    return (MONTH_DENOMINATOR * (np.asarray(day, dtype=np.int64) + 1) - 1) // MONTH_NUMERATOR


def carried_forward(v_patient: np.ndarray, v_day: np.ndarray, v_value: np.ndarray, present: np.ndarray,
                    q_patient: np.ndarray, q_day: np.ndarray, limit: int = CARRY_FORWARD_DAYS
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Per query (patient, day): the value of the patient's latest visit
    strictly before that day, at most `limit` days before it, among visits
    where the value is present. Returns (value, found). Visits sorted by
    (patient, day); days are whole numbers."""
    rows = np.flatnonzero(present)
    span = int(max(np.max(v_day, initial=0), np.max(q_day, initial=0))) + 2
    keys = v_patient[rows].astype(np.int64) * span + v_day[rows].astype(np.int64)
    q = q_patient.astype(np.int64) * span + q_day.astype(np.int64) - 1
    pos = np.searchsorted(keys, q, side="right") - 1
    found = pos >= 0
    pos = np.maximum(pos, 0)
    hit = rows[pos] if len(rows) else np.zeros(len(q), dtype=np.int64)
    if len(rows):
        found &= (v_patient[hit] == q_patient) & (v_day[hit] >= q_day - limit)
    else:
        found[:] = False
    return np.where(found, v_value[hit] if len(rows) else 0, 0), found


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, x)


def decide_starts(rng: np.random.Generator, n: int, v_patient: np.ndarray, v_day: np.ndarray,
                  scores: dict[str, tuple[np.ndarray, np.ndarray]], at_risk_until: np.ndarray,
                  share: float = CYC_SHARE) -> np.ndarray:
    """Day after diagnosis of each child's first infusion (inf = never).

    scores: per score name (physician_global_vas in cm, das_skin, cmas),
    (value, present) per visit of the natural history, visits sorted by
    (patient, day). at_risk_until: per child, the last day a course can
    start (their last visit of an untreated follow-up; -1: never)."""
    last_month = np.where(at_risk_until >= 0, month_of(np.maximum(at_risk_until, 0)), -1)
    months = np.maximum(last_month + 1, 0)
    patient = np.repeat(np.arange(n), months)
    m = np.arange(len(patient)) - np.repeat(np.cumsum(months) - months, months)
    start = month_start(m)
    logit = np.zeros(len(patient))
    weights = {"physician_global_vas": HAZARD_PER_PHYSICIAN_GLOBAL, "das_skin": HAZARD_PER_DAS_SKIN,
               "cmas": -HAZARD_PER_CMAS_POINT_LOST}
    for name, weight in weights.items():
        value, present = scores[name]
        carried, found = carried_forward(v_patient, v_day, value, present, patient, start)
        term = weight * (carried - (52.0 if name == "cmas" else 0.0))
        logit += np.where(found, term, MISSING_TERMS[name])
    threshold = rng.exponential(1.0, n)  # each child's own: start when the cumulative hazard passes it
    k = int(round(n * share))
    start_day = np.full(n, np.inf)
    if k == 0 or len(patient) == 0:
        return start_day

    def fired(delta: float) -> np.ndarray:
        total = np.bincount(patient, weights=_softplus(logit + delta), minlength=n)
        return total >= threshold

    low, high = -30.0, 30.0
    for _ in range(200):
        mid = (low + high) / 2
        count = int(fired(mid).sum())
        if count == k:
            break
        low, high = (mid, high) if count < k else (low, mid)
    delta = mid
    cumulative = cumsum_within(_softplus(logit + delta), months)
    crossed = np.flatnonzero(cumulative >= threshold[patient])
    first_patient, first = np.unique(patient[crossed], return_index=True)
    start_month = m[crossed[first]]
    lo, hi = month_start(start_month), month_start(start_month + 1)
    start_day[first_patient] = lo + rng.integers(0, hi - lo)
    return start_day


def no_baseline_candidates(n: int, v_patient: np.ndarray, v_day: np.ndarray, scored: np.ndarray,
                           start_day: np.ndarray) -> np.ndarray:
    """Treated children with no scored visit in the 30 days before their
    first infusion (they can lack a baseline assessment without losing a
    record the decision read)."""
    s = start_day[v_patient]
    near = scored & (v_day < s) & (v_day >= s - 30)
    has = np.bincount(v_patient[near], minlength=n) > 0
    return np.isfinite(start_day) & ~has



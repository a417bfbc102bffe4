"""The follow-up paper's causal estimate: a marginal structural model (MSM)
of IV cyclophosphamide on DAS skin and physician global over the whole
cohort, treated and untreated, from monthly person-time (marts.person_months).
Pure functions: data frames in, results out (I/O in jdm.study.analysis).

Every modelling choice, and why (also in docs/study.md, "Causal estimate and
trajectories"):

1. **Treatment is "starting" a course** (the first-ever IV dose), an
   absorbing state: once started, a child stays in the started categories
   (intention to treat from the first dose; courses are ~6 months).
2. **Weights.** Stabilised inverse-probability-of-treatment weights from two
   pooled logistic models (statsmodels GLM, binomial, logit link) fitted on
   the months at risk of starting (is_at_risk_of_starting: up to and
   including the month of the first dose):
   - denominator: starting this month given the previous month's activity
     (physician global, DAS skin, CMAS carried into the month, each as its
     value with a missing indicator, the value set to 0 when missing: a
     missing score is information too, and dropping those months would
     select on the recording habit), the baseline covariates and time
     since diagnosis;
   - numerator: the baseline covariates and time since diagnosis only.
   A child's weight in month m is the product over its months at risk up
   to m (up to the start month once started; the later factors are 1,
   since a started child cannot start again) of P(numerator)/P(denominator)
   of what happened. Weights are truncated at the 0.5th and 99.5th
   percentiles of all person-months' weights (TRUNCATE_PERCENTILES): the
   few extreme weights (a child who started with mild recorded activity,
   whom the denominator model found unlikely to start, carries a large
   weight through every later month) otherwise dominate the variance.
   Truncation trades bias for variance: at the more usual 1st/99th
   percentiles, pilot registries (3,000 patients, seeds 3 and 4, strong
   confounding) kept about a fifth of the confounding bias (the estimates
   moved ~0.15-0.25 towards the unweighted ones), at 0.5/99.5 much less,
   for almost the same standard error (benchmarks/msm_recovery.py prints
   both, and the untruncated, over 20 registries). The untruncated
   distribution and where it was cut are reported.
3. **Time since diagnosis** enters every model as a linear spline of
   months since diagnosis with knots at 3, 6, 12, 24 and 48 months
   (TIME_KNOTS): activity falls steeply in the first months and slowly
   after, and treated and untreated months are not spread alike over time,
   so time must be modelled flexibly in the outcome model as well as the
   weights. Linear splines need no extra package and extrapolate flat.
4. **Baseline covariates**: age at diagnosis (years), male sex (U and F
   together: unknown sex is rare), disease duration at diagnosis (months
   from first symptom). Children with any of them missing are left out
   (complete cases; counted in the method text).
5. **Outcome model.** Each outcome separately, on the months in which it
   was measured (no imputation): outcome ~ started 0-12 months earlier +
   started more than 12 months earlier + time spline + baseline
   covariates, weighted by the truncated stabilised weights; statsmodels
   GEE, Gaussian, clustered by child, independence working correlation
   (with time-varying treatment and weights, only the independence
   working correlation gives a consistent MSM estimator), robust (sandwich)
   standard errors, Wald 95 % CI and two-sided p-value. The estimate is the
   coefficient of "started more than 12 months earlier": the mean
   difference versus never or not yet treated, in the measure's units (a
   benefit is negative). The months 0-12 after the first dose are their
   own category rather than dropped or pooled: dropping them would lose
   children's time for no gain, pooling them with either side would mix in
   the months when the course is still taking effect.
6. **Unadjusted estimates** beside it: the same outcome model without
   weights ("unweighted": adjusted for time and baseline covariates but not
   for the activity that drove treatment, so it shows what the weights
   change) and a crude one (treatment categories only).
7. **Scale.** The weight models are fitted on at most
   MAX_WEIGHT_MODEL_PATIENTS children and the outcome model on at most
   MAX_OUTCOME_MODEL_PATIENTS, chosen by a stable hash of the patient id
   (all children below those sizes: 10,000 and 50,000, i.e. ~1,500 starts
   and ~850,000 outcome months); study_analysis reads and weights them in
   batches of 20,000 children. A million-patient registry then needs no
   more memory or time than a hundred thousand (measured: benchmarks/
   msm_scale.py), at a precision far beyond what the question needs.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats as scipy_stats

TIME_KNOTS = (3.0, 6.0, 12.0, 24.0, 48.0)
TRUNCATE_PERCENTILES = (0.5, 99.5)
ACTIVITY = ("previous_physician_global_vas", "previous_das_skin", "previous_cmas")
BASELINE = ("age_at_diagnosis_years", "is_male", "disease_duration_at_diagnosis_months")
CATEGORIES = ("started_up_to_12_months", "started_over_12_months")
OUTCOMES = {"das_skin": "outcome_das_skin", "physician_global_vas": "outcome_physician_global_vas"}
MAX_WEIGHT_MODEL_PATIENTS = 10_000
MAX_OUTCOME_MODEL_PATIENTS = 50_000


def stable_sample(patient_ids: Sequence[str], limit: int) -> list[str]:
    """At most `limit` patient ids, the same for the same ids on any machine:
    those with the smallest MD5 of the id (all of them if there are fewer)."""
    ids = list(patient_ids)
    if len(ids) <= limit:
        return sorted(ids)
    keyed = sorted(ids, key=lambda p: hashlib.md5(p.encode("utf-8")).digest())
    return sorted(keyed[:limit])


def time_spline(months: np.ndarray) -> np.ndarray:
    """Linear spline basis of months since diagnosis: t, (t - k)+ per knot."""
    t = np.asarray(months, dtype=float)
    return np.column_stack([t] + [np.maximum(t - k, 0.0) for k in TIME_KNOTS])


def _spline_names() -> list[str]:
    return ["months"] + [f"months_after_{int(k)}" for k in TIME_KNOTS]


def prepare(person_months: pd.DataFrame) -> pd.DataFrame:
    """Model columns from marts.person_months rows (one patient's rows
    together, in month order); children with a missing baseline covariate
    are dropped. Changes and returns the frame it is given (no copy: it
    can be large)."""
    pm = person_months
    pm["is_male"] = (pm["sex"] == "M").astype(float)
    for column in ("age_at_diagnosis_years", "disease_duration_at_diagnosis_months"):
        pm[column] = pd.to_numeric(pm[column], errors="coerce").astype(float)
    complete = pm[["age_at_diagnosis_years", "disease_duration_at_diagnosis_months"]].notna().all(axis=1)
    complete_patients = complete.groupby(pm["patient_id"]).transform("all")
    pm = pm[complete_patients & pm["sex"].notna()].sort_values(["patient_id", "month_number"], kind="stable")
    for column in ACTIVITY:
        value = pd.to_numeric(pm[column], errors="coerce").astype(float)
        pm[column + "_missing"] = value.isna().astype(float)
        pm[column + "_value"] = value.fillna(0.0)
        del pm[column]
    for category in CATEGORIES:
        pm["is_" + category] = (pm["treatment_category"] == category).astype(float)
    for column in OUTCOMES.values():
        pm[column] = pd.to_numeric(pm[column], errors="coerce").astype(float)
    return pm.drop(columns=["sex", "treatment_category"]).reset_index(drop=True)


def _design(pm: pd.DataFrame, activity: bool) -> np.ndarray:
    columns = [np.ones(len(pm)), *time_spline(pm["month_number"].to_numpy()).T, *(pm[c].to_numpy() for c in BASELINE)]
    if activity:
        for c in ACTIVITY:
            columns += [pm[c + "_value"].to_numpy(), pm[c + "_missing"].to_numpy()]
    return np.column_stack(columns)


def design_names(activity: bool) -> list[str]:
    names = ["intercept", *_spline_names(), *BASELINE]
    if activity:
        for c in ACTIVITY:
            names += [c, c + "_missing"]
    return names


@dataclass(frozen=True)
class WeightModels:
    denominator: np.ndarray  # coefficients, design_names(activity=True)
    numerator: np.ndarray  # design_names(activity=False)
    at_risk_months: int
    starts: int
    patients: int


def independent_columns(x: np.ndarray, tolerance: float = 1e-9) -> list[int]:
    """The columns of `x` to fit, in order: each kept unless it is (within
    `tolerance`) a linear combination of the columns kept before it, as R's
    glm aliases a coefficient. A constant column after the intercept, a
    column of zeros, or two missing-value flags that are always equal in
    these rows make the design singular: Newton's Hessian cannot be
    inverted (a small registry raised LinAlgError). From the k x k Gram
    matrix: column j's squared distance from the span of the kept columns,
    relative to its squared length."""
    gram = x.T @ x
    kept: list[int] = []
    for j in range(x.shape[1]):
        if gram[j, j] <= 0:
            continue
        residual = gram[j, j]
        if kept:
            b = gram[kept, j]
            residual -= b @ np.linalg.solve(gram[np.ix_(kept, kept)], b)
        if residual > tolerance * gram[j, j]:
            kept.append(j)
    return kept


def _logistic(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Coefficients of a logistic regression; a column that adds nothing to
    the ones before it in these rows (independent_columns: e.g. a score never
    missing, a covariate all patients share) gets 0."""
    kept = independent_columns(x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # Newton-Raphson: IRLS's pseudo-inverse of the n x k weighted design
        # took ~6 GiB on 2 M months (100,000-patient registry); Newton needs
        # only k x k Hessians.
        result = sm.GLM(y, x[:, kept], family=sm.families.Binomial()).fit(method="newton", maxiter=100, disp=0)
    params = np.zeros(x.shape[1])
    params[kept] = np.nan_to_num(np.asarray(result.params, dtype=float))
    return params


def fit_weight_models(pm: pd.DataFrame) -> WeightModels:
    """The two pooled logistic models of starting, on the months at risk."""
    at_risk = pm[pm["is_at_risk_of_starting"].astype(bool)]
    y = at_risk["is_treatment_start_month"].astype(float).to_numpy()
    return WeightModels(
        denominator=_logistic(y, _design(at_risk, activity=True)),
        numerator=_logistic(y, _design(at_risk, activity=False)),
        at_risk_months=len(at_risk), starts=int(y.sum()), patients=at_risk["patient_id"].nunique(),
    )


def _log_p(linear: np.ndarray, started: np.ndarray) -> np.ndarray:
    """log P(what happened) under a logistic model with this linear predictor."""
    return np.where(started, -np.logaddexp(0.0, -linear), -np.logaddexp(0.0, linear))


def stabilised_weights(pm: pd.DataFrame, models: WeightModels) -> np.ndarray:
    """Per person-month (pm sorted by patient, month): the product over the
    child's months at risk so far of numerator / denominator probabilities."""
    at_risk = pm["is_at_risk_of_starting"].astype(bool).to_numpy()
    started = pm["is_treatment_start_month"].astype(bool).to_numpy()
    log_ratio = (_log_p(_design(pm, False) @ models.numerator, started)
                 - _log_p(_design(pm, True) @ models.denominator, started))
    log_ratio = np.where(at_risk, log_ratio, 0.0)
    cumulative = pd.Series(log_ratio).groupby(pm["patient_id"].to_numpy()).cumsum().to_numpy()
    return np.exp(cumulative)


@dataclass(frozen=True)
class WeightSummary:
    n_person_months: int
    mean: float
    sd: float
    minimum: float
    p1: float
    median: float
    p99: float
    maximum: float
    truncated_low: float  # the weights below this were set to it
    truncated_high: float
    truncated_share: float


def truncate(weights: np.ndarray, percentiles: tuple[float, float] = TRUNCATE_PERCENTILES
             ) -> tuple[np.ndarray, WeightSummary]:
    w = np.asarray(weights, dtype=float)
    low, high = np.percentile(w, percentiles)
    q = np.percentile(w, [1, 50, 99])
    summary = WeightSummary(len(w), float(w.mean()), float(w.std(ddof=1)) if len(w) > 1 else 0.0, float(w.min()),
                            float(q[0]), float(q[1]), float(q[2]), float(w.max()), float(low), float(high),
                            float(np.mean((w < low) | (w > high))))
    return np.clip(w, low, high), summary


@dataclass(frozen=True)
class Effect:
    """One treatment category's coefficient in one outcome model."""

    outcome: str
    model: str  # msm, unweighted, crude
    category: str  # started_over_12_months or started_up_to_12_months
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    z: float
    p_value: float
    n_patients: int
    n_person_months: int


def outcome_model(pm: pd.DataFrame, outcome: str, weights: np.ndarray | None, adjusted: bool = True,
                  model: str = "msm") -> list[Effect]:
    """GEE (Gaussian, independence, clustered by child, robust SE) of the
    outcome on the treatment categories (+ time spline and baseline
    covariates if adjusted) over the months where it was measured."""
    column = OUTCOMES[outcome]
    measured = pm[column].notna().to_numpy()
    rows = pm[measured]
    y = pd.to_numeric(rows[column]).astype(float).to_numpy()
    x = [np.ones(len(rows)), *(rows["is_" + c].to_numpy() for c in CATEGORIES)]
    if adjusted:
        x += [*time_spline(rows["month_number"].to_numpy()).T, *(rows[c].to_numpy() for c in BASELINE)]
    x = np.column_stack(x)
    w = None if weights is None else np.asarray(weights, dtype=float)[measured]
    groups = pd.factorize(rows["patient_id"])[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = sm.GEE(y, x, groups=groups, family=sm.families.Gaussian(),
                     cov_struct=sm.cov_struct.Independence(), weights=w).fit()
    params, se = np.asarray(fit.params), np.asarray(fit.bse)
    effects = []
    for i, category in enumerate(CATEGORIES, start=1):
        z = params[i] / se[i] if se[i] > 0 else np.nan  # no variation: no test
        effects.append(Effect(outcome, model, category, float(params[i]), float(se[i]),
                              float(params[i] - 1.959963984540054 * se[i]), float(params[i] + 1.959963984540054 * se[i]),
                              float(z), float(2 * scipy_stats.norm.sf(abs(z))), int(rows["patient_id"].nunique()),
                              int(len(rows))))
    return effects


@dataclass(frozen=True)
class MSMResult:
    effects: list[Effect]  # msm, unweighted and crude, per outcome and category
    weights: WeightSummary  # untruncated distribution (and where it was cut)
    weight_models: WeightModels
    patients: int
    person_months: int


OUTCOME_ROW_COLUMNS = ["patient_id", "month_number", *(f"is_{c}" for c in CATEGORIES), *BASELINE, *OUTCOMES.values()]


def weighted_outcome_rows(pm: pd.DataFrame, models: WeightModels) -> tuple[pd.DataFrame, np.ndarray]:
    """One batch of children (all their months, `prepare`d): the months
    with an outcome (only the columns the outcome model needs, and the
    untruncated weight), and every month's weight (for the percentiles)."""
    weights = stabilised_weights(pm, models)
    has_outcome = pm[list(OUTCOMES.values())].notna().any(axis=1).to_numpy()
    rows = pm.loc[has_outcome, OUTCOME_ROW_COLUMNS].assign(weight=weights[has_outcome])
    return rows.reset_index(drop=True), weights


def fit_outcomes(rows: pd.DataFrame, all_weights: np.ndarray, models: WeightModels, patients: int,
                 person_months: int) -> MSMResult:
    """The outcome models on the months with an outcome (`weighted_outcome_rows`
    of every batch), the weights truncated at the percentiles of all months."""
    _, summary = truncate(all_weights)
    weights = np.clip(rows["weight"].to_numpy(), summary.truncated_low, summary.truncated_high)
    effects = []
    for outcome in OUTCOMES:
        effects += outcome_model(rows, outcome, weights, model="msm")
        effects += outcome_model(rows, outcome, None, model="unweighted")
        effects += outcome_model(rows, outcome, None, adjusted=False, model="crude")
    return MSMResult(effects, summary, models, patients, person_months)


def marginal_structural_model(pm: pd.DataFrame, models: WeightModels | None = None) -> MSMResult:
    """The whole analysis on prepared person-months (`prepare`) held in
    memory at once. models: weight models fitted elsewhere (on a sample),
    else fitted here."""
    models = fit_weight_models(pm) if models is None else models
    rows, weights = weighted_outcome_rows(pm, models)
    return fit_outcomes(rows, weights, models, int(pm["patient_id"].nunique()), len(pm))

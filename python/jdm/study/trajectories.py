"""Trajectories after the index date: a linear mixed-effects model of each
continuous outcome over every visit (protocol, "Extended analyses"). Pure
functions: data in, results out (I/O in jdm.study.analysis).

Modelling choices, and why (also in docs/study.md, "Causal estimate and
trajectories"):

- **Data**: every visit of the analysis set's patients (all_treated) with
  the measure recorded, not only the windowed values: marts.
  trajectory_observations, whose measures and days are the vars
  trajectory_measures, trajectory_first_day and trajectory_last_day (-30,
  the baseline window's start, to 730, 24 months).
- **Time** as months since the index date (days / 30.4375), entered as a
  piecewise-linear curve with breaks at 3, 6 and 12 months (BREAKS): each
  fixed effect is the mean change per month within one segment (0-3, 3-6,
  6-12, 12-24 months), which reads directly (the steep early response,
  then the slow gains) and, unlike a polynomial, does not let the late
  visits bend the early curve. Visits before the index date (at most 30
  days) sit on the first segment's line extended backwards.
- **Random effects**: an intercept and a slope on time since index per
  patient (statsmodels MixedLM, unstructured 2 x 2 covariance), estimated
  by REML (L-BFGS; Powell, then Nelder-Mead if it does not converge); the
  mean curve is the fixed part. The slope's variance is fitted per year
  and reported per month (better conditioned: per month the optimiser
  crept and did not converge).
- **Band**: the fitted mean at each whole month 0..24 with a pointwise
  Wald 95 % confidence interval from the fixed effects' covariance.
- **Scale**: at most MAX_PATIENTS patients (a stable hash of the id),
  since MixedLM works patient by patient in Python; more add nothing to
  the mean curve's precision that a figure could show.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats
from statsmodels.regression.mixed_linear_model import MixedLM

DAYS_PER_MONTH = 30.4375
BREAKS = (3.0, 6.0, 12.0)
HORIZON_MONTHS = 24
MAX_PATIENTS = 2_000
TERMS = ("mean_at_index", "slope_per_month_0_3", "slope_per_month_3_6", "slope_per_month_6_12",
         "slope_per_month_12_24")


def piecewise(months: np.ndarray) -> np.ndarray:
    """Design of the fixed part: 1 and the months spent in each segment."""
    t = np.asarray(months, dtype=float)
    edges = (0.0, *BREAKS)
    columns = [np.ones(len(t)), np.minimum(t, BREAKS[0])]  # the first segment extends before 0
    for low, high in zip(edges[1:], (*BREAKS[1:], np.inf)):
        columns.append(np.clip(t - low, 0.0, high - low))
    return np.column_stack(columns)


@dataclass(frozen=True)
class FixedEffect:
    term: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    z: float
    p_value: float


@dataclass(frozen=True)
class Trajectory:
    measure: str
    n_patients: int
    n_visits: int
    fixed: list[FixedEffect]
    curve: pd.DataFrame  # month, fitted_mean, ci_low, ci_high
    random_intercept_sd: float
    random_slope_sd: float
    residual_sd: float
    converged: bool
    cov_re: np.ndarray  # 2 x 2 covariance of the random intercept and slope


def fit_trajectory(measure: str, patient_id: np.ndarray, months: np.ndarray, value: np.ndarray) -> Trajectory:
    """MixedLM of value on the piecewise-linear time, random intercept and
    slope per patient."""
    order = np.lexsort((months, patient_id))
    patient_id, months, value = (np.asarray(a)[order] for a in (patient_id, months, value))
    x = piecewise(months)
    # The random slope is fitted per year (months / 12), the same model
    # with better-scaled variance parameters: per month, statsmodels'
    # optimiser crept and often did not report convergence.
    z = np.column_stack([np.ones(len(months)), months / 12.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MixedLM(np.asarray(value, dtype=float), x, groups=patient_id, exog_re=z)
        fit = None
        for method in ("lbfgs", "powell", "nm"):
            try:
                fit = model.fit(reml=True, method=method)
                if fit.converged:
                    break
            except (np.linalg.LinAlgError, ValueError):
                continue
    k = x.shape[1]
    beta = np.asarray(fit.fe_params, dtype=float)
    cov = np.asarray(fit.cov_params())[:k, :k]
    se = np.sqrt(np.diag(cov))
    q = scipy_stats.norm.ppf(0.975)
    fixed = [FixedEffect(term, float(b), float(s), float(b - q * s), float(b + q * s), float(b / s),
                         float(2 * scipy_stats.norm.sf(abs(b / s)))) for term, b, s in zip(TERMS, beta, se)]
    grid = np.arange(HORIZON_MONTHS + 1, dtype=float)
    xg = piecewise(grid)
    mean = xg @ beta
    band = np.sqrt(np.einsum("ij,jk,ik->i", xg, cov, xg))
    curve = pd.DataFrame({"month": grid.astype(int), "fitted_mean": mean, "ci_low": mean - q * band,
                          "ci_high": mean + q * band})
    scale = np.diag([1.0, 1.0 / 12.0])
    re = scale @ np.asarray(fit.cov_re) @ scale  # per month
    return Trajectory(measure, int(len(np.unique(patient_id))), int(len(value)), fixed, curve,
                      float(np.sqrt(max(re[0, 0], 0))), float(np.sqrt(max(re[1, 1], 0))), float(np.sqrt(fit.scale)),
                      bool(fit.converged), re)

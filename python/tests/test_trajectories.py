"""The mixed-effects trajectories (jdm.study.trajectories) against answers known
without statsmodels:

- a balanced design (every patient seen at the same months): the fixed
  effects of any linear mixed model whose random-effects design (1, t) lies
  in the column space of the fixed design equal the pooled ordinary least
  squares estimate (GLS = OLS, Zyskind's condition), whatever the variance
  components; and their covariance is (sum_i X_i' V^-1 X_i)^-1 with
  V = Z D Z' + sigma^2 I built from the fitted D and sigma^2: both computed
  here in numpy;
- recovery: 400 patients simulated from known fixed effects (irregular
  visits, random intercepts and slopes): every estimate within 4 standard
  errors of the truth and the standard errors small (< 0.35 points at
  index, < 0.12 per month).
"""

from __future__ import annotations

import numpy as np
import pytest

from jdm.study import trajectories

TRUE_BETA = np.array([30.0, 2.0, 1.2, 0.5, 0.05])  # CMAS-like: at index, then per month in 0-3, 3-6, 6-12, 12-24


def design(t: np.ndarray) -> np.ndarray:
    """The documented time design, written out here (not jdm.study.trajectories'):
    1, then the months spent in 0-3 (the first segment extended before 0),
    3-6, 6-12 and after 12."""
    t = np.asarray(t, dtype=float)
    return np.column_stack([np.ones(len(t)), np.minimum(t, 3), np.clip(t - 3, 0, 3), np.clip(t - 6, 0, 6),
                            np.maximum(t - 12, 0)])


def _simulate(rng, patients, months_of):
    ids, t, y = [], [], []
    for i in range(patients):
        m = months_of(rng)
        b0, b1 = rng.normal(0, 4), rng.normal(0, 0.15)
        mean = design(m) @ TRUE_BETA
        ids += [f"P{i:03d}"] * len(m)
        t += list(m)
        y += list(mean + b0 + b1 * m + rng.normal(0, 2.0, len(m)))
    return np.array(ids), np.array(t), np.array(y)


def test_balanced_design_fixed_effects_are_pooled_ols_and_their_covariance_is_gls() -> None:
    grid = np.array([0, 1, 2, 3, 4, 6, 9, 12, 18, 24], dtype=float)
    ids, t, y = _simulate(np.random.default_rng(11), 80, lambda rng: grid)
    fit = trajectories.fit_trajectory("cmas", ids, t, y)
    x = design(t)
    ols = np.linalg.lstsq(x, y, rcond=None)[0]
    assert [f.estimate for f in fit.fixed] == pytest.approx(ols, abs=1e-6)
    assert fit.converged
    # Their covariance from the fitted variance components, by hand.
    z = np.column_stack([np.ones(len(grid)), grid])
    v = z @ fit.cov_re @ z.T + fit.residual_sd ** 2 * np.eye(len(grid))
    xi = design(grid)
    cov = np.linalg.inv(80 * xi.T @ np.linalg.solve(v, xi))
    assert [f.se for f in fit.fixed] == pytest.approx(np.sqrt(np.diag(cov)), rel=1e-4)


def test_fixed_effects_are_recovered_from_a_simulated_cohort() -> None:
    def irregular(rng):
        m = np.sort(np.r_[rng.uniform(-1, 0.2), rng.uniform(0.5, 24, rng.integers(6, 14))])
        return m
    ids, t, y = _simulate(np.random.default_rng(7), 400, irregular)
    fit = trajectories.fit_trajectory("cmas", ids, t, y)
    estimates = np.array([f.estimate for f in fit.fixed])
    se = np.array([f.se for f in fit.fixed])
    assert np.all(np.abs(estimates - TRUE_BETA) < 4 * se), (estimates, se)
    assert se[0] < 0.35 and np.all(se[1:] < 0.12)
    assert fit.random_intercept_sd == pytest.approx(4.0, rel=0.2) and fit.residual_sd == pytest.approx(2.0, rel=0.1)
    # The curve is the fixed part on the grid, its band symmetric around it.
    curve = fit.curve
    assert list(curve["month"]) == list(range(25))
    assert curve["fitted_mean"].to_numpy() == pytest.approx(design(np.arange(25.0)) @ estimates)
    assert np.allclose(curve["fitted_mean"] - curve["ci_low"], curve["ci_high"] - curve["fitted_mean"])

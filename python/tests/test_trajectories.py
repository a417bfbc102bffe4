"""The mixed-effects trajectories (jdm.study.trajectories) against answers known
without statsmodels:

- a balanced design (every patient seen at the same months), where the
  REML estimates have a closed form (derived in
  `test_balanced_design_matches_the_closed_form_reml`), computed here in
  numpy from the data alone: the fixed effects (pooled OLS), the residual
  variance, the 2 x 2 covariance of the random intercept and slope, and the
  fixed effects' standard errors;
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


def closed_form_reml(t: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray | float]:
    """REML of y_i = X0 beta + Z b_i + e_i for n patients seen at the same m
    months t (y: n x m), X0 = design(t) (p = 5 columns), Z = (1, t),
    b_i ~ N(0, D), e_i ~ N(0, sigma^2 I), by hand.

    col(Z) lies in col(X0) (t is the sum of the segment columns). Take
    orthonormal bases: Q_Z of col(Z), Q_R of the rest of col(X0), Q_E of its
    complement (m - p columns). Per patient, Q_E'y_i ~ N(0, sigma^2 I) and
    Q_R'y_i ~ N(Q_R'X0 beta, sigma^2 I) do not involve D, and
    u_i = Q_Z'y_i ~ N(Q_Z'X0 beta, S), S = A D A' + sigma^2 I, A = Q_Z'Z.
    beta enters only through the means over patients of Q_R'y_i and u_i, so
    the error contrasts (what REML is the likelihood of) are every Q_E'y_i,
    and the deviations of Q_R'y_i and of u_i from their means over patients.
    Their likelihood separates, with S and sigma^2 free parameters (a
    bijection from (D, sigma^2) while D is positive definite), so:
      sigma^2 = (sum ||Q_E'y_i||^2 + sum ||Q_R'(y_i - ybar)||^2) / (n(m - p) + (n - 1)(p - 2)),
      S       = sum (u_i - ubar)(u_i - ubar)' / (n - 1),
      D       = A^-1 (S - sigma^2 I) A'^-1,
    beta is OLS on the mean profile (= pooled OLS), and its covariance
    (n X0' V^-1 X0)^-1 with V = Z D Z' + sigma^2 I."""
    n, m = y.shape
    x0 = design(t)
    z = np.column_stack([np.ones(m), t])
    p = x0.shape[1]
    q_z = np.linalg.qr(z)[0]
    q_r = np.linalg.svd((np.eye(m) - q_z @ q_z.T) @ x0)[0][:, :p - 2]  # col(X0) minus col(Z): rank p - 2
    q_x = np.column_stack([q_z, q_r])
    q_e = np.linalg.svd(np.eye(m) - q_x @ q_x.T)[0][:, :m - p]
    ybar = y.mean(axis=0)
    ss = ((y @ q_e) ** 2).sum() + (((y - ybar) @ q_r) ** 2).sum()
    sigma2 = ss / (n * (m - p) + (n - 1) * (p - 2))
    u = y @ q_z
    s = np.cov(u, rowvar=False, ddof=1)
    a = q_z.T @ z
    a_inv = np.linalg.inv(a)
    d = a_inv @ (s - sigma2 * np.eye(2)) @ a_inv.T
    beta = np.linalg.lstsq(x0, ybar, rcond=None)[0]
    v = z @ d @ z.T + sigma2 * np.eye(m)
    cov = np.linalg.inv(n * x0.T @ np.linalg.solve(v, x0))
    return {"beta": beta, "se": np.sqrt(np.diag(cov)), "sigma2": sigma2, "d": d}


# Tolerances against the closed form: the fixed effects are a linear
# solve (1e-6 absolute); the variance components come from statsmodels'
# optimiser, which stops near, not at, the maximum (1e-3 relative; REML and
# ML differ here by 1/n, ~1.7 %, so this tells them apart), and the
# standard errors follow them (1e-3 relative).
FIXED_ABS, VARIANCE_REL, SE_REL = 1e-6, 1e-3, 1e-3


def test_balanced_design_matches_the_closed_form_reml() -> None:
    grid = np.array([0, 1, 2, 3, 4, 6, 9, 12, 18, 24], dtype=float)
    ids, t, y = _simulate(np.random.default_rng(11), 60, lambda rng: grid)
    fit = trajectories.fit_trajectory("cmas", ids, t, y)
    # _simulate writes each patient's visits in grid order, patients in id order
    expected = closed_form_reml(grid, y.reshape(60, len(grid)))
    assert np.all(np.linalg.eigvalsh(expected["d"]) > 0)  # an interior maximum: the closed form holds
    assert fit.converged
    assert [f.estimate for f in fit.fixed] == pytest.approx(expected["beta"], abs=FIXED_ABS)
    assert fit.residual_sd ** 2 == pytest.approx(expected["sigma2"], rel=VARIANCE_REL)
    assert fit.cov_re[0, 0] == pytest.approx(expected["d"][0, 0], rel=VARIANCE_REL)
    assert fit.cov_re[1, 1] == pytest.approx(expected["d"][1, 1], rel=VARIANCE_REL)
    assert fit.cov_re[0, 1] == pytest.approx(expected["d"][0, 1], rel=VARIANCE_REL)
    assert [f.se for f in fit.fixed] == pytest.approx(expected["se"], rel=SE_REL)
    # and the reported SDs are the per-month ones
    assert fit.random_slope_sd == pytest.approx(np.sqrt(expected["d"][1, 1]), rel=VARIANCE_REL)


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

"""The study's statistics as pure functions: data in, result out, no I/O.

Each follows the protocol (../shared/study-protocol.md, "Statistics") and
says which method it used in its result's `method`, so a statistician can
check a number against R.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from scipy import stats

Number = Decimal | float | int | str


def _decimal(value: Number) -> Decimal:
    # Through str: a float such as 0.1 becomes Decimal('0.1'), the value as
    # recorded, not its binary approximation.
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _quartiles(values: Sequence[float]) -> tuple[float | None, float | None, float | None]:
    if len(values) == 0:
        return None, None, None
    q1, median, q3 = np.quantile(np.asarray(values, dtype=float), [0.25, 0.5, 0.75])
    return float(median), float(q1), float(q3)


@dataclass(frozen=True)
class WilcoxonResult:
    n: int  # pairs analysed (both values present)
    n_nonzero: int  # pairs left after dropping zero differences
    median_before: float | None
    q1_before: float | None
    q3_before: float | None
    median_after: float | None
    q1_after: float | None
    q3_after: float | None
    statistic: float | None  # R's V: the sum of the ranks of positive (after - before) differences
    p_value: float | None
    method: str


def paired_wilcoxon(before: Sequence[Number], after: Sequence[Number]) -> WilcoxonResult:
    """Two-sided paired Wilcoxon signed-rank test of after vs before, as R's
    `wilcox.test(after, before, paired = TRUE)` with its defaults:

    - differences are computed exactly, in decimals (0.3 - 0.1 ties with
      0.2), and zero differences are dropped;
    - exact p-value when fewer than 50 differences remain and there were
      neither ties nor zeros; otherwise the normal approximation with the tie
      correction of the variance and a continuity correction of 0.5;
    - no non-zero difference: no test (p-value missing), as R gives NaN.
    """
    if len(before) != len(after):
        raise ValueError("before and after must pair up")
    before_d = [_decimal(b) for b in before]
    after_d = [_decimal(a) for a in after]
    differences = [a - b for a, b in zip(after_d, before_d)]
    nonzero = [d for d in differences if d != 0]
    had_zeros = len(nonzero) < len(differences)
    median_b, q1_b, q3_b = _quartiles([float(b) for b in before_d])
    median_a, q1_a, q3_a = _quartiles([float(a) for a in after_d])
    common = dict(n=len(differences), n_nonzero=len(nonzero), median_before=median_b, q1_before=q1_b,
                  q3_before=q3_b, median_after=median_a, q1_after=q1_a, q3_after=q3_a)
    if not nonzero:
        return WilcoxonResult(**common, statistic=None, p_value=None,
                              method="no test: every difference is zero")
    magnitudes = [abs(d) for d in nonzero]
    ranks = stats.rankdata(np.array(magnitudes, dtype=object))  # exact decimal comparison for ties
    v = float(sum(r for r, d in zip(ranks, nonzero) if d > 0))
    has_ties = len(set(magnitudes)) < len(magnitudes)
    # scipy sees the ranks' order through these floats only; ties were
    # decided above, in decimals, and are passed on as equal floats.
    signed = np.array([float(r) if d > 0 else -float(r) for r, d in zip(ranks, nonzero)])
    if len(nonzero) < 50 and not has_ties and not had_zeros:
        result = stats.wilcoxon(signed, method="exact")
        method = "exact (no ties, no zero differences, n < 50)"
    else:
        result = stats.wilcoxon(signed, zero_method="wilcox", correction=True, method="asymptotic")
        reasons = [r for r, present in (("ties", has_ties), ("zero differences dropped", had_zeros),
                                        ("n >= 50", len(nonzero) >= 50)) if present]
        method = f"normal approximation with tie and continuity correction ({', '.join(reasons)})"
    return WilcoxonResult(**common, statistic=v, p_value=float(result.pvalue), method=method)


@dataclass(frozen=True)
class McNemarResult:
    n: int  # pairs analysed
    yes_to_no: int  # discordant pairs: yes before, no after
    no_to_yes: int
    p_value: float | None
    method: str


def exact_mcnemar(before: Sequence[bool], after: Sequence[bool]) -> McNemarResult:
    """Exact (binomial) McNemar test on paired yes/no outcomes: under the
    null the discordant pairs split 1:1; two-sided binomial p-value
    (R's `binom.test(b, b + c)`, as `exact2x2::mcnemar.exact`). No
    discordant pair: nothing to test, so no p-value (as a Wilcoxon with
    every difference zero), and the test stays out of the Holm family."""
    if len(before) != len(after):
        raise ValueError("before and after must pair up")
    yes_to_no = sum(1 for b, a in zip(before, after) if b and not a)
    no_to_yes = sum(1 for b, a in zip(before, after) if a and not b)
    discordant = yes_to_no + no_to_yes
    if discordant == 0:
        return McNemarResult(len(before), 0, 0, None, "no test: no discordant pairs")
    p = float(stats.binomtest(yes_to_no, discordant, 0.5).pvalue)
    return McNemarResult(len(before), yes_to_no, no_to_yes, min(p, 1.0),
                         "exact binomial test on the discordant pairs, two-sided")


@dataclass(frozen=True)
class Proportion:
    successes: int
    n: int
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    method: str = "Wilson score interval, 95 %"


def wilson_proportion(successes: int, n: int, confidence: float = 0.95) -> Proportion:
    """A proportion with its Wilson score interval (no continuity
    correction). n = 0: no estimate."""
    if n == 0:
        return Proportion(0, 0, None, None, None)
    if not 0 <= successes <= n:
        raise ValueError("successes must lie between 0 and n")
    ci = stats.binomtest(successes, n).proportion_ci(confidence_level=confidence, method="wilson")
    return Proportion(successes, n, successes / n, float(ci.low), float(ci.high),
                      f"Wilson score interval, {confidence:.0%}")


@dataclass(frozen=True)
class MedianWithCI:
    n: int
    median: float | None
    ci_low: float | None
    ci_high: float | None
    method: str


def median_with_bootstrap_ci(values: Sequence[float], seed: int, resamples: int = 10_000,
                             confidence: float = 0.95) -> MedianWithCI:
    """The median and a percentile bootstrap CI (`resamples` resamples drawn
    with a generator seeded by `seed`: the same seed, the same interval).
    Fewer than 2 values: no interval."""
    data = np.asarray(values, dtype=float)
    method = f"percentile bootstrap, {resamples} resamples, seed {seed}, {confidence:.0%}"
    if len(data) == 0:
        return MedianWithCI(0, None, None, None, method)
    median = float(np.median(data))
    if len(data) < 2 or np.all(data == data[0]):
        return MedianWithCI(len(data), median, None if len(data) < 2 else median,
                            None if len(data) < 2 else median, method)
    # Resamples are drawn in batches of about 10 M values: all at once, a
    # large cohort would need resamples x n floats (gigabytes).
    result = stats.bootstrap((data,), np.median, n_resamples=resamples, confidence_level=confidence,
                             method="percentile", rng=np.random.default_rng(seed),
                             batch=max(1, 10_000_000 // len(data)))
    return MedianWithCI(len(data), median, float(result.confidence_interval.low),
                        float(result.confidence_interval.high), method)


@dataclass(frozen=True)
class KaplanMeier:
    n: int
    events: int
    median_time: float | None  # as R's print(survfit(...)) reports it: see km_median
    proportion_with_event: dict[float, tuple[float, float | None, float | None]]  # t: (estimate, ci_low, ci_high)
    method: str
    curve: tuple[tuple[float, ...], tuple[float, ...]] = ((), ())  # event times and survival after each


def kaplan_meier(times: Sequence[float], events: Sequence[bool], at: Sequence[float],
                 confidence: float = 0.95) -> KaplanMeier:
    """Kaplan-Meier estimate of the time to an event with right censoring
    (event False: censored at that time). Reports the median time to the
    event (km_median) and the proportion with the event by each time in
    `at` (1 - survival), with pointwise log-log confidence intervals from
    Greenwood's variance, as R's `survfit(..., conf.type = "log-log")`: where
    survival is 1 the interval is 1 to 1 (proportion 0 to 0), where it is 0
    the interval is missing. All censored: no event, proportion 0, no
    median."""
    t = np.asarray(times, dtype=float)
    e = np.asarray(events, dtype=bool)
    method = f"Kaplan-Meier (scipy.stats.ecdf), pointwise {confidence:.0%} CI, log-log"
    if len(t) == 0:
        return KaplanMeier(0, 0, None, {}, method)
    result = stats.ecdf(stats.CensoredData(uncensored=t[e], right=t[~e]))
    sf = result.sf
    grid = np.asarray(at, dtype=float)
    estimate = sf.evaluate(grid)
    if e.any():
        # Where the estimate is 0 or 1 the log-log interval is undefined
        # (scipy warns and gives NaN): reported as missing.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            ci = sf.confidence_interval(confidence_level=confidence, method="log-log")
        low, high = ci.low.evaluate(grid), ci.high.evaluate(grid)
        # Proportion with the event = 1 - survival: the bounds swap.
        bounds = [(1 - h, 1 - lo) for lo, h in zip(low, high)]
    else:
        bounds = [(None, None)] * len(grid)
    proportions = {}
    for g, s, b in zip(grid, estimate, bounds):
        if s == 1:  # R: at survival 1 the log-log limits are 1 (scipy: NaN once a censoring came first)
            b = (0.0, 0.0)
        elif s == 0:  # R: missing
            b = (None, None)
        proportions[float(g)] = (float(1 - s), None if b[0] is None or np.isnan(b[0]) else float(b[0]),
                                 None if b[1] is None or np.isnan(b[1]) else float(b[1]))
    median = km_median(sf.quantiles, sf.probabilities)
    curve = (tuple(float(q) for q in sf.quantiles), tuple(float(p) for p in sf.probabilities))
    return KaplanMeier(len(t), int(e.sum()), median, proportions, method, curve)


# R's tolerance for "exactly 0.5" (survival:::survmean, as all.equal()).
KM_MEDIAN_TOLERANCE = float(np.finfo(float).eps) ** 0.5


def km_median(times: Sequence[float], survival: Sequence[float]) -> float | None:
    """The median of a Kaplan-Meier curve as R's `print(survfit(...))`
    reports it (survival:::survmean): the first time the curve is at or
    below 0.5; but where it is exactly 0.5 (within R's tolerance), the
    midpoint of that time and the next time the curve drops below 0.5.
    Never at or below 0.5: no median. (If the curve stays at exactly 0.5 to
    its end, R gives the time it got there.)

    times: every time of the curve in order; survival: the estimate just
    after each."""
    t = np.asarray(times, dtype=float)
    s = np.asarray(survival, dtype=float)
    reached = np.flatnonzero(s < 0.5 + KM_MEDIAN_TOLERANCE)
    if len(reached) == 0:
        return None
    first = reached[0]
    lower = np.flatnonzero(s < s[first])
    if abs(s[first] - 0.5) < KM_MEDIAN_TOLERANCE and len(lower):
        return float((t[first] + t[lower[0]]) / 2)
    return float(t[first])


def holm(p_values: Sequence[float | None]) -> list[float | None]:
    """Holm's step-down adjustment over one family of tests: the i-th
    smallest p-value times (m - i + 1), made monotone, capped at 1. Missing
    p-values (no test) stay missing and do not count in m."""
    present = [(p, i) for i, p in enumerate(p_values) if p is not None]
    m = len(present)
    adjusted: list[float | None] = [None] * len(p_values)
    running = 0.0
    for rank, (p, i) in enumerate(sorted(present)):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[i] = running
    return adjusted

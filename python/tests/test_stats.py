"""The statistics functions against answers worked out independently: R's
documented examples, R's algorithm written out by hand (r_reference.py, no
scipy), hand-worked values and textbook formulas."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

import numpy as np

from jdm.study.stats import (
    exact_mcnemar,
    holm,
    kaplan_meier,
    km_median,
    median_with_bootstrap_ci,
    paired_wilcoxon,
    wilson_proportion,
)
from r_reference import greenwood_log_log, psignrank, r_paired_wilcoxon

Z95 = 1.959963984540054


def test_wilcoxon_exact_matches_r_documentation_example() -> None:
    # ?wilcox.test (Hollander & Wolfe, depression scale): x = after, y = before;
    # R: V = 40, two-sided p-value = 0.03906.
    x = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
    y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]
    result = paired_wilcoxon(before=y, after=x)
    assert result.statistic == 40
    assert result.p_value == pytest.approx(0.0390625)
    assert result.method.startswith("exact")
    assert (result.n, result.n_nonzero) == (9, 9)
    assert result.median_before == pytest.approx(1.06) and result.median_after == pytest.approx(1.68)


def r_normal_approximation(differences: list[float]) -> tuple[float, float]:
    """R's wilcox.test normal branch, written out: zeros dropped, average
    ranks, tie-corrected variance, continuity correction 0.5."""
    d = [x for x in differences if x != 0]
    magnitudes = sorted(abs(x) for x in d)
    rank_of = {}
    for value in set(magnitudes):
        positions = [i + 1 for i, m in enumerate(magnitudes) if m == value]
        rank_of[value] = sum(positions) / len(positions)
    n = len(d)
    v = sum(rank_of[abs(x)] for x in d if x > 0)
    ties = [magnitudes.count(value) for value in set(magnitudes)]
    sigma = math.sqrt(n * (n + 1) * (2 * n + 1) / 24 - sum(t**3 - t for t in ties) / 48)
    z = v - n * (n + 1) / 4
    z = (z - math.copysign(0.5, z)) / sigma
    return v, math.erfc(abs(z) / math.sqrt(2))


def test_wilcoxon_with_ties_and_zeros_uses_rs_normal_approximation() -> None:
    before = [1, 2, 3, 4, 5, 6, 7, 8]
    after = [2, 2, 5, 5, 8, 9, 6, 10]
    v, p = r_normal_approximation([a - b for a, b in zip(after, before)])
    result = paired_wilcoxon(before, after)
    assert (v, round(p, 5)) == (26.0, 0.04941)  # worked by hand, see the R formula above
    assert result.statistic == v and result.p_value == pytest.approx(p, rel=1e-12)
    assert result.n == 8 and result.n_nonzero == 7
    assert "normal approximation" in result.method and "ties" in result.method


def test_wilcoxon_differences_are_exact_decimals() -> None:
    # In binary floats 0.3 - 0.1 != 0.4 - 0.2, which would hide the tie.
    assert 0.3 - 0.1 != 0.4 - 0.2
    result = paired_wilcoxon(before=[0.1, 0.2, 1.0], after=[0.3, 0.4, 1.5])
    assert "ties" in result.method
    v, p = r_normal_approximation([0.2, 0.2, 0.5])
    assert result.p_value == pytest.approx(p, rel=1e-12)
    assert paired_wilcoxon([Decimal("0.1")], [Decimal("0.3")]).n_nonzero == 1


def test_wilcoxon_all_differences_zero_gives_no_test() -> None:
    result = paired_wilcoxon([3, 4, 5], [3, 4, 5])
    assert result.p_value is None and result.statistic is None and result.n_nonzero == 0
    assert "zero" in result.method


def _no_ties(n: int, negatives: set[int]) -> tuple[list[int], list[int]]:
    """n pairs with differences 1..n (all distinct magnitudes), negative at
    the given positions: before 100, after 100 + d."""
    differences = [-k if k in negatives else k for k in range(1, n + 1)]
    return [100] * n, [100 + d for d in differences]


@pytest.mark.parametrize(("n", "expected_method"), [(49, "exact"), (50, "normal")])
def test_wilcoxon_exact_below_50_pairs_normal_from_50(n: int, expected_method: str) -> None:
    # R: exact <- (n < 50); 49 non-zero differences without ties are tested
    # exactly, 50 by the normal approximation. Negatives at 1..12 and 30:
    # V = n(n+1)/2 - (78 + 30), far enough from the centre to matter.
    before, after = _no_ties(n, set(range(1, 13)) | {30})
    v, p, method = r_paired_wilcoxon(after, before)
    assert method == expected_method
    result = paired_wilcoxon(before, after)
    assert result.statistic == v == n * (n + 1) / 2 - 108
    assert result.method.startswith("exact" if n == 49 else "normal approximation")
    assert result.p_value == pytest.approx(p, rel=1e-9)
    assert 1e-9 < result.p_value < 0.05


def test_the_exact_signed_rank_distribution_by_hand() -> None:
    # n = 4: 16 sign patterns; V <= 1 for {} and {1}: 2/16.
    assert psignrank(1, 4) == 2 / 16
    # P(V >= 9) for n = 4: V in {9, 10}: {2,3,4} and {1,2,3,4}: 2/16.
    assert psignrank(8, 4, lower_tail=False) == 2 / 16


def test_wilcoxon_with_zeros_but_no_ties_uses_the_normal_approximation() -> None:
    # R drops the zeros and, having seen them, does not test exactly even
    # with n < 50 and no ties among the rest.
    before = [10, 10, 10, 10, 10, 10, 10, 10]
    after = [10, 11, 12, 13, 14, 15, 16, 7]  # differences 0, 1..6, -3: magnitudes 1..6 and 3 tie
    after[7] = 3  # -7: now the magnitudes 1..7 are all distinct
    v, p, method = r_paired_wilcoxon(after, before)
    assert method == "normal" and v == 21
    result = paired_wilcoxon(before, after)
    assert (result.n, result.n_nonzero, result.statistic) == (8, 7, 21)
    assert "normal approximation" in result.method and "zero" in result.method and "ties" not in result.method
    assert result.p_value == pytest.approx(p, rel=1e-12)


def test_wilcoxon_small_n_exact() -> None:
    # n = 3, all positive: P(V = 6) = 1/8 each side, two-sided 0.25.
    result = paired_wilcoxon([1, 1, 1], [2, 3, 4])
    assert result.p_value == pytest.approx(0.25) and result.statistic == 6
    # n = 1: the exact two-sided p-value is 1.
    assert paired_wilcoxon([1], [2]).p_value == pytest.approx(1.0)


def test_exact_mcnemar() -> None:
    # 1 pair yes -> no, 9 pairs no -> yes: 2 * P(X <= 1 | 10, 1/2) = 2 * 11 / 1024.
    before = [True] * 1 + [False] * 9 + [True] * 5 + [False] * 3
    after = [False] * 1 + [True] * 9 + [True] * 5 + [False] * 3
    result = exact_mcnemar(before, after)
    assert (result.n, result.yes_to_no, result.no_to_yes) == (18, 1, 9)
    assert result.p_value == pytest.approx(22 / 1024)


def test_mcnemar_without_discordant_pairs_is_no_test() -> None:
    # Nothing to test (R's binom.test(0, 0) refuses): no p-value, so that it
    # stays out of the Holm family, as a Wilcoxon with every difference zero.
    result = exact_mcnemar([True, False, True], [True, False, True])
    assert (result.n, result.yes_to_no, result.no_to_yes) == (3, 0, 0)
    assert result.p_value is None and "no test" in result.method
    assert holm([0.01, result.p_value, 0.04]) == [pytest.approx(0.02), None, pytest.approx(0.04)]


def wilson_by_formula(k: int, n: int) -> tuple[float, float]:
    p, z2 = k / n, Z95**2
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return centre - half, centre + half


@pytest.mark.parametrize(("k", "n"), [(26, 46), (32, 46), (0, 10), (10, 10), (1, 3)])
def test_wilson_interval(k: int, n: int) -> None:
    result = wilson_proportion(k, n)
    low, high = wilson_by_formula(k, n)
    assert result.estimate == pytest.approx(k / n)
    assert (result.ci_low, result.ci_high) == (pytest.approx(low, abs=1e-12), pytest.approx(high, abs=1e-12))


def test_wilson_edges() -> None:
    assert wilson_proportion(0, 10).ci_low == pytest.approx(0.0, abs=1e-12)
    assert wilson_proportion(10, 10).ci_high == pytest.approx(1.0)
    assert wilson_proportion(0, 10).ci_high == pytest.approx(Z95**2 / (10 + Z95**2))
    assert wilson_proportion(0, 0).estimate is None


def percentile_bootstrap_by_hand(values: list[float], seed: int, resamples: int = 10_000) -> tuple[float, float]:
    """The textbook percentile bootstrap written out with numpy: resample
    indices with replacement from a generator seeded `seed`, take each
    resample's median, and the 2.5th and 97.5th percentiles of those."""
    data = np.asarray(values)
    rng = np.random.default_rng(seed)
    indices = rng.integers(0, len(data), (resamples, len(data)))
    medians = np.median(data[indices], axis=1)
    low, high = np.percentile(medians, [2.5, 97.5])
    return float(low), float(high)


@pytest.mark.parametrize("n", [11, 2500])  # 2500 values: drawn in several batches
def test_bootstrap_median_equals_the_percentile_bootstrap_by_hand(n: int) -> None:
    values = [float(v) for v in np.round(np.random.default_rng(n).normal(-60, 15, n), 3)]
    result = median_with_bootstrap_ci(values, seed=20260101)
    assert result.median == pytest.approx(float(np.median(values)))
    assert (result.ci_low, result.ci_high) == pytest.approx(percentile_bootstrap_by_hand(values, 20260101), abs=1e-12)
    assert result == median_with_bootstrap_ci(values, seed=20260101)
    other_seed = median_with_bootstrap_ci(values, seed=7)  # the seed given is the seed used
    assert (other_seed.ci_low, other_seed.ci_high) == pytest.approx(percentile_bootstrap_by_hand(values, 7), abs=1e-12)


def test_bootstrap_edges() -> None:
    assert median_with_bootstrap_ci([5.0], seed=1).ci_low is None
    assert median_with_bootstrap_ci([], seed=1).median is None
    same = median_with_bootstrap_ci([4.0, 4.0, 4.0], seed=1)
    assert (same.median, same.ci_low, same.ci_high) == (4.0, 4.0, 4.0)


def test_kaplan_meier_by_hand() -> None:
    # Events at 1, 3, 4; censored at 2 and 5. S(1) = 4/5, S(3) = 4/5 * 2/3,
    # S(4) = S(3) * 1/2 = 0.2667: the median is 4.
    result = kaplan_meier([1, 2, 3, 4, 5], [True, False, True, True, False], at=[1, 3, 4, 10])
    assert (result.n, result.events, result.median_time) == (5, 3, 4.0)
    assert result.proportion_with_event[1.0][0] == pytest.approx(0.2)
    assert result.proportion_with_event[3.0][0] == pytest.approx(1 - 0.8 * 2 / 3)
    assert result.proportion_with_event[4.0][0] == pytest.approx(1 - 0.8 * 2 / 3 / 2)
    # The interval against Greenwood's variance with the log-log transform,
    # written out by hand (r_reference.greenwood_log_log), at every time.
    for t in (1.0, 3.0, 4.0, 10.0):
        surv, low, high = greenwood_log_log([1, 2, 3, 4, 5], [True, False, True, True, False], t)
        estimate, ci_low, ci_high = result.proportion_with_event[t]
        assert estimate == pytest.approx(1 - surv)
        assert (ci_low, ci_high) == (pytest.approx(1 - high, abs=1e-12), pytest.approx(1 - low, abs=1e-12))
        assert ci_low < estimate < ci_high
    # At t = 1: S = 0.8, Greenwood 1/(5 * 4) = 0.05, H = -log 0.8.
    h = -math.log(0.8)
    assert result.proportion_with_event[1.0][1] == pytest.approx(
        1 - math.exp(-math.exp(math.log(h) - Z95 * math.sqrt(0.05) / h)))


def test_kaplan_meier_interval_edges_as_r() -> None:
    # Before any event the survival is 1: R's log-log interval is 1 to 1
    # (proportion 0 to 0), also when a censoring came first; at 0 none.
    result = kaplan_meier([1, 5, 6], [False, True, True], at=[2, 6])
    assert result.proportion_with_event[2.0] == (0.0, 0.0, 0.0)
    assert result.proportion_with_event[6.0] == (1.0, None, None)


def test_kaplan_meier_median_where_the_curve_is_exactly_one_half() -> None:
    # Events at 1, 2, 3, censored at 4, event at 5, censored at 6 (n = 6):
    # S = 5/6, 4/6, 3/6 = 0.5 from day 3, still 0.5 after the censoring at
    # 4, then 0.5 * 1/2 = 0.25 at 5. The curve is exactly 0.5 from 3 to 5:
    # R's survfit prints the median (3 + 5) / 2 = 4, not 3.
    result = kaplan_meier([1, 2, 3, 4, 5, 6], [True, True, True, False, True, False], at=[])
    assert result.median_time == 4.0
    # Exactly 0.5 to the end (events at 1 and 2 of 4, then censored): R gives 2.
    assert kaplan_meier([1, 2, 3, 4], [True, True, False, False], at=[]).median_time == 2.0
    # A float survival of 0.5 within R's tolerance counts as 0.5.
    assert km_median([1, 2, 3], [0.75, 0.5 + 1e-12, 0.2]) == 2.5
    assert km_median([1, 2, 3], [0.75, 0.5 + 1e-6, 0.2]) == 3.0
    assert km_median([1, 2], [0.9, 0.6]) is None


def test_kaplan_meier_all_censored() -> None:
    result = kaplan_meier([100, 200, 300], [False, False, False], at=[365])
    assert result.events == 0 and result.median_time is None
    assert result.proportion_with_event[365.0][0] == 0.0


def test_holm() -> None:
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, None, 0.01]) == [pytest.approx(0.5), None, pytest.approx(0.02)]
    assert holm([0.6, 0.7]) == pytest.approx([1.0, 1.0])

"""The statistics functions against answers worked out independently: R's
documented examples, R's algorithm written out by hand, and textbook
formulas."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from jdm.stats import (
    exact_mcnemar,
    holm,
    kaplan_meier,
    median_with_bootstrap_ci,
    paired_wilcoxon,
    wilson_proportion,
)

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
    assert exact_mcnemar([True, False], [True, False]).p_value == 1.0


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


def test_bootstrap_median_is_seeded() -> None:
    values = [-80.0, -75.5, -70.0, -66.0, -65.8, -60.0, -50.0, -45.0, -30.0, 0.0, 10.0]
    first = median_with_bootstrap_ci(values, seed=20260101)
    assert first.median == -60.0
    assert first == median_with_bootstrap_ci(values, seed=20260101)
    assert first.ci_low <= first.median <= first.ci_high
    assert median_with_bootstrap_ci(values, seed=7).ci_low is not None
    assert median_with_bootstrap_ci([5.0], seed=1).ci_low is None
    assert median_with_bootstrap_ci([], seed=1).median is None


def test_kaplan_meier_by_hand() -> None:
    # Events at 1, 3, 4; censored at 2 and 5. S(1) = 4/5, S(3) = 4/5 * 2/3,
    # S(4) = S(3) * 1/2 = 0.2667: the median is 4.
    result = kaplan_meier([1, 2, 3, 4, 5], [True, False, True, True, False], at=[1, 3, 4, 10])
    assert (result.n, result.events, result.median_time) == (5, 3, 4.0)
    assert result.proportion_with_event[1.0][0] == pytest.approx(0.2)
    assert result.proportion_with_event[3.0][0] == pytest.approx(1 - 0.8 * 2 / 3)
    assert result.proportion_with_event[4.0][0] == pytest.approx(1 - 0.8 * 2 / 3 / 2)
    estimate, low, high = result.proportion_with_event[3.0]
    assert low < estimate < high


def test_kaplan_meier_all_censored() -> None:
    result = kaplan_meier([100, 200, 300], [False, False, False], at=[365])
    assert result.events == 0 and result.median_time is None
    assert result.proportion_with_event[365.0][0] == 0.0


def test_holm() -> None:
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, None, 0.01]) == [pytest.approx(0.5), None, pytest.approx(0.02)]
    assert holm([0.6, 0.7]) == pytest.approx([1.0, 1.0])

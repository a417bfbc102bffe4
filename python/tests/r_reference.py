"""Reference computations written out from R's own code paths, with no scipy,
so the tests compare jdm.study.stats with an independent implementation rather
than with itself.

- `r_paired_wilcoxon`: R's `wilcox.test.default(x, y, paired = TRUE)` with
  its defaults (exact = NULL, correct = TRUE), two-sided: differences x - y,
  zeros dropped, average ranks of |d|; exact when n < 50 and there are no
  ties and no zeros (psignrank, counted here by dynamic programming);
  otherwise the normal approximation with the tie-corrected variance and a
  continuity correction of 0.5.
- `greenwood_log_log`: R's survfit Kaplan-Meier estimate with Greenwood's
  variance and `conf.type = "log-log"` (survival:::survfit_confint).
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction


def _signrank_counts(n: int) -> list[int]:
    """Number of subsets of {1..n} with each rank sum 0..n(n+1)/2 (the null
    distribution of V times 2^n, as R's csignrank)."""
    counts = [1] + [0] * (n * (n + 1) // 2)
    for k in range(1, n + 1):
        for total in range(len(counts) - 1, k - 1, -1):
            counts[total] += counts[total - k]
    return counts


def psignrank(q: float, n: int, lower_tail: bool = True) -> Fraction:
    """P(V <= q) (or P(V > q) with lower_tail False), exactly."""
    counts = _signrank_counts(n)
    q = math.floor(q)
    below = sum(counts[: max(0, min(q, len(counts) - 1) + 1)]) if q >= 0 else 0
    total = 2**n
    return Fraction(below, total) if lower_tail else Fraction(total - below, total)


def _pnorm(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2))


def r_paired_wilcoxon(after, before) -> tuple[float | None, float | None, str]:
    """(V, two-sided p-value, 'exact' or 'normal') as R computes them."""
    d = [Decimal(str(a)) - Decimal(str(b)) for a, b in zip(after, before)]
    zeroes = any(x == 0 for x in d)
    d = [x for x in d if x != 0]
    n = len(d)
    if n == 0:
        return None, None, "none"
    magnitudes = sorted(abs(x) for x in d)
    rank_of = {}
    for value in set(magnitudes):
        positions = [i + 1 for i, m in enumerate(magnitudes) if m == value]
        rank_of[value] = Fraction(sum(positions), len(positions))
    v = sum(rank_of[abs(x)] for x in d if x > 0)
    ties = len(set(magnitudes)) < n
    if n < 50 and not ties and not zeroes:
        if v > Fraction(n * (n + 1), 4):
            p = psignrank(v - 1, n, lower_tail=False)
        else:
            p = psignrank(v, n)
        return float(v), float(min(2 * p, 1)), "exact"
    tie_sizes = [magnitudes.count(value) for value in set(magnitudes)]
    z = float(v) - n * (n + 1) / 4
    sigma = math.sqrt(n * (n + 1) * (2 * n + 1) / 24 - sum(t**3 - t for t in tie_sizes) / 48)
    correction = math.copysign(0.5, z) if z != 0 else 0.0
    z = (z - correction) / sigma
    return float(v), 2 * min(_pnorm(z), 1 - _pnorm(z)), "normal"


def greenwood_log_log(times, events, t: float, z: float = 1.959963984540054) -> tuple[float, float | None, float | None]:
    """(S(t), lower, upper) of the Kaplan-Meier survival at time t with R's
    log-log interval (Kalbfleisch-Prentice): se = sqrt(sum d / (n (n - d)))
    over the event times <= t is the standard error of H = -log S (Greenwood);
    log(H) has standard error se / H, so log(H) +/- z se / H back-transformed
    by S = exp(-exp(.)) gives the limits (a larger H, a lower S). S = 1 gives
    1 to 1 and S = 0 no interval."""
    data = sorted(zip(times, events))
    surv, greenwood = 1.0, 0.0
    for time in sorted({time for time, event in data if event}):
        if time > t:
            break
        at_risk = sum(1 for other, _ in data if other >= time)
        deaths = sum(1 for other, event in data if other == time and event)
        surv *= 1 - deaths / at_risk
        if at_risk > deaths:
            greenwood += deaths / (at_risk * (at_risk - deaths))
    if surv == 1:
        return 1.0, 1.0, 1.0
    if surv == 0:
        return 0.0, None, None
    se, hazard = math.sqrt(greenwood), -math.log(surv)
    lower = math.exp(-math.exp(math.log(hazard) + z * se / hazard))
    upper = math.exp(-math.exp(math.log(hazard) - z * se / hazard))
    return surv, lower, upper

"""Vectorised helpers shared by the generator modules (no per-row Python)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def exact_mask(rng: np.random.Generator, n: int, share: float) -> np.ndarray:
    """A boolean mask with exactly round(n * share) True values, placed at random.

    Used for the few proportions the published cohort pins down (how many
    children got cyclophosphamide, how many of them were excluded): a fixed
    count instead of a binomial draw keeps a 410-patient extract close to the
    published figures for every seed.
    """
    mask = np.zeros(n, dtype=bool)
    mask[rng.permutation(n)[: int(round(n * share))]] = True
    return mask


def allocate(rng: np.random.Generator, n: int, shares: Sequence[float]) -> np.ndarray:
    """n category codes in exactly the given shares (largest remainder), shuffled."""
    shares_arr = np.asarray(shares, dtype=float)
    shares_arr = shares_arr / shares_arr.sum()
    raw = shares_arr * n
    counts = np.floor(raw).astype(np.int64)
    short = n - int(counts.sum())
    if short:
        counts[np.argsort(-(raw - counts), kind="stable")[:short]] += 1
    return rng.permutation(np.repeat(np.arange(len(shares_arr), dtype=np.int8), counts))


def choose(rng: np.random.Generator, n: int, shares: Sequence[float]) -> np.ndarray:
    """n independent category codes drawn with the given probabilities."""
    p = np.asarray(shares, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum()).astype(np.int8)


def cumcount(groups: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... within each run of equal values of a sorted group array."""
    n = len(groups)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    run_lengths = np.diff(np.r_[starts, n])
    return np.arange(n) - np.repeat(starts, run_lengths)


def ragged(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Expand per-owner counts into (owner index, position within owner) rows."""
    owner = np.repeat(np.arange(len(counts)), counts)
    return owner, cumcount(owner)


def cumsum_within(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Running sums that restart for each owner (rows grouped as by `ragged`)."""
    total = np.cumsum(values)
    counts = np.asarray(counts)
    sizes = counts[counts > 0]
    starts = np.r_[0, np.cumsum(sizes)[:-1]].astype(np.int64)
    return total - np.repeat((total - values)[starts], sizes)


def round_to(x: np.ndarray, step: float | np.ndarray) -> np.ndarray:
    """Round to the nearest multiple of step (how doses are prescribed)."""
    return np.round(np.asarray(x) / step) * step

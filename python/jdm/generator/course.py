"""The disease course: latent muscle and skin activity over time, per patient.

Activity is a number in [0, 1] (0 = inactive). Every observed value (scores,
skin signs, enzymes, how often the child is seen) is read off it with noise,
so the extract is internally consistent: a child with falling CMAS also has
falling CK, fewer visits and a tapering steroid dose.

Shape (t = days since diagnosis):
- untreated by cyclophosphamide: activity falls from its level at diagnosis
  towards a residual level (near 0 for a monocyclic course, higher for a
  chronic one); a relapse adds a bump that decays again;
- refractory (cyclophosphamide at day S): activity stays high until S, then
  falls towards a low residual level within months.
Skin follows the same pattern more slowly and with more residual disease,
as in the published cohort (rash persisted in ~44 % at last follow-up).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jdm.generator import codes
from jdm.generator.arrays import exact_mask
from jdm.generator.cohort import Cohort

CYC_CALCINOSIS_SHARE = 0.30  # calcinosis at the first infusion (published: 14/48)
CYC_CALCINOSIS_RESOLVES = 0.70  # ... and resolved by last follow-up (published: 9/14)


@dataclass
class _Domain:
    """Activity of one domain (muscle or skin), piecewise exponential."""

    level_at_diagnosis: np.ndarray
    plateau: np.ndarray  # level approached before the switch (or for ever)
    tau_pre: np.ndarray  # days
    residual: np.ndarray  # fraction of the switch-day level left long after it
    tau_post: np.ndarray
    involvement: np.ndarray  # how much this domain is affected at all (0-1)
    flare_amplitude: np.ndarray

    def at(self, idx: np.ndarray, t: np.ndarray, switch: np.ndarray, flare_day: np.ndarray, flare_tau: np.ndarray) -> np.ndarray:
        p0, pinf, tau = self.level_at_diagnosis[idx], self.plateau[idx], self.tau_pre[idx]
        s = switch[idx]
        pre_t = np.minimum(t, s)
        level = pinf + (p0 - pinf) * np.exp(-np.maximum(pre_t, 0) / tau)
        after = t > s
        if after.any():
            r, tau_post = self.residual[idx], self.tau_post[idx]
            decay = np.exp(-np.where(after, t - s, 0.0) / tau_post)
            level = np.where(after, level * (r + (1 - r) * decay), level)
        since_flare = t - flare_day[idx]
        flare = np.where(since_flare >= 0, self.flare_amplitude[idx] * np.exp(-np.maximum(since_flare, 0) / flare_tau[idx]), 0.0)
        return np.clip((level + flare) * self.involvement[idx], 0.0, 1.0)


@dataclass
class Course:
    muscle: _Domain
    skin: _Domain
    switch_day: np.ndarray  # days from diagnosis to first cyclophosphamide (inf = none)
    flare_day: np.ndarray
    flare_tau: np.ndarray
    # Skin signs: per sign, the activity above which it shows, whether it
    # persists once the disease settles, and whether the child never has it.
    sign_threshold: np.ndarray  # (n, 3) for rash, nailfold, gottrons
    sign_persists: np.ndarray  # (n, 3) bool
    sign_never: np.ndarray  # (n, 3) bool
    calcinosis_from: np.ndarray  # day calcinosis appears (inf = never)
    calcinosis_until: np.ndarray  # day it has resolved (inf = persists)
    ulceration_from: np.ndarray
    ulceration_until: np.ndarray
    cyc_indication: np.ndarray  # bit mask over codes.INDICATIONS (0 = untreated)
    ck_response: np.ndarray  # how strongly enzymes rise with muscle activity

    def activity(self, idx: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(muscle, skin) activity of patients idx at t days after diagnosis."""
        args = (idx, t, self.switch_day, self.flare_day, self.flare_tau)
        return self.muscle.at(*args), self.skin.at(*args)


SIGNS = ("rash", "nailfold_abnormal", "gottrons")
_SIGN_PERSISTS = np.array([0.47, 0.33, 0.17])  # share still showing at last follow-up
_SIGN_NEVER = np.array([0.03, 0.12, 0.20])


def generate_course(rng: np.random.Generator, cohort: Cohort) -> Course:
    n = len(cohort)
    cyc = cohort.has_cyc
    n_cyc = int(cyc.sum())
    switch = np.full(n, np.inf)
    switch[cyc] = (cohort.cyc_index_date[cyc] - cohort.diagnosis_date[cyc]).astype(float)

    # Muscle: severity at diagnosis, residual disease, speed of response.
    chronic = rng.random(n) < 0.4
    level0 = np.where(cyc, rng.uniform(0.6, 0.95, n), rng.uniform(0.3, 0.85, n))
    residual_untreated = np.where(chronic, rng.uniform(0.08, 0.3, n), rng.uniform(0.0, 0.04, n))
    plateau = np.where(cyc, rng.uniform(0.55, 0.9, n), level0 * residual_untreated)
    tau_pre = np.where(cyc, rng.uniform(60, 120, n), rng.uniform(60, 240, n))
    # A few children have (almost) no muscle disease: amyopathic or skin-led
    # refractory disease treated for ulceration.
    skin_led = rng.random(n) < np.where(cyc, 0.12, 0.15)
    involvement = np.where(skin_led, rng.uniform(0.0, 0.25, n), np.where(cyc, rng.uniform(0.6, 1.0, n), rng.uniform(0.4, 1.0, n)))
    flare_amp = rng.uniform(0.25, 0.5, n)
    muscle = _Domain(
        level_at_diagnosis=level0,
        plateau=plateau,
        tau_pre=tau_pre,
        residual=rng.uniform(0.02, 0.15, n),
        tau_post=rng.uniform(90, 200, n),
        involvement=involvement,
        flare_amplitude=flare_amp,
    )
    skin_level0 = np.clip(level0 * rng.uniform(0.8, 1.1, n), 0, 1)
    skin_residual = np.where(chronic, rng.uniform(0.1, 0.4, n), rng.uniform(0.0, 0.15, n))
    skin = _Domain(
        level_at_diagnosis=skin_level0,
        plateau=np.where(cyc, plateau * rng.uniform(0.85, 1.1, n), skin_level0 * skin_residual),
        tau_pre=tau_pre * rng.uniform(1.5, 3.0, n),
        residual=rng.uniform(0.05, 0.3, n),
        tau_post=muscle.tau_post * rng.uniform(1.3, 2.5, n),
        involvement=np.where(skin_led, rng.uniform(0.8, 1.0, n), rng.uniform(0.5, 1.0, n)),
        flare_amplitude=flare_amp * 0.8,
    )

    sign_threshold = rng.uniform(0.12, 0.35, (n, 3))
    sign_persists = rng.random((n, 3)) < _SIGN_PERSISTS
    sign_never = rng.random((n, 3)) < _SIGN_NEVER

    # Calcinosis: present at the first infusion in ~30 % of treated children,
    # resolving in about two thirds; a late complication in some others.
    calc_from = np.full(n, np.inf)
    calc_until = np.full(n, np.inf)
    cyc_idx = np.flatnonzero(cyc)
    s = switch[cyc_idx]
    at_index = exact_mask(rng, n_cyc, CYC_CALCINOSIS_SHARE)
    later = ~at_index & (rng.random(n_cyc) < 0.10)
    calc_from[cyc_idx] = np.where(at_index, s - rng.uniform(30, 400, n_cyc), np.where(later, s + rng.uniform(200, 1500, n_cyc), np.inf))
    resolves = rng.random(n_cyc) < 0.3
    resolves[at_index] = exact_mask(rng, int(at_index.sum()), CYC_CALCINOSIS_RESOLVES)
    calc_until[cyc_idx] = np.where(resolves, np.maximum(calc_from[cyc_idx], s) + rng.uniform(120, 900, n_cyc), np.inf)
    other = np.flatnonzero(~cyc)
    develops = rng.random(len(other)) < np.where(chronic[other], 0.18, 0.07)
    calc_from[other] = np.where(develops, rng.uniform(180, 1800, len(other)), np.inf)
    calc_until[other] = np.where(develops & (rng.random(len(other)) < 0.4), calc_from[other] + rng.uniform(365, 2000, len(other)), np.inf)

    # Indications for cyclophosphamide, and the ulcers that often prompt it.
    indication = np.zeros(n, dtype=np.int8)
    bits = rng.random((n_cyc, len(codes.INDICATIONS))) < np.asarray(codes.INDICATION_SHARES)
    ulcer = codes.INDICATIONS.index("skin_ulceration")
    weakness = codes.INDICATIONS.index("muscle_weakness")
    refractory = codes.INDICATIONS.index("refractory")
    bits[:, ulcer] |= skin_led[cyc_idx]
    bits[:, weakness] = involvement[cyc_idx] >= 0.4
    bits[:, refractory] &= s > 60  # refractory = failed first-line treatment
    bits[~bits.any(axis=1), codes.INDICATIONS.index("severe_skin")] = True
    indication[cyc_idx] = (bits * (1 << np.arange(len(codes.INDICATIONS)))).sum(axis=1)

    ulcer_from = np.full(n, np.inf)
    ulcer_until = np.full(n, np.inf)
    has_ulcer = bits[:, ulcer]
    ulcer_from[cyc_idx] = np.where(has_ulcer, np.maximum(s - rng.uniform(14, 120, n_cyc), 0), np.inf)
    ulcer_until[cyc_idx] = s + rng.uniform(60, 300, n_cyc)
    other_ulcer = rng.random(len(other)) < 0.03
    ulcer_from[other] = np.where(other_ulcer, rng.uniform(0, 60, len(other)), np.inf)
    ulcer_until[other] = ulcer_from[other] + rng.uniform(60, 240, len(other))

    return Course(
        muscle=muscle,
        skin=skin,
        switch_day=switch,
        flare_day=cohort.flare_day,
        flare_tau=rng.uniform(60, 150, n),
        sign_threshold=sign_threshold,
        sign_persists=sign_persists,
        sign_never=sign_never,
        calcinosis_from=calc_from,
        calcinosis_until=calc_until,
        ulceration_from=ulcer_from,
        ulceration_until=ulcer_until,
        cyc_indication=indication,
        ck_response=rng.uniform(0.3, 1.2, n),
    )

"""The disease course: latent muscle and skin activity over time, per patient.

Activity is a number in [0, 1] (0 = inactive). Every observed value (scores,
skin signs, enzymes, how often the child is seen) is read off it with noise,
so the extract is internally consistent: a child with falling CMAS also has
falling CK, fewer visits and a tapering steroid dose.

Shape (t = days since diagnosis): activity falls from its level at
diagnosis towards a residual level (near 0 for a monocyclic course, higher
for a chronic one, and for some children a long active plateau first:
refractory disease); a relapse adds a bump that decays again. Skin follows
the same pattern more slowly and with more residual disease, as in the
published cohort (rash persisted in ~44 % at last follow-up); some children
have a skin ulcer for a few months.

This is the natural history: the course WITHOUT cyclophosphamide, for every
child alike. Cyclophosphamide changes no latent activity here: its effect
(a known shift of the recorded DAS skin and physician global, see
`jdm.generator.treatment`) is added to those two scores only, so the
untreated outcome of a treated child is known exactly. Who starts it
depends on the recorded course (`treatment.decide_starts`), which is what
makes a before/after comparison confounded by severity. What follows a
first infusion and is not an outcome of the causal analysis (calcinosis
seen at it, the indications written on the prescription) is drawn after it
is known (`after_treatment`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jdm.generator import codes
from jdm.generator.arrays import exact_mask
from jdm.generator.cohort import Cohort

CYC_CALCINOSIS_SHARE = 0.30  # calcinosis at the first infusion (published: 14/48)
CYC_CALCINOSIS_RESOLVES = 0.70  # ... and resolved by last follow-up (published: 9/14)
REFRACTORY_SHARE = 0.15  # a long active plateau before the disease settles
ULCER_SHARE, ULCER_SHARE_SEVERE = 0.03, 0.12


@dataclass
class _Domain:
    """Activity of one domain (muscle or skin): an exponential fall from the
    level at diagnosis towards a plateau, which itself wears off with time
    constant `burn_out` (inf for most children: their residual disease stays)."""

    level_at_diagnosis: np.ndarray
    plateau: np.ndarray
    tau_pre: np.ndarray  # days
    burn_out: np.ndarray  # days (inf = the plateau stays)
    involvement: np.ndarray  # how much this domain is affected at all (0-1)
    flare_amplitude: np.ndarray

    def at(self, idx: np.ndarray, t: np.ndarray, flare_day: np.ndarray, flare_tau: np.ndarray) -> np.ndarray:
        p0, tau = self.level_at_diagnosis[idx], self.tau_pre[idx]
        t = np.maximum(t, 0)
        pinf = self.plateau[idx] * np.exp(-t / self.burn_out[idx])
        level = pinf + (p0 - pinf) * np.exp(-t / tau)
        since_flare = t - flare_day[idx]
        flare = np.where(since_flare >= 0, self.flare_amplitude[idx] * np.exp(-np.maximum(since_flare, 0) / flare_tau[idx]), 0.0)
        return np.clip((level + flare) * self.involvement[idx], 0.0, 1.0)


@dataclass
class Course:
    muscle: _Domain
    skin: _Domain
    switch_day: np.ndarray  # days from diagnosis to first cyclophosphamide (inf = none); no effect on activity
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
        args = (idx, t, self.flare_day, self.flare_tau)
        return self.muscle.at(*args), self.skin.at(*args)


SIGNS = ("rash", "nailfold_abnormal", "gottrons")
_SIGN_PERSISTS = np.array([0.47, 0.33, 0.17])  # share still showing at last follow-up
_SIGN_NEVER = np.array([0.03, 0.12, 0.20])


def generate_course(rng: np.random.Generator, cohort: Cohort) -> Course:
    """The natural history of every child in the chunk (no one is treated yet)."""
    n = len(cohort)
    switch = np.full(n, np.inf)

    # Muscle: severity at diagnosis, residual disease, speed of response.
    chronic = rng.random(n) < 0.4
    level0 = rng.uniform(0.3, 0.95, n)
    residual_untreated = np.where(chronic, rng.uniform(0.08, 0.3, n), rng.uniform(0.0, 0.04, n))
    # Refractory disease: a long active plateau before the slow fall.
    refractory = rng.random(n) < REFRACTORY_SHARE
    plateau = np.where(refractory, level0 * rng.uniform(0.45, 0.8, n), level0 * residual_untreated)
    tau_pre = np.where(refractory, rng.uniform(300, 700, n), rng.uniform(60, 240, n))
    burn_out = np.where(refractory, rng.uniform(700, 2000, n), np.inf)
    # A few children have (almost) no muscle disease: amyopathic or skin-led.
    skin_led = rng.random(n) < 0.15
    involvement = np.where(skin_led, rng.uniform(0.0, 0.25, n), rng.uniform(0.4, 1.0, n))
    flare_amp = rng.uniform(0.25, 0.5, n)
    muscle = _Domain(
        level_at_diagnosis=level0,
        plateau=plateau,
        tau_pre=tau_pre,
        burn_out=burn_out,
        involvement=involvement,
        flare_amplitude=flare_amp,
    )
    skin_level0 = np.clip(level0 * rng.uniform(0.8, 1.1, n), 0, 1)
    skin_residual = np.where(chronic, rng.uniform(0.1, 0.4, n), rng.uniform(0.0, 0.15, n))
    skin = _Domain(
        level_at_diagnosis=skin_level0,
        plateau=np.where(refractory, plateau * rng.uniform(0.85, 1.1, n), skin_level0 * skin_residual),
        tau_pre=tau_pre * rng.uniform(1.5, 3.0, n),
        burn_out=burn_out * rng.uniform(1.2, 2.0, n),
        involvement=np.where(skin_led, rng.uniform(0.8, 1.0, n), rng.uniform(0.5, 1.0, n)),
        flare_amplitude=flare_amp * 0.8,
    )

    sign_threshold = rng.uniform(0.12, 0.35, (n, 3))
    sign_persists = rng.random((n, 3)) < _SIGN_PERSISTS
    sign_never = rng.random((n, 3)) < _SIGN_NEVER

    # Calcinosis, a late complication (more often of chronic disease); the
    # treated get theirs redrawn in after_treatment.
    develops = rng.random(n) < np.where(chronic, 0.18, 0.07)
    calc_from = np.where(develops, rng.uniform(180, 1800, n), np.inf)
    calc_until = np.where(develops & (rng.random(n) < 0.4), calc_from + rng.uniform(365, 2000, n), np.inf)

    # Skin ulcers: more likely in severe skin disease, within two years of diagnosis.
    ulcer = rng.random(n) < np.where(skin_level0 > 0.7, ULCER_SHARE_SEVERE, ULCER_SHARE)
    ulcer_from = np.where(ulcer, rng.uniform(0, 720, n), np.inf)
    ulcer_until = ulcer_from + rng.uniform(60, 300, n)

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
        cyc_indication=np.zeros(n, dtype=np.int8),
        ck_response=rng.uniform(0.3, 1.2, n),
    )


def after_treatment(rng: np.random.Generator, cohort: Cohort, course: Course) -> None:
    """What goes with a first infusion (cohort.cyc_index_date), in place:
    the switch day, calcinosis as seen in the published cohort (present at
    the first infusion in ~30 % of treated children, resolving in about two
    thirds), and the indications on the prescription. None of these enters
    the scores the treatment decision reads or the effect is measured on."""
    cyc = cohort.has_cyc
    cyc_idx = np.flatnonzero(cyc)
    n_cyc = len(cyc_idx)
    course.switch_day[cyc_idx] = (cohort.cyc_index_date[cyc_idx] - cohort.diagnosis_date[cyc_idx]).astype(float)
    s = course.switch_day[cyc_idx]
    at_index = exact_mask(rng, n_cyc, CYC_CALCINOSIS_SHARE)
    later = ~at_index & (rng.random(n_cyc) < 0.10)
    calc_from = np.where(at_index, s - rng.uniform(30, 400, n_cyc), np.where(later, s + rng.uniform(200, 1500, n_cyc), np.inf))
    resolves = rng.random(n_cyc) < 0.3
    resolves[at_index] = exact_mask(rng, int(at_index.sum()), CYC_CALCINOSIS_RESOLVES)
    course.calcinosis_from[cyc_idx] = calc_from
    course.calcinosis_until[cyc_idx] = np.where(resolves, np.maximum(calc_from, s) + rng.uniform(120, 900, n_cyc), np.inf)

    bits = rng.random((n_cyc, len(codes.INDICATIONS))) < np.asarray(codes.INDICATION_SHARES)
    ulcer = codes.INDICATIONS.index("skin_ulceration")
    weakness = codes.INDICATIONS.index("muscle_weakness")
    refractory = codes.INDICATIONS.index("refractory")
    bits[:, ulcer] = (course.ulceration_from[cyc_idx] <= s) & (course.ulceration_until[cyc_idx] >= s - 120)
    bits[:, weakness] = course.muscle.involvement[cyc_idx] >= 0.4
    bits[:, refractory] &= s > 60  # refractory = failed first-line treatment
    bits[~bits.any(axis=1), codes.INDICATIONS.index("severe_skin")] = True
    course.cyc_indication[cyc_idx] = (bits * (1 << np.arange(len(codes.INDICATIONS)))).sum(axis=1)

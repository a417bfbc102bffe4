"""Laboratory results (long format), drawn at clinic visits.

Bloods are taken at a share of visits (more often while the disease is
active), usually on the visit day, sometimes a few days before. Muscle
enzymes rise with muscle activity (how much varies between children: some
have active JDM with a normal CK), ESR and CRP with overall activity. Each
patient's hospital laboratory has its own units (U/L, IU/L or ukat/L; CRP in
mg/L or mg/dL) and reporting limits, so some results are censored text such
as `<5` or `>2000`.

A value is stored as an integer `value` with `decimals` (value / 10^decimals)
and a `censor` flag (0 = exact, 1 = `<`, 2 = `>`).
"""

from __future__ import annotations

import numpy as np

from jdm.generator import codes
from jdm.generator.arrays import choose
from jdm.generator.cohort import Cohort
from jdm.generator.course import Course
from jdm.generator.tables import Table
from jdm.generator.visits import Visits

EXACT, BELOW, ABOVE = 0, 1, 2

# Chance each test is in a blood panel, in codes.LAB_TESTS order.
TEST_SHARES = np.array([0.92, 0.55, 0.50, 0.55, 0.15, 0.45, 0.40])
# Per test: median when inactive (U/L, mm/h or mg/L), log-sd, rise with activity.
NORMAL_MEDIAN = np.array([100.0, 230.0, 30.0, 20.0, 5.0, 8.0, 2.0])
LOG_SD = np.array([0.35, 0.20, 0.30, 0.35, 0.25, 0.50, 0.80])
ACTIVITY_EFFECT = np.array([3.2, 1.3, 2.0, 1.6, 1.5, 1.4, 1.8])
ENZYME_UNIT_MIX = (0.65, 0.25, 0.10)  # U/L, IU/L, ukat/L
CRP_UNIT_MIX = (0.8, 0.2)  # mg/L, mg/dL
CRP_REPORTED_BELOW_5 = 0.7  # laboratories reporting CRP < 5 mg/L as "<5"
CK_REPORTED_ABOVE_2000 = 0.15  # laboratories with a CK reporting limit


def generate_labs(rng: np.random.Generator, cohort: Cohort, course: Course, visits: Visits) -> Table:
    n_patients = len(cohort)
    activity = np.maximum(visits.muscle, 0.5 * visits.skin)
    p_panel = np.clip(0.2 + 1.0 * activity, 0, 0.9)
    p_panel[visits.day == course.switch_day[visits.patient]] = 0.95  # before the first infusion
    panel = np.flatnonzero(rng.random(len(p_panel)) < p_panel)

    patient = visits.patient[panel]
    date = visits.date[panel].copy()
    # Bloods a few days before clinic, when the previous visit is far enough back
    # that two panels can never share a date.
    previous = np.r_[np.iinfo(np.int64).min // 2, visits.date[:-1]]
    first_visit = np.r_[True, visits.patient[1:] != visits.patient[:-1]]
    gap = np.where(first_visit, 10_000, visits.date - previous)[panel]
    early = (rng.random(len(panel)) < 0.15) & (gap > 7)
    date[early] -= rng.integers(1, 4, int(early.sum()))

    has_test = rng.random((len(panel), len(codes.LAB_TESTS))) < TEST_SHARES
    row_panel, test = np.nonzero(has_test)
    n = len(row_panel)
    patient, date = patient[row_panel], date[row_panel]
    muscle = visits.muscle[panel][row_panel] * course.ck_response[patient]
    overall = activity[panel][row_panel]
    driver = np.where(np.isin(test, codes.ENZYMES), muscle, overall)
    u_l = NORMAL_MEDIAN[test] * np.exp(ACTIVITY_EFFECT[test] * driver + rng.normal(0, 1, n) * LOG_SD[test])

    # --- each hospital's units and reporting habits
    enzyme_unit = np.array([codes.U_L, codes.IU_L, codes.UKAT_L])[choose(rng, n_patients, ENZYME_UNIT_MIX)]
    crp_unit = np.array([codes.MG_L, codes.MG_DL])[choose(rng, n_patients, CRP_UNIT_MIX)]
    crp_below = rng.random(n_patients) < CRP_REPORTED_BELOW_5
    ck_above = rng.random(n_patients) < CK_REPORTED_ABOVE_2000
    unit = np.select(
        [test == codes.ESR, test == codes.CRP],
        [codes.MM_H, crp_unit[patient]],
        enzyme_unit[patient],
    ).astype(np.int8)

    # --- value in the unit, with a precision that suits it
    in_unit = np.select(
        [unit == codes.UKAT_L, unit == codes.MG_DL],
        [u_l / codes.UKAT_IN_U_L, u_l / 10.0],
        u_l,
    )
    decimals = np.select(
        [unit == codes.UKAT_L, unit == codes.MG_DL, unit == codes.MG_L, test == codes.ALDOLASE],
        [np.where(test == codes.ALDOLASE, 3, 2), 2, 1, 1],
        0,
    ).astype(np.int8)
    if n:
        in_unit[test == codes.ESR] = np.clip(in_unit[test == codes.ESR], 1, 140)
    scale = 10.0 ** decimals
    value = np.maximum(np.round(in_unit * scale), 1).astype(np.int64)
    censor = np.zeros(n, dtype=np.int8)

    below = (test == codes.CRP) & crp_below[patient] & (u_l < 5)
    censor[below] = BELOW
    value[below] = 5  # "<5" mg/L or "<0.5" mg/dL
    decimals[below] = np.where(unit[below] == codes.MG_DL, 1, 0)
    above = (test == codes.CK) & ck_above[patient] & (unit != codes.UKAT_L) & (u_l > 2000)
    censor[above] = ABOVE
    value[above] = 2000
    decimals[above] = 0

    number = cohort.number[patient]
    return Table(
        {
            "patient": number,
            "date": date.astype(np.int32),
            "test": test.astype(np.int8),
            "unit": unit,
            "value": value,
            "decimals": decimals,
            "censor": censor,
        }
    )

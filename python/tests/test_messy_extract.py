"""Unknown stays unknown, end to end, on an extract written by hand.

Each of the five ways a messy extract used to turn *unknown* into a number
the study trusted happens here to a patient the study analyses; the
warehouse is built (`dbt build`), `jdm stats` runs, and the marts and
marts.study_results must hold the values worked out by hand below.

The extract (extract date 2012-06-30, study period 2000-2011, every patient
Definite JDM). All analysed patients have their first IV cyclophosphamide
on 2005-01-01 (the index date, day 0) and visits on day 0, 182
(2005-07-02), 365 (2006-01-01), 547 (2006-07-02) and 730 (2007-01-01),
weighing 25 kg, so a dose in mg/kg/day is mg / 25. The baseline window is
days -30..+7 (2004-12-02 to 2005-01-08).

- P1, point 1 (an oral steroid whose route was unrecognised): prednisolone
  25 mg daily (1 mg/kg) to 2005-06-30, then 10 mg daily "by mouth" (not a
  route the seeds know: repaired to unknown) 2005-07-01 to 2005-12-31.
  Before: that episode disappeared, so the 6-month dose read 0 and the
  patient was off steroids from 2005-07-01. Now: the 6-month dose is
  unknown (no row in outcome_timepoints); the last day known on is
  2005-06-30 and unknown days follow, so censored the day before the first
  of them: 2005-06-30, day 180.
- P2, point 2 (an unreadable stop_date): prednisolone 1 mg/kg to
  2005-03-31, 0.5 mg/kg from 2005-04-01 with stop_date "31/06/2005", then
  0.25 mg/kg 2005-09-01 to 2005-12-31. Before: the middle episode ran to
  the extract date, so the 12-month dose read 0.5 and the patient was
  censored at the last visit. Now: it counts on 2005-04-01 only and its
  dose is unknown from 2005-04-02 to 2005-08-31 (the day before the next
  prednisolone episode): the 6-month dose (2005-07-02) is unknown, the
  12-month one 0; the last day on is 2005-12-31 with no unknown day after
  it: off steroids on 2006-01-01, day 365.
- P3 and P4, point 3 (a stop_date after the extract date / after death):
  P3 prednisolone 10 mg daily (0.4 mg/kg) from 2004-12-01 with stop_date
  2013-01-31, after the extract date: clipped to 2012-06-30. P4 (died
  2007-06-01, last visit 2007-05-01, day 850) 0.5 mg/kg daily from
  2004-12-20 with stop_date 2008-03-01: clipped to 2007-06-01. Before:
  both episodes were set aside, so their doses read 0 and both were "off
  steroids" at day 0. Now: 0.4 and 0.5 mg/kg/day at every timepoint, still
  on at the last visit: censored at day 730 and day 850.
- P5 and P6, point 4 (a first infusion that cannot be placed): P5's first
  IV cyclophosphamide has start_date "1999-02-30" (unreadable, set aside),
  P6's first one, 1999-11-01, has route "IVI" (unknown); both then have an
  IV infusion on 2005-01-01. Before: both entered the cohort with index
  date 2005-01-01. Now: their first-ever dose is uncertain; excluded at
  step 2 as exposure_date_uncertain, with no index date. P7 has an
  unknown-route infusion after its first IV one (2005-02-01): that cannot
  be the first-ever dose, so P7 keeps index date 2005-01-01.
- P8, point 5 (decimals): prednisolone 0.0125 g daily (12.5 mg, 0.5
  mg/kg) to 2005-06-30, then 0.00625 g (0.25 mg/kg) to 2005-09-30. Before:
  kept to 3 decimals, 0.013 g and 0.006 g, so 0.52 and 0.24 mg/kg/day. Now:
  exact: 0.5 and 0.25, a change of -50 %; off steroids on 2005-10-01, day
  273. A weight of 25.0000001 kg (P9) has more decimals than are kept: it
  is repaired, not rounded.
- P7: prednisolone 1 mg/kg to 2005-03-31, then 0.6 mg/kg to 2006-07-02:
  0.6 at 6, 12 and 18 months (the 18-month target day, 547, is 2006-07-02,
  its last day), 0 at 24; off on 2006-07-03, day 548.
- P10 starts steroids on 2005-03-01, after the baseline window: not on
  steroids at baseline, so not in the time-to-off-steroids analysis
  (counted). P11 takes prednisolone by an unknown route ("rectal") over
  the baseline window, then oral from 2005-03-01: its baseline dose and
  whether it was on steroids at baseline are unknown (counted, not
  analysed).
- P9 never had cyclophosphamide: not exposed.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from dbt_support import DbtRun, build, write_file
from jdm.study.analysis import run_stats

METADATA = """\
registry,extract_date,spec_version
Hand-written messy registry,2012-06-30,1
"""

PATIENTS = """\
patient_id,sex,date_of_birth,ethnicity,symptom_onset_date,diagnosis_date,diagnosis,recruitment_date,withdrawal_date,death_date
P1,F,1996-01-01,White,2004-06-01,2004-09-01,Definite JDM,2004-09-01,,
P2,M,1996-01-01,White,2004-06-01,2004-09-01,Definite JDM,2004-09-01,,
P3,F,1996-01-01,White,2004-06-01,2004-09-01,Definite JDM,2004-09-01,,
P4,M,1996-01-01,White,2004-06-01,2004-09-01,Definite JDM,2004-09-01,,2007-06-01
P5,F,1996-01-01,White,1998-06-01,1998-09-01,Definite JDM,1998-09-01,,
P6,M,1996-01-01,White,1998-06-01,1998-09-01,Definite JDM,1998-09-01,,
P7,F,1996-01-01,White,2004-06-01,2004-09-01,Definite JDM,2004-09-01,,
P8,M,1996-01-01,White,2004-06-01,2004-09-01,Definite JDM,2004-09-01,,
P9,F,1996-01-01,White,2004-06-01,2004-09-01,Definite JDM,2004-09-01,,
P10,M,1996-01-01,White,2004-06-01,2004-09-01,Definite JDM,2004-09-01,,
P11,F,1996-01-01,White,2004-06-01,2004-09-01,Definite JDM,2004-09-01,,
"""

VISIT_DATES = ["2005-01-01", "2005-07-02", "2006-01-01", "2006-07-02", "2007-01-01"]


def _visits() -> str:
    lines = ["visit_id,patient_id,visit_date,weight_kg,height_cm,cmas,mmt8,physician_global_vas,parent_global_vas,"
             "chaq,das_skin,das_muscle,rash,nailfold_abnormal,gottrons,calcinosis,skin_ulceration"]
    for patient in ["P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8", "P10", "P11"]:
        dates = VISIT_DATES + (["2007-05-01"] if patient == "P4" else [])
        for k, date in enumerate(dates, start=1):
            lines.append(f"{patient}-V{k},{patient},{date},25,120,{30 + 3 * k},{50 + 3 * k},{6 - k},5,1.5,5,5,Y,Y,Y,N,N")
    lines.append("P9-V1,P9,2005-01-01,25.0000001,120,40,60,3,3,1,3,3,N,N,N,N,N")
    return "\n".join(lines) + "\n"


# source_row of each medication record: its line number after the header.
MEDICATIONS = """\
medication_id,patient_id,drug,route,dose,dose_unit,frequency,start_date,stop_date,indication
M101,P1,cyclophosphamide,IV,500,mg/m2,once,2005-01-01,2005-01-01,muscle_weakness
M102,P1,cyclophosphamide,IV,500,mg/m2,once,2005-02-01,2005-02-01,
M103,P1,prednisolone,oral,25,mg,daily,2004-12-15,2005-06-30,
M104,P1,prednisolone,by mouth,10,mg,daily,2005-07-01,2005-12-31,
M201,P2,cyclophosphamide,IV,500,mg/m2,once,2005-01-01,2005-01-01,severe_skin
M202,P2,prednisolone,oral,1,mg/kg,daily,2004-12-15,2005-03-31,
M203,P2,prednisolone,oral,0.5,mg/kg,daily,2005-04-01,31/06/2005,
M204,P2,prednisolone,oral,0.25,mg/kg,daily,2005-09-01,2005-12-31,
M301,P3,cyclophosphamide,IV,500,mg/m2,once,2005-01-01,2005-01-01,
M302,P3,prednisolone,oral,10,mg,daily,2004-12-01,2013-01-31,
M401,P4,cyclophosphamide,IV,500,mg/m2,once,2005-01-01,2005-01-01,
M402,P4,prednisolone,oral,0.5,mg/kg,daily,2004-12-20,2008-03-01,
M501,P5,cyclophosphamide,IV,500,mg/m2,once,1999-02-30,,
M502,P5,cyclophosphamide,IV,500,mg/m2,once,2005-01-01,2005-01-01,
M503,P5,prednisolone,oral,1,mg/kg,daily,2004-12-15,2005-12-31,
M601,P6,cyclophosphamide,IVI,500,mg/m2,once,1999-11-01,1999-11-01,
M602,P6,cyclophosphamide,IV,500,mg/m2,once,2005-01-01,2005-01-01,
M603,P6,prednisolone,oral,1,mg/kg,daily,2004-12-15,2005-12-31,
M701,P7,cyclophosphamide,IV,500,mg/m2,once,2005-01-01,2005-01-01,
M702,P7,cyclophosphamide,i.v.,500,mg/m2,once,2005-02-01,2005-02-01,
M703,P7,prednisolone,oral,1,mg/kg,daily,2004-12-01,2005-03-31,
M704,P7,prednisolone,oral,0.6,mg/kg,daily,2005-04-01,2006-07-02,
M801,P8,cyclophosphamide,IV,500,mg/m2,once,2005-01-01,2005-01-01,
M802,P8,prednisolone,oral,0.0125,g,daily,2004-12-20,2005-06-30,
M803,P8,prednisolone,oral,0.00625,g,daily,2005-07-01,2005-09-30,
M901,P9,prednisolone,oral,1,mg/kg,daily,2004-12-15,2005-12-31,
M1001,P10,cyclophosphamide,IV,500,mg/m2,once,2005-01-01,2005-01-01,
M1002,P10,prednisolone,oral,10,mg,daily,2005-03-01,2005-12-31,
M1101,P11,cyclophosphamide,IV,500,mg/m2,once,2005-01-01,2005-01-01,
M1102,P11,prednisolone,rectal,10,mg,daily,2004-12-15,2005-02-28,
M1103,P11,prednisolone,oral,10,mg,daily,2005-03-01,2005-12-31,
"""
ROW = {line.split(",")[0]: k for k, line in enumerate(MEDICATIONS.splitlines()[1:], start=1)}

LABS = """\
patient_id,sample_date,test,value,unit
P1,2005-01-01,CK,300,U/L
P9,2005-01-01,CRP,1.0000001,mg/L
P9,2005-01-01,CK,0.0125,ukat/L
"""

ANALYSED = ["P1", "P2", "P3", "P4", "P7", "P8", "P10", "P11"]


@pytest.fixture(scope="module")
def messy(tmp_path_factory: pytest.TempPathFactory) -> DbtRun:
    root = tmp_path_factory.mktemp("messy")
    extract = root / "extract"
    extract.mkdir()
    write_file(extract / "extract_metadata.csv", METADATA)
    write_file(extract / "patients.csv", PATIENTS)
    write_file(extract / "visits.csv", _visits())
    write_file(extract / "medications.csv", MEDICATIONS)
    write_file(extract / "labs.csv", LABS)
    run = build(extract, root / "build")
    run_stats(run.db_path)
    return run


def test_the_flow_counts_uncertain_exposure_beside_not_exposed(messy: DbtRun) -> None:
    # 11 registered; P9 never exposed; P5 and P6 uncertain: 8 left, who all
    # pass steps 3-5 (eligible diagnosis, a day-0 visit, 730 days of follow-up).
    assert messy.query("""
        select step_number, exclusion_reason, patients_excluded, patients_remaining
        from marts.attrition order by step_number, exclusion_reason_order""") == [
        (1, None, 0, 11),
        (2, "not_exposed_in_study_period", 1, 8),
        (2, "exposure_date_uncertain", 2, 8),
        (3, "ineligible_diagnosis", 0, 8),
        (4, "no_baseline_assessment", 0, 8),
        (5, "insufficient_follow_up", 0, 8),
    ]


def test_an_uncertain_first_exposure_excludes_with_its_own_reason(messy: DbtRun) -> None:
    patients = {row[0]: row[1:] for row in messy.query("""
        select patient_id, index_date::varchar, is_first_exposure_uncertain, exclusion_reason, exposure_uncertainty
        from marts.patients""")}
    assert patients["P5"][:3] == (None, True, "exposure_date_uncertain")
    assert f"medications.csv row {ROW['M501']}: start_date unreadable ('1999-02-30')" in patients["P5"][3]
    assert patients["P6"][:3] == (None, True, "exposure_date_uncertain")
    assert f"medications.csv row {ROW['M601']}: route unknown, start_date 1999-11-01" in patients["P6"][3]
    # An unknown-route infusion after the first IV one cannot be the first-ever dose.
    assert patients["P7"] == ("2005-01-01", False, None, None)
    assert patients["P9"][:3] == (None, False, "not_exposed_in_study_period")
    assert sorted(p for p, row in patients.items() if row[2] is None) == sorted(ANALYSED)
    # The set-aside record is there for the data manager, with its reason.
    assert messy.query("""select reason_code, action, raw_value from audit.quarantine
                          where source_file = 'medications.csv' and source_row = ?""", [ROW["M501"]]) == [
        ("invalid_date", "dropped", "1999-02-30")]


def test_medication_values_repaired_as_the_spec_says(messy: DbtRun) -> None:
    quarantine = {(row, column): (reason, action, raw, detail) for row, column, reason, action, raw, detail in messy.query("""
        select source_row, column_name, reason_code, action, raw_value, detail from audit.quarantine
        where source_file = 'medications.csv'""")}
    assert quarantine[(ROW["M104"], "route")][:3] == ("unknown_code", "repaired", "by mouth")
    assert quarantine[(ROW["M203"], "stop_date")][:3] == ("invalid_date", "repaired", "31/06/2005")
    assert "end is unknown" in quarantine[(ROW["M203"], "stop_date")][3]
    assert quarantine[(ROW["M302"], "stop_date")] == (
        "implausible_event_date", "repaired", "2013-01-31", "stop_date after the extract date 2012-06-30: clipped to it")
    assert quarantine[(ROW["M402"], "stop_date")] == (
        "implausible_event_date", "repaired", "2008-03-01", "stop_date after the date of death 2007-06-01: clipped to it")
    staged = {row[0]: row[1:] for row in messy.query("""
        select medication_id, route, dose, stop_date::varchar, has_unknown_stop_date, is_stop_date_clipped
        from staging.stg_registry__medications""")}
    assert staged["M104"][0] is None
    assert staged["M203"][2:] == (None, True, False)
    assert staged["M302"][2:] == ("2012-06-30", False, True)
    assert staged["M402"][2:] == ("2007-06-01", False, True)
    # Exact decimals: 0.0125 g and 0.00625 g, not 0.013 and 0.006.
    assert (staged["M802"][1], staged["M803"][1]) == (Decimal("0.0125"), Decimal("0.00625"))


def test_a_decimal_with_more_places_than_kept_is_repaired_not_rounded(messy: DbtRun) -> None:
    repaired = messy.query("""select source_file, column_name, reason_code, raw_value, detail from audit.quarantine
                              where detail like 'more than%' order by source_file""")
    assert repaired == [
        ("labs.csv", "value", "invalid_numeric", "1.0000001", "more than 6 decimal places: cannot be kept exactly"),
        ("visits.csv", "weight_kg", "invalid_numeric", "25.0000001", "more than 6 decimal places: cannot be kept exactly"),
    ]
    assert messy.query("select weight_kg from staging.stg_registry__visits where visit_id = 'P9-V1'") == [(None,)]
    # 0.0125 ukat/L is 0.75 U/L exactly (x 60).
    assert messy.query("select value from staging.stg_registry__labs where patient_id = 'P9' and test = 'CK'") == [
        (Decimal("0.75"),)]


# mg/kg/day on each timepoint's day, worked out above (None: unknown).
EXPECTED_DOSES = {
    "P1": {"baseline": 1, "month_6": None, "month_12": 0, "month_18": 0, "month_24": 0, "last_follow_up": 0},
    "P2": {"baseline": 1, "month_6": None, "month_12": 0, "month_18": 0, "month_24": 0, "last_follow_up": 0},
    "P3": {t: Decimal("0.4") for t in ("baseline", "month_6", "month_12", "month_18", "month_24", "last_follow_up")},
    "P4": {t: Decimal("0.5") for t in ("baseline", "month_6", "month_12", "month_18", "month_24", "last_follow_up")},
    "P7": {"baseline": 1, "month_6": Decimal("0.6"), "month_12": Decimal("0.6"), "month_18": Decimal("0.6"),
           "month_24": 0, "last_follow_up": 0},
    "P8": {"baseline": Decimal("0.5"), "month_6": Decimal("0.25"), "month_12": 0, "month_18": 0, "month_24": 0,
           "last_follow_up": 0},
    "P10": {"baseline": 0, "month_6": Decimal("0.4"), "month_12": 0, "month_18": 0, "month_24": 0, "last_follow_up": 0},
    "P11": {"baseline": None, "month_6": Decimal("0.4"), "month_12": 0, "month_18": 0, "month_24": 0,
            "last_follow_up": 0},
}


def test_steroid_doses_are_missing_where_unknown_never_zero(messy: DbtRun) -> None:
    doses = {(p, t): (d, reason) for p, t, d, reason in messy.query("""
        select patient_id, timepoint, dose_mg_kg_day, dose_unknown_reason from marts.steroid_doses""")}
    expected = {(p, t): d for p, by_time in EXPECTED_DOSES.items() for t, d in by_time.items()}
    assert {key: value[0] for key, value in doses.items()} == expected  # nothing missing, nothing extra
    assert doses[("P1", "month_6")][1] == f"medications.csv row {ROW['M104']}: route unknown"
    assert doses[("P2", "month_6")][1] == f"medications.csv row {ROW['M203']}: end unknown (unreadable stop_date)"
    assert doses[("P11", "baseline")][1] == f"medications.csv row {ROW['M1102']}: route unknown"
    # outcome_timepoints carries the known doses only, with the change from baseline.
    rows = {(p, t): (v, pct) for p, t, v, pct in messy.query("""
        select patient_id, timepoint, value, pct_change_from_baseline from marts.outcome_timepoints
        where measure = 'steroid_dose_mg_kg_day'""")}
    assert {key: v for key, (v, _) in rows.items()} == {key: d for key, d in expected.items() if d is not None}
    month_6 = {p: pct for (p, t), (_, pct) in rows.items() if t == "month_6"}
    # (0.4 - 0.4) / 0.4, (0.5 - 0.5) / 0.5, (0.6 - 1) / 1, (0.25 - 0.5) / 0.5; P10's baseline is 0 and
    # P11's unknown: no percent.
    assert month_6 == {"P3": 0.0, "P4": 0.0, "P7": pytest.approx(-40.0), "P8": pytest.approx(-50.0),
                       "P10": None, "P11": None}


def test_time_to_off_steroids_event_or_censoring_day(messy: DbtRun) -> None:
    rows = {row[0]: row[1:] for row in messy.query("""
        select patient_id, is_on_steroids_at_baseline, is_in_time_to_off_steroids_analysis, is_off_steroids,
               days_to_off_steroids_or_censoring
        from marts.steroid_discontinuation""")}
    assert rows == {
        "P1": (True, True, False, 180),  # censored the day before the unknown-route episode
        "P2": (True, True, True, 365),  # off on 2006-01-01
        "P3": (True, True, False, 730),  # on past the last visit (clipped to the extract date)
        "P4": (True, True, False, 850),  # on past the last visit (clipped to death)
        "P7": (True, True, True, 548),
        "P8": (True, True, True, 273),
        "P10": (False, False, True, 365),  # not on at baseline: not analysed
        "P11": (None, False, True, 365),  # baseline unknown: not analysed
    }


def test_study_results_hold_the_hand_worked_values(messy: DbtRun) -> None:
    results = {(row[0], row[1]): row[2:] for row in messy.query("""
        select analysis, timepoint, n, estimate from marts.study_results where analysis_set = 'completers'
          and analysis in ('time_to_off_steroids', 'steroid_dose_change')""")}
    # Kaplan-Meier over P1 180 censored, P8 273 off, P2 365 off, P7 548 off,
    # P3 730 censored, P4 850 censored (n = 6): at 273, 5 at risk: S = 4/5;
    # at 365, 4 at risk: S = 0.8 x 3/4 = 0.6; at 548, 3 at risk: S = 0.6 x
    # 2/3 = 0.4. Median: the first time at or below 0.5, 548 (0.4, not
    # exactly 0.5). Off steroids by day 365: 1 - 0.6; by the 18-month target
    # day 547: still 0.4 (day 548 would give 0.6); by 730: 0.6.
    assert results[("time_to_off_steroids", "median")] == (6, 548.0)
    assert results[("time_to_off_steroids", "month_12")] == (6, pytest.approx(0.4))
    assert results[("time_to_off_steroids", "month_18")] == (6, pytest.approx(0.4))
    assert results[("time_to_off_steroids", "month_24")] == (6, pytest.approx(0.6))
    # Percent change at 6 months among non-zero baselines with a 6-month
    # dose: P3 0, P4 0, P7 -40, P8 -50: median of four = (-40 + 0) / 2.
    assert results[("steroid_dose_change", "month_6")] == (4, pytest.approx(-20.0))

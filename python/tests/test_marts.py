"""The study marts on the default extract, checked against rules recomputed
here in pandas straight from the staging tables (a second implementation of
the protocol, not a copy of the SQL), and rebuilt with other parameters."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from dbt_support import DbtRun, run_dbt

STUDY_START, STUDY_END = pd.Timestamp("2000-01-01"), pd.Timestamp("2011-12-31")
ELIGIBLE_DIAGNOSES = {"Definite JDM", "Probable JDM", "JDM overlap"}
ASSESSMENT_MEASURES = ["cmas", "mmt8", "physician_global_vas", "parent_global_vas", "chaq", "das_skin", "das_muscle"]
WINDOWS = {"baseline": (0, -30, 7), "month_6": (182, 137, 227), "month_12": (365, 320, 410),
           "month_18": (547, 502, 592), "month_24": (730, 685, 775)}


def expected_exclusions(run: DbtRun, drug: str = "cyclophosphamide") -> pd.Series:
    """First failed eligibility step per patient, by the protocol's wording."""
    patients = run.frame("select patient_id, diagnosis from staging.stg_registry__patients").set_index("patient_id")
    meds = run.frame(f"select patient_id, start_date from staging.stg_registry__medications where drug = '{drug}' and route = 'IV'")
    visits = run.frame("select * from staging.stg_registry__visits")
    first_dose = pd.to_datetime(meds.groupby("patient_id")["start_date"].min())
    index = first_dose[(first_dose >= STUDY_START) & (first_dose <= STUDY_END)]
    visits["visit_date"] = pd.to_datetime(visits["visit_date"])
    visits = visits.join(index.rename("index_date"), on="patient_id")
    visits["day"] = (visits["visit_date"] - visits["index_date"]).dt.days
    assessed = visits[visits["day"].between(-30, 7) & visits[ASSESSMENT_MEASURES].notna().any(axis=1)]
    follow_up = visits.groupby("patient_id")["visit_date"].max() - index
    reasons = {}
    for pid, row in patients.iterrows():
        if pid not in index.index:
            reasons[pid] = "not_exposed_in_study_period"
        elif row["diagnosis"] not in ELIGIBLE_DIAGNOSES:
            reasons[pid] = "ineligible_diagnosis"
        elif pid not in set(assessed["patient_id"]):
            reasons[pid] = "no_baseline_assessment"
        elif pd.isna(follow_up.get(pid)) or follow_up[pid].days < 365:
            reasons[pid] = "insufficient_follow_up"
        else:
            reasons[pid] = None
    return pd.Series(reasons, name="exclusion_reason")


def test_attrition_reads_as_a_strobe_flow(default_build: DbtRun) -> None:
    attrition = default_build.frame("select * from marts.attrition order by step_number")
    assert list(attrition["step"]) == [
        "registered", "exposed_in_study_period", "eligible_diagnosis", "baseline_assessment", "minimum_follow_up"]
    registered = default_build.query("select count(*) from staging.stg_registry__patients")[0][0]
    assert attrition["patients_remaining"].iloc[0] == registered
    assert attrition["patients_excluded"].iloc[0] == 0
    # Each step removes exactly the patients it excludes from what the step before left.
    remaining = attrition["patients_remaining"].tolist()
    excluded = attrition["patients_excluded"].tolist()
    for k in range(1, len(remaining)):
        assert remaining[k] == remaining[k - 1] - excluded[k]
    assert remaining[0] - sum(excluded) == remaining[-1]
    # The flow agrees with the patients mart, patient by patient.
    completers, all_treated = default_build.query(
        "select count(*) filter (where in_completers), count(*) filter (where in_all_treated) from marts.patients")[0]
    assert remaining[-1] == completers
    assert remaining[2] == all_treated
    per_reason = dict(default_build.query(
        "select exclusion_reason, count(*) from marts.patients where exclusion_reason is not null group by 1"))
    for _, step in attrition.iloc[1:].iterrows():
        assert per_reason.get(step["exclusion_reason"], 0) == step["patients_excluded"]
    # The default synthetic registry mirrors the published cohort's shape.
    assert remaining == [410, 56, 52, 50, 47]


def test_each_patient_carries_the_first_reason_that_excluded_them(default_build: DbtRun) -> None:
    expected = expected_exclusions(default_build)
    actual = default_build.frame("select patient_id, exclusion_reason from marts.patients").set_index("patient_id")["exclusion_reason"]
    assert actual.where(actual.notna(), None).sort_index().to_dict() == expected.sort_index().to_dict()


def windowed_in_pandas(run: DbtRun, measure: str, windows: dict = WINDOWS) -> pd.DataFrame:
    """Per all_treated patient: the nearest non-missing value in each window
    (ties: earlier), and the latest at day >= 365."""
    visits = run.frame(f"""
        select v.patient_id, v.visit_date, v.{measure} as value, p.index_date
        from staging.stg_registry__visits v join marts.patients p using (patient_id)
        where p.in_all_treated and v.{measure} is not null""")
    visits["day"] = (pd.to_datetime(visits["visit_date"]) - pd.to_datetime(visits["index_date"])).dt.days
    rows = []
    for pid, group in visits.groupby("patient_id"):
        for timepoint, (target, low, high) in windows.items():
            inside = group[group["day"].between(low, high)]
            if len(inside):
                pick = inside.assign(distance=(inside["day"] - target).abs()).sort_values(["distance", "day"]).iloc[0]
                rows.append((pid, timepoint, pick["day"], float(pick["value"])))
        late = group[group["day"] >= 365]
        if len(late):
            pick = late.sort_values("day").iloc[-1]
            rows.append((pid, "last_follow_up", pick["day"], float(pick["value"])))
    return pd.DataFrame(rows, columns=["patient_id", "timepoint", "study_day", "value"]).sort_values(
        ["patient_id", "timepoint"]).reset_index(drop=True)


def mart_values(run: DbtRun, measure: str) -> pd.DataFrame:
    frame = run.frame(f"""
        select patient_id, timepoint, study_day, value::double as value
        from marts.outcome_timepoints where measure = '{measure}' order by patient_id, timepoint""")
    return frame.reset_index(drop=True)


@pytest.mark.parametrize("measure", ["cmas", "physician_global_vas", "das_skin"])
def test_windowed_values_match_the_protocol(default_build: DbtRun, measure: str) -> None:
    expected = windowed_in_pandas(default_build, measure)
    actual = mart_values(default_build, measure)
    assert len(actual) > 100
    pd.testing.assert_frame_equal(actual, expected, check_dtype=False)


def test_change_from_baseline_columns(default_build: DbtRun) -> None:
    bad = default_build.query("""
        select count(*) from marts.outcome_timepoints o
        where timepoint <> 'baseline' and baseline_value is not null and (
            change_from_baseline <> value - baseline_value
            or (value_type <> 'binary' and baseline_value <> 0
                and abs(pct_change_from_baseline - 100 * (value - baseline_value) / baseline_value) > 1e-9)
            or is_improved <> case when measure in ('cmas', 'mmt8') then value > baseline_value else value < baseline_value end)
    """)
    assert bad == [(0,)]
    assert default_build.query("""
        select count(*) from marts.outcome_timepoints
        where timepoint = 'baseline' and (change_from_baseline is not null or value <> baseline_value)""") == [(0,)]


def test_steroid_dose_on_target_days_recomputed(default_build: DbtRun) -> None:
    """mg/kg/day at month_6 from the staged episodes and weights, in pandas."""
    meds = default_build.frame("""
        select m.*, p.index_date from staging.stg_registry__medications m join marts.patients p using (patient_id)
        where p.in_all_treated and m.route = 'oral' and m.drug in ('prednisolone', 'prednisone', 'methylprednisolone')""")
    visits = default_build.frame("select patient_id, visit_date, weight_kg, height_cm from staging.stg_registry__visits")
    extract_date = pd.Timestamp(default_build.query("select extract_date from staging.stg_registry__extract_metadata")[0][0])
    for column in ["start_date", "stop_date"]:
        meds[column] = pd.to_datetime(meds[column])
    visits["visit_date"] = pd.to_datetime(visits["visit_date"])
    per_day = {"daily": 1, "twice daily": 2, "alternate days": 0.5, "weekly": 1 / 7, "monthly": 1 / 30, "once": 1}
    equivalence = {"prednisolone": 1, "prednisone": 1, "methylprednisolone": 1.25}

    def nearest(pid: str, day: pd.Timestamp, column: str) -> float:
        v = visits[(visits["patient_id"] == pid) & visits[column].notna()].copy()
        v["distance"] = [abs((d - day).days) for d in v["visit_date"]]
        return float(v.sort_values(["distance", "visit_date"]).iloc[0][column])

    mart = default_build.frame("""
        select patient_id, visit_date, value::double as value from marts.outcome_timepoints
        where measure = 'steroid_dose_mg_kg_day' and timepoint = 'month_6'""")
    assert len(mart) > 40
    for row in mart.itertuples():
        day = pd.Timestamp(row.visit_date)
        total = 0.0
        for m in meds[meds["patient_id"] == row.patient_id].itertuples():
            last = m.stop_date if pd.notna(m.stop_date) else (m.start_date if m.frequency == "once" else extract_date)
            if not (m.start_date <= day <= last):
                continue
            weight = nearest(row.patient_id, day, "weight_kg")
            mg_kg = {"mg/kg": float(m.dose), "mg": float(m.dose) / weight, "g": float(m.dose) * 1000 / weight,
                     "mg/m2": float(m.dose) * (nearest(row.patient_id, day, "height_cm") * weight / 3600) ** 0.5 / weight}[m.dose_unit]
            total += mg_kg * per_day[m.frequency] * equivalence[m.drug]
        assert row.value == pytest.approx(total, abs=1e-6), row.patient_id


def rebuild_with_vars(default_build: DbtRun, tmp_path: Path, vars: str) -> DbtRun:
    """The default warehouse with its study models rebuilt under other vars."""
    work = tmp_path / "variant"
    work.mkdir()
    shutil.copy(default_build.db_path, work / "warehouse.duckdb")
    run = run_dbt(["build", "--select", "path:models/intermediate", "path:models/marts"],
                  Path("unused-extract"), work, vars=vars)
    assert run.returncode == 0, run.output[-4000:]
    return run


def test_a_wider_12_month_window_changes_the_marts(default_build: DbtRun, tmp_path: Path) -> None:
    run = rebuild_with_vars(default_build, tmp_path,
                            "{timepoint_window_overrides: {month_12: {window_low_day: 305, window_high_day: 425}}}")
    assert run.query("select defined_by, value from marts.study_parameters where parameter = 'timepoint_window.month_12'") == [
        ("var timepoint_window_overrides", "target day 365, window 305 to 425")]
    assert run.query("""select distinct window_low_day, window_high_day from marts.outcome_timepoints
                        where timepoint = 'month_12'""") == [(305, 425)]
    windows = WINDOWS | {"month_12": (365, 305, 425)}
    for measure in ["cmas", "physician_global_vas"]:
        expected = windowed_in_pandas(run, measure, windows)
        pd.testing.assert_frame_equal(mart_values(run, measure), expected, check_dtype=False)
    # More patients reach a 12-month value; other timepoints are untouched.
    count = "select count(*) from marts.outcome_timepoints where timepoint = '{}'"
    assert run.query(count.format("month_12"))[0][0] > default_build.query(count.format("month_12"))[0][0]
    assert run.query(count.format("month_6")) == default_build.query(count.format("month_6"))


def test_another_exposure_drug_changes_the_cohort(default_build: DbtRun, tmp_path: Path) -> None:
    run = rebuild_with_vars(default_build, tmp_path, "{exposure_drug: rituximab}")
    expected = expected_exclusions(run, drug="rituximab")
    actual = run.frame("select patient_id, exclusion_reason from marts.patients").set_index("patient_id")["exclusion_reason"]
    assert actual.where(actual.notna(), None).sort_index().to_dict() == expected.sort_index().to_dict()
    exposed = run.query("select patients_remaining from marts.attrition where step = 'exposed_in_study_period'")[0][0]
    assert 0 < exposed != default_build.query(
        "select patients_remaining from marts.attrition where step = 'exposed_in_study_period'")[0][0]
    index_drugs = run.query("""
        select distinct m.drug from marts.patients p
        join staging.stg_registry__medications m on m.medication_id = p.first_exposure_medication_id""")
    assert index_drugs == [("rituximab",)]


def test_a_misspelt_exposure_drug_stops_the_build(default_build: DbtRun, tmp_path: Path) -> None:
    work = tmp_path / "misspelt"
    work.mkdir()
    shutil.copy(default_build.db_path, work / "warehouse.duckdb")
    run = run_dbt(["build", "--select", "path:models/intermediate", "path:models/marts"],
                  Path("unused-extract"), work, vars="{exposure_drug: cyclophosphamid}")
    assert run.returncode != 0
    assert "int_study_parameters" in run.output and "relationships" in run.output


def test_analysis_sql_compiles_and_agrees_with_the_marts(default_build: DbtRun, tmp_path: Path) -> None:
    work = tmp_path / "compile"
    work.mkdir()
    shutil.copy(default_build.db_path, work / "warehouse.duckdb")
    run = run_dbt(["compile", "--select", "path:analysis"], Path("unused-extract"), work)
    assert run.returncode == 0, run.output[-4000:]
    compiled = work / "target" / "compiled" / "jdm_warehouse" / "analysis"
    names = {p.stem for p in compiled.glob("*.sql")}
    assert {"table_1_baseline_characteristics", "headline_counts", "outcome_medians_by_timepoint"} <= names

    def run_compiled(name: str) -> pd.DataFrame:
        return default_build.frame((compiled / f"{name}.sql").read_text())

    completers = default_build.query("select count(*) from marts.patients where in_completers")[0][0]
    headline = run_compiled("headline_counts").set_index("finding")
    assert headline.loc["Analysed (completers)", "n"] == completers
    weak = default_build.query(
        "select count(*) from marts.patients where in_completers and has_muscle_weakness_at_baseline")[0][0]
    assert headline.loc["Muscle weakness at baseline (CMAS below threshold)", "n"] == weak
    table_1 = run_compiled("table_1_baseline_characteristics").set_index("characteristic")
    assert table_1.loc["Patients", "summary"] == str(completers)
    medians = run_compiled("outcome_medians_by_timepoint")
    cmas_12 = medians[(medians["measure"] == "cmas") & (medians["timepoint"] == "month_12")].iloc[0]
    assert cmas_12["n"] == default_build.query(
        "select count(*) from marts.outcome_timepoints where in_completers and measure = 'cmas' and timepoint = 'month_12'")[0][0]

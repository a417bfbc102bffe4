"""`jdm stats` on the default extract: a row for every protocol analysis in
each analysis set, numbers that agree with the marts read directly, and the
same rows on a second run."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from dbt_support import DbtRun
from jdm import stats
from jdm.study_analysis import run_stats

PROTOCOL_ANALYSES = {
    *(("muscle_in_weak_at_baseline", m, t, "wilcoxon") for m in ("cmas", "mmt8") for t in ("month_12", "last_follow_up")),
    ("physician_global", "physician_global_vas", "month_12", "wilcoxon"),
    ("physician_global", "physician_global_vas", "month_24", "wilcoxon"),
    *(("skin_free_at_last_follow_up", m, "last_follow_up", "proportion") for m in ("rash", "nailfold_abnormal", "gottrons")),
    *(("skin_change", m, "last_follow_up", "mcnemar") for m in ("rash", "nailfold_abnormal", "gottrons")),
    ("calcinosis_resolved", "calcinosis", "last_follow_up", "proportion"),
    ("steroid_dose_change", "steroid_dose_mg_kg_day", "month_6", "pct_change"),
    *(("time_to_off_steroids", "steroid_dose_mg_kg_day", t, "kaplan_meier") for t in ("median", "month_12", "month_18", "month_24")),
}


@pytest.fixture(scope="module")
def results(default_build: DbtRun):
    run_stats(default_build.db_path)
    return default_build, default_build.frame("select * from marts.study_results")


def test_a_row_for_every_protocol_analysis_and_set(results) -> None:
    _, frame = results
    for analysis_set in ("completers", "all_treated"):
        rows = frame[frame["analysis_set"] == analysis_set]
        keys = list(zip(rows["analysis"], rows["measure"], rows["timepoint"], rows["test"]))
        assert sorted(keys) == sorted(PROTOCOL_ANALYSES)
    tests = frame[frame["test"].isin(["wilcoxon", "mcnemar"])]
    assert tests["p_value"].notna().all() and (tests["p_holm"] >= tests["p_value"]).all()
    assert frame.loc[~frame["test"].isin(["wilcoxon", "mcnemar"]), "p_holm"].isna().all()


def test_numbers_agree_with_the_marts(results) -> None:
    run, frame = results
    row = frame[(frame["analysis_set"] == "completers") & (frame["measure"] == "cmas")
                & (frame["timepoint"] == "month_12")].iloc[0]
    pairs = run.query("""
        select o.baseline_value, o.value from marts.outcome_timepoints o join marts.patients p using (patient_id)
        where o.in_completers and p.has_muscle_weakness_at_baseline and o.measure = 'cmas'
          and o.timepoint = 'month_12' and o.baseline_value is not null""")
    expected = stats.paired_wilcoxon([b for b, _ in pairs], [v for _, v in pairs])
    assert row["n"] == len(pairs) > 30
    assert row["p_value"] == pytest.approx(expected.p_value) and row["statistic"] == expected.statistic
    rash = frame[(frame["analysis_set"] == "completers") & (frame["analysis"] == "skin_free_at_last_follow_up")
                 & (frame["measure"] == "rash")].iloc[0]
    free, total = run.query("""
        select count(*) filter (where value = 0), count(*) from marts.outcome_timepoints
        where in_completers and measure = 'rash' and timepoint = 'last_follow_up'""")[0]
    assert (rash["successes"], rash["n"]) == (free, total)
    assert rash["ci_low"] < rash["estimate"] < rash["ci_high"]
    treated = frame[frame["analysis_set"] == "all_treated"]
    assert treated["n"].max() >= frame[frame["analysis_set"] == "completers"]["n"].max()


def test_rerunning_leaves_the_same_rows(results) -> None:
    run, first = results
    run_stats(run.db_path)
    second = run.frame("select * from marts.study_results")
    columns = [c for c in first.columns if c != "computed_at"]
    assert len(second) == len(first)
    assert second[columns].equals(first[columns])


def test_report_renders_self_contained(results, tmp_path) -> None:
    from jdm.dq.run import run_dq
    from jdm.report import write_report

    run, frame = results
    run_dq(run.db_path, run.db_path.parent / "target", tmp_path / "dq")
    published = write_report(run.db_path, tmp_path / "report")
    text = published.report.read_text(encoding="utf-8")
    for title in ["Patient flow (STROBE)", "Headline results", "over time",
                  "Skin signs", "Time to off oral corticosteroids", "Data quality"]:
        assert title in text
    assert text.count("<svg") == 4  # flow, trajectories, skin bars, Kaplan-Meier
    # Opens offline: nothing loaded from elsewhere (XML namespace names are not fetched).
    assert not re.search(r"""(src|href)\s*=\s*["'](https?:|//)""", text) and "<link" not in text
    # Every step's count, as printed after small-cell suppression (a number, <5 or *).
    printed = pd.read_csv(tmp_path / "report" / "summary_tables" / "attrition.csv", dtype=str)
    attrition = run.query("select step, patients_remaining from marts.attrition order by step_number")
    assert [step for step, _ in attrition] == list(printed["step"])
    for (_, remaining), shown in zip(attrition, printed["patients_remaining"]):
        assert shown in (str(remaining), "*") and f"n = {shown}" in text
    rash = frame[(frame["analysis_set"] == "completers") & (frame["analysis"] == "skin_free_at_last_follow_up")
                 & (frame["measure"] == "rash")].iloc[0]
    assert f"{int(rash['successes'])}/{int(rash['n'])}" in text

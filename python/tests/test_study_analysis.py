"""`jdm stats`: on a small hand-worked data set (Holm's family, the
Kaplan-Meier median and target days, worked out below), and on the default
extract: a row for every protocol analysis in each analysis set, numbers
that agree with the marts read directly and an independent computation, and
the same rows on a second run."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from dbt_support import DbtRun
from jdm.study.analysis import MODEL_TESTS, analyse_set, run_stats
from r_reference import r_paired_wilcoxon

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


def hand_worked_data(month_18_target: int = 547) -> dict[str, pd.DataFrame]:
    """Six completers, weak at baseline. CMAS at 12 months: baseline 20, 22,
    .., 30, after 30, 33, .., 45: differences 10..15, all positive, no ties,
    n = 6 < 50: exact, V = 21, p = 2 x (1/64) = 0.03125. Abnormal nailfolds
    at baseline in P1-P3, gone at last follow-up: 3 discordant pairs, all one
    way: p = 2 x (1/2)^3 = 0.25. Rash present before and after in everyone
    and Gottron's absent in everyone: no discordant pair, no test. No other
    Wilcoxon has pairs: no test. Holm over the two tests with a p-value
    (m = 2): 0.03125 x 2 = 0.0625, then max(0.0625, 0.25 x 1) = 0.25.
    Time to off steroids: off at 100, 200, 547, 548, censored at 700, 800."""
    patients = [f"P{k}" for k in range(1, 7)]
    rows = []

    def add(measure, timepoint, pid, baseline, value):
        rows.append(dict(patient_id=pid, measure=measure, timepoint=timepoint, value_text=str(value),
                         baseline_text=str(baseline), value=float(value), baseline_value=float(baseline),
                         is_improved=None, pct_change_from_baseline=None, in_completers=True, in_all_treated=True,
                         has_muscle_weakness_at_baseline=True))
    for k, pid in enumerate(patients):
        add("cmas", "month_12", pid, 20 + 2 * k, 30 + 3 * k)
        add("nailfold_abnormal", "last_follow_up", pid, 1 if k < 3 else 0, 0)
        add("rash", "last_follow_up", pid, 1, 1)
        add("gottrons", "last_follow_up", pid, 0, 0)
    outcomes = pd.DataFrame(rows)
    outcomes.loc[outcomes["measure"] == "cmas", "is_improved"] = True
    discontinuation = pd.DataFrame({
        "patient_id": patients, "days_to_off_steroids_or_censoring": [100, 200, 547, 548, 700, 800],
        "is_off_steroids": [True, True, True, True, False, False], "in_completers": True, "in_all_treated": True})
    timepoints = pd.DataFrame({"timepoint": ["month_12", "month_18", "month_24"],
                               "target_day": [365, month_18_target, 730]})
    return {"outcomes": outcomes, "discontinuation": discontinuation, "timepoints": timepoints}


def test_holm_over_the_tests_that_have_a_p_value() -> None:
    rows = {(r.analysis, r.measure, r.timepoint): r for r in analyse_set(hand_worked_data(), "completers")}
    cmas = rows[("muscle_in_weak_at_baseline", "cmas", "month_12")]
    nailfolds = rows[("skin_change", "nailfold_abnormal", "last_follow_up")]
    assert (cmas.statistic, cmas.p_value, cmas.p_holm) == (21, pytest.approx(0.03125), pytest.approx(0.0625))
    assert (nailfolds.p_value, nailfolds.p_holm) == (pytest.approx(0.25), pytest.approx(0.25))
    for measure in ("rash", "gottrons"):
        row = rows[("skin_change", measure, "last_follow_up")]
        assert (row.p_value, row.p_holm) == (None, None) and "no test" in row.method
    with_p = [r for r in rows.values() if r.test in ("wilcoxon", "mcnemar") and r.p_value is not None]
    assert len(with_p) == 2  # the other tests had nothing to test: not in the family


def test_kaplan_meier_read_at_the_target_days_of_the_build() -> None:
    # S: 5/6 after day 100, 4/6 after 200, 3/6 = 0.5 after 547, 2/6 after 548.
    # The curve is exactly 0.5 from 547 to 548: the median as R prints it is
    # (547 + 548) / 2. Off steroids by day 365: 1 - 4/6; by the 18-month
    # target day 547: 0.5 (read at 548 it would be 4/6); by 730: 4/6.
    rows = {r.timepoint: r for r in analyse_set(hand_worked_data(), "completers") if r.test == "kaplan_meier"}
    assert rows["median"].estimate == 547.5
    assert rows["month_12"].estimate == pytest.approx(1 / 3)
    assert rows["month_18"].estimate == pytest.approx(0.5)
    assert rows["month_24"].estimate == pytest.approx(2 / 3)
    assert all(r.n == 6 for r in rows.values())
    # A build with another 18-month target day reads the curve there.
    moved = {r.timepoint: r for r in analyse_set(hand_worked_data(month_18_target=550), "completers")
             if r.test == "kaplan_meier"}
    assert moved["month_18"].estimate == pytest.approx(2 / 3) and "by day 550" in moved["month_18"].method


def test_the_marts_are_read_in_a_fixed_order() -> None:
    """The bootstrap resamples by position, so the same rows stored in
    another order must reach it in the same order (a Spark build, or a
    DuckDB file written by more threads, stores them differently)."""
    import duckdb

    from jdm.study.analysis import read_marts

    con = duckdb.connect()
    con.execute("create schema marts")
    stored_order = "unnest(['P3', 'P0', 'P4', 'P1', 'P2'])"
    con.execute(f"""create table marts.patients as
        select {stored_order} as patient_id, true as has_muscle_weakness_at_baseline""")
    con.execute(f"""create table marts.outcome_timepoints as
        select patient_id, 'steroid_dose_mg_kg_day' as measure, 'month_6' as timepoint,
               1.0::decimal(18, 6) as value, 2.0::decimal(18, 6) as baseline_value, true as is_improved,
               -50.0 as pct_change_from_baseline, true as in_completers, true as in_all_treated
        from (select unnest(['P2', 'P4', 'P0', 'P3', 'P1']) as patient_id)""")
    con.execute(f"""create table marts.steroid_discontinuation as
        select patient_id, 100 as days_to_off_steroids_or_censoring, true as is_off_steroids,
               true as in_completers, true as in_all_treated, true as is_in_time_to_off_steroids_analysis
        from (select {stored_order} as patient_id)""")
    con.execute("create table marts.analysis_timepoints as select 'month_12' as timepoint, 365 as target_day")
    data = read_marts(con)
    assert list(data["outcomes"]["patient_id"]) == ["P0", "P1", "P2", "P3", "P4"]
    assert list(data["discontinuation"]["patient_id"]) == ["P0", "P1", "P2", "P3", "P4"]


@pytest.fixture(scope="module")
def results(default_build: DbtRun):
    run_stats(default_build.db_path)
    return default_build, default_build.frame("select * from marts.study_results")


def test_a_row_for_every_protocol_analysis_and_set(results) -> None:
    _, frame = results
    # The response rates of the extended analyses follow (test_response_criteria.py).
    frame = frame[frame["test"] != "response_proportion"]
    for analysis_set in ("completers", "all_treated"):
        rows = frame[(frame["analysis_set"] == analysis_set) & ~frame["test"].isin(MODEL_TESTS)]  # protocol's only
        keys = list(zip(rows["analysis"], rows["measure"], rows["timepoint"], rows["test"]))
        assert sorted(keys) == sorted(PROTOCOL_ANALYSES)
    tests = frame[frame["test"].isin(["wilcoxon", "mcnemar"]) & frame["p_value"].notna()]
    assert len(tests) >= 16 and (tests["p_holm"] >= tests["p_value"]).all()
    assert frame.loc[~frame["test"].isin(["wilcoxon", "mcnemar"]), "p_holm"].isna().all()


def test_numbers_agree_with_the_marts(results) -> None:
    run, frame = results
    row = frame[(frame["analysis_set"] == "completers") & (frame["measure"] == "cmas")
                & (frame["timepoint"] == "month_12")].iloc[0]
    pairs = run.query("""
        select o.baseline_value, o.value from marts.outcome_timepoints o join marts.patients p using (patient_id)
        where o.in_completers and p.has_muscle_weakness_at_baseline and o.measure = 'cmas'
          and o.timepoint = 'month_12' and o.baseline_value is not null""")
    # R's wilcox.test written out (r_reference.py), not jdm.study.stats.
    v, p, _ = r_paired_wilcoxon(after=[v for _, v in pairs], before=[b for b, _ in pairs])
    assert row["n"] == len(pairs) > 30
    assert row["p_value"] == pytest.approx(p, rel=1e-9) and row["statistic"] == v
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
    from jdm.report.study_report import write_report

    run, frame = results
    run_dq(run.db_path, run.db_path.parent / "target", tmp_path / "dq")
    published = write_report(run.db_path, tmp_path / "report")
    text = published.report.read_text(encoding="utf-8")
    for title in ["Patient flow (STROBE)", "Primary outcomes", "over time",
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
    # As printed: the counts, or * where the two analysis sets' sizes differ by 1-4.
    headline = pd.read_csv(tmp_path / "report" / "summary_tables" / "headline_results.csv", dtype=str,
                           keep_default_na=False)
    shown = headline[(headline["analysis_set"] == "completers") & (headline["analysis"] == "skin_free_at_last_follow_up")
                     & (headline["measure"] == "rash")].iloc[0]
    assert shown["successes"] in (str(int(rash["successes"])), "*") and shown["n"] in (str(int(rash["n"])), "*")
    assert f"{shown['successes']}/{shown['n']}" in text

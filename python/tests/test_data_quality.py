"""Data quality: marts.dq_results from dbt's checks and the Great
Expectations suites, on the default extract, on a dirty one (the generator's
manifest as the answer key), and with a deliberately broken model."""

from __future__ import annotations

import collections
import csv
import json
import os
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from conftest import dq_frame
from dbt_support import DBT, REPO_ROOT, DbtRun
from jdm.dq.ge_suites import all_suites
from jdm.ingest.dictionary import columns_of


def test_every_check_has_a_row_and_error_level_checks_pass(default_dq) -> None:
    run, frame, out = default_dq
    results = json.loads((run.db_path.parent / "target" / "run_results.json").read_text())
    data_tests = [r for r in results["results"] if r["unique_id"].startswith("test.")]
    # every dbt test of the build has its row (well over a hundred: keys,
    # relationships, dictionary conformance, contracts, consistency checks)
    assert (frame["source"] == "dbt").sum() == len(data_tests) > 100
    assert (frame["source"] == "great_expectations").sum() == sum(len(s.expectations) for s in all_suites())
    assert (frame["source"] == "quarantine").sum() == run.query("select count(*) from audit.extract_checks")[0][0] > 100
    assert set(frame["kahn_category"]) == {"conformance", "completeness", "plausibility"}
    assert not frame["status"].isin(["fail", "error"]).any(), frame[frame["status"].isin(["fail", "error"])]
    # The table in the warehouse is what was computed, once per check.
    assert run.query("select count(*), count(distinct check_name) from marts.dq_results") == [(len(frame), len(frame))]
    # GX's validation results as JSON, one file per suite; no Data Docs (they do not open offline).
    written = {p.stem for p in (out / "output" / "gx_validation_results").glob("*.json")}
    assert written == {s.name for s in all_suites()}
    assert not (out / "output" / "data_docs").exists()


def test_counts_agree_with_direct_sql(default_dq) -> None:
    run, _, _ = default_dq
    rows = {r[0]: r[1:] for r in run.query(
        "select check_name, violated_rows, denominator_rows, threshold_pct from marts.dq_results")}
    visits = run.query("select count(*) from staging.stg_registry__visits")[0][0]
    assert rows["key_stg_registry__visits_visit_id"][:2] == (0, visits)
    # Completeness as the dictionary expects it: missing CMAS counted directly.
    (expected_pct,) = [c.min_completeness_pct for c in columns_of("visits.csv") if c.column_name == "cmas"]
    assert rows["staging__stg_registry__visits.ExpectColumnValuesToNotBeNull(cmas)"] == (
        run.query("select count(*) filter (where cmas is null) from staging.stg_registry__visits")[0][0], visits,
        100 - expected_pct)
    raw_meds = run.query("select count(*) from raw.raw_registry__medications")[0][0]
    assert rows["extract__medications__stop_date__stop_before_start"] == (0, raw_meds, 0)


def test_rerunning_rebuilds_the_table(default_dq, tmp_path: Path) -> None:
    run, frame, _ = default_dq
    dq_frame(run, tmp_path)
    assert run.query("select count(*) from marts.dq_results")[0][0] == len(frame)


def test_source_checks_count_what_the_generator_injected(dirty_dq) -> None:
    run, frame, manifest, _, _ = dirty_dq
    assert "ERROR=0" in run.output  # defects of the extract warn; the build completes
    source = frame[frame["source"] == "quarantine"]
    found = collections.Counter()
    for r in source[source["defect_class"].notna()].itertuples():
        found[(r.model.replace("raw_registry__", "") + ".csv", int(r.defect_class))] += int(r.violated_rows)
    found = +found  # checks with no violation are listed too: drop the zeros
    injected = collections.Counter(
        (m["source_file"], int(m["defect_class"])) for m in manifest
        # spelling (10, 11) is normalised, and a censored lab value is valid: not defects to count
        if int(m["defect_class"]) not in (10, 11) and m["expected_action"] != "kept")
    assert found == injected
    assert set(source.loc[source["violated_rows"] > 0, "kahn_category"]) == {"conformance", "plausibility"}
    assert set(source.loc[source["violated_rows"] > 0, "status"]) == {"warn"}
    # ... and the logic checks still all pass on the cleaned data.
    assert not frame["status"].isin(["fail", "error"]).any()


def test_a_source_count_matches_the_raw_file(dirty_dq) -> None:
    """Invalid visit dates counted straight from visits.csv with Python."""
    run, frame, _, extract, _ = dirty_dq
    bad = 0
    with open(extract / "visits.csv", newline="", encoding="utf-8") as fh:
        for record in csv.DictReader(fh):
            text = (record["visit_date"] or "").strip()
            if text:
                try:
                    datetime.strptime(text, "%Y-%m-%d")
                    bad += len(text) != 10
                except ValueError:
                    bad += 1
    row = frame.set_index("check_name").loc["extract__visits__visit_date__invalid_date"]
    assert bad > 0 and row["violated_rows"] == bad
    # The offending records themselves are in the relation it names, with their text.
    stored = run.query(f"""select count(*) from {row['failures_relation']}
                           where source_file = 'visits.csv' and column_name = 'visit_date'
                             and reason_code = 'invalid_date'""")[0][0]
    assert stored == bad


def test_a_broken_model_fails_the_build(tmp_path: Path, default_build: DbtRun) -> None:
    """A copy of the project whose attrition mart miscounts one step: the
    error-level consistency check stops `dbt build`."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ["dbt_project.yml", "profiles.yml"]:
        shutil.copy(REPO_ROOT / name, project / name)
    for name in ["models", "macros", "seeds", "tests", "analysis"]:
        shutil.copytree(REPO_ROOT / name, project / name)
    attrition = project / "models" / "marts" / "attrition.sql"
    text = attrition.read_text()
    assert "count(*) as patients_excluded" in text
    attrition.write_text(text.replace("count(*) as patients_excluded", "count(*) + 1 as patients_excluded"))
    shutil.copy(default_build.db_path, tmp_path / "warehouse.duckdb")
    env = os.environ | {"JDM_DB": str(tmp_path / "warehouse.duckdb"), "JDM_EXTRACT_DIR": "unused",
                        "DO_NOT_TRACK": "1", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    # The mart and what reads it, with every test on them (the consistency
    # check among them): the other marts would only be rebuilt unchanged.
    proc = subprocess.run([str(DBT), "build", "--select", "attrition+", "--exclude", "test_type:unit"],
                          cwd=project, env=env, capture_output=True, text=True)
    assert proc.returncode != 0
    assert "FAIL" in proc.stdout and "attrition_matches_patients" in proc.stdout


def test_jdm_dq_command_with_a_relative_output_folder(default_dq, tmp_path: Path) -> None:
    """As `make run` calls it: output folder relative to the working directory."""
    run, frame, _ = default_dq
    jdm = DBT.with_name("jdm")
    proc = subprocess.run([str(jdm), "dq", "--db", str(run.db_path), "--target-path",
                           str(run.db_path.parent / "target"), "--out", "out"],
                          cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"{len(frame)} checks written to marts.dq_results" in proc.stdout
    assert (tmp_path / "out" / "gx_validation_results" / "marts__patients.json").exists()


@pytest.mark.parametrize(
    ("severity", "violated", "denominator", "threshold", "status"),
    [
        ("error", 0, 100, 0.0, "pass"),
        ("error", 1, 100, 0.0, "fail"),
        ("warn", 1, 100, 0.0, "warn"),
        ("error", 1, 100, 5.0, "pass"),  # 1 % is within a 5 % threshold
        ("error", 6, 100, 5.0, "fail"),
        ("warn", 0, 0, 0.0, "pass"),  # an empty table violates nothing
        ("error", None, 100, 0.0, "error"),  # the check could not run
    ],
)
def test_status_from_count_threshold_and_severity(severity, violated, denominator, threshold, status) -> None:
    from jdm.dq.results import CheckResult

    check = CheckResult(
        check_name="c", source="dbt", layer="staging", model="m", column_name=None, kahn_category="plausibility",
        check_scope="logic", defect_class=None, severity=severity, violated_rows=violated,
        denominator_rows=denominator, threshold_pct=threshold, run_at=datetime(2026, 1, 1), description="",
        failures_relation=None)
    assert check.status == status
    if violated and denominator:
        assert check.violated_pct == pytest.approx(100 * violated / denominator)


def test_ge_keeps_a_sample_of_unexpected_rows_across_chunks(tmp_path: Path, monkeypatch) -> None:
    """A table of 5,000 rows read in chunks of 2,048 whose x is missing on
    rows 1000, 2000, ..., 5000 (one or two per chunk) and above 25 on row
    4500: the counts add up over the chunks, and the sample keeps the first
    SAMPLE_ROWS (4 here) unexpected rows in row order, named by
    source_file and source_row, with the value checked."""
    import duckdb
    from jdm.dq import ge_suites
    from jdm.dq.ge_suites import Suite, between, ge_checks, recorded_in, write_validation_results

    monkeypatch.setattr(ge_suites, "CHUNK_ROWS", 2048)
    monkeypatch.setattr(ge_suites, "SAMPLE_ROWS", 4)
    db = tmp_path / "t.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("create schema staging")
        con.execute("""create table staging.t as
            select 't.csv' as source_file, i as source_row,
                   case when i % 1000 = 0 then null when i = 4500 then 30.5 else 1.0 end as x
            from range(1, 5001) as r(i)""")
    suite = Suite("staging.t", [recorded_in("x", 99.0), between("x", 0, 25)])
    with duckdb.connect(str(db), read_only=True) as con:
        run = ge_checks(con, [suite])
    nulls, high = run.checks
    assert (nulls.violated_rows, nulls.denominator_rows, nulls.threshold_pct) == (5, 5000, 1.0)
    assert nulls.status == "pass"  # 0.1 % missing, 1 % allowed
    assert (high.violated_rows, high.denominator_rows, high.status) == (1, 5000, "warn")
    assert nulls.failures_relation == high.failures_relation == "audit_failures.great_expectations_samples"
    samples = run.samples
    assert list(samples.columns) == ["check_name", "sample_order", "row_id", "unexpected_values"]
    kept = samples[samples["check_name"] == nulls.check_name]
    assert list(kept["sample_order"]) == [1, 2, 3, 4]
    assert [json.loads(r) for r in kept["row_id"]] == [
        {"source_file": "t.csv", "source_row": str(n)} for n in (1000, 2000, 3000, 4000)]
    assert [json.loads(v) for v in kept["unexpected_values"]] == [{"x": None}] * 4
    (above,) = samples[samples["check_name"] == high.check_name].itertuples()
    assert json.loads(above.row_id) == {"source_file": "t.csv", "source_row": "4500"}
    assert float(json.loads(above.unexpected_values)["x"]) == 30.5
    assert set(samples["check_name"]) == {nulls.check_name, high.check_name}
    # GX's own results: one per chunk (3 chunks), with the same counts.
    (path,) = write_validation_results(run.validation_results, tmp_path / "results")
    chunks = json.loads(path.read_text())
    assert path.name == "staging__t.json" and len(chunks) == 3
    assert sum(c["results"][0]["result"]["unexpected_count"] for c in chunks) == 5


def test_data_docs_left_by_an_earlier_version_are_removed_and_nothing_else(tmp_path: Path) -> None:
    from jdm.dq.run import remove_data_docs

    docs = tmp_path / "out" / "data_docs"
    (docs / "static" / "images").mkdir(parents=True)
    (docs / "index.html").write_text("<html></html>")
    (docs / "static" / "images" / "logo.png").write_bytes(b"png")
    (tmp_path / "out" / "study_report.html").write_text("<html></html>")
    assert remove_data_docs(tmp_path / "out") is True
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["study_report.html"]
    # A folder of that name that GX did not write (no index.html and static/) stays.
    mine = tmp_path / "mine" / "data_docs"
    mine.mkdir(parents=True)
    (mine / "index.html").write_text("my notes")
    assert remove_data_docs(tmp_path / "mine") is False and (mine / "index.html").exists()

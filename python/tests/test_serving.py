"""Serving the warehouse to BI tools while it rebuilds: the served file,
readers that never see a half-built or mixed state, a killed build that
changes nothing, a publisher that fails closed, pseudonyms, and the file's
readability by DuckDB 1.x and SQLAlchemy.

The scenario runs once for the module, with real processes, as a user would:
`make run` on extract A, then `make run` on extract B while two reader
processes query the served file, then a `make run` killed with SIGKILL in
the middle of `dbt build`, then `make run` on A again, then `jdm publish`
of that build with another key."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
import sqlalchemy
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

from bi_reader import SNAPSHOT_QUERY
from dbt_support import REPO_ROOT
from headless import needs_chromium, page_requests
from jdm.serve import publish as publish_module
from jdm.generator import generate_extract
from jdm.serve.pseudonyms import PseudonymKey, pseudonym
from jdm.serve.publish import IDENTIFYING_COLUMNS, NOT_SERVED, PublishRefused, publish
from jdm.serve.reader import connect_reader, sqlalchemy_url
from offline_html import outside_loads
from test_reader import PROBES

KEY_1 = "serving-test-key-one-0123456789abcdef0123456789"
KEY_2 = "serving-test-key-two-0123456789abcdef0123456789"
SERVED_MARTS = {"analysis_timepoints", "attrition", "dq_results", "outcome_timepoints", "patients",
                "steroid_discontinuation", "steroid_doses", "steroid_episodes", "study_parameters", "study_results",
                "indication_counts", "diagnosis_group_counts", "total_improvement_scores", "inactive_disease_visits",
                "inactive_disease_timepoints",
                "trajectory_observations", "trajectory_curves"}
# In the build file for the data team only (jdm.serve.publish.NOT_SERVED).
BUILD_ONLY_MARTS = {"person_months"}
JDM = Path(sys.executable).with_name("jdm")


@dataclass
class Pipeline:
    root: Path

    @property
    def build_db(self) -> Path:
        return self.root / "build" / "jdm.duckdb"

    @property
    def served_db(self) -> Path:
        return self.root / "served" / "jdm_serving.duckdb"

    @property
    def output_dir(self) -> Path:
        return self.root / "output"

    @property
    def target_dir(self) -> Path:
        return self.root / "target"

    def env(self, extract: Path, key: str | None) -> dict[str, str]:
        env = os.environ | {
            "JDM_EXTRACT_DIR": str(extract), "JDM_DB": str(self.build_db), "JDM_SERVE_DB": str(self.served_db),
            "JDM_OUTPUT_DIR": str(self.output_dir), "DBT_TARGET_PATH": str(self.target_dir),
            "DBT_LOG_PATH": str(self.root / "logs"),
            # dbt's unit tests run once in the suite (conftest.default_build).
            "JDM_DBT_UNIT_TESTS": "skip",
        }
        env.pop("JDM_PSEUDONYM_KEY", None)
        if key:
            env["JDM_PSEUDONYM_KEY"] = key
        return env

    def make_run(self, extract: Path, key: str, targets: tuple[str, ...] = ("run",)) -> str:
        proc = subprocess.run(["make", *targets], cwd=REPO_ROOT, env=self.env(extract, key),
                              capture_output=True, text=True)
        assert proc.returncode == 0, (proc.stdout + proc.stderr)[-6000:]
        return proc.stdout


def snapshot(served_db: Path) -> list:
    with connect_reader(served_db) as con:
        return list(con.execute(SNAPSHOT_QUERY).fetchone())


def patient_pseudonyms(served_db: Path) -> set[str]:
    with connect_reader(served_db) as con:
        return {p for (p,) in con.execute("select patient_pseudonym from marts.patients").fetchall()}


def read_log(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def wait_until(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


@dataclass
class Scenario:
    pipeline: Pipeline
    extract_a: Path
    snapshot_a: list
    snapshot_b: list
    fresh_log: list[dict]
    held_log: list[dict]
    killed_returncode: int
    killed_output: str
    snapshot_after_kill: list
    files_after_kill: list[str]
    pseudonyms_a: set[str]
    pseudonyms_a_again: set[str]
    pseudonyms_other_key: set[str]
    make_run_output: str


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    root = tmp_path_factory.mktemp("serving")
    extract_a, extract_b = root / "extract_a", root / "extract_b"
    generate_extract(out_dir=extract_a, patients=410, seed=42, defect_rate=0.0, progress=False)
    generate_extract(out_dir=extract_b, patients=300, seed=7, defect_rate=0.0, progress=False)
    pipeline = Pipeline(root)

    pipeline.make_run(extract_a, KEY_1)
    snapshot_a, pseudonyms_a = snapshot(pipeline.served_db), patient_pseudonyms(pipeline.served_db)

    # Rebuild on extract B while two BI readers query the served file.
    stop = root / "stop_readers"
    logs = {mode: root / f"reader_{mode}.jsonl" for mode in ("fresh", "held")}
    readers = [subprocess.Popen([sys.executable, str(Path(__file__).with_name("bi_reader.py")),
                                 str(pipeline.served_db), str(log), str(stop), mode])
               for mode, log in logs.items()]
    try:
        wait_until(lambda: all(len(read_log(log)) >= 3 for log in logs.values()), 120, "the readers to start")
        # The readers read the served file only: every step that writes it
        # (the report and the docs site are not served).
        pipeline.make_run(extract_b, KEY_1, targets=("build", "dq", "stats", "publish"))
        snapshot_b = snapshot(pipeline.served_db)
        wait_until(lambda: any(e.get("snapshot") == snapshot_b for e in read_log(logs["fresh"])), 60,
                   "a fresh reader to see the new publication")
        # Stop only once the held connection has queried again after that
        # moment (stopping at once raced it: its last query could fall just
        # before the first new snapshot on a loaded machine).
        first_new_at = min(e["at"] for e in read_log(logs["fresh"]) if e.get("snapshot") == snapshot_b)
        wait_until(lambda: any(e["at"] > first_new_at for e in read_log(logs["held"])), 60,
                   "the held reader to query after the new publication")
    finally:
        stop.touch()
        for reader in readers:
            reader.wait(timeout=60)
    fresh_log, held_log = read_log(logs["fresh"]), read_log(logs["held"])

    # Kill a rebuild (of A) with SIGKILL while dbt is building.
    killed_log = root / "killed_make_run.log"
    with open(killed_log, "w") as out:
        killed = subprocess.Popen(["make", "run"], cwd=REPO_ROOT, env=pipeline.env(extract_a, KEY_1),
                                  stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(lambda: killed_log.read_text().count(" OK created ") >= 25 or killed.poll() is not None, 300,
                   "dbt to be well into the build")
        os.killpg(killed.pid, signal.SIGKILL)
        killed.wait()
    snapshot_after_kill = snapshot(pipeline.served_db)
    files_after_kill = sorted(p.name for p in pipeline.served_db.parent.iterdir())

    # The same extract again with the same key, then that build with another key.
    make_run_output = pipeline.make_run(extract_a, KEY_1)
    pseudonyms_a_again = patient_pseudonyms(pipeline.served_db)
    shutil.copytree(pipeline.output_dir, root / "output_a_again")
    proc = subprocess.run([str(JDM), "publish"], cwd=REPO_ROOT, env=pipeline.env(extract_a, KEY_2),
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    pseudonyms_other_key = patient_pseudonyms(pipeline.served_db)

    return Scenario(pipeline, extract_a, snapshot_a, snapshot_b, fresh_log, held_log, killed.returncode,
                    killed_log.read_text(), snapshot_after_kill, files_after_kill, pseudonyms_a,
                    pseudonyms_a_again, pseudonyms_other_key, make_run_output)


def test_readers_see_no_error_and_only_whole_publications(scenario: Scenario) -> None:
    old, new = scenario.snapshot_a, scenario.snapshot_b
    assert old[0] != new[0] and old[1:] != new[1:]  # two publications that differ in every figure
    errors = [e["error"] for e in scenario.fresh_log + scenario.held_log if "error" in e]
    assert errors == []
    seen = [e["snapshot"] for e in scenario.fresh_log]
    assert len(seen) > 20
    assert all(s in (old, new) for s in seen)  # never a mix of the two, never half a table
    # New connections move from the old publication to the new one, once.
    first_new = seen.index(new)
    assert seen[0] == old and all(s == new for s in seen[first_new:])


def test_a_connected_reader_keeps_its_consistent_old_snapshot(scenario: Scenario) -> None:
    seen = [e["snapshot"] for e in scenario.held_log]
    assert len(seen) > 20 and all(s == scenario.snapshot_a for s in seen)
    # ... and it was still querying after the new publication was in place.
    fresh_new = [e["at"] for e in scenario.fresh_log if e.get("snapshot") == scenario.snapshot_b]
    assert scenario.held_log[-1]["at"] > min(fresh_new)


def test_a_killed_build_leaves_the_served_file_intact(scenario: Scenario) -> None:
    assert scenario.killed_returncode == -signal.SIGKILL
    # Killed inside dbt build: some models done, not the end of the build or any later step.
    assert scenario.killed_output.count(" OK created ") >= 25
    assert "Completed successfully" not in scenario.killed_output and "jdm publish" not in scenario.killed_output
    assert scenario.snapshot_after_kill == scenario.snapshot_b
    assert [f for f in scenario.files_after_kill if f.endswith((".tmp", ".wal"))] == []


def test_pseudonyms_stable_with_one_key_and_different_with_another(scenario: Scenario) -> None:
    assert len(scenario.pseudonyms_a) == scenario.snapshot_a[1] == 410
    assert scenario.pseudonyms_a_again == scenario.pseudonyms_a
    assert len(scenario.pseudonyms_other_key) == 410 and not scenario.pseudonyms_other_key & scenario.pseudonyms_a
    # The documented rule: a key holder can recompute any patient's pseudonym.
    with open(scenario.extract_a / "patients.csv", newline="") as f:
        ids = [row["patient_id"] for row in csv.DictReader(f)]
    key_1 = PseudonymKey(KEY_1.encode(), is_demo=False)
    assert {pseudonym(key_1, "patient", i) for i in ids} == scenario.pseudonyms_a


def registry_patient_ids(extract: Path) -> set[str]:
    ids = set()
    for name in ("patients", "visits", "medications", "labs"):
        with open(extract / f"{name}.csv", newline="", encoding="utf-8-sig") as f:
            ids |= {row["patient_id"].strip() for row in csv.DictReader(f) if row["patient_id"].strip()}
    return ids


def test_no_registry_patient_id_in_served_tables_or_published_files(scenario: Scenario) -> None:
    ids = registry_patient_ids(scenario.extract_a)
    assert len(ids) == 410
    served = scenario.pipeline.served_db
    with connect_reader(served) as con:
        con.execute("create temp table registry_ids (id varchar)")
        con.executemany("insert into registry_ids values (?)", [[i] for i in ids])
        text_columns = con.execute("select schema_name, table_name, column_name from duckdb_columns()"
                                   " where database_name = 'jdm_serving' and data_type = 'VARCHAR'").fetchall()
        assert len(text_columns) > 50
        for schema, table, column in text_columns:
            hits = con.execute(f'select count(*) from "{schema}"."{table}" join registry_ids'
                               f' on contains("{column}", id)').fetchone()[0]
            assert hits == 0, f"{schema}.{table}.{column} holds registry patient ids"
        columns = {c for (c,) in con.execute("select column_name from duckdb_columns()"
                                             " where database_name = 'jdm_serving'").fetchall()}
        assert not columns & set(IDENTIFYING_COLUMNS)
        months = {m for (m,) in con.execute("select distinct birth_year_month from marts.patients").fetchall()}
        assert months and all(len(m) == 7 and m[4] == "-" for m in months)
    published = scenario.pipeline.root / "output_a_again"
    files = [published / "study_report.html", published / "dbt_docs.html", *published.glob("summary_tables/*.csv")]
    for path in files:
        content = path.read_text(encoding="utf-8")
        assert not [i for i in ids if i in content], f"{path.name} holds registry patient ids"


def test_make_run_publishes_and_says_which_key(scenario: Scenario, tmp_path: Path) -> None:
    output = scenario.make_run_output
    assert "Served file:" in output and "dbt docs" in output and "DEMO" not in output
    # JDM_DBT_UNIT_TESTS=skip (Pipeline.env): the data tests ran, no unit test.
    finished = [line for line in output.splitlines() if "Finished running" in line]
    assert finished and all("data tests" in line and "unit test" not in line for line in finished), finished
    docs_site = (scenario.pipeline.root / "output_a_again" / "dbt_docs.html").read_text(encoding="utf-8")
    # The staged columns are described from the data dictionary (comments
    # written by a post-hook, filled into the site): CMAS, as the seed row
    # states it, with its range and unit, on the staged visits.
    with (REPO_ROOT / "seeds" / "extract_columns.csv").open(encoding="utf-8") as f:
        cmas = next(r for r in csv.DictReader(f) if (r["source_file"], r["column_name"]) == ("visits.csv", "cmas"))
    stated = (f"{cmas['description']} From visits.csv column cmas (integer; {int(float(cmas['min_value']))}–"
              f"{int(float(cmas['max_value']))} {cmas['unit']}; optional; a bad value: repair).")
    assert json.dumps(stated)[1:-1] in docs_site
    # Without a key: the public demo key, said on the terminal and in the file.
    served = tmp_path / "served.duckdb"
    env = scenario.pipeline.env(scenario.extract_a, None) | {"JDM_SERVE_DB": str(served)}
    refused = subprocess.run([str(JDM), "publish"], cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    assert refused.returncode == 1 and "JDM_PSEUDONYM_KEY is not set" in refused.stderr and not served.exists()
    demo = subprocess.run([str(JDM), "publish", "--allow-demo-key"], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True)
    assert demo.returncode == 0 and "DEMO key" in demo.stdout
    with connect_reader(served) as con:
        is_demo, described = con.execute("select is_demo_key, pseudonym_key from serving.publication").fetchone()
    assert is_demo and "DEMO KEY" in described
    # `jdm sql` reads the served file ($JDM_SERVE_DB) unless told otherwise.
    shown = subprocess.run([str(JDM), "sql", "select pseudonym_key from serving.publication"], cwd=REPO_ROOT,
                           env=env, capture_output=True, text=True)
    assert shown.returncode == 0 and "DEMO KEY" in shown.stdout, shown.stderr


# Every HTML file `make run` writes opens in a secure environment: nothing
# is loaded from another host (the probes: test_offline_html).
OUTPUT_PAGES = ["data_quality.html", "dbt_docs.html", "study_report.html"]


def test_no_output_page_loads_anything_from_another_host(scenario: Scenario) -> None:
    out = scenario.pipeline.output_dir
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html")) == OUTPUT_PAGES
    for name in OUTPUT_PAGES:
        assert outside_loads((out / name).read_text(encoding="utf-8")) == [], name
    # GX's results as JSON instead of Data Docs; make run says where the dashboard is.
    assert sorted(p.name for p in (out / "gx_validation_results").iterdir()) != []
    assert f"dashboard (data team only, one offline file): {out}/data_quality.html" in scenario.make_run_output


@needs_chromium
def test_no_output_page_reaches_another_host_when_its_scripts_run(scenario: Scenario, tmp_path: Path) -> None:
    out = scenario.pipeline.output_dir
    for name in OUTPUT_PAGES:
        shutil.copy(out / name, tmp_path / name)
        assert page_requests(tmp_path / name, tmp_path) == [], name
    # The same docs page with dbt's usage statistics on would load dbt's
    # tracker from a CloudFront host (jdm.serve.docs_site turns them off).
    docs = (tmp_path / "dbt_docs.html").read_text(encoding="utf-8")
    assert docs.count('"send_anonymous_usage_stats": false') == 1
    (tmp_path / "tracked.html").write_text(docs.replace('"send_anonymous_usage_stats": false',
                                                        '"send_anonymous_usage_stats": true'), encoding="utf-8")
    assert [u for u in page_requests(tmp_path / "tracked.html", tmp_path) if "cloudfront.net" in u] != []


def test_served_file_opens_in_duckdb_1x(scenario: Scenario, tmp_path: Path) -> None:
    """BI drivers embed older DuckDB releases: read every served table with
    DuckDB 1.1 (from the package registry, into a private folder)."""
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target",
                    str(tmp_path / "duckdb_1x"), "duckdb==1.1.3"], check=True, capture_output=True)
    script = """
import duckdb, json, sys
con = duckdb.connect(sys.argv[1], read_only=True)
counts = {f"{s}.{t}": con.execute(f'select count(*) from "{s}"."{t}"').fetchone()[0]
          for s, t, in con.execute("select table_schema, table_name from serving.served_tables").fetchall()}
print(json.dumps([duckdb.__version__, counts, con.execute("select table_schema || '.' || table_name, row_count from serving.served_tables").fetchall()]))
"""
    proc = subprocess.run([sys.executable, "-c", script, str(scenario.pipeline.served_db)],
                          env=os.environ | {"PYTHONPATH": str(tmp_path / "duckdb_1x")}, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    version, counts, expected = json.loads(proc.stdout)
    assert version == "1.1.3"
    assert counts == dict(expected) and len(counts) >= len(SERVED_MARTS) + 5


def test_sqlalchemy_reflects_every_served_mart(scenario: Scenario) -> None:
    with connect_reader(scenario.pipeline.served_db) as con:
        expected = {table: [c for (c,) in con.execute(
            "select column_name from duckdb_columns() where schema_name = 'marts' and table_name = ?"
            " order by column_index", [table]).fetchall()] for table in SERVED_MARTS}
    engine = create_engine(sqlalchemy_url(scenario.pipeline.served_db), poolclass=NullPool)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. "Did not recognize type": a column a BI tool could not use
        inspector = inspect(engine)
        assert set(inspector.get_table_names(schema="marts")) == SERVED_MARTS
        reflected = {table: inspector.get_columns(table, schema="marts") for table in SERVED_MARTS}
    for table, columns in reflected.items():
        assert [c["name"] for c in columns] == expected[table]
        assert not [c for c in columns if isinstance(c["type"], sqlalchemy.types.NullType)]
    patients = {c["name"]: c for c in reflected["patients"]}
    assert "HMAC" in (patients["patient_pseudonym"].get("comment") or "")
    engine.dispose()


def test_build_only_marts_stay_in_the_build_file(scenario: Scenario) -> None:
    """marts.person_months (tens of millions of rows at scale, the causal
    estimate's input) is the data team's: built, not served, and said so."""
    assert set(NOT_SERVED) == {("marts", t) for t in BUILD_ONLY_MARTS}
    with duckdb.connect(str(scenario.pipeline.build_db), read_only=True) as con:
        built = {t for (t,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts'").fetchall()}
    assert BUILD_ONLY_MARTS <= built and SERVED_MARTS <= built
    with connect_reader(scenario.pipeline.served_db) as con:
        served = {t for (t,) in con.execute(
            "select table_name from serving.served_tables where table_schema = 'marts'").fetchall()}
    assert served == SERVED_MARTS and not served & BUILD_ONLY_MARTS


@pytest.mark.parametrize("probe", list(PROBES))
def test_bi_connection_refuses(scenario: Scenario, tmp_path: Path, probe: str) -> None:
    (tmp_path / "outside.csv").write_text("a\n1\n")
    engine = create_engine(sqlalchemy_url(scenario.pipeline.served_db), poolclass=NullPool)
    with engine.connect() as con:
        with pytest.raises(sqlalchemy.exc.DBAPIError):
            con.execute(text(PROBES[probe].format(tmp=tmp_path)))
    with engine.connect() as con:
        assert con.execute(text("select count(*) from marts.attrition")).scalar() > 0
    assert not (tmp_path / "leak.csv").exists() and not (tmp_path / "other.duckdb").exists()


# The publisher's own guarantees, on a copy of the scenario's last build.

@pytest.fixture
def build_copy(scenario: Scenario, tmp_path: Path) -> tuple[Path, Path, Path]:
    """(build file, dbt target folder, served file) copies to change freely."""
    pipeline = scenario.pipeline
    shutil.copy(pipeline.build_db, tmp_path / "build.duckdb")
    shutil.copytree(pipeline.target_dir, tmp_path / "target", ignore=shutil.ignore_patterns("compiled", "run", "docs_site"))
    shutil.copy(pipeline.served_db, tmp_path / "served.duckdb")
    return tmp_path / "build.duckdb", tmp_path / "target", tmp_path / "served.duckdb"


KEY = PseudonymKey(KEY_1.encode(), is_demo=False)


def served_fingerprint(served: Path) -> tuple:
    return snapshot(served)[0], served.stat().st_ino, served.read_bytes()[:4096]


def change_build(build_db: Path, sql: str) -> None:
    with duckdb.connect(str(build_db)) as con:
        con.execute(sql)


REFUSALS = {
    "a failing data-quality check": (
        lambda build, target: change_build(build, "update marts.dq_results set status = 'fail' where check_name = "
                                                  "(select min(check_name) from marts.dq_results)"),
        "data-quality checks failed"),
    "DQ results from another build": (
        lambda build, target: change_build(build, "update marts.dq_results set run_at = run_at - interval 1 day"),
        "not about the last dbt build"),
    "last dbt command not a build": (
        lambda build, target: (target / "run_results.json").write_text(json.dumps(
            json.loads((target / "run_results.json").read_text()) | {"args": {"which": "run"}})),
        "not `dbt build`"),
    "no build file": (lambda build, target: build.unlink(), "no build file"),
    "a failed dbt node": (
        lambda build, target: (target / "run_results.json").write_text(
            (target / "run_results.json").read_text().replace('"status": "pass"', '"status": "fail"', 1)),
        "did not pass"),
    "an identifying column without a serving rule": (
        lambda build, target: change_build(build, "alter table marts.patients add column guardian_name varchar"),
        "guardian_name looks identifying"),
    "a registry patient id in a text column": (
        lambda build, target: change_build(build, "update marts.patients set ethnicity = patient_id"
                                                  " where patient_id = (select max(patient_id) from marts.patients)"),
        "patients.ethnicity holds a registry patient id"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_publish_refuses_and_changes_nothing(build_copy, case: str) -> None:
    build_db, target, served = build_copy
    before = served_fingerprint(served)
    publish(build_db, served, target, KEY)  # the unchanged copy publishes ...
    published = served_fingerprint(served)
    assert published[0] != before[0]
    change, message = REFUSALS[case]
    change(build_db, target)
    with pytest.raises(PublishRefused, match=message):  # ... the changed one does not
        publish(build_db, served, target, KEY)
    assert served_fingerprint(served) == published
    assert sorted(p.name for p in served.parent.glob(".served.duckdb.*.tmp*")) == []


def test_a_publication_failing_midway_changes_nothing(build_copy, monkeypatch) -> None:
    build_db, target, served = build_copy
    before = served_fingerprint(served)
    # A publisher killed earlier left its temporary file: the next one removes it.
    stale = served.parent / ".served.duckdb.killed-publisher.tmp"
    stale.write_bytes(b"half a file")

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(publish_module, "_write_metadata", fail)
    with pytest.raises(OSError, match="disk full"):
        publish(build_db, served, target, KEY)
    assert served_fingerprint(served) == before
    assert [p.name for p in served.parent.iterdir() if ".tmp" in p.name] == []


def test_a_registry_with_numeric_ids_publishes(tmp_path: Path) -> None:
    """An extract written by someone else: patient ids are plain numbers
    ("42"), as the spec allows (text), and record ids are built on them
    ("42-V003"). Numbers like 1 or 48 are also code spellings and protocol
    parameters: they must not be mistaken for leaked ids, and the ids
    themselves must still be pseudonymised."""
    extract = tmp_path / "extract"
    generate_extract(out_dir=extract, patients=90, seed=3, defect_rate=0.0, progress=False)
    for path in extract.glob("*.csv"):
        path.write_text(re.sub(r"JDM0*(\d+)", r"\1", path.read_text(encoding="utf-8")), encoding="utf-8")
    ids = registry_patient_ids(extract)
    assert "1" in ids and all(i.isdigit() for i in ids)
    pipeline = Pipeline(tmp_path)
    # Every step that writes what is published (the report and the docs
    # site are not published).
    pipeline.make_run(extract, KEY_1, targets=("build", "dq", "stats", "publish"))
    key_1 = PseudonymKey(KEY_1.encode(), is_demo=False)
    with open(extract / "patients.csv", newline="") as f:
        expected = {pseudonym(key_1, "patient", row["patient_id"]) for row in csv.DictReader(f)}
    assert patient_pseudonyms(pipeline.served_db) == expected
    with connect_reader(pipeline.served_db) as con:
        records = {r for (r,) in con.execute("select source_record_pseudonym from marts.outcome_timepoints"
                                                   " where source_record_pseudonym is not null").fetchall()}
        assert records and all(r.startswith("rc_") for r in records)
        assert con.execute("select count(*) from marts.study_parameters where value in ('1', '48', '365')").fetchone()[0]

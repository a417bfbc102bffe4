"""Running dbt on a given extract from the tests, and reading what it built."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT = Path(sys.executable).with_name("dbt")
JDM = Path(sys.executable).with_name("jdm")


@dataclass
class DbtRun:
    returncode: int
    output: str
    db_path: Path

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.db_path), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    def frame(self, sql: str):
        with duckdb.connect(str(self.db_path), read_only=True) as con:
            return con.execute(sql).df()


def run_dbt(args: list[str], extract_dir: Path, work_dir: Path, *, vars: str | None = None) -> DbtRun:
    """`dbt <args>` from the repository root against `extract_dir`, building
    `work_dir/warehouse.duckdb`; target/ and logs/ also go to work_dir so that
    runs do not disturb each other or the developer's own build."""
    work_dir.mkdir(parents=True, exist_ok=True)
    db_path = work_dir / "warehouse.duckdb"
    env = os.environ | {
        "JDM_EXTRACT_DIR": str(extract_dir),
        "JDM_DB": str(db_path),
        "JDM_LANDING_DIR": str(landing_dir(work_dir)),
        "DO_NOT_TRACK": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    cmd = [
        str(DBT), *args,
        "--target-path", str(work_dir / "target"),
        "--log-path", str(work_dir / "logs"),
    ]
    if vars:
        cmd += ["--vars", vars]
    proc = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    return DbtRun(proc.returncode, proc.stdout + proc.stderr, db_path)


def landing_dir(work_dir: Path) -> Path:
    return (work_dir / "landing").resolve()


def run_build(extract_dir: Path, work_dir: Path, *, exclude: list[str] | None = None,
              unit_tests: bool = False) -> DbtRun:
    """What `make build` does: `jdm land` (the extract as Parquet files for
    the raw layer), then `dbt build` if the landing succeeded. The output of
    both, and the first failing return code.

    dbt's unit tests run only with unit_tests=True: their inputs are fixed
    rows, the same whatever the extract, so the suite runs them once, in the
    default build (conftest.default_build), and the engine comparison runs
    them on both engines; in every other build they would repeat the same
    result (about 9 s of a 29 s build of the default extract)."""
    work_dir.mkdir(parents=True, exist_ok=True)
    env = os.environ | {"JDM_EXTRACT_DIR": str(extract_dir), "JDM_DB": str(work_dir / "warehouse.duckdb"),
                        "JDM_LANDING_DIR": str(landing_dir(work_dir))}
    landed = subprocess.run([str(JDM), "land"], cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    if landed.returncode != 0:
        return DbtRun(landed.returncode, landed.stdout + landed.stderr, work_dir / "warehouse.duckdb")
    exclude = [*(exclude or []), *([] if unit_tests else ["test_type:unit"])]
    run = run_dbt(["build", *(["--exclude", *exclude] if exclude else [])], extract_dir, work_dir)
    return DbtRun(run.returncode, landed.stdout + landed.stderr + run.output, run.db_path)


def build(extract_dir: Path, work_dir: Path, *, unit_tests: bool = False) -> DbtRun:
    """`run_build` that must succeed (the output is shown if it does not).

    JDM_TEST_DBT_EXCLUDE (for checking that a test can fail): nodes to leave
    out, e.g. "test_type:unit test_type:data", so that a fault put into a
    model on purpose reaches the Python tests instead of stopping the build."""
    run = run_build(extract_dir, work_dir, exclude=os.environ.get("JDM_TEST_DBT_EXCLUDE", "").split(),
                    unit_tests=unit_tests)
    assert run.returncode == 0, run.output[-6000:]
    return run


def write_file(path: Path, text: str, *, bom: bool = False, crlf: bool = False) -> None:
    """Write CSV text exactly: lines as given (leading indentation removed by
    the caller), optional BOM and CRLF line ends."""
    data = text.replace("\n", "\r\n") if crlf else text
    raw = data.encode("utf-8")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + raw)

"""The same warehouse on DuckDB and on Spark (make test-spark, on a small
extract so that every change is checked): scripts/compare_engines.sh builds
a messy extract with both engines (`make build dq stats publish`) and
compares every table of staging, audit and marts, and the served files, row
for row. Needs Java (make checks) and the spark extra (make install-spark)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import duckdb

from jdm.generator import generate_extract

REPO = Path(__file__).resolve().parents[2]


def _compared(report: str) -> dict[str, tuple[int, int, str]]:
    """table -> (rows DuckDB, rows Spark, status) from jdm.compare's report."""
    found = {}
    for line in report.splitlines():
        m = re.match(r"(\w+\.\w+): (\d+) / (\d+) rows, (.*)$", line)
        if m:
            found[m[1]] = (int(m[2]), int(m[3]), m[4])
        elif re.match(r"\w+\.\w+: only in", line):
            found[line.split(":")[0]] = (0, 0, line)
    return found


def _tables(db: Path, schemas: tuple[str, ...]) -> set[str]:
    """Tables and views (a view of the DuckDB build is a table of the Spark
    export's copy)."""
    with duckdb.connect(str(db), read_only=True) as con:
        return {f"{s}.{t}" for s, t in con.execute(
            "select table_schema, table_name from information_schema.tables"
            " where table_schema in (select unnest($1::varchar[]))", [list(schemas)]).fetchall()}


def test_duckdb_and_spark_build_the_same_warehouse(tmp_path: Path) -> None:
    # 60 patients with 5 % defects: every file has quarantined rows, so the
    # defect paths run on both engines too.
    generate_extract(out_dir=tmp_path / "extract", patients=60, seed=5, defect_rate=0.05, progress=False)
    run = subprocess.run([str(REPO / "scripts" / "compare_engines.sh"), str(tmp_path / "extract"), str(tmp_path / "out")],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]

    out = tmp_path / "out"
    build = _compared((out / "compare_build.txt").read_text())
    # Every table of both builds was compared (nothing missing, nothing extra)
    # and holds the same rows.
    schemas = ("staging", "intermediate", "audit", "marts")
    assert set(build) == _tables(out / "duckdb" / "jdm.duckdb", schemas) == _tables(out / "spark" / "jdm.duckdb", schemas)
    assert all(status == "same rows" for _, _, status in build.values())
    # Not vacuous: the study's results, the checks and the defects are there.
    for table in ("marts.study_results", "marts.dq_results", "audit.quarantine", "marts.patients",
                  "marts.person_months", "staging.stg_registry__visits"):
        assert build[table][0] > 0, table

    served = _compared((out / "compare_served.txt").read_text())
    assert set(served) == _tables(out / "duckdb" / "served.duckdb", ("marts", "reference", "serving"))
    assert all(status == "same rows" for _, _, status in served.values())
    assert served["marts.study_results"][0] > 0

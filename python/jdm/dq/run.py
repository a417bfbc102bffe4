"""`jdm dq`: every source of checks into marts.dq_results."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from jdm.dq.dbt_checks import dbt_checks
from jdm.dq.extract_checks import extract_checks
from jdm.dq.ge_suites import ge_checks
from jdm.dq.results import COLUMN_TYPES, CheckResult
from jdm.warehouse_io import replace_table

DQ_TABLE = "marts.dq_results"


def collect_checks(db_path: Path, target_dir: Path, docs_dir: Path | None) -> list[CheckResult]:
    """Every check, read through a read-only connection (closed before return):
    the extract's defects (from the quarantine), dbt's tests of our models,
    and the Great Expectations suites."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        checks = dbt_checks(target_dir, con)
        build_time = max((c.run_at for c in checks), default=datetime.now().replace(microsecond=0))
        return extract_checks(con, build_time) + checks + ge_checks(con, docs_dir)


def write_results(db_path: Path, checks: list[CheckResult]) -> pd.DataFrame:
    """Replace marts.dq_results with these checks (the table is rebuilt whole
    on every run, never appended to)."""
    frame = pd.DataFrame([c.as_row() for c in checks], columns=list(COLUMN_TYPES))
    frame = frame.astype({"violated_rows": "Int64", "denominator_rows": "Int64", "defect_class": "Int64"})
    frame = frame.sort_values(["source", "layer", "model", "check_name"], ignore_index=True)
    replace_table(db_path, DQ_TABLE, frame, COLUMN_TYPES)
    return frame


def run_dq(db_path: Path, target_dir: Path, out_dir: Path) -> pd.DataFrame:
    checks = collect_checks(db_path, target_dir, out_dir / "data_docs")
    return write_results(db_path, checks)


def summary(frame: pd.DataFrame) -> str:
    counts = frame.groupby(["source", "kahn_category", "status"]).size().unstack(fill_value=0)
    failing = frame[frame["status"].isin(["fail", "error"])]
    lines = [f"{len(frame)} checks written to {DQ_TABLE}", counts.to_string()]
    if len(failing):
        lines.append("failing (error level):")
        lines += [f"  {r.check_name}: {r.violated_rows} of {r.denominator_rows}" for r in failing.itertuples()]
    return "\n".join(lines)

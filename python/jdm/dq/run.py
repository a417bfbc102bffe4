"""`jdm dq`: both sources of checks into marts.dq_results."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from jdm.dq.dbt_checks import dbt_checks
from jdm.dq.ge_suites import ge_checks
from jdm.dq.results import COLUMNS, CheckResult

DQ_TABLE = "marts.dq_results"


def collect_checks(db_path: Path, target_dir: Path, docs_dir: Path | None) -> list[CheckResult]:
    """Every check, read through a read-only connection (closed before return)."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        return dbt_checks(target_dir, con) + ge_checks(con, docs_dir)


def write_results(db_path: Path, checks: list[CheckResult]) -> pd.DataFrame:
    """Replace marts.dq_results with these checks (the table is rebuilt whole
    on every run, never appended to)."""
    frame = pd.DataFrame([c.as_row() for c in checks], columns=COLUMNS)
    frame = frame.astype({"violated_rows": "Int64", "denominator_rows": "Int64", "defect_class": "Int64"})
    with duckdb.connect(str(db_path)) as con:
        con.register("dq_frame", frame)
        con.execute(f"""
            create or replace table {DQ_TABLE} as
            select
                check_name::varchar as check_name, source::varchar as source, layer::varchar as layer,
                model::varchar as model, column_name::varchar as column_name,
                kahn_category::varchar as kahn_category, check_scope::varchar as check_scope,
                defect_class::integer as defect_class, severity::varchar as severity,
                violated_rows::bigint as violated_rows, denominator_rows::bigint as denominator_rows,
                violated_pct::double as violated_pct, threshold_pct::double as threshold_pct,
                status::varchar as status, run_at::timestamp as run_at,
                description::varchar as description, failures_relation::varchar as failures_relation
            from dq_frame
            order by source, layer, model, check_name
        """)
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

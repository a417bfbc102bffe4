"""`jdm dq`: every source of checks into marts.dq_results, then the
data-quality dashboard (OUT/data_quality.html) and GX's validation results
(OUT/gx_validation_results/) from them."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from jdm.dq.dashboard import write_dashboard
from jdm.dq.dbt_checks import dbt_checks
from jdm.dq.extract_checks import extract_checks
from jdm.dq.ge_suites import SAMPLE_COLUMN_TYPES, SAMPLES_RELATION, GxRun, ge_checks, write_validation_results
from jdm.dq.results import COLUMN_TYPES, DQ_TABLE, CheckResult
from jdm.warehouse_io import replace_tables

VALIDATION_RESULTS_DIR = "gx_validation_results"
# Written by earlier versions; its pages load scripts from CDNs (removed, see
# remove_data_docs).
OLD_DATA_DOCS_DIR = "data_docs"


def collect_checks(db_path: Path, target_dir: Path) -> tuple[list[CheckResult], GxRun]:
    """Every check, read through a read-only connection (closed before return):
    the extract's defects (from the quarantine), dbt's tests of our models,
    and the Great Expectations suites (with what GX reported)."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        checks = dbt_checks(target_dir, con)
        build_time = max((c.run_at for c in checks), default=datetime.now().replace(microsecond=0))
        gx_run = ge_checks(con)
        return extract_checks(con, build_time) + checks + gx_run.checks, gx_run


def write_results(db_path: Path, checks: list[CheckResult], ge_samples: pd.DataFrame | None = None) -> pd.DataFrame:
    """Replace marts.dq_results with these checks, and the sample of GX's
    unexpected rows they point at, in one transaction (both are rebuilt
    whole on every run, never appended to)."""
    frame = pd.DataFrame([c.as_row() for c in checks], columns=list(COLUMN_TYPES))
    frame = frame.astype({"violated_rows": "Int64", "denominator_rows": "Int64", "defect_class": "Int64"})
    frame = frame.sort_values(["source", "layer", "model", "check_name"], ignore_index=True)
    if ge_samples is None:
        ge_samples = pd.DataFrame(columns=list(SAMPLE_COLUMN_TYPES))
    replace_tables(db_path, {DQ_TABLE: (frame, COLUMN_TYPES), SAMPLES_RELATION: (ge_samples, SAMPLE_COLUMN_TYPES)})
    return frame


def remove_data_docs(out_dir: Path) -> bool:
    """Remove the GX Data Docs an earlier `jdm dq` wrote into OUT: they do not
    open offline, and nothing writes them any more (the dashboard replaces
    them). Only a folder that holds Data Docs (its index.html) is removed."""
    docs = out_dir / OLD_DATA_DOCS_DIR
    if (docs / "index.html").is_file() and (docs / "static").is_dir():
        shutil.rmtree(docs)
        return True
    return False


def run_dq(db_path: Path, target_dir: Path, out_dir: Path) -> pd.DataFrame:
    checks, gx_run = collect_checks(db_path, target_dir)
    frame = write_results(db_path, checks, gx_run.samples)
    write_validation_results(gx_run.validation_results, out_dir / VALIDATION_RESULTS_DIR)
    write_dashboard(db_path, out_dir, VALIDATION_RESULTS_DIR)
    remove_data_docs(out_dir)
    return frame


def summary(frame: pd.DataFrame) -> str:
    counts = frame.groupby(["source", "kahn_category", "status"]).size().unstack(fill_value=0)
    failing = frame[frame["status"].isin(["fail", "error"])]
    lines = [f"{len(frame)} checks written to {DQ_TABLE}", counts.to_string()]
    if len(failing):
        lines.append("failing (error level):")
        lines += [f"  {r.check_name}: {r.violated_rows} of {r.denominator_rows}" for r in failing.itertuples()]
    return "\n".join(lines)

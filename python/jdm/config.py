"""Where things are: the environment variables every entry point honours."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_EXTRACT_DIR = "data/extract"
DEFAULT_DB = "warehouse/jdm.duckdb"


def extract_dir() -> Path:
    """The registry extract folder (`JDM_EXTRACT_DIR`, default data/extract)."""
    return Path(os.environ.get("JDM_EXTRACT_DIR") or DEFAULT_EXTRACT_DIR)


def warehouse_db() -> Path:
    """The DuckDB file dbt builds (`JDM_DB`, default warehouse/jdm.duckdb)."""
    return Path(os.environ.get("JDM_DB") or DEFAULT_DB)


def landing_dir() -> Path:
    """Where `jdm land` writes the extract as Parquet files for the raw layer
    (`JDM_LANDING_DIR`; default: beside the build file, `<JDM_DB without
    .duckdb>.landing`, the same rule as macro landing_dir in
    macros/landing.sql)."""
    configured = os.environ.get("JDM_LANDING_DIR")
    if configured:
        return Path(configured)
    db = str(warehouse_db())
    return Path((db[: -len(".duckdb")] if db.endswith(".duckdb") else db) + ".landing")


DEFAULT_OUTPUT_DIR = "output"
DEFAULT_DBT_TARGET_DIR = "target"


def output_dir() -> Path:
    """Where reports are written (`JDM_OUTPUT_DIR`, default output/)."""
    return Path(os.environ.get("JDM_OUTPUT_DIR") or DEFAULT_OUTPUT_DIR)


def dbt_target_dir() -> Path:
    """dbt's target folder, with run_results.json of the last build
    (`DBT_TARGET_PATH`, as dbt itself reads it; default target/)."""
    return Path(os.environ.get("DBT_TARGET_PATH") or DEFAULT_DBT_TARGET_DIR)


DEFAULT_SERVE_DB = "warehouse/jdm_serving.duckdb"


def serve_db() -> Path:
    """The file readers and BI tools open (`JDM_SERVE_DB`, default
    warehouse/jdm_serving.duckdb): a pseudonymised copy of the last build
    that passed, replaced whole by `jdm publish`."""
    return Path(os.environ.get("JDM_SERVE_DB") or DEFAULT_SERVE_DB)

"""Where things are: the two environment variables every entry point honours."""

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

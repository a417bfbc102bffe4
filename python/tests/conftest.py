"""Fixtures shared by several test modules."""

from __future__ import annotations

import pytest

from dbt_support import DbtRun, build
from jdm.generator import generate_extract


@pytest.fixture(scope="session")
def default_build(tmp_path_factory: pytest.TempPathFactory) -> DbtRun:
    """The warehouse built on the default synthetic extract (what `make run`
    builds): 410 patients, seed 42, no injected defects."""
    root = tmp_path_factory.mktemp("default")
    generate_extract(out_dir=root / "extract", patients=410, seed=42, defect_rate=0.0, progress=False)
    return build(root / "extract", root / "build")

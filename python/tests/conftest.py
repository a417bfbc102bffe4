"""Fixtures shared by several test modules."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pytest

from dbt_support import DbtRun, build
from jdm.dq.run import run_dq
from jdm.generator import generate_extract


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The engine comparison first (about 8 of `make test`'s 15 minutes, one
    test): under `pytest -n 2 --dist loadfile --no-loadscope-reorder` (the
    Makefile) one worker runs it while the other runs the rest, instead of
    it starting late and running alone at the end (measured: it started
    6 minutes in and ended last, the other worker idle)."""
    items.sort(key=lambda item: item.path.name != "test_engines.py")


@pytest.fixture(scope="session")
def default_build(tmp_path_factory: pytest.TempPathFactory) -> DbtRun:
    """The warehouse built on the default synthetic extract (what `make run`
    builds): 410 patients, seed 42, no injected defects. With dbt's unit
    tests: the suite's one run of them on DuckDB (dbt_support.run_build)."""
    root = tmp_path_factory.mktemp("default")
    generate_extract(out_dir=root / "extract", patients=410, seed=42, defect_rate=0.0, progress=False)
    return build(root / "extract", root / "build", unit_tests=True)


@dataclass(frozen=True)
class DirtyBuild:
    run: DbtRun
    manifest: list[dict[str, str]]  # defect_manifest.csv: the answer key
    extract: Path


@pytest.fixture(scope="session")
def dirty_build(tmp_path_factory: pytest.TempPathFactory) -> DirtyBuild:
    """The warehouse built on a messy synthetic extract: 410 patients, seed
    11, 5 % of each file's rows given one of the spec's defects (the
    steroid and exposure paths included), listed in the manifest."""
    root = tmp_path_factory.mktemp("dirty")
    summary = generate_extract(out_dir=root / "extract", patients=410, seed=11, defect_rate=0.05, progress=False)
    with open(summary.manifest_path, newline="", encoding="utf-8") as fh:
        manifest = list(csv.DictReader(fh))
    return DirtyBuild(build(root / "extract", root / "build"), manifest, root / "extract")


def dq_frame(run: DbtRun, tmp_path: Path):
    """`jdm dq` on a build: marts.dq_results (returned), the dashboard and
    GX's results in tmp_path/output."""
    return run_dq(run.db_path, run.db_path.parent / "target", tmp_path / "output")


@pytest.fixture(scope="session")
def default_dq(default_build: DbtRun, tmp_path_factory: pytest.TempPathFactory):
    """(build, marts.dq_results, folder whose output/ jdm dq wrote) on the default extract."""
    out = tmp_path_factory.mktemp("dq_default")
    return default_build, dq_frame(default_build, out), out


@pytest.fixture(scope="session")
def dirty_dq(dirty_build: DirtyBuild, tmp_path_factory: pytest.TempPathFactory):
    """(build, marts.dq_results, manifest, extract, folder whose output/ jdm dq wrote) on the messy extract."""
    root = tmp_path_factory.mktemp("dq_dirty")
    return dirty_build.run, dq_frame(dirty_build.run, root), dirty_build.manifest, dirty_build.extract, root

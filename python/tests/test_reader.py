"""The locked-down reader connection refuses everything but reading the
warehouse."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from dbt_support import DbtRun
from jdm.serve.reader import connect_reader

PROBES = {
    "insert": "insert into marts.attrition select * from marts.attrition",
    "create table": "create table marts.leak (a integer)",
    "copy to a file": "copy (select * from marts.patients) to '{tmp}/leak.csv'",
    "attach another file": "attach '{tmp}/other.duckdb' as other",
    "install an extension": "install httpfs",
    "load an extension": "load httpfs",
    "read_csv outside the warehouse": "select * from read_csv('{tmp}/outside.csv')",
    "re-enable external access": "set enable_external_access = true",
    "unlock the configuration": "set lock_configuration = false",
}


@pytest.mark.parametrize("probe", list(PROBES))
def test_reader_refuses(default_build: DbtRun, tmp_path: Path, probe: str) -> None:
    (tmp_path / "outside.csv").write_text("a\n1\n")
    with connect_reader(default_build.db_path) as con:
        with pytest.raises(duckdb.Error):
            con.execute(PROBES[probe].format(tmp=tmp_path))
        # ... and the connection still reads the warehouse afterwards.
        assert con.execute("select count(*) from marts.attrition").fetchone()[0] > 0
    assert not (tmp_path / "leak.csv").exists() and not (tmp_path / "other.duckdb").exists()


def test_jdm_sql_reads(default_build: DbtRun) -> None:
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("jdm")), "sql", "select step, patients_remaining from marts.attrition",
         "--db", str(default_build.db_path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "registered" in proc.stdout and "410" in proc.stdout

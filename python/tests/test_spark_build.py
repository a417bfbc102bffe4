"""jdm import-build: a Spark build's Parquet export made into the build file
the study steps read. The export here is written by hand in Spark's layout
(a folder per schema, a folder of part files per table, a _SUCCESS marker),
so the test does not need Spark; the whole Spark path is checked against
DuckDB by test_engines."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from jdm.spark_build import ExportMissing, import_build


def _export(root: Path, schema: str, table: str, query: str, parts: int = 1) -> None:
    folder = root / schema / table
    folder.mkdir(parents=True)
    (folder / "_SUCCESS").touch()
    with duckdb.connect() as con:
        con.execute("set timezone = 'UTC'")
        for part in range(parts):
            con.execute(f"copy ({query} limit 1 offset {part}) to '{folder}/part-{part:05d}.snappy.parquet'"
                        if parts > 1 else f"copy ({query}) to '{folder}/part-00000.snappy.parquet'")


def test_every_exported_table_arrives_with_its_columns_rows_and_types(tmp_path: Path) -> None:
    export = tmp_path / "export"
    # Two part files of one row each: the table is their union (2 rows).
    _export(export, "marts", "patients",
            "select * from (values ('P1', 1.5::decimal(18, 6), date '2020-01-31'),"
            " ('P2', null, null)) v(patient_id, dose, visit_date) order by patient_id", parts=2)
    # A Spark timestamp is an instant in UTC: it arrives as the plain UTC time.
    _export(export, "audit", "reconciliation",
            "select 'visits.csv' as source_file, timestamptz '2026-12-02 10:00:00+00' as landed_at,"
            " [1, 2] as extra_columns")
    # An empty table (Spark writes one part file holding only the schema).
    _export(export, "staging", "stg_registry__undated_medications",
            "select 'x' as medication_id, 1 as source_row where false")
    db = tmp_path / "build" / "jdm.duckdb"

    assert import_build(export, db) == 3

    with duckdb.connect(str(db), read_only=True) as con:
        columns = con.execute("select table_schema, table_name, column_name, data_type from information_schema.columns"
                              " order by all").fetchall()
        assert columns == sorted([
            ("audit", "reconciliation", "extra_columns", "INTEGER[]"),
            ("audit", "reconciliation", "landed_at", "TIMESTAMP"),
            ("audit", "reconciliation", "source_file", "VARCHAR"),
            ("marts", "patients", "dose", "DECIMAL(18,6)"),
            ("marts", "patients", "patient_id", "VARCHAR"),
            ("marts", "patients", "visit_date", "DATE"),
            ("staging", "stg_registry__undated_medications", "medication_id", "VARCHAR"),
            ("staging", "stg_registry__undated_medications", "source_row", "INTEGER"),
        ])
        assert con.execute("select patient_id, cast(dose as varchar), cast(visit_date as varchar)"
                           " from marts.patients order by 1").fetchall() == [("P1", "1.500000", "2020-01-31"),
                                                                              ("P2", None, None)]
        assert con.execute("select cast(landed_at as varchar), extra_columns from audit.reconciliation"
                           ).fetchall() == [("2026-12-02 10:00:00", [1, 2])]
        assert con.execute("select count(*) from staging.stg_registry__undated_medications").fetchone() == (0,)


def test_an_unfinished_export_is_refused_and_the_old_build_file_kept(tmp_path: Path) -> None:
    export = tmp_path / "export"
    _export(export, "marts", "patients", "select 'P1' as patient_id")
    (export / "marts" / "attrition").mkdir()  # a table folder without its Parquet files
    db = tmp_path / "jdm.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("create table kept as select 1 as x")
    with pytest.raises(ExportMissing, match="attrition"):
        import_build(export, db)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select * from kept").fetchall() == [(1,)]

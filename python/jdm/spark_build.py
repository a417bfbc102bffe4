"""A Spark build as the build file the study steps read.

A Spark build (`dbt build --target spark`) ends with dbt's
`run-operation export_to_parquet`, which writes every table and view of
every schema as Parquet under EXPORT_DIR/<schema>/<table>/. This module
makes from those files a DuckDB build file with the same schemas, tables,
columns and rows, so that `jdm dq`, `jdm stats`, `jdm report` and
`jdm publish` run on a Spark build exactly as on a DuckDB one, and
`python -m jdm.compare` can set the two builds side by side.

    jdm import-build --from EXPORT_DIR [--db BUILD_FILE]

Why a copy rather than reading Spark's tables through Spark: the study
steps are DuckDB SQL over one file, the served file is DuckDB, and the
marts are small next to the registry (a copy of all of them at 100 k
patients takes seconds). Staging and raw are copied too, because the data
quality dashboard and publishing read them.

Types: Parquet carries Spark's types across (string -> VARCHAR, int ->
INTEGER, bigint, decimal(p, s), date, boolean, arrays and structs). A
Spark timestamp arrives as a UTC instant (TIMESTAMP WITH TIME ZONE); it is
stored as the plain UTC TIMESTAMP a DuckDB build holds.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb


class ExportMissing(RuntimeError):
    pass


def exported_tables(export_dir: Path) -> list[tuple[str, str, Path]]:
    """(schema, table, folder) for every exported table, in name order.
    A folder without Parquet files is not a finished export: refused."""
    tables = []
    for schema_dir in sorted(p for p in export_dir.iterdir() if p.is_dir()):
        for table_dir in sorted(p for p in schema_dir.iterdir() if p.is_dir()):
            if not any(table_dir.glob("*.parquet")):
                raise ExportMissing(f"{table_dir} holds no Parquet file: re-run the export")
            tables.append((schema_dir.name, table_dir.name, table_dir))
    if not tables:
        raise ExportMissing(f"no exported tables under {export_dir}: run dbt run-operation export_to_parquet first")
    return tables


def _select_list(con: duckdb.DuckDBPyConnection, source: str) -> str:
    columns = con.execute(f"describe select * from {source}").fetchall()
    return ", ".join(
        f'cast("{name}" at time zone \'UTC\' as timestamp) as "{name}"' if data_type == "TIMESTAMP WITH TIME ZONE"
        else f'"{name}"'
        for name, data_type, *_ in columns)


def import_build(export_dir: Path, db_path: Path) -> int:
    """Write a new build file at `db_path` from the export (replacing it
    only once the new file is complete); return the number of tables."""
    tables = exported_tables(export_dir)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    partial = db_path.with_name(f".{db_path.name}.importing")
    partial.unlink(missing_ok=True)
    with duckdb.connect(str(partial)) as con:
        for schema in sorted({schema for schema, _, _ in tables}):
            con.execute(f'create schema "{schema}"')
        for schema, table, folder in tables:
            source = f"read_parquet('{folder}/*.parquet')"
            con.execute(f'create table "{schema}"."{table}" as select {_select_list(con, source)} from {source}')
    os.replace(partial, db_path)
    return len(tables)

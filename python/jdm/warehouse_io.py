"""Writing Python results back into the warehouse file."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd


def replace_table(db_path: Path, table: str, frame: pd.DataFrame, column_types: dict[str, str]) -> None:
    """Replace `table` (schema.name) whole with `frame`, its columns in the
    order and SQL types of `column_types`, so the table's shape does not
    depend on what pandas guessed. Opens the only write connection and
    closes it: run it when no dbt build holds the file."""
    replace_tables(db_path, {table: (frame, column_types)})


def replace_tables(db_path: Path, tables: dict[str, tuple[pd.DataFrame, dict[str, str]]]) -> None:
    """replace_table for several tables in one transaction: a reader sees
    all of them replaced or none (e.g. checks and the samples they point at)."""
    with duckdb.connect(str(db_path)) as con:
        con.execute("begin transaction")
        for i, (table, (frame, column_types)) in enumerate(tables.items()):
            columns = ",\n    ".join(f'cast("{name}" as {sql_type}) as "{name}"'
                                      for name, sql_type in column_types.items())
            con.execute(f"create schema if not exists {table.split('.')[0]}")
            con.register(f"result_frame_{i}", frame)
            con.execute(f"create or replace table {table} as select\n    {columns}\nfrom result_frame_{i}")
        con.execute("commit")

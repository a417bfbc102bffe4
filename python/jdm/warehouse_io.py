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
    columns = ",\n    ".join(f'cast("{name}" as {sql_type}) as "{name}"' for name, sql_type in column_types.items())
    with duckdb.connect(str(db_path)) as con:
        con.register("result_frame", frame)
        con.execute(f"create or replace table {table} as select\n    {columns}\nfrom result_frame")

"""Landing: each registry extract file as one Parquet file of text columns,
before dbt runs (`jdm land`; `make build` does it first).

The raw layer's dbt models (models/raw/) read these files, on DuckDB and on
Spark alike. Every record of a file is kept, good or bad, as text, so that
no value can crash the load and staging can account for every row.

Two readers, one result:

* Fast path: DuckDB's own CSV reader, strict, every column VARCHAR, with its
  rejects table switched on, straight into the Parquet file (one pass). It
  is kept only when it accepts *every* record and the file has no blank
  line, because only then is a record's position in the file the same as
  its position in DuckDB's output (DuckDB skips blank lines and lets an
  unterminated quote swallow the rest of a file).
* Careful path (`jdm.ingest.csv_records`): used for any file the fast path
  did not accept whole. It decodes each field separately, sets aside
  records whose fields cannot be told apart, and resynchronises after a
  broken quote.

Each Parquet file holds the file's records in their order: its k-th row is
the k-th data record after the header (a quoted line break does not start a
new record; blank lines are not records), and the raw views number them
`source_row` from that position (macro `landed_file`). Numbering them here
with `row_number() over ()` took as long as reading the CSV (one thread over
19 M visits); the Parquet reader gives the position for free. Columns, in
order: `source_file`, the spec's columns in spec order, any extra columns
of the file (kept, otherwise ignored), `undecodable_columns`
(names of the columns whose bytes were not valid UTF-8: their text is shown
as Windows-1252), `record_status` (`ok` or `bad`), `bad_record_reason`,
`bad_record_detail` and `raw_record` (the record's text, for bad records).
`landing_report.parquet` says how each file was read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from jdm.ingest.csv_records import CsvFileError, read_header, scan_records
from jdm.ingest.dictionary import EXTRACT_FILES, ExtractFile

# Columns the landing adds; an extra column of the file with one of these
# names is kept as `extra_<name>`.
RESERVED_COLUMNS = (
    "source_file",
    "source_row",  # added by the raw views
    "file_row_number",  # DuckDB's name for a row's position in the Parquet file
    "undecodable_columns",
    "record_status",
    "bad_record_reason",
    "bad_record_detail",
    "raw_record",
)

_BATCH_RECORDS = 100_000
_SCAN_CHUNK_BYTES = 64 * 1024 * 1024


class ExtractContractError(Exception):
    """The extract breaks the contract so badly that no build can proceed."""


@dataclass(frozen=True)
class LandingReport:
    source_file: str
    path: str
    parser: str  # "duckdb" (fast path) or "careful"
    header_columns: tuple[str, ...]
    extra_columns: tuple[str, ...]
    blank_lines: int
    file_bytes: int


def check_header(spec: ExtractFile, path: Path) -> tuple[str, ...]:
    """The file's (normalised) header; a fatal error naming file and column
    when a spec column is missing or a column name repeats."""
    if not path.is_file():
        raise ExtractContractError(
            f"registry extract file {spec.name} is missing: expected it at {path}"
        )
    try:
        header = read_header(path)
    except CsvFileError as err:
        raise ExtractContractError(f"{spec.name}: cannot read the header row ({err})") from err
    columns = header.columns
    missing = [c for c in spec.columns if c not in columns]
    if missing:
        raise ExtractContractError(
            f"{spec.name}: required column {', '.join(repr(c) for c in missing)} "
            f"missing from the header row of {path} (header has: {', '.join(columns)})"
        )
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        raise ExtractContractError(
            f"{spec.name}: column {', '.join(repr(c) for c in repeated)} appears more "
            f"than once in the header row of {path}"
        )
    return columns


def _column_names(header_columns: tuple[str, ...]) -> list[str]:
    """Names to land the header's columns under: empty names get a position,
    extra columns that clash with the landing's own get a prefix."""
    names = []
    for i, name in enumerate(header_columns, start=1):
        if not name:
            name = f"unnamed_column_{i}"
        if name in RESERVED_COLUMNS:
            name = f"extra_{name}"
        names.append(name)
    return names


def _has_blank_line(path: Path) -> bool:
    """True if the file has an empty line anywhere (a cheap byte scan).

    A blank line inside a quoted value also counts: that only sends the file
    down the careful path, never gives a wrong result."""
    tail = b"\n"  # the file's start behaves like the start of a line
    with path.open("rb") as fh:
        while chunk := fh.read(_SCAN_CHUNK_BYTES):
            window = tail + chunk
            if b"\n\n" in window or b"\n\r\n" in window:
                return True
            tail = window[-2:]
    return False


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _land_with_duckdb(
    con: duckdb.DuckDBPyConnection, spec: ExtractFile, path: Path, names: list[str], out: Path
) -> bool:
    """Strict DuckDB read straight into the Parquet file `out`; False (and no
    file) unless every record was accepted. With preserve_insertion_order the
    rows are written in the file's record order."""
    columns = "{" + ", ".join(f"{_sql_str(n)}: 'VARCHAR'" for n in names) + "}"
    extras = [n for n in names if n not in spec.columns]
    rejects, scans = "landing_rejects", "landing_scans"
    try:
        con.execute(
            f"""
            copy (
                select
                    {_sql_str(spec.name)} as source_file,
                    {", ".join(_ident(c) for c in [*spec.columns, *extras])},
                    []::varchar[] as undecodable_columns,
                    'ok' as record_status,
                    null::varchar as bad_record_reason,
                    null::varchar as bad_record_detail,
                    null::varchar as raw_record
                from read_csv(
                    {_sql_str(str(path))},
                    header = true, auto_detect = false, columns = {columns},
                    delim = ',', quote = '"', escape = '"', strict_mode = true,
                    null_padding = false, store_rejects = true,
                    rejects_table = {_sql_str(rejects)}, rejects_scan = {_sql_str(scans)}
                )
            ) to {_sql_str(str(out))} (format parquet)
            """
        )
        (rejected,) = con.execute(f"select count(*) from {rejects}").fetchone()
    except duckdb.Error:
        rejected = 1  # anything the strict reader cannot take goes the careful way
    finally:
        con.execute(f"drop table if exists {rejects}")
        con.execute(f"drop table if exists {scans}")
    if rejected:
        out.unlink(missing_ok=True)
        return False
    return True


def _land_carefully(
    con: duckdb.DuckDBPyConnection, spec: ExtractFile, path: Path, names: list[str], out: Path
) -> int:
    """Careful read into the Parquet file `out`; returns the blank lines."""
    table = "landing_careful"
    column_defs = ", ".join(f"{_ident(n)} varchar" for n in names)
    con.execute(
        f"""
        create or replace temp table {table} (
            source_row bigint, {column_defs}, undecodable_columns varchar[],
            bad_record_reason varchar, bad_record_detail varchar, raw_record varchar
        )
        """
    )
    scan = scan_records(path, expected_fields=len(names))
    batch: list[list] = []

    def flush() -> None:
        if not batch:
            return
        frame = pd.DataFrame(
            batch,
            columns=["source_row", *names, "undecodable_columns", "bad_record_reason",
                     "bad_record_detail", "raw_record"],
            dtype=object,
        )
        con.register("landing_batch", frame)
        con.execute(f"insert into {table} by name select * from landing_batch")
        con.unregister("landing_batch")
        batch.clear()

    for record in scan.records:
        if record.fields is None:
            values = [None] * len(names)
        else:
            # Empty field = missing, as in the fast path.
            values = [v if v != "" else None for v in record.fields]
        undecodable = [names[i] for i in record.undecodable]
        batch.append(
            [
                record.source_row,
                *values,
                undecodable,
                record.reason_code,
                record.detail,
                record.raw_text if record.reason_code else None,
            ]
        )
        if len(batch) >= _BATCH_RECORDS:
            flush()
    flush()
    extras = [n for n in names if n not in spec.columns]
    con.execute(
        f"""
        copy (
            select
                {_sql_str(spec.name)} as source_file,
                {", ".join(_ident(c) for c in [*spec.columns, *extras])},
                undecodable_columns,
                case when bad_record_reason is null then 'ok' else 'bad' end as record_status,
                bad_record_reason,
                bad_record_detail,
                raw_record
            from {table}
            order by source_row  -- every record has a row: position = source_row
        ) to {_sql_str(str(out))} (format parquet)
        """
    )
    con.execute(f"drop table {table}")
    return scan.blank_lines


def land_file(con: duckdb.DuckDBPyConnection, extract_dir: Path, spec: ExtractFile, landing_dir: Path) -> LandingReport:
    """Land one file of the extract as `<landing_dir>/<entity>.parquet`."""
    path = Path(extract_dir) / spec.name
    header_columns = check_header(spec, path)
    names = _column_names(header_columns)
    out = landing_dir / f"{spec.entity}.parquet"
    blank_lines = 0
    if not _has_blank_line(path) and _land_with_duckdb(con, spec, path, names, out):
        parser = "duckdb"
    else:
        parser = "careful"
        blank_lines = _land_carefully(con, spec, path, names, out)
    return LandingReport(
        source_file=spec.name,
        path=str(path.resolve()),
        parser=parser,
        header_columns=tuple(header_columns),
        extra_columns=tuple(n for n in names if n not in spec.columns),
        blank_lines=blank_lines,
        file_bytes=path.stat().st_size,
    )


def land_extract(extract_dir: str | Path, landing_dir: str | Path, memory_limit: str = "3GB") -> list[LandingReport]:
    """Land every file of the extract into `landing_dir` (replacing what was
    there), with `landing_report.parquet`. The header of every file is
    checked first, so a missing file or column stops the landing before
    anything is written."""
    extract_dir, landing_dir = Path(extract_dir), Path(landing_dir)
    for spec in EXTRACT_FILES:
        check_header(spec, extract_dir / spec.name)
    landing_dir.mkdir(parents=True, exist_ok=True)
    for stale in landing_dir.glob("*.parquet"):
        stale.unlink()
    reports = []
    with duckdb.connect(config={"memory_limit": memory_limit, "preserve_insertion_order": True}) as con:
        for spec in EXTRACT_FILES:
            reports.append(land_file(con, extract_dir, spec, landing_dir))
        frame = pd.DataFrame([
            {"source_file": r.source_file, "file_path": r.path, "parser": r.parser,
             "header_columns": list(r.header_columns), "extra_columns": list(r.extra_columns),
             "blank_lines": r.blank_lines, "file_bytes": r.file_bytes} for r in reports])
        con.register("reports", frame)
        con.execute(f"""copy (select *, now()::timestamp as landed_at from reports)
                        to {_sql_str(str(landing_dir / 'landing_report.parquet'))} (format parquet)""")
    return reports

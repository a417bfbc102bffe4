"""What the data-quality dashboard shows, read from the build file through a
read-only connection (rendering: jdm.dq.dashboard).

- every check of marts.dq_results;
- the reconciliation per extract file (audit.reconciliation);
- for each check that does not pass, a sample of the rows behind it, from
  where its failures_relation says they are:
  - an extract check (source `quarantine`): the audit.quarantine rows of its
    file, column, reason and range flag (the keys audit.extract_checks
    lists it with), first records first;
  - a dbt test: its rows in audit_failures (dbt's store_failures table);
  - a Great Expectations expectation: the unexpected rows GX reported
    (audit_failures.great_expectations_samples, written by `jdm dq`).

Samples, never every offending row: at most SAMPLE_ROWS per check, so a
registry of a million patients still gives a page of a few hundred
kilobytes. The count of rows behind each check is read too, so the page can
say how many it does not show.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from jdm.dq.extract_checks import CHECKS_RELATION, QUARANTINE_RELATION
from jdm.dq.ge_suites import SAMPLE_ROWS, SAMPLES_RELATION
from jdm.dq.results import DQ_TABLE

# The columns of a quarantine row the data team needs to find and fix the
# record in the registry.
QUARANTINE_COLUMNS = ["source_file", "source_row", "record_id", "column_name", "raw_value", "reason_code",
                      "action", "detail"]
# Columns of marts.dq_results the dashboard reads, in the order it shows them.
CHECK_COLUMNS = ["check_name", "status", "kahn_category", "source", "check_scope", "layer", "model", "column_name",
                 "defect_class", "severity", "violated_rows", "denominator_rows", "violated_pct", "threshold_pct",
                 "description", "failures_relation", "run_at"]


@dataclass(frozen=True)
class Sample:
    """Some of the rows behind one check."""

    relation: str  # where they were read
    rows: pd.DataFrame  # at most SAMPLE_ROWS
    total_rows: int | None  # rows there are behind the check in `relation` (None: unknown)
    note: str = ""  # why there are none, or what they are
    query: str = ""  # SQL for the build file that lists all of them


@dataclass(frozen=True)
class DashboardData:
    checks: pd.DataFrame  # marts.dq_results, CHECK_COLUMNS
    reconciliation: pd.DataFrame  # audit.reconciliation
    samples: dict[str, Sample]  # by check_name: every check that does not pass and has rows to show
    build_file: str
    read_at: datetime


def _table_exists(con: duckdb.DuckDBPyConnection, relation: str) -> bool:
    schema, table = relation.split(".")
    return con.execute("select count(*) from duckdb_tables() where schema_name = ? and table_name = ?",
                       [schema, table]).fetchone()[0] > 0


def quarantine_samples(con: duckdb.DuckDBPyConnection, check_names: list[str]) -> dict[str, Sample]:
    """The first SAMPLE_ROWS records (by source row) behind each of these
    extract checks, and how many there are."""
    if not check_names:
        return {}
    columns = ", ".join(f"quarantine.{c}" for c in QUARANTINE_COLUMNS)
    rows = con.execute(f"""
        with wanted as (
            select * from {CHECKS_RELATION} where check_name in (select unnest(?::varchar[]))
        ),
        behind as (
            select wanted.check_name, {columns},
                count(*) over (partition by wanted.check_name) as total_rows,
                row_number() over (partition by wanted.check_name
                                   order by quarantine.source_row, quarantine.action) as sample_order
            from wanted
            inner join {QUARANTINE_RELATION} as quarantine
                on quarantine.source_file = wanted.source_file
                and quarantine.column_name is not distinct from wanted.column_name
                and quarantine.reason_code = wanted.reason_code
                and quarantine.is_out_of_range = wanted.is_out_of_range
        )
        select * from behind where sample_order <= {SAMPLE_ROWS} order by check_name, sample_order""",
                       [check_names]).df()
    keys = {name: (file, column, reason, out_of_range) for name, file, column, reason, out_of_range in con.execute(
        f"select check_name, source_file, column_name, reason_code, is_out_of_range from {CHECKS_RELATION}"
        " where check_name in (select unnest(?::varchar[]))", [check_names]).fetchall()}
    samples = {}
    for name in check_names:
        found = rows[rows["check_name"] == name]
        samples[name] = Sample(QUARANTINE_RELATION, found[QUARANTINE_COLUMNS].reset_index(drop=True),
                               int(found["total_rows"].iloc[0]) if len(found) else 0,
                               query=_quarantine_query(*keys[name]) if name in keys else "")
    return samples


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _quarantine_query(source_file: str, column_name: str | None, reason_code: str, is_out_of_range: bool) -> str:
    column = "column_name is null" if column_name is None else f"column_name = {_literal(column_name)}"
    return (f"select * from {QUARANTINE_RELATION} where source_file = {_literal(source_file)} and {column}"
            f" and reason_code = {_literal(reason_code)} and is_out_of_range = {str(is_out_of_range).lower()}"
            " order by source_row")


def dbt_samples(con: duckdb.DuckDBPyConnection, relations: dict[str, str]) -> dict[str, Sample]:
    """The first SAMPLE_ROWS rows of each test's audit_failures table, as the
    test returned them (their columns differ from test to test)."""
    samples = {}
    for name, relation in relations.items():
        table = relation
        if not _table_exists(con, table.replace('"', "")):
            samples[name] = Sample(table, pd.DataFrame(), None, f"{table} is not in the build file")
            continue
        total = con.execute(f"select count(*) from {table}").fetchone()[0]
        samples[name] = Sample(table, con.execute(f"select * from {table} limit {SAMPLE_ROWS}").df(), total,
                               query=f"select * from {table}")
    return samples


def ge_samples(con: duckdb.DuckDBPyConnection, check_names: list[str]) -> dict[str, Sample]:
    """The unexpected rows GX reported for each expectation: the row's id
    and the values it checked (JSON text, spread into columns here)."""
    if not check_names:
        return {}
    if not _table_exists(con, SAMPLES_RELATION):
        return {n: Sample(SAMPLES_RELATION, pd.DataFrame(), None, f"{SAMPLES_RELATION} is not in the build file")
                for n in check_names}
    stored = con.execute(f"""
        select check_name, row_id, unexpected_values from {SAMPLES_RELATION}
        where check_name in (select unnest(?::varchar[])) order by check_name, sample_order""",
                         [check_names]).fetchall()
    by_check: dict[str, list[dict]] = {n: [] for n in check_names}
    for name, row_id, values in stored:
        by_check[name].append(json.loads(row_id) | json.loads(values))
    return {name: Sample(SAMPLES_RELATION, pd.DataFrame(rows), None,
                         "the rows Great Expectations reported (up to "
                         f"{SAMPLE_ROWS}): named by their key, with the values checked",
                         query=f"select * from {SAMPLES_RELATION} where check_name = {_literal(name)}")
            for name, rows in by_check.items()}


def read_dashboard_data(con: duckdb.DuckDBPyConnection, build_file: str) -> DashboardData:
    checks = con.execute(f"select {', '.join(CHECK_COLUMNS)} from {DQ_TABLE} order by check_name").df()
    reconciliation = con.execute("""
        select source_file, raw_rows, staged_rows, dropped_rows, bad_records, repaired_rows, repaired_values,
               blank_lines, is_reconciled, parser
        from audit.reconciliation order by source_file""").df()
    flagged = checks[checks["status"] != "pass"]
    by_source = {source: rows for source, rows in flagged.groupby("source")}
    samples: dict[str, Sample] = {}
    if "quarantine" in by_source:
        samples |= quarantine_samples(con, list(by_source["quarantine"]["check_name"]))
    if "dbt" in by_source:
        with_rows = by_source["dbt"][by_source["dbt"]["failures_relation"].notna()]
        samples |= dbt_samples(con, dict(zip(with_rows["check_name"], with_rows["failures_relation"])))
    if "great_expectations" in by_source:
        samples |= ge_samples(con, list(by_source["great_expectations"]["check_name"]))
    return DashboardData(checks, reconciliation, samples, build_file, datetime.now().replace(microsecond=0))


def load_dashboard_data(db_path: Path) -> DashboardData:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return read_dashboard_data(con, str(db_path))

"""`jdm publish`: copy the user-facing part of a passed build into the file
BI tools and analysts read (`JDM_SERVE_DB`), pseudonymised, without ever
exposing a half-written file.

Why a second file: DuckDB allows one writer or many readers per file. A BI
tool holding the build file would make `dbt build` fail, and a rebuild would
lock the readers out. Readers therefore only ever open the served file, and
the publisher never writes to it: it writes a new file beside it and renames
it over the old one (atomic on one file system). A reader already connected
keeps the old file (its open handle still points at it) and so a consistent
old snapshot; the next connection sees the new one. A build or publish that
fails or is killed leaves the served file as it was.

What is served: the schemas in SERVED_SCHEMAS but the tables of NOT_SERVED
(each with its reason; they stay in the build file for the data team), where
every column named in
IDENTIFYING_COLUMNS is replaced (registry ids by keyed pseudonyms, date of
birth by year and month). A column whose name looks identifying but has no
rule stops the publication (fail closed), and so does a registry patient id
found in any text column after the copy. The file is written in a storage
format DuckDB 1.x clients can read (BI drivers lag behind DuckDB releases).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from jdm.serve.pseudonyms import PseudonymKey, sql_macro

SERVED_SCHEMAS = ("marts", "reference")
# Marts kept in the build file for the data team and not copied into the
# served file, with the reason.
NOT_SERVED = {
    ("marts", "person_months"): (
        "the causal estimate's model input, not a table anyone reads: one row per patient and month since "
        "diagnosis (about 64 rows per patient: ~6.4 M rows at 100,000 patients, ~64 M at a million, most of "
        "the served file), with each child's month-by-month treatment and measurements on calendar dates. "
        "Its results are in marts.study_results; `jdm stats` reads it from the build file"),
}
# Readable by every DuckDB from 0.10 and 1.x on (header version 64).
STORAGE_VERSION = "v1.0.0"
METADATA_SCHEMA = "serving"


@dataclass(frozen=True)
class ServedColumn:
    name: str
    expression: str  # SQL over the build column, quoted as {column}
    description: str


IDENTIFYING_COLUMNS = {
    "patient_id": ServedColumn(
        "patient_pseudonym", "pseudonym('patient', {column})",
        "Keyed pseudonym of the registry patient id (HMAC-SHA256; same key, same pseudonym)."),
    "source_record_id": ServedColumn(
        "source_record_pseudonym", "pseudonym('record', {column})",
        "Keyed pseudonym of the registry record id (visit or lab row) the value came from."),
    "medication_id": ServedColumn(
        "medication_pseudonym", "pseudonym('record', {column})",
        "Keyed pseudonym of the registry medication id."),
    "first_exposure_medication_id": ServedColumn(
        "first_exposure_medication_pseudonym", "pseudonym('record', {column})",
        "Keyed pseudonym of the medication record of the first IV cyclophosphamide dose."),
    "active_medication_ids": ServedColumn(
        "active_medication_pseudonyms",
        "(select string_agg(pseudonym('record', medication_id), ';' order by position)"
        " from unnest(string_split({column}, ';')) with ordinality as ids(medication_id, position))",
        "Keyed pseudonyms of the medication records active that day, `;`-separated."),
    "date_of_birth": ServedColumn(
        "birth_year_month", "strftime({column}, '%Y-%m')",
        "Year and month of birth (YYYY-MM); the day is not served."),
}
# Names that suggest a person or a registry record: such a column must have a
# rule above (or be listed as known not to identify anyone) before it can be
# served.
LOOKS_IDENTIFYING = re.compile(
    r"(^|_)(ids?|names?|dob|nhs|mrn|address|postcode|zip|email|phone|surname|forename|initials)($|_)|birth")
NOT_IDENTIFYING = {"check_name", "column_name"}  # marts.dq_results: names of checks and columns


class PublishRefused(RuntimeError):
    """The build may not be served: the reason is in the message."""


@dataclass(frozen=True)
class Publication:
    path: Path
    publication_id: str
    tables: int
    rows: int
    demo_key: bool


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: Path | str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def check_build_passed(con: duckdb.DuckDBPyConnection, target_dir: Path) -> str:
    """Refuse unless the last dbt command was a build that passed and `jdm
    dq` has checked that very build (attached as `build` to `con`, the
    connection that will copy it) with no failing check. Returns the
    build's dbt invocation id."""
    results_path = target_dir / "run_results.json"
    if not results_path.exists():
        raise PublishRefused(f"no dbt results at {results_path}: run `dbt build` and `jdm dq` first")
    run_results = json.loads(results_path.read_text())
    command = run_results.get("args", {}).get("which")
    if command != "build":
        raise PublishRefused(f"the last dbt command in {target_dir} was not `dbt build` (it was `{command}`)")
    failed = [r["unique_id"] for r in run_results["results"] if r["status"] not in ("success", "pass", "warn")]
    if failed:
        raise PublishRefused(f"the last dbt build did not pass ({len(failed)} nodes, e.g. {failed[0]})")
    built_at = datetime.fromisoformat(run_results["metadata"]["generated_at"].replace("Z", "+00:00")).replace(tzinfo=None)
    if not con.execute("select count(*) from duckdb_tables() where database_name = 'build'"
                       " and schema_name = 'marts' and table_name = 'dq_results'").fetchone()[0]:
        raise PublishRefused("marts.dq_results is missing: run `jdm dq` first")
    checked_this_build, failing = con.execute(
        "select count(*) filter (where source = 'dbt' and run_at = $built_at),"
        " count(*) filter (where status in ('fail', 'error')) from build.marts.dq_results",
        {"built_at": built_at}).fetchone()
    if not checked_this_build:
        raise PublishRefused("marts.dq_results is not about the last dbt build: run `jdm dq` again")
    if failing:
        raise PublishRefused(f"{failing} data-quality checks failed (see marts.dq_results): not publishing")
    return run_results["metadata"].get("invocation_id", "")


def _served_select(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> tuple[str, list[str]]:
    columns = [name for (name,) in con.execute(
        "select column_name from duckdb_columns() where database_name = 'build' and schema_name = $s"
        " and table_name = $t order by column_index", {"s": schema, "t": table}).fetchall()]
    select, transformed = [], []
    for column in columns:
        rule = IDENTIFYING_COLUMNS.get(column)
        if rule:
            select.append(f"{rule.expression.format(column=_quote(column))} as {_quote(rule.name)}")
            transformed.append(f"{column} -> {rule.name}")
        elif LOOKS_IDENTIFYING.search(column.lower()) and column not in NOT_IDENTIFYING:
            raise PublishRefused(
                f"{schema}.{table}.{column} looks identifying and has no serving rule: add one to "
                "jdm.serve.publish.IDENTIFYING_COLUMNS (pseudonymise, coarsen) before it can be served")
        else:
            select.append(_quote(column))
    return ", ".join(select), transformed


def _registry_patient_ids(con: duckdb.DuckDBPyConnection) -> str:
    """Every patient id the extract mentions (valid, quarantined or orphan),
    as a query over the raw landing tables."""
    tables = [name for (name,) in con.execute(
        "select table_name from duckdb_columns() where database_name = 'build' and schema_name = 'raw'"
        " and column_name = 'patient_id' and table_name like 'raw_registry__%'").fetchall()]
    if not tables:
        raise PublishRefused("no raw registry tables with patient_id in the build: cannot check the served data")
    return " union ".join(f"select trim(patient_id) as id from build.raw.{_quote(t)}" for t in tables)


def _column_comments(target_dir: Path) -> dict[tuple[str, str], tuple[str, dict[str, str]]]:
    """Table and column descriptions from dbt's manifest (models, seeds, and
    the sources declaring the Python-written marts), so a BI tool shows the
    same documentation as the dbt docs site."""
    path = target_dir / "manifest.json"
    if not path.exists():
        return {}
    manifest = json.loads(path.read_text())
    nodes = [*manifest["nodes"].values(), *manifest["sources"].values()]
    return {(n["schema"], n.get("alias") or n.get("identifier") or n["name"]): (
                n.get("description", ""), {c: v.get("description", "") for c, v in n["columns"].items()})
            for n in nodes if n["resource_type"] in ("model", "seed", "source") and n["schema"] in SERVED_SCHEMAS}


def _copy(con: duckdb.DuckDBPyConnection, target_dir: Path) -> list[tuple[str, str, int, str]]:
    comments = _column_comments(target_dir)
    tables = con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = 'build'"
        " and schema_name in (select unnest($schemas)) order by all", {"schemas": list(SERVED_SCHEMAS)}).fetchall()
    served = []
    for schema in SERVED_SCHEMAS:
        con.execute(f"create schema served.{schema}")
    for schema, table in tables:
        if (schema, table) in NOT_SERVED:
            continue
        select, transformed = _served_select(con, schema, table)
        target = f"served.{_quote(schema)}.{_quote(table)}"
        con.execute(f"create table {target} as select {select} from build.{_quote(schema)}.{_quote(table)}")
        table_comment, column_comments = comments.get((schema, table), ("", {}))
        if table_comment:
            con.execute(f"comment on table {target} is {_literal(table_comment)}")
        for column, description in column_comments.items():
            rule = IDENTIFYING_COLUMNS.get(column)
            name, text = (rule.name, rule.description) if rule else (column, description)
            if text:
                con.execute(f"comment on column {target}.{_quote(name)} is {_literal(text)}")
        rows = con.execute(f"select count(*) from {target}").fetchone()[0]
        served.append((schema, table, rows, "; ".join(transformed)))
    return served


# Served tables that hold no registry data and are exempt from the id scan:
# the build's parameters (vars and seeds, e.g. a threshold "48" that a
# registry with numeric ids would also have as a patient id). The reference
# schema (seed files of this repository) is exempt for the same reason.
NOT_REGISTRY_DATA = {("marts", "study_parameters")}


def _verify(con: duckdb.DuckDBPyConnection) -> None:
    """Fail closed: no registry patient id as a value of any served text
    column of registry data, and pseudonyms as many as the ids they replace
    (no collision)."""
    con.execute(f"create temp table registry_patient_ids as {_registry_patient_ids(con)}")
    text_columns = con.execute(
        "select schema_name, table_name, column_name from duckdb_columns() where database_name = 'served'"
        " and schema_name = 'marts' and data_type = 'VARCHAR' order by all").fetchall()
    for schema, table, column in text_columns:
        if (schema, table) in NOT_REGISTRY_DATA:
            continue
        found = con.execute(
            f"select any_value({_quote(column)}) from served.{_quote(schema)}.{_quote(table)}"
            f" where {_quote(column)} in (select id from registry_patient_ids)").fetchone()[0]
        if found is not None:
            raise PublishRefused(f"served {schema}.{table}.{column} holds a registry patient id: not publishing")
    ids, pseudonyms = con.execute(
        "select (select count(distinct patient_id) from build.marts.patients),"
        " (select count(distinct patient_pseudonym) from served.marts.patients)").fetchone()
    if ids != pseudonyms:
        raise PublishRefused(f"{ids} patient ids gave {pseudonyms} pseudonyms (a collision): not publishing")


def _write_metadata(con, publication_id: str, invocation_id: str, key: PseudonymKey, served: list) -> None:
    con.execute(f"create schema served.{METADATA_SCHEMA}")
    con.execute(f"""
        create table served.{METADATA_SCHEMA}.publication as select
            $publication_id as publication_id,
            $published_at::timestamp as published_at_utc,
            $invocation_id as dbt_invocation_id,
            $storage_version as storage_version,
            $key_description as pseudonym_key,
            $key_fingerprint as pseudonym_key_fingerprint,
            $is_demo as is_demo_key""", {
        "publication_id": publication_id,
        "published_at": datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0),
        "invocation_id": invocation_id, "storage_version": STORAGE_VERSION,
        "key_description": key.description, "key_fingerprint": key.fingerprint, "is_demo": key.is_demo})
    con.execute(f"create table served.{METADATA_SCHEMA}.served_tables (table_schema varchar, table_name varchar,"
                " row_count bigint, transformed_columns varchar)")
    con.executemany(f"insert into served.{METADATA_SCHEMA}.served_tables values (?, ?, ?, ?)", served)
    con.execute(f"comment on table served.{METADATA_SCHEMA}.publication is 'What this file serves: one row, "
                "written by jdm publish (the key itself is never stored; the fingerprint tells keys apart)'")
    con.execute(f"comment on table served.{METADATA_SCHEMA}.served_tables is 'Every served table with its row "
                "count and the build columns replaced by pseudonyms or coarsened (build column -> served column)'")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(build_db: Path, serve_db: Path, target_dir: Path, key: PseudonymKey,
            memory_limit: str | None = None) -> Publication:
    """Check the build, write the served file beside `serve_db` and rename
    it over `serve_db`. Nothing is changed if any step fails."""
    if not Path(build_db).exists():
        raise PublishRefused(f"no build file at {build_db}: run `make run` (or dbt build and jdm dq) first")
    serve_db = Path(serve_db)
    serve_db.parent.mkdir(parents=True, exist_ok=True)
    if Path(f"{serve_db}.wal").exists():
        raise PublishRefused(f"{serve_db}.wal exists: something opened the served file for writing. "
                             "Close it and remove the .wal file; readers must connect read-only")
    with open(serve_db.parent / f".{serve_db.name}.publish.lock", "w") as lock:
        # One publisher at a time; so a temporary file left by a killed one is
        # safe to remove.
        fcntl.flock(lock, fcntl.LOCK_EX)
        for stale in serve_db.parent.glob(f".{serve_db.name}.*.tmp*"):
            stale.unlink()
        publication_id = str(uuid.uuid4())
        temporary = serve_db.parent / f".{serve_db.name}.{publication_id}.tmp"
        try:
            with duckdb.connect(config={"memory_limit": memory_limit or os.environ.get("JDM_DUCKDB_MEMORY_LIMIT", "3GB")}) as con:
                # One read-only attachment for the checks and the copy: they
                # see the same build.
                con.execute(f"attach {_literal(build_db)} as build (read_only)")
                invocation_id = check_build_passed(con, target_dir)
                con.execute(f"attach {_literal(temporary)} as served (storage_version '{STORAGE_VERSION}')")
                sql_macro(con, key)
                served = _copy(con, target_dir)
                _verify(con)
                _write_metadata(con, publication_id, invocation_id, key, served)
                con.execute("detach served")  # checkpoints: the file is complete, no WAL
            if Path(f"{temporary}.wal").exists():
                raise PublishRefused("the served file was not checkpointed completely: not publishing")
            _fsync(temporary)
            os.replace(temporary, serve_db)
            _fsync(serve_db.parent)
        finally:
            for leftover in (temporary, Path(f"{temporary}.wal")):
                leftover.unlink(missing_ok=True)
    return Publication(serve_db, publication_id, len(served), sum(rows for _, _, rows, _ in served), key.is_demo)

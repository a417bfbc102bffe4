"""Turning chunk tables into CSV text, appended chunk by chunk.

Each chunk is formatted by one DuckDB `COPY (SELECT ...) TO` statement over
the chunk's numeric columns: DuckDB formats dates and decimals and quotes
fields per RFC 4180 (a field with a comma, quote or line break is quoted,
quotes doubled), in C and on every core, which is what makes a million
patients take minutes rather than hours. The chunk's CSV (no header) is then
appended to the file, so memory stays bounded by one chunk.

Files are written under a temporary name and renamed when complete, so an
interrupted run never leaves a half extract that looks whole.
"""

from __future__ import annotations

import csv
import shutil
from concurrent.futures import Future, ThreadPoolExecutor
from collections.abc import Sequence
from pathlib import Path

import duckdb
import numpy as np

from jdm.ingest.dictionary import DEFECT_CLASSES, EXTRACT_METADATA, LABS, MEDICATIONS, PATIENTS, VISITS
from jdm.generator import codes
from jdm.generator.tables import Table

MANIFEST_FILE = "defect_manifest.csv"
MANIFEST_COLUMNS = (
    "source_file",
    "source_row",
    "row_key",
    "column_name",
    "defect_class",
    "defect_name",
    "expected_action",
    "expected_value",
)
EXPECTED_ACTIONS = ("dropped", "repaired", "normalised", "kept")
# Files a manifest row can point at, and columns it can name (indices are stored).
MANIFEST_SOURCE_FILES = (PATIENTS, VISITS, MEDICATIONS, LABS)
MANIFEST_COLUMN_NAMES = tuple(dict.fromkeys(c for f in MANIFEST_SOURCE_FILES for c in f.columns))
# How a manifest row names its record: not at all (labs have no id), or by id.
NO_KEY, PATIENT_KEY, VISIT_KEY, MEDICATION_KEY = range(4)


def _sql_list(labels: Sequence[str | None]) -> str:
    items = ", ".join("NULL" if s is None else "'" + s.replace("'", "''") + "'" for s in labels)
    return f"[{items}]"


def _code(col: str, labels: Sequence[str | None]) -> str:
    # DuckDB lists are 1-based; a MISSING (-1) code gives NULL = empty field.
    return f"({_sql_list(labels)})[NULLIF({col}, {codes.MISSING}) + 1]"


def _date(col: str) -> str:
    return f"CAST(DATE '1970-01-01' + CAST(NULLIF({col}, {codes.NO_DATE}) AS INTEGER) AS VARCHAR)"


def _integer(col: str) -> str:
    return f"CAST(NULLIF({col}, {codes.MISSING}) AS VARCHAR)"


def _scaled(col: str, scale: int, digits: int) -> str:
    """An integer stored as value * scale, written with `digits` decimals."""
    return f"CAST(CAST(NULLIF({col}, {codes.MISSING}) / {scale} AS DECIMAL(18, {digits})) AS VARCHAR)"


def _yes_no(col: str) -> str:
    return f"CASE {col} WHEN 1 THEN 'Y' WHEN 0 THEN 'N' END"


def _layouts(id_width: int) -> dict[str, dict[str, str]]:
    """Per output file: spec column -> SQL expression over the chunk's numeric columns."""
    pid = f"printf('JDM%0{id_width}d', patient)"

    def record_id(letter: str) -> str:
        return f"printf('JDM%0{id_width}d-{letter}%03d', id_patient, k)"

    decimals = " ".join(
        f"WHEN {d} THEN CAST(CAST(value / {10 ** d} AS DECIMAL(18, {d})) AS VARCHAR)" for d in (1, 2, 3)
    )
    return {
        PATIENTS.name: {
            "patient_id": pid,
            "sex": _code("sex", codes.SEXES),
            "date_of_birth": _date("date_of_birth"),
            "ethnicity": _code("ethnicity", codes.ETHNICITIES),
            "symptom_onset_date": _date("symptom_onset_date"),
            "diagnosis_date": _date("diagnosis_date"),
            "diagnosis": _code("diagnosis", codes.DIAGNOSES),
            "recruitment_date": _date("recruitment_date"),
            "withdrawal_date": _date("withdrawal_date"),
            "death_date": _date("death_date"),
        },
        VISITS.name: {
            "visit_id": record_id("V"),
            "patient_id": pid,
            "visit_date": _date("date"),
            "weight_kg": _scaled("weight10", 10, 1),
            "height_cm": _scaled("height10", 10, 1),
            "cmas": _integer("cmas"),
            "mmt8": _integer("mmt8"),
            "physician_global_vas": _scaled("physician10", 10, 1),
            "parent_global_vas": _scaled("parent10", 10, 1),
            # multiples of 1/8 need up to three decimals; DOUBLE prints them exactly
            "chaq": f"CAST(NULLIF(chaq8, {codes.MISSING}) / 8.0 AS VARCHAR)",
            "das_skin": _integer("das_skin"),
            "das_muscle": _integer("das_muscle"),
            **{field: _yes_no(field) for field in codes.YES_NO_FIELDS},
        },
        MEDICATIONS.name: {
            "medication_id": record_id("M"),
            "patient_id": pid,
            "drug": _code("drug", codes.DRUGS),
            "route": _code("route", codes.ROUTES),
            # whole numbers without ".0", others with the digits they need (up
            # to six: 0.0125 g is written as it is)
            "dose": "CASE WHEN dose_micro % 1000000 = 0 THEN CAST(dose_micro // 1000000 AS VARCHAR) "
            "ELSE rtrim(printf('%.6f', dose_micro / 1000000.0), '0') END",
            "dose_unit": _code("unit", codes.DOSE_UNITS),
            "frequency": _code("frequency", codes.FREQUENCIES),
            "start_date": _date("start"),
            "stop_date": _date("stop"),
            "indication": _code("indication", codes.indication_labels()),
        },
        LABS.name: {
            "patient_id": pid,
            "sample_date": _date("date"),
            "test": _code("test", codes.LAB_TESTS),
            "value": f"CASE censor WHEN 1 THEN '<' WHEN 2 THEN '>' ELSE '' END || "
            f"CASE decimals WHEN 0 THEN CAST(value AS VARCHAR) {decimals} END",
            "unit": _code("unit", codes.LAB_UNITS),
        },
        MANIFEST_FILE: {
            "source_file": _code("file_code", [f.name for f in MANIFEST_SOURCE_FILES]),
            "source_row": "CAST(source_row AS VARCHAR)",
            "row_key": f"CASE key_kind WHEN {PATIENT_KEY} THEN printf('JDM%0{id_width}d', key_patient) "
            f"WHEN {VISIT_KEY} THEN printf('JDM%0{id_width}d-V%03d', key_patient, key_k) "
            f"WHEN {MEDICATION_KEY} THEN printf('JDM%0{id_width}d-M%03d', key_patient, key_k) END",
            "column_name": _code("column_code", MANIFEST_COLUMN_NAMES),
            "defect_class": "CAST(defect_class AS VARCHAR)",
            "defect_name": f"({_sql_list(list(DEFECT_CLASSES.values()))})[defect_class]",
            "expected_action": _code("action_code", EXPECTED_ACTIONS),
            "expected_value": "CAST(NULL AS VARCHAR)",  # only ever set through overrides
        },
    }


def patient_id_width(patients: int) -> int:
    """Digits in patient ids: JDM00042 up to 99,999 patients, wider beyond."""
    return max(5, len(str(patients)))


class ExtractWriter:
    """Appends chunk tables to the extract's CSV files."""

    def __init__(self, out_dir: Path, id_width: int, files: Sequence[tuple[str, Sequence[str]]]) -> None:
        self.out_dir = out_dir
        self._layouts = _layouts(id_width)
        self._con = duckdb.connect()
        self._scratch = out_dir / ".chunk.csv.tmp"
        self._rows: dict[str, int] = {}  # records queued so far, per file
        # One writer thread: DuckDB formats and writes while the main thread
        # generates the next chunk (DuckDB and NumPy release the GIL).
        self._worker = ThreadPoolExecutor(max_workers=1)
        self._pending: list[Future] = []
        self._handles = {}
        for name, columns in files:
            handle = open(self._temporary(name), "wb")
            handle.write((",".join(columns) + "\n").encode("utf-8"))
            self._handles[name] = handle
            self._rows[name] = 0

    def _temporary(self, name: str) -> Path:
        return self.out_dir / f".{name}.tmp"

    def rows_written(self, name: str) -> int:
        """Records in the file once everything queued is written."""
        return self._rows[name]

    def append(self, name: str, columns: Sequence[str], table: Table) -> None:
        """Queue the table for writing; it is written in the background, in
        order, while the caller generates the next chunk."""
        if len(table) == 0:
            return
        self._rows[name] += len(table)
        self._pending.append(self._worker.submit(self._write, name, columns, table))

    def wait(self) -> None:
        """Block until every queued table is on disk (bounds memory to the
        chunk being generated plus the one being written)."""
        pending, self._pending = self._pending, []
        for future in pending:
            future.result()

    def _write(self, name: str, columns: Sequence[str], table: Table) -> None:
        layout = self._layouts[name]
        # DuckDB scans a dict of NumPy arrays in place; object arrays of
        # str/None (the overrides) arrive as VARCHAR with NULLs.
        frame = {key: np.ascontiguousarray(values) for key, values in table.columns.items()}
        select = []
        for column in columns:
            expression = layout[column]
            if column in table.overrides:
                frame[f"ov__{column}"] = table.overrides[column]
                expression = f'coalesce(CAST("ov__{column}" AS VARCHAR), {expression})'
            select.append(f'{expression} AS "{column}"')
        self._con.register("chunk", frame)
        try:
            self._con.execute(
                f"COPY (SELECT {', '.join(select)} FROM chunk) TO '{str(self._scratch).replace(chr(39), chr(39) * 2)}' "
                "(FORMAT csv, HEADER false, DELIMITER ',', QUOTE '\"', ESCAPE '\"')"
            )
        finally:
            self._con.unregister("chunk")
        with open(self._scratch, "rb") as part:
            shutil.copyfileobj(part, self._handles[name], length=16 << 20)

    def close(self, complete: bool) -> None:
        """Move finished files into place (or discard them after a failure)."""
        try:
            self.wait()
        except BaseException:
            complete = False
            raise
        finally:
            self._worker.shutdown()
            self._finish(complete)

    def _finish(self, complete: bool) -> None:
        for name, handle in self._handles.items():
            handle.close()
            if complete:
                self._temporary(name).replace(self.out_dir / name)
            else:
                self._temporary(name).unlink(missing_ok=True)
        self._scratch.unlink(missing_ok=True)
        self._con.close()


def write_metadata(out_dir: Path, extract_date: str) -> None:
    with open(out_dir / EXTRACT_METADATA.name, "w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(EXTRACT_METADATA.columns)
        out.writerow([codes.REGISTRY, extract_date, codes.SPEC_VERSION])


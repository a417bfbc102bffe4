"""The registry extract contract (shared/registry-extract-spec.md), read from
the data dictionary: seeds/extract_columns.csv (one row per file and column:
type, required, range, code list, unit, rule, staged name, description) and
seeds/data_defects.csv (the reason codes of audit.quarantine and the spec's
known defects, with the defect class and Kahn category). The seeds are the only place these facts live; dbt reads
them as tables, the Python layer (landing, the generator's file layout, Great
Expectations) through this module.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

SEEDS_DIR = Path(__file__).resolve().parents[3] / "seeds"


@dataclass(frozen=True)
class ExtractColumn:
    source_file: str
    column_name: str
    column_order: int
    value_type: str  # id, text, date, integer, decimal, code, yes_no, code_list, lab_value
    is_required: bool
    bad_value_action: str  # set_aside, repair, stop_build
    min_value: Decimal | None
    max_value: Decimal | None
    min_completeness_pct: float | None  # share of staged records expected to hold a value
    code_list: str | None  # seed (and code_field of code_spellings) the code maps through
    unit: str | None
    rule: str | None  # a rule beyond the type: patient, places_event, within_life, ...
    staged_column: str  # its name in staging
    kahn_category: str  # of a value that breaks the range or rule (a type failure is conformance)
    description: str


@dataclass(frozen=True)
class ExtractFile:
    name: str  # file name inside the extract folder, e.g. "visits.csv"
    columns: tuple[str, ...]  # every column the header must have, in spec order
    key_column: str | None  # the record's own id, if the file has one

    @property
    def entity(self) -> str:
        """'visits.csv' -> 'visits' (used in model names)."""
        return self.name.removesuffix(".csv")


def _number(text: str) -> Decimal | None:
    return Decimal(text) if text else None


@cache
def extract_columns() -> tuple[ExtractColumn, ...]:
    """Every row of the dictionary, in file and column order."""
    with open(SEEDS_DIR / "extract_columns.csv", newline="", encoding="utf-8") as fh:
        rows = [
            ExtractColumn(
                source_file=r["source_file"], column_name=r["column_name"], column_order=int(r["column_order"]),
                value_type=r["value_type"], is_required=r["is_required"] == "true",
                bad_value_action=r["bad_value_action"], min_value=_number(r["min_value"]),
                max_value=_number(r["max_value"]),
                min_completeness_pct=float(r["min_completeness_pct"]) if r["min_completeness_pct"] else None,
                code_list=r["code_list"] or None, unit=r["unit"] or None,
                rule=r["rule"] or None, staged_column=r["staged_column"], kahn_category=r["kahn_category"],
                description=r["description"],
            )
            for r in csv.DictReader(fh)
        ]
    return tuple(rows)


def columns_of(file_name: str) -> tuple[ExtractColumn, ...]:
    return tuple(sorted((c for c in extract_columns() if c.source_file == file_name), key=lambda c: c.column_order))


def _file(name: str) -> ExtractFile:
    columns = columns_of(name)
    # The record's own id: an id column that does not point at another file.
    keys = [c.column_name for c in columns if c.value_type == "id" and c.rule is None]
    return ExtractFile(name, tuple(c.column_name for c in columns), keys[0] if keys else None)


EXTRACT_FILES: tuple[ExtractFile, ...] = tuple(_file(name) for name in dict.fromkeys(c.source_file for c in extract_columns()))
FILES_BY_NAME = {f.name: f for f in EXTRACT_FILES}
EXTRACT_METADATA, PATIENTS, VISITS, MEDICATIONS, LABS = (
    FILES_BY_NAME[n] for n in ("extract_metadata.csv", "patients.csv", "visits.csv", "medications.csv", "labs.csv"))


@dataclass(frozen=True)
class DataDefect:
    reason_code: str
    defect_class: int | None  # the spec's known defect (1-11), if the reason is one
    kahn_category: str
    is_quarantined: bool  # spelling (10, 11) is normalised silently, with no quarantine row
    description: str


@cache
def data_defects() -> tuple[DataDefect, ...]:
    with open(SEEDS_DIR / "data_defects.csv", newline="", encoding="utf-8") as fh:
        return tuple(
            DataDefect(r["reason_code"], int(r["defect_class"]) if r["defect_class"] else None,
                       r["kahn_category"], r["is_quarantined"] == "true", r["description"])
            for r in csv.DictReader(fh)
        )


# The spec's eleven known defects by class, with the reason code the
# warehouse records for each (classes 10 and 11 never reach the quarantine).
DEFECT_CLASSES: dict[int, str] = dict(sorted((d.defect_class, d.reason_code) for d in data_defects()
                                             if d.defect_class is not None))
# Reason codes that are not one of the known defects: file-level faults and
# the rule-of-thumb ones.
OTHER_REASON_CODES: dict[str, str] = {d.reason_code: d.description for d in data_defects() if d.defect_class is None}

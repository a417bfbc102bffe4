"""The warehouse on extracts from our generator: the default one builds
cleanly, and on a dirty one every injected defect is accounted for under its
class's reason code (the generator's manifest is the answer key)."""

from __future__ import annotations

import pytest

from dbt_support import DbtRun
from jdm.ingest.dictionary import DEFECT_CLASSES

# Staging column that holds a spec column's normalised value.
STAGED_COLUMN = {
    ("visits.csv", "rash"): "has_rash",
    ("visits.csv", "nailfold_abnormal"): "has_abnormal_nailfolds",
    ("visits.csv", "gottrons"): "has_gottrons_papules",
    ("visits.csv", "calcinosis"): "has_calcinosis",
    ("visits.csv", "skin_ulceration"): "has_skin_ulceration",
    # `unit` in staging is the standard unit after conversion; the unit as
    # written (canonical spelling) is `reported_unit`.
    ("labs.csv", "unit"): "reported_unit",
}
STAGING_MODEL = {
    "patients.csv": "stg_registry__patients",
    "visits.csv": "stg_registry__visits",
    "medications.csv": "stg_registry__medications",
    "labs.csv": "stg_registry__labs",
}


@pytest.fixture(scope="module")
def dirty(dirty_build) -> tuple[DbtRun, list[dict[str, str]]]:
    return dirty_build.run, dirty_build.manifest


def test_default_extract_builds_cleanly(default_build: DbtRun) -> None:
    assert "ERROR=0" in default_build.output
    rows = default_build.query("select source_file, is_reconciled, dropped_rows from audit.reconciliation")
    assert all(ok for _, ok, _ in rows)
    assert default_build.query("select count(*) from audit.quarantine") == [(0,)]
    assert default_build.query("select count(*) from staging.stg_registry__patients") == [(410,)]


def test_dirty_extract_reconciles_exactly(dirty: tuple[DbtRun, list[dict[str, str]]]) -> None:
    run, _ = dirty
    rows = run.query("select source_file, raw_rows, staged_rows, dropped_rows from audit.reconciliation")
    assert len(rows) == 5
    for source_file, raw_rows, staged_rows, dropped_rows in rows:
        assert raw_rows == staged_rows + dropped_rows, source_file


def test_manifest_covers_every_defect_class(dirty: tuple[DbtRun, list[dict[str, str]]]) -> None:
    _, manifest = dirty
    assert {int(m["defect_class"]) for m in manifest} == set(DEFECT_CLASSES)


def _staged_value(run: DbtRun, entry: dict[str, str]):
    model = STAGING_MODEL[entry["source_file"]]
    column = STAGED_COLUMN.get((entry["source_file"], entry["column_name"]), entry["column_name"])
    if entry["source_file"] == "labs.csv" and column == "value":
        column = "reported_value_text"
    rows = run.query(
        f"select {column} from staging.{model} where source_row = ?", [int(entry["source_row"])]
    )
    assert len(rows) == 1, f"row not staged: {entry}"
    return rows[0][0]


def _as_expected(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Y" if value else "N"
    return str(value)


def test_every_manifest_entry_is_found_under_its_reason_code(
    dirty: tuple[DbtRun, list[dict[str, str]]],
) -> None:
    run, manifest = dirty
    quarantine = run.query(
        "select source_file, source_row, column_name, reason_code, action from audit.quarantine"
    )
    dropped = {(f, r): code for f, r, _, code, action in quarantine if action == "dropped"}
    repaired = {(f, r, c): code for f, r, c, code, action in quarantine if action == "repaired"}

    missed = []
    for entry in manifest:
        key = (entry["source_file"], int(entry["source_row"]))
        action = entry["expected_action"]
        code = entry["defect_name"]
        if action == "dropped":
            ok = dropped.get(key) == code
        elif action == "repaired":
            ok = repaired.get((*key, entry["column_name"])) == code and key not in dropped
        elif action == "normalised":
            ok = _as_expected(_staged_value(run, entry)) == entry["expected_value"]
        elif action == "kept":
            ok = _staged_value(run, entry) == entry["expected_value"] and key not in dropped
        else:
            ok = False
        if not ok:
            missed.append(entry)
    assert not missed, f"{len(missed)} of {len(manifest)} manifest entries not handled: {missed[:5]}"


def test_nothing_is_quarantined_that_was_not_injected(
    dirty: tuple[DbtRun, list[dict[str, str]]],
) -> None:
    """The converse: every dropped record is one the generator damaged (so the
    rules do not also throw away good rows)."""
    run, manifest = dirty
    injected = {(m["source_file"], int(m["source_row"])) for m in manifest}
    dropped = run.query("select source_file, source_row, reason_code from audit.quarantine where action = 'dropped'")
    unexpected = [d for d in dropped if (d[0], d[1]) not in injected]
    assert not unexpected, unexpected[:10]

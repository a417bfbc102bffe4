"""The registry extract contract (shared/registry-extract-spec.md) as data.

One place that names the files, their columns and the defect classes, so the
generator, the landing step and the tests cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExtractFile:
    name: str  # file name inside the extract folder, e.g. "visits.csv"
    columns: tuple[str, ...]  # every column the header must have, in spec order
    key_column: str | None  # the record's own id, if the file has one

    @property
    def entity(self) -> str:
        """'visits.csv' -> 'visits' (used in model names)."""
        return self.name.removesuffix(".csv")


EXTRACT_METADATA = ExtractFile(
    "extract_metadata.csv", ("registry", "extract_date", "spec_version"), None
)
PATIENTS = ExtractFile(
    "patients.csv",
    (
        "patient_id",
        "sex",
        "date_of_birth",
        "ethnicity",
        "symptom_onset_date",
        "diagnosis_date",
        "diagnosis",
        "recruitment_date",
        "withdrawal_date",
        "death_date",
    ),
    "patient_id",
)
VISITS = ExtractFile(
    "visits.csv",
    (
        "visit_id",
        "patient_id",
        "visit_date",
        "weight_kg",
        "height_cm",
        "cmas",
        "mmt8",
        "physician_global_vas",
        "parent_global_vas",
        "chaq",
        "das_skin",
        "das_muscle",
        "rash",
        "nailfold_abnormal",
        "gottrons",
        "calcinosis",
        "skin_ulceration",
    ),
    "visit_id",
)
MEDICATIONS = ExtractFile(
    "medications.csv",
    (
        "medication_id",
        "patient_id",
        "drug",
        "route",
        "dose",
        "dose_unit",
        "frequency",
        "start_date",
        "stop_date",
        "indication",
    ),
    "medication_id",
)
LABS = ExtractFile(
    "labs.csv", ("patient_id", "sample_date", "test", "value", "unit"), None
)

EXTRACT_FILES: tuple[ExtractFile, ...] = (
    EXTRACT_METADATA,
    PATIENTS,
    VISITS,
    MEDICATIONS,
    LABS,
)
FILES_BY_NAME = {f.name: f for f in EXTRACT_FILES}

# The spec's eleven "known defects", each with the reason code the warehouse
# records for it in audit.quarantine. Classes 10 and 11 are spelling only: they
# are normalised silently (no quarantine row), as the spec asks. Class 9 has two
# kinds: a censored value (`<5`) is valid and kept with its qualifier; an
# unknown unit is repaired (value set to missing) under `unknown_lab_unit`.
DEFECT_CLASSES: dict[int, str] = {
    1: "invalid_date",
    2: "invalid_numeric",
    3: "exact_duplicate",
    4: "conflicting_duplicate",
    5: "orphan_patient",
    6: "implausible_event_date",
    7: "stop_before_start",
    8: "unknown_code",
    9: "unknown_lab_unit",
    10: "label_spelling",
    11: "yes_no_spelling",
}

# Reason codes that are not one of the eleven classes: file-level faults and
# contract violations the spec's rule of thumb names.
OTHER_REASON_CODES: dict[str, str] = {
    "malformed_record": "the record has too few or too many fields",
    "broken_quote": "a quoted field is not closed properly, so fields cannot be told apart",
    "invalid_encoding": "the value is not valid UTF-8 (shown decoded as Windows-1252)",
    "missing_required_value": "a required id or date is empty",
    "duplicate_id": "the id was already used by an earlier record with other content",
    "implausible_date": "an optional date lies outside the patient's life or after the extract date",
    "once_stop_date_mismatch": "a single dose (frequency once) has a stop_date other than its start_date",
}

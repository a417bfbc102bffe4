"""The spec's known defects (classes 1-11), injected into clean chunks and listed.

A clean chunk is generated first; then about `rate` of each file's rows get
one defect each, every applicable class at least once per chunk. Each
injected defect becomes one row of defect_manifest.csv, naming the record by
its position in the file as written (source_row, 1 = first record after the
header), its id, the column, the class and what the warehouse must do.

Rules that keep every defect unambiguous (one defect, one reason):
- a row carries at most one defect, and a row that is copied for a
  duplicate carries none;
- defects that make a row unusable (bad required date, duplicate, orphan,
  implausible date, stop before start) hit at most one row per patient per
  file, so two of them can never meet (two rows moved to the same impossible
  date would also be duplicates of each other);
- "before birth" is only used for patients whose own row is untouched, so
  their date of birth is there to compare with;
- orphans get a patient number above the cohort's, one per original patient.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from jdm.ingest.dictionary import LABS, MEDICATIONS, PATIENTS, VISITS
from jdm.generator import codes
from jdm.generator.cohort import Cohort
from jdm.generator.tables import Table
from jdm.generator.writer import (
    EXPECTED_ACTIONS,
    MANIFEST_COLUMN_NAMES,
    MANIFEST_SOURCE_FILES,
    MEDICATION_KEY,
    NO_KEY,
    PATIENT_KEY,
    VISIT_KEY,
)

DROPPED, REPAIRED, NORMALISED, KEPT = (EXPECTED_ACTIONS.index(a) for a in ("dropped", "repaired", "normalised", "kept"))
(
    INVALID_DATE,
    INVALID_NUMERIC,
    EXACT_DUPLICATE,
    CONFLICTING_DUPLICATE,
    ORPHAN_PATIENT,
    IMPLAUSIBLE_EVENT_DATE,
    STOP_BEFORE_START,
    UNKNOWN_CODE,
    LAB_VALUE,  # class 9: unknown unit (repaired) or censored value (kept)
    LABEL_SPELLING,
    YES_NO_SPELLING,
) = range(1, 12)

# What each file can suffer; a rate's share of the file's rows is split
# evenly over its options.
OPTIONS = {
    PATIENTS.name: ("invalid_date", "exact_duplicate", "unknown_sex", "label_spelling"),
    VISITS.name: (
        "invalid_date",
        "invalid_numeric",
        "exact_duplicate",
        "conflicting_duplicate",
        "orphan_patient",
        "implausible_event_date",
        "yes_no_spelling",
    ),
    MEDICATIONS.name: (
        "invalid_start_date",
        "invalid_stop_date",
        "invalid_numeric",
        "exact_duplicate",
        "orphan_patient",
        "implausible_event_date",
        "stop_before_start",
        "unknown_code",
        "label_spelling",
        # Aimed at what the study reads (the steroid dose and the index date):
        "unknown_steroid_route",
        "stop_after_extract",
        "unknown_exposure_route",
        "invalid_exposure_start_date",
    ),
    LABS.name: (
        "invalid_date",
        "invalid_numeric",
        "exact_duplicate",
        "orphan_patient",
        "implausible_event_date",
        "unknown_lab_unit",
        "censored_value",
        "label_spelling",
    ),
}

NOT_NUMERIC = np.array(["n/a", "ND", ">40", "not done", "?"], dtype=object)
BAD_DOSES = np.array(["n/a", "see notes", "1O", "?"], dtype=object)
BAD_LAB_VALUES = np.array(["haemolysed", "ND", "see comment", "clotted"], dtype=object)
# Out-of-range values per visit column: decimals, then (low, high) intervals.
OUT_OF_RANGE = {
    "weight_kg": (1, ((0.1, 1.5), (151.0, 400.0))),
    "height_cm": (0, ((5, 39), (211, 400))),
    "cmas": (0, ((53, 70), (-10, -1))),
    "mmt8": (0, ((81, 99),)),
    "physician_global_vas": (1, ((-3.0, -0.1), (10.1, 15.0))),
    "parent_global_vas": (1, ((-3.0, -0.1), (10.1, 15.0))),
    "chaq": (3, ((3.125, 4.5), (-1.0, -0.125))),
    "das_skin": (0, ((10, 15),)),
    "das_muscle": (0, ((12, 20),)),
}
UNKNOWN_TEXT = {
    "drug": np.array(["unobtainium", "imaginarymab", "notarealdrug"], dtype=object),
    "route": np.array(["intrathecal", "rectal", "inhaled"], dtype=object),
    "dose_unit": np.array(["tablets", "ml", "units"], dtype=object),
    "frequency": np.array(["thrice weekly", "prn", "every 3 days"], dtype=object),
    "sex": np.array(["X", "?", "I"], dtype=object),
}
# Units that do not exist, or do not fit the test (codes.LAB_TESTS order).
WRONG_LAB_UNITS = np.array(
    [
        ["mmol/furlong", "mm/h", "mg/dL"],  # CK
        ["mmol/furlong", "mm/h", "mg/L"],  # LDH
        ["mmol/furlong", "mm/h", "mg/dL"],  # AST
        ["mmol/furlong", "mm/h", "mg/L"],  # ALT
        ["mmol/furlong", "mm/h", "mg/dL"],  # ALDOLASE
        ["mg/L", "mmol/furlong", "U/L"],  # ESR
        ["mm/h", "U/L", "mmol/furlong"],  # CRP
    ],
    dtype=object,
)
YES_SPELLINGS = np.array(["yes", "y", "1", "true", "Yes", "YES", "True", " y ", "TRUE"], dtype=object)
NO_SPELLINGS = np.array(["no", "n", "0", "false", "No", "NO", "False", " n", "FALSE"], dtype=object)
UNKNOWN_SPELLINGS = np.array(["U", "unknown", "u", "Unknown", "UNKNOWN", " U "], dtype=object)


def _spellings(labels: Sequence[str]) -> np.ndarray:
    """(label, variant) table of other spellings of each canonical label: case
    and surrounding spaces only, never the canonical spelling itself."""
    table = []
    for label in labels:
        variants = [label.lower(), label.upper(), label.title(), f" {label}", f"{label} ", f" {label.lower()} ", label.swapcase()]
        variants = list(dict.fromkeys(v for v in variants if v != label))
        table.append([variants[i % len(variants)] for i in range(6)])
    return np.array(table, dtype=object)


def _day_parts(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    dates = days.astype("datetime64[D]")
    months = dates.astype("datetime64[M]")
    year = months.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (dates - months).astype(np.int64) + 1
    return year, month, day


def _bad_dates(rng: np.random.Generator, days: np.ndarray) -> np.ndarray:
    """Unparseable spellings of the given dates (impossible days and months,
    the wrong format, free text)."""
    year, month, day = _day_parts(days)
    pattern = rng.integers(0, 6, len(days))
    texts = [
        (
            f"31/02/{y}",
            f"{y}-13-{d:02d}",
            f"{y}-02-30",
            f"{y}-{m:02d}-32",
            "unknown",
            "not known",
        )[p]
        for y, m, d, p in zip(year.tolist(), month.tolist(), day.tolist(), pattern.tolist())
    ]
    return np.array(texts, dtype=object)


def _out_of_range(rng: np.random.Generator, column: str, n: int) -> np.ndarray:
    decimals, intervals = OUT_OF_RANGE[column]
    which = rng.integers(0, len(intervals), n)
    low = np.array([i[0] for i in intervals], dtype=float)[which]
    high = np.array([i[1] for i in intervals], dtype=float)[which]
    values = low + rng.random(n) * (high - low)
    if column == "chaq":  # CHAQ moves in steps of 1/8
        values = np.clip(np.round(values * 8) / 8, low, high)
        return np.array([f"{v:g}" for v in values.tolist()], dtype=object)
    values = np.clip(np.round(values, decimals), low, high)
    return np.array([f"{v:.{decimals}f}" for v in values.tolist()], dtype=object)


def _censored(rng: np.random.Generator, value: np.ndarray, decimals: np.ndarray) -> np.ndarray:
    """`<x` or `>x` with x a round number on the right side of the true value."""
    x = value / 10.0**decimals
    magnitude = 10.0 ** np.floor(np.log10(np.maximum(x, 1e-3)))
    below = rng.random(len(x)) < 0.5
    bound = np.where(below, np.ceil(x / magnitude), np.maximum(np.floor(x / magnitude), 1)) * magnitude
    digits = np.maximum(0, -np.floor(np.log10(magnitude))).astype(int)
    return np.array(
        [("<" if b else ">") + f"{v:.{d}f}" for b, v, d in zip(below.tolist(), bound.tolist(), digits.tolist())],
        dtype=object,
    )


class _FileDefects:
    """The defects of one file in one chunk: which rows, what text, which copies."""

    def __init__(self, name: str, table: Table, owner: np.ndarray, n_patients: int, key_kind: int) -> None:
        self.name = name
        self.table = table
        self.owner = owner  # local patient index of each row
        self.key_kind = key_kind
        self.used = np.zeros(len(table), dtype=bool)
        self.patient_used = np.zeros(n_patients, dtype=bool)
        self._copies: list[Table] = []
        self._copy_after: list[np.ndarray] = []  # row each copy is placed after
        self._entries: list[tuple[np.ndarray, int, int, int, np.ndarray | None]] = []

    def pick(self, rng: np.random.Generator, count: int, eligible: np.ndarray | None = None, one_per_patient: bool = False) -> np.ndarray:
        """Up to `count` random unused rows (at most one per patient if asked)."""
        free = ~self.used if eligible is None else eligible & ~self.used
        if one_per_patient:
            free &= ~self.patient_used[self.owner]
        free_rows = np.flatnonzero(free)
        # A few times more random candidates than needed is plenty to find
        # `count` different patients; only a crowded file needs them all.
        sample = min(len(free_rows), 4 * count + 64)
        candidates = rng.choice(free_rows, size=sample, replace=False)
        if one_per_patient:
            _, first = np.unique(self.owner[candidates], return_index=True)
            if len(first) < count and sample < len(free_rows):
                candidates = rng.permutation(free_rows)
                _, first = np.unique(self.owner[candidates], return_index=True)
            candidates = candidates[np.sort(first)]
        rows = np.sort(candidates[:count])
        self.used[rows] = True
        if one_per_patient:
            self.patient_used[self.owner[rows]] = True
        return rows

    def record(self, rows: np.ndarray, defect_class: int, action: int, column: str | None = None, expected: np.ndarray | None = None) -> None:
        column_index = MANIFEST_COLUMN_NAMES.index(column) if column else codes.MISSING
        self._entries.append((rows, column_index, defect_class, action, expected))

    def copy_rows(self, rng: np.random.Generator, rows: np.ndarray) -> tuple[Table, np.ndarray]:
        """Copies of `rows` to be placed later in the file; returns the copies
        (to modify) and their row numbers in the chunk (for `record`)."""
        copies = self.table.take(rows)
        n = len(self.table)
        first = n + sum(len(c) for c in self._copies)
        self._copies.append(copies)
        self._copy_after.append(np.minimum(rows + rng.integers(1, 200, len(rows)), n - 1))
        return copies, np.arange(first, first + len(rows))

    def finish(self, offset: int) -> tuple[Table, dict[str, np.ndarray]]:
        """The chunk's final rows (copies slotted in after their originals) and
        its manifest entries with source_row counted in the whole file."""
        table = self.table
        n = len(table)
        after = np.concatenate(self._copy_after) if self._copy_after else np.zeros(0, dtype=np.int64)
        table = table.append(self._copies)
        # Originals keep their order; a copy goes right after the row it follows.
        sort_key = np.r_[2 * np.arange(n), 2 * after + 1]
        order = np.argsort(sort_key, kind="stable")
        position = np.empty(len(order), dtype=np.int64)
        position[order] = np.arange(len(order))

        rows = np.concatenate([e[0] for e in self._entries]) if self._entries else np.zeros(0, dtype=np.int64)
        sizes = [len(e[0]) for e in self._entries]
        expected = np.full(len(rows), None, dtype=object)
        start = 0
        for (_, _, _, _, values), size in zip(self._entries, sizes):
            if values is not None:
                expected[start : start + size] = values
            start += size
        key_patient = table.columns["id_patient" if "id_patient" in table.columns else "patient"][rows]
        key_k = table.columns["k"][rows] if "k" in table.columns else np.zeros(len(rows), dtype=np.int32)
        entries = {
            "file_code": np.full(len(rows), [f.name for f in MANIFEST_SOURCE_FILES].index(self.name), dtype=np.int8),
            "source_row": offset + position[rows] + 1,
            "key_kind": np.full(len(rows), self.key_kind, dtype=np.int8),
            "key_patient": key_patient,
            "key_k": key_k,
            "column_code": np.repeat([e[1] for e in self._entries], sizes).astype(np.int16),
            "defect_class": np.repeat([e[2] for e in self._entries], sizes).astype(np.int8),
            "action_code": np.repeat([e[3] for e in self._entries], sizes).astype(np.int8),
            "expected": expected,
        }
        return table.take(order), entries


class DefectInjector:
    """Injects defects chunk by chunk and keeps the manifest until the end."""

    def __init__(self, rate: float, n_patients: int) -> None:
        self.rate = rate
        self.n_patients = n_patients  # orphans are numbered above every real patient
        self._entries: list[dict[str, np.ndarray]] = []
        self._spell = {
            "diagnosis": _spellings(codes.DIAGNOSES),
            "sex": _spellings(codes.SEXES),
            "drug": _spellings(codes.DRUGS),
            "route": _spellings(codes.ROUTES),
            "dose_unit": _spellings(codes.DOSE_UNITS),
            "frequency": _spellings(codes.FREQUENCIES),
            "test": _spellings(codes.LAB_TESTS),
            "unit": _spellings(codes.LAB_UNITS),
        }

    # ------------------------------------------------------------ helpers
    def _counts(self, name: str, n_rows: int) -> dict[str, int]:
        options = OPTIONS[name]
        each = max(1, int(round(self.rate * n_rows / len(options))))
        return {option: each for option in options}

    def _respell(self, rng: np.random.Generator, column: str, codes_: np.ndarray) -> np.ndarray:
        table = self._spell[column]
        return table[codes_, rng.integers(0, table.shape[1], len(codes_))]

    def _orphan(self, f: _FileDefects, rows: np.ndarray) -> None:
        patient = f.table.columns["patient"].copy()
        patient[rows] = self.n_patients + patient[rows]
        f.table.columns["patient"] = patient
        f.record(rows, ORPHAN_PATIENT, DROPPED, "patient_id")

    def _implausible_dates(
        self, rng: np.random.Generator, f: _FileDefects, rows: np.ndarray, column: str, spec_column: str, cohort: Cohort
    ) -> np.ndarray:
        """Move events after the extract date or (half of them) before birth;
        returns which rows went before birth."""
        before_birth = rng.random(len(rows)) < 0.5
        dates = f.table.columns[column].copy()
        after = codes.EXTRACT_DATE + rng.integers(1, 731, len(rows))
        birth = cohort.date_of_birth[f.owner[rows]] - rng.integers(1, 1001, len(rows))
        dates[rows] = np.where(before_birth, birth, after)
        f.table.columns[column] = dates
        f.record(rows, IMPLAUSIBLE_EVENT_DATE, DROPPED, spec_column)
        return before_birth

    def _pick_implausible(self, rng: np.random.Generator, f: _FileDefects, count: int, patient_touched: np.ndarray) -> np.ndarray:
        # "before birth" needs the patient's date of birth intact
        return f.pick(rng, count, eligible=~patient_touched[f.owner], one_per_patient=True)

    # ------------------------------------------------------------ files
    def _patients(self, rng: np.random.Generator, f: _FileDefects, cohort: Cohort) -> None:
        counts = self._counts(PATIENTS.name, len(f.table))
        t = f.table
        rows = f.pick(rng, counts["invalid_date"])
        date_columns = ("date_of_birth", "symptom_onset_date", "diagnosis_date", "recruitment_date", "withdrawal_date", "death_date")
        which = rng.choice(len(date_columns), size=len(rows), p=[0.25, 0.2, 0.25, 0.2, 0.05, 0.05])
        for i, column in enumerate(date_columns):
            chosen = rows[which == i]
            empty = t.columns[column][chosen] == codes.NO_DATE
            if column in ("withdrawal_date", "death_date"):
                # an empty date has nothing to misspell: use the diagnosis date instead
                moved = chosen[empty]
                chosen = chosen[~empty]
                t.set_text("diagnosis_date", moved, _bad_dates(rng, t.columns["diagnosis_date"][moved]))
                f.record(moved, INVALID_DATE, REPAIRED, "diagnosis_date")
            t.set_text(column, chosen, _bad_dates(rng, t.columns[column][chosen]))
            f.record(chosen, INVALID_DATE, REPAIRED, column)

        rows = f.pick(rng, counts["exact_duplicate"])
        _, copies = f.copy_rows(rng, rows)
        f.record(copies, EXACT_DUPLICATE, DROPPED)

        rows = f.pick(rng, counts["unknown_sex"])
        t.set_text("sex", rows, UNKNOWN_TEXT["sex"][rng.integers(0, 3, len(rows))])
        f.record(rows, UNKNOWN_CODE, REPAIRED, "sex")

        rows = f.pick(rng, counts["label_spelling"])
        self._respell_labels(rng, f, rows, 0.2, ("sex", codes.SEXES), ("diagnosis", codes.DIAGNOSES))

    def _visits(self, rng: np.random.Generator, f: _FileDefects, cohort: Cohort, patient_touched: np.ndarray) -> None:
        counts = self._counts(VISITS.name, len(f.table))
        t = f.table
        n_visits = np.bincount(f.owner, minlength=len(cohort))

        rows = f.pick(rng, counts["invalid_date"], one_per_patient=True)
        t.set_text("visit_date", rows, _bad_dates(rng, t.columns["date"][rows]))
        f.record(rows, INVALID_DATE, DROPPED, "visit_date")

        rows = f.pick(rng, counts["exact_duplicate"], one_per_patient=True)
        copies, copy_rows = f.copy_rows(rng, rows)
        copies.columns["k"] = (n_visits[f.owner[rows]] + 1).astype(np.int32)  # a new visit id
        f.record(copy_rows, EXACT_DUPLICATE, DROPPED)

        # Same patient, same day, new id, a different CMAS.
        rows = f.pick(rng, counts["conflicting_duplicate"], eligible=t.columns["cmas"] >= 0, one_per_patient=True)
        copies, copy_rows = f.copy_rows(rng, rows)
        copies.columns["k"] = (n_visits[f.owner[rows]] + 1).astype(np.int32)
        cmas = copies.columns["cmas"].astype(np.int64)
        step = rng.integers(1, 6, len(rows)) * np.where(cmas > 26, -1, 1)
        copies.columns["cmas"] = (cmas + step).astype(np.int16)
        f.record(copy_rows, CONFLICTING_DUPLICATE, DROPPED)

        self._orphan(f, f.pick(rng, counts["orphan_patient"], one_per_patient=True))

        rows = self._pick_implausible(rng, f, counts["implausible_event_date"], patient_touched)
        self._implausible_dates(rng, f, rows, "date", "visit_date", cohort)

        rows = f.pick(rng, counts["invalid_numeric"])
        which = rng.integers(0, len(OUT_OF_RANGE), len(rows))
        not_numeric = rng.random(len(rows)) < 0.4
        for i, column in enumerate(OUT_OF_RANGE):
            chosen, text = rows[which == i], not_numeric[which == i]
            values = _out_of_range(rng, column, len(chosen))
            values[text] = NOT_NUMERIC[rng.integers(0, len(NOT_NUMERIC), int(text.sum()))]
            t.set_text(column, chosen, values)
            f.record(chosen, INVALID_NUMERIC, REPAIRED, column)

        rows = f.pick(rng, counts["yes_no_spelling"])
        which = rng.integers(0, len(codes.YES_NO_FIELDS), len(rows))
        for i, column in enumerate(codes.YES_NO_FIELDS):
            chosen = rows[which == i]
            value = t.columns[column][chosen].astype(np.int64)
            value[rng.random(len(chosen)) < 0.2] = codes.MISSING  # said as "unknown"
            texts = np.select(
                [value == 1, value == 0],
                [YES_SPELLINGS[rng.integers(0, len(YES_SPELLINGS), len(chosen))], NO_SPELLINGS[rng.integers(0, len(NO_SPELLINGS), len(chosen))]],
                UNKNOWN_SPELLINGS[rng.integers(0, len(UNKNOWN_SPELLINGS), len(chosen))],
            )
            t.set_text(column, chosen, texts)
            expected = np.select([value == 1, value == 0], [np.array("Y", dtype=object), np.array("N", dtype=object)], None)
            f.record(chosen, YES_NO_SPELLING, NORMALISED, column, expected)

    def _medications(self, rng: np.random.Generator, f: _FileDefects, cohort: Cohort, patient_touched: np.ndarray) -> None:
        counts = self._counts(MEDICATIONS.name, len(f.table))
        t = f.table
        once = t.columns["frequency"] == codes.ONCE
        n_rows = np.bincount(f.owner, minlength=len(cohort))

        rows = f.pick(rng, counts["invalid_start_date"], one_per_patient=True)
        t.set_text("start_date", rows, _bad_dates(rng, t.columns["start"][rows]))
        f.record(rows, INVALID_DATE, DROPPED, "start_date")
        # A single dose's stop date repeats its start: left as it was, it would
        # now differ from the (unreadable) start, a second fault.
        stop = t.columns["stop"].copy()
        stop[rows[once[rows]]] = codes.NO_DATE
        t.columns["stop"] = stop

        rows = f.pick(rng, counts["exact_duplicate"], one_per_patient=True)
        copies, copy_rows = f.copy_rows(rng, rows)
        copies.columns["k"] = (n_rows[f.owner[rows]] + 1).astype(np.int32)
        f.record(copy_rows, EXACT_DUPLICATE, DROPPED)

        self._orphan(f, f.pick(rng, counts["orphan_patient"], one_per_patient=True))

        rows = self._pick_implausible(rng, f, counts["implausible_event_date"], patient_touched)
        before_birth = self._implausible_dates(rng, f, rows, "start", "start_date", cohort)
        # Keep the stop date consistent, so the start date is the only fault:
        # after the extract nothing can have stopped yet; a single dose before
        # birth stopped the same day; a longer episode keeps its (later) stop.
        stop = t.columns["stop"].copy()
        stop[rows] = np.where(before_birth, np.where(once[rows], t.columns["start"][rows], stop[rows]), codes.NO_DATE)
        t.columns["stop"] = stop

        rows = f.pick(rng, counts["stop_before_start"], eligible=~once, one_per_patient=True)
        stop = t.columns["stop"].copy()
        stop[rows] = t.columns["start"][rows] - rng.integers(1, 61, len(rows))
        t.columns["stop"] = stop
        f.record(rows, STOP_BEFORE_START, DROPPED, "stop_date")

        rows = f.pick(rng, counts["invalid_stop_date"], eligible=t.columns["stop"] != codes.NO_DATE)
        t.set_text("stop_date", rows, _bad_dates(rng, t.columns["stop"][rows]))
        f.record(rows, INVALID_DATE, REPAIRED, "stop_date")

        rows = f.pick(rng, counts["invalid_numeric"])
        t.set_text("dose", rows, BAD_DOSES[rng.integers(0, len(BAD_DOSES), len(rows))])
        f.record(rows, INVALID_NUMERIC, REPAIRED, "dose")

        # Unknown codes only on multi-day episodes: blanking the code of a single
        # infusion could make it look like a copy of another on the same day.
        coded = {"drug": "drug", "route": "route", "dose_unit": "unit", "frequency": "frequency"}
        rows = f.pick(rng, counts["unknown_code"], eligible=~once)
        which = rng.integers(0, len(coded), len(rows))
        for i, column in enumerate(coded):
            chosen = rows[which == i]
            t.set_text(column, chosen, UNKNOWN_TEXT[column][rng.integers(0, 3, len(chosen))])
            f.record(chosen, UNKNOWN_CODE, REPAIRED, column)

        # The study's own paths. An oral corticosteroid episode whose route is
        # not recognised (its dose becomes unknown on its days); a taper step
        # whose stop_date is after the extract date (clipped to it); an IV
        # cyclophosphamide infusion whose route is not recognised, or whose
        # start_date cannot be read (the first-ever dose may become uncertain).
        # Each at a quarter of the rate, of the rows it can hit: the rows of a
        # few patients, which one defect each would otherwise swamp.
        oral_steroid = (np.isin(t.columns["drug"], (codes.PREDNISOLONE, codes.METHYLPREDNISOLONE))
                        & (t.columns["route"] == codes.ORAL) & ~once)
        infusion = (t.columns["drug"] == codes.CYCLOPHOSPHAMIDE) & (t.columns["route"] == codes.IV)
        # Unknown steroid routes in the tapers of children with infusions:
        # the study's steroid analyses look at those children only.
        treated_steroid = oral_steroid & np.isin(t.columns["patient"], t.columns["patient"][infusion])
        for option, eligible in (("unknown_steroid_route", treated_steroid), ("stop_after_extract", oral_steroid),
                                 ("unknown_exposure_route", infusion), ("invalid_exposure_start_date", infusion)):
            counts[option] = max(1, int(round(self.rate * eligible.sum() / 4)))
        rows = f.pick(rng, counts["unknown_steroid_route"], eligible=treated_steroid)
        t.set_text("route", rows, UNKNOWN_TEXT["route"][rng.integers(0, 3, len(rows))])
        f.record(rows, UNKNOWN_CODE, REPAIRED, "route")

        rows = f.pick(rng, counts["stop_after_extract"], eligible=oral_steroid & (t.columns["stop"] != codes.NO_DATE))
        stop = t.columns["stop"].copy()
        stop[rows] = codes.EXTRACT_DATE + rng.integers(1, 501, len(rows))
        t.columns["stop"] = stop
        f.record(rows, IMPLAUSIBLE_EVENT_DATE, REPAIRED, "stop_date")

        rows = f.pick(rng, counts["unknown_exposure_route"], eligible=infusion)
        t.set_text("route", rows, UNKNOWN_TEXT["route"][rng.integers(0, 3, len(rows))])
        f.record(rows, UNKNOWN_CODE, REPAIRED, "route")

        rows = f.pick(rng, counts["invalid_exposure_start_date"], eligible=infusion, one_per_patient=True)
        t.set_text("start_date", rows, _bad_dates(rng, t.columns["start"][rows]))
        f.record(rows, INVALID_DATE, DROPPED, "start_date")
        stop = t.columns["stop"].copy()  # a single dose's stop repeats its start: see invalid_start_date
        stop[rows] = codes.NO_DATE
        t.columns["stop"] = stop

        rows = f.pick(rng, counts["label_spelling"])
        which = rng.integers(0, len(coded), len(rows))
        labels = {"drug": codes.DRUGS, "route": codes.ROUTES, "dose_unit": codes.DOSE_UNITS, "frequency": codes.FREQUENCIES}
        for i, (column, numeric) in enumerate(coded.items()):
            chosen = rows[which == i]
            values = t.columns[numeric][chosen]
            t.set_text(column, chosen, self._respell(rng, column, values))
            f.record(chosen, LABEL_SPELLING, NORMALISED, column, np.array(labels[column], dtype=object)[values])

    def _labs(self, rng: np.random.Generator, f: _FileDefects, cohort: Cohort, patient_touched: np.ndarray) -> None:
        counts = self._counts(LABS.name, len(f.table))
        t = f.table
        exact = t.columns["censor"] == 0

        rows = f.pick(rng, counts["invalid_date"], one_per_patient=True)
        t.set_text("sample_date", rows, _bad_dates(rng, t.columns["date"][rows]))
        f.record(rows, INVALID_DATE, DROPPED, "sample_date")

        rows = f.pick(rng, counts["exact_duplicate"], one_per_patient=True)
        _, copy_rows = f.copy_rows(rng, rows)
        f.record(copy_rows, EXACT_DUPLICATE, DROPPED)

        self._orphan(f, f.pick(rng, counts["orphan_patient"], one_per_patient=True))

        rows = self._pick_implausible(rng, f, counts["implausible_event_date"], patient_touched)
        self._implausible_dates(rng, f, rows, "date", "sample_date", cohort)

        rows = f.pick(rng, counts["invalid_numeric"], eligible=exact)
        t.set_text("value", rows, BAD_LAB_VALUES[rng.integers(0, len(BAD_LAB_VALUES), len(rows))])
        f.record(rows, INVALID_NUMERIC, REPAIRED, "value")

        rows = f.pick(rng, counts["unknown_lab_unit"], eligible=exact)
        t.set_text("unit", rows, WRONG_LAB_UNITS[t.columns["test"][rows], rng.integers(0, 3, len(rows))])
        f.record(rows, LAB_VALUE, REPAIRED, "unit")

        rows = f.pick(rng, counts["censored_value"], eligible=exact)
        texts = _censored(rng, t.columns["value"][rows], t.columns["decimals"][rows])
        t.set_text("value", rows, texts)
        f.record(rows, LAB_VALUE, KEPT, "value", texts)

        rows = f.pick(rng, counts["label_spelling"])
        self._respell_labels(rng, f, rows, 0.5, ("test", codes.LAB_TESTS), ("unit", codes.LAB_UNITS))

    def _respell_labels(
        self,
        rng: np.random.Generator,
        f: "_FileDefects",
        rows: np.ndarray,
        first_share: float,
        first: tuple[str, tuple[str, ...]],
        second: tuple[str, tuple[str, ...]],
    ) -> None:
        """Class 10: respell coded labels, a `first_share` of `rows` in the
        first column and the rest in the second; the manifest expects the
        canonical label back."""
        t = f.table
        on_first = rng.random(len(rows)) < first_share
        for (column, labels), chosen in ((first, rows[on_first]), (second, rows[~on_first])):
            values = t.columns[column][chosen]
            t.set_text(column, chosen, self._respell(rng, column, values))
            f.record(chosen, LABEL_SPELLING, NORMALISED, column, np.array(labels, dtype=object)[values])

    # ------------------------------------------------------------ public
    def inject(self, rng: np.random.Generator, cohort: Cohort, tables: dict[str, Table], offsets: dict[str, int]) -> dict[str, Table]:
        """Defects for one chunk; `offsets` = records already in each file."""
        n = len(cohort)
        first = int(cohort.number[0])

        def owner(table: Table) -> np.ndarray:
            column = "id_patient" if "id_patient" in table.columns else "patient"
            return (table.columns[column] - first).astype(np.int64)

        files = {
            PATIENTS.name: _FileDefects(PATIENTS.name, tables[PATIENTS.name], owner(tables[PATIENTS.name]), n, PATIENT_KEY),
            VISITS.name: _FileDefects(VISITS.name, tables[VISITS.name], owner(tables[VISITS.name]), n, VISIT_KEY),
            MEDICATIONS.name: _FileDefects(MEDICATIONS.name, tables[MEDICATIONS.name], owner(tables[MEDICATIONS.name]), n, MEDICATION_KEY),
            LABS.name: _FileDefects(LABS.name, tables[LABS.name], owner(tables[LABS.name]), n, NO_KEY),
        }
        self._patients(rng, files[PATIENTS.name], cohort)
        patient_touched = files[PATIENTS.name].used.copy()
        self._visits(rng, files[VISITS.name], cohort, patient_touched)
        self._medications(rng, files[MEDICATIONS.name], cohort, patient_touched)
        self._labs(rng, files[LABS.name], cohort, patient_touched)

        out = {}
        for name, f in files.items():
            out[name], entries = f.finish(offsets[name])
            self._entries.append(entries)
        return out

    def manifest(self) -> Table:
        """Every injected defect, ordered by file and row."""
        columns = {key: np.concatenate([e[key] for e in self._entries]) for key in self._entries[0]}
        order = np.lexsort((columns["source_row"], columns["file_code"]))
        expected = columns.pop("expected")[order]
        return Table({key: values[order] for key, values in columns.items()}, {"expected_value": expected})

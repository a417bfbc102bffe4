"""The synthetic extract generator: format, plausibility, cohort shape, defects.

Every file is read back with Python's csv module and checked value by value
against the extract spec. For an extract with defects, each row is checked
the same way: a row the manifest does not name must be clean, and a row it
names must show exactly the defect it is listed for.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
from decimal import Decimal
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

from jdm.ingest.dictionary import DEFECT_CLASSES, columns_of, EXTRACT_FILES, EXTRACT_METADATA, LABS, MEDICATIONS, PATIENTS, VISITS
from jdm.generator import extract as extract_module
from jdm.generator import generate_extract

SEXES = {"F", "M", "U"}
DIAGNOSES = {"Definite JDM", "Probable JDM", "Possible JDM", "JDM overlap", "Juvenile polymyositis", "Other"}
DRUGS = {
    "prednisolone",
    "methylprednisolone",
    "cyclophosphamide",
    "methotrexate",
    "ciclosporin",
    "hydroxychloroquine",
    "mycophenolate mofetil",
    "intravenous immunoglobulin",
    "rituximab",
    "infliximab",
    "tacrolimus",
}
ROUTES = {"oral", "IV", "SC"}
DOSE_UNITS = {"mg", "g", "mg/kg", "mg/m2"}
FREQUENCIES = {"once", "daily", "twice daily", "alternate days", "weekly", "monthly"}
INDICATIONS = {"skin_ulceration", "severe_skin", "muscle_weakness", "lung_disease", "gi_vasculopathy", "refractory"}
LAB_UNITS = {
    "CK": {"U/L", "IU/L", "ukat/L"},
    "LDH": {"U/L", "IU/L", "ukat/L"},
    "AST": {"U/L", "IU/L", "ukat/L"},
    "ALT": {"U/L", "IU/L", "ukat/L"},
    "ALDOLASE": {"U/L", "IU/L", "ukat/L"},
    "ESR": {"mm/h"},
    "CRP": {"mg/L", "mg/dL"},
}
YES_NO = ("rash", "nailfold_abnormal", "gottrons", "calcinosis", "skin_ulceration")
YES_NO_MEANING = {"yes": "Y", "y": "Y", "1": "Y", "true": "Y", "no": "N", "n": "N", "0": "N", "false": "N", "u": "", "unknown": ""}
# visit column -> (low, high, decimals allowed: 0 = integer)
VISIT_RANGES = {
    "weight_kg": (2, 150, 1),
    "height_cm": (40, 210, 1),
    "cmas": (0, 52, 0),
    "mmt8": (0, 80, 0),
    "physician_global_vas": (0, 10, 1),
    "parent_global_vas": (0, 10, 1),
    "chaq": (0, 3, 3),
    "das_skin": (0, 9, 0),
    "das_muscle": (0, 11, 0),
}
SCORES = ("cmas", "mmt8", "physician_global_vas", "parent_global_vas", "chaq", "das_skin", "das_muscle")
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
STUDY_PERIOD = (dt.date(2000, 1, 1), dt.date(2011, 12, 31))


# ---------------------------------------------------------------- reading
@dataclass
class Extract:
    folder: Path
    files: dict[str, list[dict[str, str]]]  # file name -> records (header keys)
    headers: dict[str, list[str]]
    manifest: list[dict[str, str]]

    @property
    def extract_date(self) -> dt.date:
        return dt.date.fromisoformat(self.files[EXTRACT_METADATA.name][0]["extract_date"])


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = []
        for record in reader:
            assert len(record) == len(header), f"{path.name}: record {len(rows) + 1} has {len(record)} fields"
            rows.append(dict(zip(header, record)))
    return header, rows


def read_extract(folder: Path) -> Extract:
    files, headers = {}, {}
    for f in EXTRACT_FILES:
        headers[f.name], files[f.name] = read_csv(folder / f.name)
    manifest_path = folder / "defect_manifest.csv"
    manifest = read_csv(manifest_path)[1] if manifest_path.exists() else []
    return Extract(folder, files, headers, manifest)


def file_digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


# ---------------------------------------------------------------- checking values
def parse_date(text: str) -> dt.date | None:
    if not DATE.match(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def number_in_range(text: str, low: float, high: float, decimals: int) -> bool:
    if not NUMBER.match(text):
        return False
    if decimals == 0 and "." in text:
        return False
    return low <= float(text) <= high


class Checker:
    """Finds, per record, the columns whose value breaks the spec (strictly:
    canonical spelling only, so spelling variants count as problems too)."""

    def __init__(self, extract: Extract) -> None:
        self.extract_date = extract.extract_date
        self.birth: dict[str, dt.date | None] = {}
        for row in extract.files[PATIENTS.name]:
            self.birth[row["patient_id"]] = parse_date(row["date_of_birth"])

    def _event_date(self, row: dict[str, str], column: str, problems: set[str]) -> dt.date | None:
        day = parse_date(row[column])
        birth = self.birth.get(row["patient_id"])
        if day is None or day > self.extract_date or (birth is not None and day < birth):
            problems.add(column)
        return day

    def _patient(self, row: dict[str, str], problems: set[str]) -> None:
        if row["patient_id"] not in self.birth:
            problems.add("patient_id")

    def patients(self, row: dict[str, str]) -> set[str]:
        problems: set[str] = set()
        if not re.match(r"^JDM\d{5,}$", row["patient_id"]):
            problems.add("patient_id")
        if row["sex"] not in SEXES:
            problems.add("sex")
        if row["diagnosis"] not in DIAGNOSES:
            problems.add("diagnosis")
        dates = {}
        for column in ("date_of_birth", "symptom_onset_date", "diagnosis_date", "recruitment_date", "withdrawal_date", "death_date"):
            text = row[column]
            if text == "" and column in ("withdrawal_date", "death_date"):
                continue
            day = parse_date(text)
            if day is None or day > self.extract_date:
                problems.add(column)
            else:
                dates[column] = day
        order = ("date_of_birth", "symptom_onset_date", "diagnosis_date", "recruitment_date")
        known = [c for c in order if c in dates]
        for earlier, later in zip(known, known[1:]):
            assert dates[earlier] <= dates[later], (row, earlier, later)
        if "date_of_birth" in dates and "diagnosis_date" in dates:
            age = (dates["diagnosis_date"] - dates["date_of_birth"]).days / 365.25
            assert 1 <= age < 18, row
        for column in ("withdrawal_date", "death_date"):
            if column in dates and "recruitment_date" in dates:
                assert dates[column] >= dates["recruitment_date"], row
        return problems

    def visits(self, row: dict[str, str]) -> set[str]:
        problems: set[str] = set()
        self._patient(row, problems)
        self._event_date(row, "visit_date", problems)
        for column, (low, high, decimals) in VISIT_RANGES.items():
            if row[column] != "" and not number_in_range(row[column], low, high, decimals):
                problems.add(column)
        if row["chaq"] != "" and "chaq" not in problems and (float(row["chaq"]) * 8) % 1:
            problems.add("chaq")
        for column in YES_NO:
            if row[column] not in ("Y", "N", ""):
                problems.add(column)
        return problems

    def medications(self, row: dict[str, str]) -> set[str]:
        problems: set[str] = set()
        self._patient(row, problems)
        for column, allowed in (("drug", DRUGS), ("route", ROUTES), ("dose_unit", DOSE_UNITS), ("frequency", FREQUENCIES)):
            if row[column] not in allowed:
                problems.add(column)
        if not NUMBER.match(row["dose"]) or float(row["dose"]) <= 0:
            problems.add("dose")
        start = self._event_date(row, "start_date", problems)
        if row["stop_date"] != "":
            stop = parse_date(row["stop_date"])
            if stop is None or stop > self.extract_date or (start is not None and stop < start):
                problems.add("stop_date")
            elif row["frequency"] == "once" and row["stop_date"] != row["start_date"]:
                problems.add("stop_date")
        if row["indication"]:
            assert row["drug"].strip().lower() == "cyclophosphamide", row
            assert set(row["indication"].split(";")) <= INDICATIONS, row
        return problems

    def labs(self, row: dict[str, str]) -> set[str]:
        problems: set[str] = set()
        self._patient(row, problems)
        self._event_date(row, "sample_date", problems)
        if row["test"] not in LAB_UNITS:
            problems.add("test")
        elif row["unit"] not in LAB_UNITS[row["test"]]:
            problems.add("unit")
        value = row["value"].lstrip("<>")
        if not NUMBER.match(value) or float(value) <= 0:
            problems.add("value")
        return problems

    def check(self, file_name: str, row: dict[str, str]) -> set[str]:
        return getattr(self, file_name.removesuffix(".csv"))(row)


def content(file_name: str, row: dict[str, str]) -> tuple:
    """A record without its own id: what makes two records duplicates."""
    key = {VISITS.name: "visit_id", MEDICATIONS.name: "medication_id"}.get(file_name)
    return tuple(v for k, v in row.items() if k != key)


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Extract:
    folder = tmp_path_factory.mktemp("clean")
    generate_extract(out_dir=folder, patients=1500, seed=11, defect_rate=0.0, progress=False)
    return read_extract(folder)


@pytest.fixture(scope="module")
def default_cohort(tmp_path_factory) -> Extract:
    folder = tmp_path_factory.mktemp("default")
    generate_extract(out_dir=folder, patients=410, seed=42, defect_rate=0.0, progress=False)
    return read_extract(folder)


@pytest.fixture(scope="module")
def defective(tmp_path_factory) -> tuple[Extract, object]:
    folder = tmp_path_factory.mktemp("defects")
    summary = generate_extract(out_dir=folder, patients=2000, seed=5, defect_rate=0.03, progress=False)
    return read_extract(folder), summary


# ---------------------------------------------------------------- determinism
def test_same_seed_gives_identical_files_and_another_seed_does_not(tmp_path):
    runs = {}
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        generate_extract(out_dir=tmp_path / name, patients=300, seed=seed, defect_rate=0.02, progress=False)
        runs[name] = file_digests(tmp_path / name)
    assert runs["a"] == runs["b"]
    assert set(runs["a"]) == {f.name for f in EXTRACT_FILES} | {"defect_manifest.csv"}
    for f in (PATIENTS, VISITS, MEDICATIONS, LABS):
        assert runs["a"][f.name] != runs["c"][f.name]


def test_clean_rerun_removes_a_stale_manifest(tmp_path):
    summary = generate_extract(out_dir=tmp_path, patients=300, seed=1, defect_rate=0.01, progress=False)
    assert summary.manifest_path == tmp_path / "defect_manifest.csv" and summary.manifest_path.exists()
    summary = generate_extract(out_dir=tmp_path, patients=300, seed=1, defect_rate=0.0, progress=False)
    assert summary.manifest_path is None and summary.defects == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f.name for f in EXTRACT_FILES)


def test_progress_bar_only_when_asked(tmp_path, capsys):
    generate_extract(out_dir=tmp_path / "quiet", patients=50, seed=1, progress=False)
    assert capsys.readouterr().err == ""
    generate_extract(out_dir=tmp_path / "loud", patients=50, seed=1, progress=True)
    assert "generating extract" in capsys.readouterr().err


# ---------------------------------------------------------------- format
def test_files_headers_and_summary(tmp_path):
    summary = generate_extract(out_dir=tmp_path, patients=300, seed=2, progress=False)
    extract = read_extract(tmp_path)
    for f in EXTRACT_FILES:
        assert extract.headers[f.name] == list(f.columns)
        assert summary.rows_per_file[f.name] == len(extract.files[f.name])
        raw = (tmp_path / f.name).read_bytes()
        assert raw.endswith(b"\n") and b"\r" not in raw and not raw.startswith(b"\xef\xbb\xbf")
        raw.decode("utf-8")
    assert list(summary.rows_per_file) == [f.name for f in EXTRACT_FILES]
    assert extract.files[EXTRACT_METADATA.name] == [
        {"registry": extract.files[EXTRACT_METADATA.name][0]["registry"], "extract_date": "2013-06-30", "spec_version": "1"}
    ]


def test_clean_extract_values_follow_the_spec(clean):
    checker = Checker(clean)
    for f in (PATIENTS, VISITS, MEDICATIONS, LABS):
        for number, row in enumerate(clean.files[f.name], start=1):
            assert not checker.check(f.name, row), (f.name, number, row, checker.check(f.name, row))
    text = "".join((clean.folder / f.name).read_text() for f in EXTRACT_FILES)
    assert "nan" not in text.lower().replace("prednisolone", "") and "NaT" not in text and "None" not in text


def test_the_data_dictionary_states_the_spec_ranges() -> None:
    """The ranges of the data dictionary (seed extract_columns, which staging
    and the checks read) against this file's own statement of the spec's
    visits.csv table (VISIT_RANGES, which the generated values are checked
    against above): both ways, every range and nothing extra."""
    stated = {c.column_name: (c.min_value, c.max_value) for c in columns_of(VISITS.name)
              if c.min_value is not None or c.max_value is not None}
    assert stated == {name: (Decimal(low), Decimal(high)) for name, (low, high, _) in VISIT_RANGES.items()}
    integers = {c.column_name for c in columns_of(VISITS.name) if c.value_type == "integer"}
    assert integers == {name for name, (_, _, decimals) in VISIT_RANGES.items() if decimals == 0}


def test_clean_extract_has_no_duplicates_and_unique_ids(clean):
    patients = [r["patient_id"] for r in clean.files[PATIENTS.name]]
    assert len(set(patients)) == len(patients)
    for f in (VISITS, MEDICATIONS):
        ids = [r[f.key_column] for r in clean.files[f.name]]
        assert len(set(ids)) == len(ids)
    for f in (VISITS, MEDICATIONS, LABS):
        rows = [content(f.name, r) for r in clean.files[f.name]]
        assert len(set(rows)) == len(rows), f.name
    visit_days = [(r["patient_id"], r["visit_date"]) for r in clean.files[VISITS.name]]
    assert len(set(visit_days)) == len(visit_days)


def test_commas_and_quotes_are_quoted(clean):
    ethnicities = {r["ethnicity"] for r in clean.files[PATIENTS.name]}
    assert "Asian or Asian British, Indian" in ethnicities
    raw = (clean.folder / PATIENTS.name).read_text()
    assert '"Asian or Asian British, Indian"' in raw


# ---------------------------------------------------------------- plausibility
def test_cohort_is_clinically_plausible(clean):
    patients = clean.files[PATIENTS.name]
    n = len(patients)
    ages = sorted(
        (dt.date.fromisoformat(r["diagnosis_date"]) - dt.date.fromisoformat(r["date_of_birth"])).days / 365.25 for r in patients
    )
    assert 5.5 <= ages[n // 2] <= 7.5
    assert 0.64 <= sum(r["sex"] == "F" for r in patients) / n <= 0.76
    diagnoses = Counter(r["diagnosis"] for r in patients)
    assert abs(diagnoses["Definite JDM"] / n - 0.60) < 0.03 and abs(diagnoses["Probable JDM"] / n - 0.20) < 0.03
    delays = sorted(
        (dt.date.fromisoformat(r["diagnosis_date"]) - dt.date.fromisoformat(r["symptom_onset_date"])).days for r in patients
    )
    assert 90 <= delays[n // 2] <= 150
    recruited = [dt.date.fromisoformat(r["recruitment_date"]).year for r in patients]
    assert min(recruited) == 1995 and max(recruited) == 2012
    assert 0 < sum(r["withdrawal_date"] != "" for r in patients) < 0.15 * n
    assert 0 < sum(r["death_date"] != "" for r in patients) < 0.03 * n

    per_patient = {f.name: len(clean.files[f.name]) / n for f in (VISITS, MEDICATIONS, LABS)}
    assert 15 <= per_patient[VISITS.name] <= 25
    assert 8 <= per_patient[MEDICATIONS.name] <= 15
    assert 20 <= per_patient[LABS.name] <= 30

    visits = clean.files[VISITS.name]
    missing = {c: sum(r[c] == "" for r in visits) / len(visits) for c in SCORES}
    assert 0.25 <= missing["physician_global_vas"] <= 0.40
    assert missing["cmas"] < 0.2
    units = Counter(r["unit"] for r in clean.files[LABS.name])
    assert {"U/L", "IU/L", "ukat/L", "mm/h", "mg/L", "mg/dL"} <= set(units)
    censored = [r["value"] for r in clean.files[LABS.name] if r["value"][0] in "<>"]
    assert censored and set(v[0] for v in censored) == {"<", ">"}


def test_weight_and_height_grow_with_age(clean):
    by_patient = defaultdict(list)
    for r in clean.files[VISITS.name]:
        if r["height_cm"]:
            by_patient[r["patient_id"]].append((r["visit_date"], float(r["height_cm"])))
    grew = [rows[-1][1] - rows[0][1] for rows in by_patient.values() if len(rows) > 5]
    assert sum(g > 0 for g in grew) / len(grew) > 0.9


def test_every_patient_gets_a_consecutive_oral_steroid_taper(clean):
    """A taper of daily-ish oral prednisolone or methylprednisolone steps per
    patient, in every unit the spec allows; on top, weekly oral
    methylprednisolone pulses in g and single oral doses that overlap it."""
    oral = [r for r in clean.files[MEDICATIONS.name]
            if r["drug"] in ("prednisolone", "methylprednisolone") and r["route"] == "oral"]
    episodes = defaultdict(list)
    for r in oral:
        if r["frequency"] not in ("once", "weekly"):
            episodes[r["patient_id"]].append(r)
    assert len(episodes) == len(clean.files[PATIENTS.name])
    styles = Counter((r["drug"], r["dose_unit"], r["frequency"]) for r in oral)
    assert {("prednisolone", unit, "daily") for unit in ("mg", "g", "mg/kg", "mg/m2")} <= set(styles)
    assert {("prednisolone", "mg", "alternate days"), ("prednisolone", "mg", "twice daily"),
            ("methylprednisolone", "mg", "daily"), ("methylprednisolone", "g", "weekly")} <= set(styles)
    assert any(frequency == "once" for _, _, frequency in styles)
    # a dose in g is written exactly: 0.0125, not 0.013
    assert any(len(r["dose"].split(".")[-1]) >= 4 for r in oral if r["dose_unit"] == "g")
    consecutive = 0
    for rows in episodes.values():
        rows = [r for r in rows if r["drug"] == rows[0]["drug"]]
        for a, b in zip(rows, rows[1:]):
            if a["stop_date"]:
                gap = (dt.date.fromisoformat(b["start_date"]) - dt.date.fromisoformat(a["stop_date"])).days
                assert gap >= 1
                consecutive += gap == 1
    assert consecutive > 0.8 * sum(len(rows) - 1 for rows in episodes.values())
    # The extras overlap a taper step of the same patient.
    def days(r):
        start = dt.date.fromisoformat(r["start_date"])
        return start, dt.date.fromisoformat(r["stop_date"]) if r["stop_date"] else start
    extras = [r for r in oral if r["frequency"] in ("once", "weekly")]
    overlapping = sum(any(days(s)[0] <= days(r)[1] and days(r)[0] <= days(s)[1] for s in episodes[r["patient_id"]])
                      for r in extras)
    assert overlapping > 0.8 * len(extras)


def test_cyclophosphamide_courses(clean):
    courses = defaultdict(list)
    for r in clean.files[MEDICATIONS.name]:
        if r["drug"] == "cyclophosphamide" and r["route"] == "IV":
            courses[r["patient_id"]].append(r)
    share = len(courses) / len(clean.files[PATIENTS.name])
    assert 0.12 <= share <= 0.18
    for rows in courses.values():
        assert all(r["frequency"] == "once" and r["indication"] for r in rows)
        per_m2 = [float(r["dose"]) for r in rows if r["dose_unit"] == "mg/m2"]
        assert all(500 <= d <= 1000 for d in per_m2)
    lengths = Counter(len(rows) for rows in courses.values())
    assert max(lengths) <= 12 and sum(c for n, c in lengths.items() if n >= 6) > 0.8 * len(courses)


# ---------------------------------------------------------------- the published cohort
def first_infusions(extract: Extract) -> dict[str, dt.date]:
    first: dict[str, dt.date] = {}
    for r in extract.files[MEDICATIONS.name]:
        if r["drug"] == "cyclophosphamide" and r["route"] == "IV":
            day = dt.date.fromisoformat(r["start_date"])
            first[r["patient_id"]] = min(day, first.get(r["patient_id"], day))
    return first


def test_default_extract_resembles_the_published_cohort(default_cohort):
    first = first_infusions(default_cohort)
    in_period = {p: d for p, d in first.items() if STUDY_PERIOD[0] <= d <= STUDY_PERIOD[1]}
    assert 40 <= len(in_period) <= 75
    assert len(first) > len(in_period)  # a few treated before 2000 or after 2011

    diagnosis = {r["patient_id"]: r["diagnosis"] for r in default_cohort.files[PATIENTS.name]}
    visits = defaultdict(list)
    for r in default_cohort.files[VISITS.name]:
        visits[r["patient_id"]].append(r)
    completers, weak, improved = 0, 0, 0
    for patient, index in in_period.items():
        if diagnosis[patient] not in ("Definite JDM", "Probable JDM", "JDM overlap"):
            continue
        days = [((dt.date.fromisoformat(v["visit_date"]) - index).days, v) for v in visits[patient]]
        baseline = [(abs(d), d, v) for d, v in days if -30 <= d <= 7 and any(v[s] for s in SCORES)]
        if not baseline or max(d for d, _ in days) < 365:
            continue
        completers += 1
        cmas0 = [v["cmas"] for _, _, v in sorted(baseline, key=lambda x: x[:2]) if v["cmas"]]
        cmas12 = [v["cmas"] for d, v in sorted(days, key=lambda x: (abs(x[0] - 365), x[0])) if 320 <= d <= 410 and v["cmas"]]
        if cmas0 and int(cmas0[0]) < 48:
            weak += 1
            improved += bool(cmas12) and int(cmas12[0]) > int(cmas0[0])
    assert 35 <= completers <= 60
    assert weak >= 0.8 * completers
    assert improved >= 0.75 * weak


# ---------------------------------------------------------------- defects
def test_every_defect_class_is_listed(defective):
    extract, summary = defective
    assert summary.defects == len(extract.manifest)
    assert {int(m["defect_class"]) for m in extract.manifest} == set(range(1, 12))
    for m in extract.manifest:
        assert m["defect_name"] == DEFECT_CLASSES[int(m["defect_class"])]
        assert m["expected_action"] in ("dropped", "repaired", "normalised", "kept")
    actions = {(int(m["defect_class"]), m["expected_action"]) for m in extract.manifest}
    assert (9, "kept") in actions and (9, "repaired") in actions
    positions = [(m["source_file"], m["source_row"]) for m in extract.manifest]
    assert len(set(positions)) == len(positions)  # never two defects on one row
    # about the requested share of rows
    total_rows = sum(len(extract.files[f.name]) for f in (PATIENTS, VISITS, MEDICATIONS, LABS))
    assert 0.02 <= len(extract.manifest) / total_rows <= 0.04


def test_each_manifest_row_shows_its_defect_and_other_rows_are_clean(defective):
    assert_manifest_matches(defective[0])


def test_manifest_rows_count_across_chunks(tmp_path, monkeypatch):
    # Small chunks, so that rows and injected copies of several chunks add up.
    monkeypatch.setattr(extract_module, "CHUNK_PATIENTS", 250)
    summary = generate_extract(out_dir=tmp_path, patients=1000, seed=8, defect_rate=0.02, progress=False)
    extract = read_extract(tmp_path)
    assert summary.rows_per_file == {f.name: len(extract.files[f.name]) for f in EXTRACT_FILES}
    assert {r["patient_id"] for r in extract.files[PATIENTS.name]} == {f"JDM{i:05d}" for i in range(1, 1001)}
    assert_manifest_matches(extract)


def assert_manifest_matches(extract: Extract) -> None:
    """Rows the manifest names show exactly their defect; all others are clean."""
    checker = Checker(extract)
    listed = {(m["source_file"], int(m["source_row"])): m for m in extract.manifest}
    seen_content: dict[str, dict[tuple, int]] = defaultdict(dict)
    visit_days: dict[tuple[str, str], int] = {}

    for f in (PATIENTS, VISITS, MEDICATIONS, LABS):
        for number, row in enumerate(extract.files[f.name], start=1):
            problems = checker.check(f.name, row)
            m = listed.get((f.name, number))
            key = content(f.name, row)
            if m is None:
                assert not problems, (f.name, number, row, problems)
                assert key not in seen_content[f.name], (f.name, number, "unlisted duplicate")
                seen_content[f.name][key] = number
                if f is VISITS:
                    assert (row["patient_id"], row["visit_date"]) not in visit_days, (number, "unlisted same-day visit")
                    visit_days[row["patient_id"], row["visit_date"]] = number
                continue

            cls, column, action = int(m["defect_class"]), m["column_name"], m["expected_action"]
            if f.key_column:
                assert m["row_key"] == row[f.key_column]
            else:
                assert m["row_key"] == ""
            if cls == 3:  # an earlier row with the same content (ids aside)
                assert not problems and action == "dropped"
                assert seen_content[f.name].get(key, number) < number, (f.name, number)
            elif cls == 4:  # an earlier visit of the patient that day, with other values
                assert not problems and action == "dropped" and f is VISITS
                earlier = visit_days[(row["patient_id"], row["visit_date"])]
                original = extract.files[f.name][earlier - 1]
                assert earlier < number and original["visit_id"] != row["visit_id"]
                assert any(original[s] != row[s] for s in SCORES)
            elif cls == 9 and action == "kept":
                assert not problems and column == "value"
                assert row["value"] == m["expected_value"] and row["value"][0] in "<>"
            else:
                assert problems == {column}, (f.name, number, row, m, problems)
                value = row[column]
                if cls == 5:
                    assert row["patient_id"] not in checker.birth and action == "dropped"
                elif cls == 6:  # the date that places the event sets the row aside; a late stop_date is clipped
                    assert parse_date(value) is not None
                    assert action == ("repaired" if column == "stop_date" else "dropped")
                elif cls == 7:
                    assert value < row["start_date"] and row["frequency"] != "once" and action == "dropped"
                elif cls == 1:
                    assert parse_date(value) is None
                    required = column in ("visit_date", "start_date", "sample_date")
                    assert action == ("dropped" if required else "repaired")
                elif cls in (2, 8) or (cls == 9 and action == "repaired"):
                    assert action == "repaired" and m["expected_value"] == ""
                elif cls == 10:
                    assert action == "normalised" and value != m["expected_value"]
                    assert value.strip().lower() == m["expected_value"].lower()
                elif cls == 11:
                    assert action == "normalised"
                    assert YES_NO_MEANING[value.strip().lower()] == m["expected_value"]
                else:
                    pytest.fail(f"unexpected manifest row {m}")
    # every manifest row was matched to a record
    assert all(int(m["source_row"]) <= len(extract.files[m["source_file"]]) for m in extract.manifest)


def test_defect_rate_scales_the_number_of_defects(tmp_path):
    low = generate_extract(out_dir=tmp_path / "low", patients=1000, seed=9, defect_rate=0.005, progress=False)
    high = generate_extract(out_dir=tmp_path / "high", patients=1000, seed=9, defect_rate=0.02, progress=False)
    assert 3 * low.defects < high.defects
    assert low.rows_per_file[PATIENTS.name] >= 1000

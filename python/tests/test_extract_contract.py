"""A broken contract (missing file or column) stops the build with a message
that names the file and the column."""

from __future__ import annotations

from pathlib import Path

import pytest

from dbt_support import run_build, write_file

GOOD = {
    "extract_metadata.csv": "registry,extract_date,spec_version\nR,2012-06-30,1\n",
    "patients.csv": (
        "patient_id,sex,date_of_birth,ethnicity,symptom_onset_date,diagnosis_date,diagnosis,"
        "recruitment_date,withdrawal_date,death_date\nP1,F,2000-01-01,White,,,Definite JDM,,,\n"
    ),
    "visits.csv": (
        "visit_id,patient_id,visit_date,weight_kg,height_cm,cmas,mmt8,physician_global_vas,"
        "parent_global_vas,chaq,das_skin,das_muscle,rash,nailfold_abnormal,gottrons,calcinosis,"
        "skin_ulceration\nV1,P1,2005-01-01,20,110,40,70,2,2,0.5,3,2,Y,N,N,N,N\n"
    ),
    "medications.csv": (
        "medication_id,patient_id,drug,route,dose,dose_unit,frequency,start_date,stop_date,indication\n"
        "M1,P1,prednisolone,oral,2,mg/kg,daily,2005-01-01,2005-02-01,\n"
    ),
    "labs.csv": "patient_id,sample_date,test,value,unit\nP1,2005-01-01,CK,300,U/L\n",
}


def write_extract(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        write_file(folder / name, text)
    return folder


def test_a_clean_minimal_extract_builds(tmp_path: Path) -> None:
    run = run_build(write_extract(tmp_path / "extract", GOOD), tmp_path / "build")
    assert run.returncode == 0, run.output[-4000:]
    assert run.query("select count(*) from staging.stg_registry__visits") == [(1,)]


def test_extra_columns_are_kept_in_raw_and_ignored_after(tmp_path: Path) -> None:
    files = dict(GOOD)
    files["labs.csv"] = "lab_site,patient_id,sample_date,test,value,unit,source_row\nX,P1,2005-01-01,CK,300,U/L,99\n"
    run = run_build(write_extract(tmp_path / "extract", files), tmp_path / "build")
    assert run.returncode == 0, run.output[-4000:]
    assert run.query("select lab_site, extra_source_row, source_row from raw.raw_registry__labs") == [("X", "99", 1)]
    assert run.query("select value from staging.stg_registry__labs") == [(300,)]


@pytest.mark.parametrize(
    ("file_name", "column"),
    [("visits.csv", "cmas"), ("patients.csv", "patient_id"), ("extract_metadata.csv", "extract_date")],
)
def test_a_missing_column_is_a_clear_fatal_error(tmp_path: Path, file_name: str, column: str) -> None:
    files = dict(GOOD)
    header, *rest = files[file_name].split("\n")
    names = header.split(",")
    drop = names.index(column)
    files[file_name] = "\n".join(
        ",".join(v for i, v in enumerate(line.split(",")) if i != drop) for line in [header, *rest] if line
    ) + "\n"
    run = run_build(write_extract(tmp_path / "extract", files), tmp_path / "build")
    assert run.returncode != 0
    assert f"{file_name}: required column '{column}' missing from the header row" in run.output


def test_a_missing_file_is_a_clear_fatal_error(tmp_path: Path) -> None:
    files = {k: v for k, v in GOOD.items() if k != "medications.csv"}
    run = run_build(write_extract(tmp_path / "extract", files), tmp_path / "build")
    assert run.returncode != 0
    assert "registry extract file medications.csv is missing" in run.output


def test_an_unreadable_extract_date_stops_the_build(tmp_path: Path) -> None:
    files = dict(GOOD)
    files["extract_metadata.csv"] = "registry,extract_date,spec_version\nR,30/06/2012,1\n"
    run = run_build(write_extract(tmp_path / "extract", files), tmp_path / "build")
    assert run.returncode != 0
    assert "extract_metadata.csv: extract_date is missing or not a YYYY-MM-DD date (found '30/06/2012')" in run.output

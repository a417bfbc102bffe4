"""Each known defect of the extract spec, on a few hand-written CSV rows.

The extract below is written by hand (not by our generator), one block of
rows per defect class, with the file-level faults of real exports (BOM, CRLF,
a stray Windows-1252 byte, wrong field counts, blank lines, broken quotes).
It is built once; each test checks its own rows in staging and in
audit.quarantine.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from dbt_support import DbtRun, build, write_file

METADATA = """\
registry,extract_date,spec_version
Hand-written test registry,2012-06-30,1
"""

# source_row: 1 = first line after the header.
PATIENTS = """\
patient_id,sex,date_of_birth,ethnicity,symptom_onset_date,diagnosis_date,diagnosis,recruitment_date,withdrawal_date,death_date
P01,F,2000-01-01,White,2004-11-01,2005-01-10,Definite JDM,2005-01-10,,
P02,f,2001-02-02,"Asian or Asian British, Indian",2005-01-01,31/02/2006, definite JDM ,2006-03-01,,
P03,M,2002-03-03,White,2006-01-01,2006-02-01,PROBABLE   jdm,2006-03-01,,2010-01-01
P02,f,2001-02-02,"Asian or Asian British, Indian",2005-01-01,31/02/2006, definite JDM ,2006-03-01,,
P04,X,2003-04-04,White,,2007-01-01,JDM overlap,2007-02-01,,
P05,F,2013-01-01,White,,2007-01-01,Juvenile polymyositis,2007-02-01,,
,F,2000-01-01,White,,2007-01-01,Other,2007-02-01,,
P01,M,1999-09-09,White,,2007-01-01,Other,2007-02-01,,
P06,F,2004-05-05,White,,2008-01-01,Possible JDM,2008-02-01,,
"""

VISITS_HEADER = (
    "visit_id,patient_id,visit_date,weight_kg,height_cm,cmas,mmt8,physician_global_vas,"
    "parent_global_vas,chaq,das_skin,das_muscle,rash,nailfold_abnormal,gottrons,calcinosis,"
    "skin_ulceration\n"
)
VISITS = VISITS_HEADER + """\
V01,P01,2005-01-10,20.5,110,30,60,6.5,5,1.25,6,7,Y,Y,Y,N,N
V02,P01,2005-07-10,21,112,61,>40,n/a,-1,0.5,3,2,N,N,N,N,N
V03,P01,2005-13-01,21,112,40,70,2,3,0.5,3,2,N,N,N,N,N
V04,P01,2005-01-10,20.5,110,30,60,6.5,5,1.25,6,7,Y,Y,Y,N,N
V05,P99,2005-09-01,21,112,40,70,2,3,0.5,3,2,N,N,N,N,N
V06,P03,2011-01-01,30,130,50,78,1,1,0,1,0,N,N,N,N,N
V07,P01,2013-01-01,30,130,50,78,1,1,0,1,0,N,N,N,N,N
V08,P01,1999-06-01,10,80,50,78,1,1,0,1,0,N,N,N,N,N
V09,P01,2006-01-10,22,115,40,70,2.5,3,0.5,3,2,Y,N,N,N,N
V10,P01,2006-01-10,22,115,42,70,,3,0.5,3,2,Y,N,N,N,N
V11,P01,2006-06-10,23,118,44,72,2,2,0.25,2,1,yes, 1 ,TRUE,No,unknown
V12,P01,2006-09-10,23,118,46,74,1.5,2,0.25,2,1,maybe,n,false,0,U
,P01,2006-10-10,23,118,46,74,1.5,2,0.25,2,1,N,N,N,N,N
"""

MEDICATIONS = """\
medication_id,patient_id,drug,route,dose,dose_unit,frequency,start_date,stop_date,indication
M01,P01,prednisolone,oral,2,mg/kg,daily,2005-01-10,2005-03-10,
M02,P01, Prednisolone ,ORAL,30,MG,Twice Daily,2005-03-11,2005-05-10,
M03,P01,prednisolone,oral,20,mg,daily,2005-06-01,2005-05-01,
M04,P01,unobtainium,oral,20,mg,daily,2005-06-01,2005-07-01,
M05,P01,methotrexate,intrathecal,15,mg/m2,weekly,2005-06-01,,
M06,P01,methotrexate,oral,2,tablets,weekly,2005-06-01,,
M07,P01,methotrexate,oral,15,mg,thrice weekly,2005-06-01,,
M08,P01,cyclophosphamide,IV,750,mg/m2,once,2005-02-01,2005-02-20,muscle_weakness
M09,P01,cyclophosphamide,IV,750,mg/m2,once,2005-03-01,2005-03-01,muscle_weakness; Skin_Ulceration ;alien
M10,P01,prednisolone,oral,5,mg,daily,2012-07-01,,
M11,P01,prednisolone,oral,-5,mg,daily,2005-08-01,2005-09-01,
M12,P01,prednisolone,oral,2,mg/kg,daily,2005-01-10,2005-03-10,
"""

# labs.csv carries the file-level faults: a stray Windows-1252 byte (0xB5
# "micro" in a unit), a record with too many fields, one with too few, blank
# lines, a quoted value with a line break, a broken quote and an unterminated
# quote. Rows are numbered among records: blank lines do not count.
LABS = (
    b"patient_id,sample_date,test,value,unit\n"
    b"P01,2005-01-10,CK,<5,U/L\n"  # 1 censored, kept
    b"P01,2005-01-10,CK,>2000,IU/L\n"  # 2 censored, kept
    b"P01,2005-01-10,ck,2.5,ukat/L\n"  # 3 unit conversion, test spelling
    b"P01,2005-01-10,ESR,12,mg/L\n"  # 4 unit not valid for ESR
    b"P01,2005-01-10,CK,300,furlongs\n"  # 5 unknown unit
    b"\n"  # blank line: not a record
    b"P01,2005-01-10,CRP,1.2,mg/dL\n"  # 6 converted to mg/L
    b"P01,2005-01-10,CK,<5,U/L\n"  # 7 exact duplicate of 1
    b"P01,2005-01-10,LDH,0.5,\xb5kat/L\n"  # 8 undecodable unit
    b"P01,2005-01-10,LDH,400,U/L,extra\n"  # 9 too many fields
    b"P01,2005-01-10,AST\n"  # 10 too few fields
    b'P01,2005-01-10,"ALT\nx",40,U/L\n'  # 11 quoted line break: one record (unknown test)
    b'P01,2005-01-10,ALT,"4"0,U/L\n'  # 12 broken quote
    b'P01,2005-01-10,ALT,"40,U/L\n'  # 13 unterminated quote (first line only)
    b"P01,2005-01-11,ALT,41,U/L\n"  # 14 recovered after the broken quote
    b"P01,2005-01-12,ALDOLASE,haemolysed,U/L\n"  # 15 not a number
    b"P99,2005-01-12,CK,100,U/L\n"  # 16 orphan
    b"P01,2012-07-01,CK,100,U/L\n"  # 17 after the extract date
    b"\r\n"
)


def _dedent(text: str) -> str:
    return textwrap.dedent(text)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> DbtRun:
    root = tmp_path_factory.mktemp("hand_written")
    extract = root / "extract"
    extract.mkdir()
    write_file(extract / "extract_metadata.csv", METADATA)
    write_file(extract / "patients.csv", PATIENTS, bom=True, crlf=True)
    write_file(extract / "visits.csv", VISITS, crlf=True)
    write_file(extract / "medications.csv", MEDICATIONS)
    (extract / "labs.csv").write_bytes(LABS)
    return build(extract, root / "build")


def quarantined(run: DbtRun, source_file: str) -> dict[tuple[int, str | None], tuple[str, str]]:
    """(source_row, column_name) -> (reason_code, action) for one file."""
    rows = run.query(
        "select source_row, column_name, reason_code, action from audit.quarantine "
        "where source_file = ?",
        [source_file],
    )
    return {(r[0], r[1]): (r[2], r[3]) for r in rows}


def staged(run: DbtRun, table: str, key: str, value: str, columns: str) -> tuple | None:
    rows = run.query(f"select {columns} from staging.{table} where {key} = ?", [value])
    assert len(rows) <= 1
    return rows[0] if rows else None


# --- the eleven classes -------------------------------------------------


def test_1_unparseable_dates(warehouse: DbtRun) -> None:
    patients = quarantined(warehouse, "patients.csv")
    visits = quarantined(warehouse, "visits.csv")
    # optional date: repaired, the patient stays
    assert patients[(2, "diagnosis_date")] == ("invalid_date", "repaired")
    assert staged(warehouse, "stg_registry__patients", "patient_id", "P02", "diagnosis_date") == (None,)
    # required date: the visit cannot be placed
    assert visits[(3, "visit_date")] == ("invalid_date", "dropped")
    assert staged(warehouse, "stg_registry__visits", "visit_id", "V03", "visit_id") is None


def test_2_scores_out_of_range_or_not_numeric(warehouse: DbtRun) -> None:
    visits = quarantined(warehouse, "visits.csv")
    assert visits[(2, "cmas")] == ("invalid_numeric", "repaired")  # 61 > 52
    assert visits[(2, "mmt8")] == ("invalid_numeric", "repaired")  # '>40'
    assert visits[(2, "physician_global_vas")] == ("invalid_numeric", "repaired")  # 'n/a'
    assert visits[(2, "parent_global_vas")] == ("invalid_numeric", "repaired")  # -1
    row = staged(warehouse, "stg_registry__visits", "visit_id", "V02",
                 "cmas, mmt8, physician_global_vas, parent_global_vas, das_skin")
    assert row == (None, None, None, None, 3)
    meds = quarantined(warehouse, "medications.csv")
    assert meds[(11, "dose")] == ("invalid_numeric", "repaired")


def test_3_exact_duplicates_collapse_to_the_first(warehouse: DbtRun) -> None:
    assert quarantined(warehouse, "patients.csv")[(4, None)] == ("exact_duplicate", "dropped")
    assert quarantined(warehouse, "visits.csv")[(4, None)] == ("exact_duplicate", "dropped")  # new id, same content
    assert quarantined(warehouse, "medications.csv")[(12, None)] == ("exact_duplicate", "dropped")
    assert quarantined(warehouse, "labs.csv")[(7, None)] == ("exact_duplicate", "dropped")
    assert warehouse.query("select count(*) from staging.stg_registry__patients where patient_id = 'P02'") == [(1,)]
    assert staged(warehouse, "stg_registry__visits", "visit_id", "V01", "source_row") == (1,)


def test_4_conflicting_duplicates_merge_and_record_the_conflict(warehouse: DbtRun) -> None:
    visits = quarantined(warehouse, "visits.csv")
    assert visits[(10, None)] == ("conflicting_duplicate", "dropped")
    assert visits[(9, "cmas")] == ("conflicting_duplicate", "repaired")
    row = staged(warehouse, "stg_registry__visits", "visit_id", "V09",
                 "cmas, physician_global_vas, mmt8, merged_source_rows")
    # cmas disagrees (40 vs 42): missing; VAS only on one record: kept; mmt8 agrees.
    assert row == (None, 2.5, 70, [9, 10])
    raw_value = warehouse.query(
        "select raw_value from audit.quarantine where source_file = 'visits.csv' "
        "and source_row = 9 and column_name = 'cmas'")
    assert raw_value == [("40 | 42",)]


def test_5_orphans_are_set_aside(warehouse: DbtRun) -> None:
    assert quarantined(warehouse, "visits.csv")[(5, "patient_id")] == ("orphan_patient", "dropped")
    assert quarantined(warehouse, "labs.csv")[(16, "patient_id")] == ("orphan_patient", "dropped")


def test_6_events_before_birth_after_death_or_after_extract(warehouse: DbtRun) -> None:
    visits = quarantined(warehouse, "visits.csv")
    assert visits[(6, "visit_date")] == ("implausible_event_date", "dropped")  # after death
    assert visits[(7, "visit_date")] == ("implausible_event_date", "dropped")  # after extract
    assert visits[(8, "visit_date")] == ("implausible_event_date", "dropped")  # before birth
    assert quarantined(warehouse, "medications.csv")[(10, "start_date")] == ("implausible_event_date", "dropped")
    assert quarantined(warehouse, "labs.csv")[(17, "sample_date")] == ("implausible_event_date", "dropped")
    # a patient's own date after the extract date is repaired, not dropped
    assert quarantined(warehouse, "patients.csv")[(6, "date_of_birth")] == ("implausible_date", "repaired")
    assert staged(warehouse, "stg_registry__patients", "patient_id", "P05", "date_of_birth") == (None,)


def test_7_stop_before_start(warehouse: DbtRun) -> None:
    assert quarantined(warehouse, "medications.csv")[(3, "stop_date")] == ("stop_before_start", "dropped")


def test_8_unknown_codes_are_repaired(warehouse: DbtRun) -> None:
    meds = quarantined(warehouse, "medications.csv")
    assert meds[(4, "drug")] == ("unknown_code", "repaired")
    assert meds[(5, "route")] == ("unknown_code", "repaired")
    assert meds[(6, "dose_unit")] == ("unknown_code", "repaired")
    assert meds[(7, "frequency")] == ("unknown_code", "repaired")
    assert meds[(9, "indication")] == ("unknown_code", "repaired")
    assert staged(warehouse, "stg_registry__medications", "medication_id", "M04", "drug, dose") == (None, 20)
    assert staged(warehouse, "stg_registry__medications", "medication_id", "M09", "indications") == (
        ["muscle_weakness", "skin_ulceration"],
    )
    assert quarantined(warehouse, "patients.csv")[(5, "sex")] == ("unknown_code", "repaired")
    assert quarantined(warehouse, "visits.csv")[(12, "rash")] == ("unknown_code", "repaired")


def test_9_censored_lab_values_kept_unknown_units_repaired(warehouse: DbtRun) -> None:
    rows = dict(
        ((r[0]), r[1:])
        for r in warehouse.query(
            "select source_row, test, value, unit, value_qualifier, reported_value_text "
            "from staging.stg_registry__labs"
        )
    )
    assert rows[1] == ("CK", 5, "U/L", "<", "<5")
    assert rows[2] == ("CK", 2000, "U/L", ">", ">2000")
    assert rows[3] == ("CK", 150, "U/L", None, "2.5")  # 2.5 ukat/L = 150 U/L
    assert rows[6] == ("CRP", 12, "mg/L", None, "1.2")  # 1.2 mg/dL = 12 mg/L
    assert rows[4][1] is None and rows[5][1] is None
    labs = quarantined(warehouse, "labs.csv")
    assert labs[(4, "unit")] == ("unknown_lab_unit", "repaired")
    assert labs[(5, "unit")] == ("unknown_lab_unit", "repaired")
    assert labs[(15, "value")] == ("invalid_numeric", "repaired")


def test_10_label_spelling_is_normalised_silently(warehouse: DbtRun) -> None:
    assert staged(warehouse, "stg_registry__patients", "patient_id", "P02", "diagnosis, sex") == ("Definite JDM", "F")
    assert staged(warehouse, "stg_registry__patients", "patient_id", "P03", "diagnosis") == ("Probable JDM",)
    assert staged(warehouse, "stg_registry__medications", "medication_id", "M02",
                  "drug, route, dose_unit, frequency") == ("prednisolone", "oral", "mg", "twice daily")
    assert staged(warehouse, "stg_registry__labs", "source_row", 3, "test") == ("CK",)
    spelling_rows = warehouse.query(
        "select count(*) from audit.quarantine where (source_file = 'patients.csv' and source_row in (2, 3) "
        "and column_name in ('diagnosis', 'sex')) or (source_file = 'medications.csv' and source_row = 2)")
    assert spelling_rows == [(0,)]


def test_11_yes_no_spellings(warehouse: DbtRun) -> None:
    row = staged(warehouse, "stg_registry__visits", "visit_id", "V11",
                 "has_rash, has_abnormal_nailfolds, has_gottrons_papules, has_calcinosis, has_skin_ulceration")
    assert row == (True, True, True, False, None)  # yes, ' 1 ', TRUE, No, unknown
    row = staged(warehouse, "stg_registry__visits", "visit_id", "V12",
                 "has_abnormal_nailfolds, has_gottrons_papules, has_calcinosis, has_skin_ulceration")
    assert row == (False, False, False, None)  # n, false, 0, U
    visits = quarantined(warehouse, "visits.csv")
    assert (11, "has_skin_ulceration") not in visits and (11, "skin_ulceration") not in visits


# --- rules beyond the eleven classes ------------------------------------


def test_missing_required_id_and_duplicate_ids(warehouse: DbtRun) -> None:
    patients = quarantined(warehouse, "patients.csv")
    assert patients[(7, "patient_id")] == ("missing_required_value", "dropped")
    assert patients[(8, "patient_id")] == ("duplicate_id", "dropped")
    assert staged(warehouse, "stg_registry__patients", "patient_id", "P01", "sex, source_row") == ("F", 1)
    assert quarantined(warehouse, "visits.csv")[(13, "visit_id")] == ("missing_required_value", "dropped")


def test_single_dose_with_a_later_stop_date(warehouse: DbtRun) -> None:
    meds = quarantined(warehouse, "medications.csv")
    assert meds[(8, "stop_date")] == ("once_stop_date_mismatch", "repaired")
    assert staged(warehouse, "stg_registry__medications", "medication_id", "M08", "stop_date") == (None,)


# --- file-level faults ---------------------------------------------------


def test_bom_crlf_and_quoted_commas(warehouse: DbtRun) -> None:
    assert staged(warehouse, "stg_registry__patients", "patient_id", "P02", "ethnicity") == (
        "Asian or Asian British, Indian",
    )
    rows = warehouse.query("select source_file, parser from audit.reconciliation order by 1")
    assert dict(rows)["patients.csv"] == "duckdb"
    assert dict(rows)["labs.csv"] == "careful"


def test_bad_records_set_aside_and_numbering_recovers(warehouse: DbtRun) -> None:
    labs = quarantined(warehouse, "labs.csv")
    assert labs[(9, None)] == ("malformed_record", "dropped")
    assert labs[(10, None)] == ("malformed_record", "dropped")
    assert labs[(12, None)] == ("broken_quote", "dropped")
    assert labs[(13, None)] == ("broken_quote", "dropped")
    # the record after the unterminated quote is recovered with its own number
    assert staged(warehouse, "stg_registry__labs", "source_row", 14, "sample_date::varchar, value") == (
        "2005-01-11", 41,
    )
    # a quoted line break is one record: row 11 is the `"ALT\nx"` record
    assert labs[(11, "test")] == ("unknown_code", "repaired")
    assert warehouse.query(
        "select blank_lines from audit.reconciliation where source_file = 'labs.csv'") == [(2,)]


def test_undecodable_byte_spoils_only_its_value(warehouse: DbtRun) -> None:
    labs = quarantined(warehouse, "labs.csv")
    assert labs[(8, "unit")] == ("invalid_encoding", "repaired")
    raw = warehouse.query(
        "select raw_value from audit.quarantine where source_file = 'labs.csv' and source_row = 8")
    assert raw == [("µkat/L",)]
    # The unit is set to missing (a lenient decoding reads "µkat/L", which
    # the spellings would map to ukat/L: broken bytes are never used); the
    # value itself is fine but cannot be converted without its unit.
    assert staged(warehouse, "stg_registry__labs", "source_row", 8,
                  "test, value, reported_unit, reported_value") == ("LDH", None, None, 0.5)


def test_every_raw_row_is_accounted_for(warehouse: DbtRun) -> None:
    rows = warehouse.query(
        "select source_file, raw_rows, staged_rows, dropped_rows, is_reconciled from audit.reconciliation")
    for source_file, raw_rows, staged_rows, dropped_rows, ok in rows:
        assert ok and raw_rows == staged_rows + dropped_rows, source_file
    counts = {r[0]: r[1] for r in rows}
    assert counts == {
        "extract_metadata.csv": 1, "patients.csv": 9, "visits.csv": 13,
        "medications.csv": 12, "labs.csv": 17,
    }

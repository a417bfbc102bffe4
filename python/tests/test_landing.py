"""Landing gives the same records whichever reader takes the file."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from jdm.ingest.dictionary import LABS
from jdm.ingest.landing import ExtractContractError, land_file

HEADER = "patient_id,sample_date,test,value,unit"
RECORDS = [
    "P01,2005-01-10,CK,<5,U/L",
    'P01,2005-01-10,CK,"1,200",U/L',
    'P01,2005-01-11,"C""K",300,U/L',
    'P01,2005-01-12,"multi\nline",40,U/L',
    "P02,2005-01-13,CRP,,mg/L",
]


def land(folder: Path, text: str):
    (folder / "labs.csv").write_text(text, encoding="utf-8", newline="")
    con = duckdb.connect(config={"preserve_insertion_order": True})
    report = land_file(con, folder, LABS, folder)
    # As the raw views read it: source_row is the row's position in the file.
    rows = con.execute(f"""select source_file, file_row_number + 1 as source_row,
                           * exclude (source_file, file_row_number)
                           from read_parquet('{folder / 'labs.parquet'}', file_row_number = true)
                           order by file_row_number""").fetchall()
    con.close()
    return rows, report


def test_fast_and_careful_readers_agree(tmp_path: Path) -> None:
    clean = HEADER + "\n" + "\n".join(RECORDS) + "\n"
    # A blank line sends the file down the careful path; it is not a record.
    with_blank = HEADER + "\n" + "\n".join(RECORDS[:2]) + "\n\n" + "\n".join(RECORDS[2:]) + "\n"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    fast_rows, fast = land(tmp_path / "a", clean)
    careful_rows, careful = land(tmp_path / "b", with_blank)
    assert (fast.parser, careful.parser) == ("duckdb", "careful")
    assert careful.blank_lines == 1
    assert fast_rows == careful_rows
    assert [r[1] for r in fast_rows] == [1, 2, 3, 4, 5]
    assert fast_rows[1][5] == "1,200" and fast_rows[2][4] == 'C"K' and fast_rows[3][4] == "multi\nline"
    assert fast_rows[4][5] is None  # empty = missing, in both readers


def test_header_names_are_normalised_and_checked(tmp_path: Path) -> None:
    rows, report = land(tmp_path, " Patient_ID ,SAMPLE_DATE,test,value,unit\nP01,2005-01-10,CK,5,U/L\n")
    assert report.header_columns[:2] == ("patient_id", "sample_date")
    with pytest.raises(ExtractContractError, match="labs.csv: required column 'unit' missing"):
        land(tmp_path, "patient_id,sample_date,test,value\nP01,2005-01-10,CK,5\n")
    with pytest.raises(ExtractContractError, match="'value' appears more than once"):
        land(tmp_path, "patient_id,sample_date,test,value,unit,value\nP01,2005-01-10,CK,5,U/L,6\n")

"""Tests for jdm.ingest.csv_records: the careful reader for unclean registry extracts."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from jdm.ingest import csv_records
from jdm.ingest.csv_records import (
    CsvFileError,
    FileScan,
    Header,
    Record,
    read_header,
    scan_records,
)

HEADER = b"id,name,value\n"


def write(tmp_path: Path, data: bytes, name: str = "extract.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def scan(
    tmp_path: Path, data: bytes, expected_fields: int | None = None
) -> tuple[FileScan, list[Record]]:
    result = scan_records(write(tmp_path, data), expected_fields)
    return result, list(result.records)


def good(records: list[Record]) -> list[tuple[int, tuple[str, ...] | None]]:
    return [(r.source_row, r.fields) for r in records if r.reason_code is None]


def bad(records: list[Record]) -> list[tuple[int, str | None, str]]:
    return [(r.source_row, r.reason_code, r.raw_text) for r in records if r.reason_code is not None]


def physical_lines(data: bytes) -> int:
    """Physical lines in a file as the reader sees them (BOM dropped)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data:
        return 0
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


def lines_accounted(header: Header, scan_: FileScan, records: list[Record]) -> int:
    """Physical lines explained by the header, records and blank lines."""
    total = header.raw.count("\n") + 1 + scan_.blank_lines
    for r in records:
        # A good record spans as many lines as it holds line breaks; a bad one
        # is always a single physical line.
        total += r.raw_text.count("\n") + 1 if r.reason_code is None else 1
        if r.reason_code is not None:
            assert "\n" not in r.raw_text
    return total


# --- header -------------------------------------------------------------------


def test_header_is_trimmed_and_lower_cased(tmp_path: Path) -> None:
    path = write(tmp_path, b" Patient_ID , Visit Date,VALUE\r\n1,2,3\r\n")
    header = read_header(path)
    assert header == Header(
        columns=("patient_id", "visit date", "value"), raw=" Patient_ID , Visit Date,VALUE"
    )


def test_header_with_bom_and_quotes(tmp_path: Path) -> None:
    path = write(tmp_path, b'\xef\xbb\xbf"Id","Name, full"\n1,x\n')
    assert read_header(path).columns == ("id", "name, full")
    assert read_header(path).raw == '"Id","Name, full"'


def test_empty_file_raises_csv_file_error_naming_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, b"", name="empty_extract.csv")
    with pytest.raises(CsvFileError, match="empty_extract.csv"):
        read_header(path)
    with pytest.raises(ValueError, match="empty_extract.csv"):  # CsvFileError is a ValueError
        scan_records(path)


@pytest.mark.parametrize("data", [b"\xef\xbb\xbf", b"\n\r\n  \n", b"\xef\xbb\xbf\r\n"])
def test_file_without_header_raises(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(CsvFileError, match="no header"):
        scan_records(write(tmp_path, data))


def test_missing_file_raises_csv_file_error(tmp_path: Path) -> None:
    with pytest.raises(CsvFileError, match="nope.csv"):
        scan_records(tmp_path / "nope.csv")


def test_unparseable_header_raises(tmp_path: Path) -> None:
    with pytest.raises(CsvFileError, match="header"):
        read_header(write(tmp_path, b'id,"na"me,value\n1,2,3\n'))


def test_file_with_only_a_header(tmp_path: Path) -> None:
    result, records = scan(tmp_path, b"id,name,value\r\n")
    assert result.header.columns == ("id", "name", "value")
    assert records == []
    assert result.blank_lines == 0


def test_file_with_only_a_header_without_newline(tmp_path: Path) -> None:
    result, records = scan(tmp_path, b"id,name,value")
    assert result.header.columns == ("id", "name", "value")
    assert records == []


def test_blank_lines_before_header_are_counted(tmp_path: Path) -> None:
    result, records = scan(tmp_path, b"\n \n" + HEADER + b"1,a,b\n")
    assert result.header.columns == ("id", "name", "value")
    assert good(records) == [(1, ("1", "a", "b"))]
    assert result.blank_lines == 2


# --- good records -------------------------------------------------------------


def test_bom_and_crlf(tmp_path: Path) -> None:
    result, records = scan(tmp_path, b"\xef\xbb\xbfid,name,value\r\n1,Ann,3\r\n2,Bob,4\r\n")
    assert result.header.columns == ("id", "name", "value")
    assert records == [
        Record(1, ("1", "Ann", "3"), (), "1,Ann,3", None, None),
        Record(2, ("2", "Bob", "4"), (), "2,Bob,4", None, None),
    ]


def test_quoted_comma_and_doubled_quote(tmp_path: Path) -> None:
    _, records = scan(tmp_path, HEADER + b'1,"Smith, J","He said ""hi"""\n2,"",""""\n')
    assert good(records) == [(1, ("1", "Smith, J", 'He said "hi"')), (2, ("2", "", '"'))]
    assert records[0].raw_text == '1,"Smith, J","He said ""hi"""'


def test_quoted_crlf_line_break_is_one_record(tmp_path: Path) -> None:
    data = HEADER.replace(b"\n", b"\r\n") + b'1,"line one\r\nline two",x\r\n2,b,c\r\n'
    result, records = scan(tmp_path, data)
    assert good(records) == [(1, ("1", "line one\r\nline two", "x")), (2, ("2", "b", "c"))]
    assert records[0].raw_text == '1,"line one\r\nline two",x'
    assert result.blank_lines == 0


def test_quoted_field_with_several_line_breaks_and_blank_line_inside(tmp_path: Path) -> None:
    # The empty line is inside the quotes: data, not a blank line.
    _, records = scan(tmp_path, HEADER + b'1,"a\n\nb\nc",x\n2,y,z\n')
    assert good(records) == [(1, ("1", "a\n\nb\nc", "x")), (2, ("2", "y", "z"))]


def test_blank_lines_between_and_at_end(tmp_path: Path) -> None:
    data = HEADER + b"1,a,b\n\n   \n2,c,d\r\n\t\r\n3,e,f\n\n\n"
    result, records = scan(tmp_path, data)
    assert good(records) == [(1, ("1", "a", "b")), (2, ("2", "c", "d")), (3, ("3", "e", "f"))]
    assert bad(records) == []
    assert result.blank_lines == 5


def test_line_of_commas_is_a_record(tmp_path: Path) -> None:
    _, records = scan(tmp_path, HEADER + b",,\n")
    assert good(records) == [(1, ("", "", ""))]


def test_no_trailing_newline(tmp_path: Path) -> None:
    _, records = scan(tmp_path, HEADER + b"1,a,b\n2,c,d")
    assert good(records) == [(1, ("1", "a", "b")), (2, ("2", "c", "d"))]
    assert records[-1].raw_text == "2,c,d"


def test_no_trailing_newline_after_quoted_field(tmp_path: Path) -> None:
    _, records = scan(tmp_path, HEADER + b'1,a,"b"')
    assert good(records) == [(1, ("1", "a", "b"))]


def test_quote_inside_unquoted_field_is_literal(tmp_path: Path) -> None:
    _, records = scan(tmp_path, HEADER + b'1,ab"c,5" 7\n')
    assert good(records) == [(1, ("1", 'ab"c', '5" 7'))]


def test_blanks_around_quoted_field_are_dropped(tmp_path: Path) -> None:
    _, records = scan(tmp_path, HEADER + b'1, "Smith, J" ,\t"x"\t\n "a",b,c\n')
    assert good(records) == [(1, ("1", "Smith, J", "x")), (2, ("a", "b", "c"))]


def test_unquoted_fields_are_not_trimmed(tmp_path: Path) -> None:
    _, records = scan(tmp_path, HEADER + b" 1 ,a ,\tb\n")
    assert good(records) == [(1, (" 1 ", "a ", "\tb"))]


def test_lone_cr_is_data(tmp_path: Path) -> None:
    _, records = scan(tmp_path, HEADER + b'1,a\rb,c\n2,"x\ry",z\r\n')
    assert good(records) == [(1, ("1", "a\rb", "c")), (2, ("2", "x\ry", "z"))]


def test_trailing_cr_at_end_of_file_is_a_line_break(tmp_path: Path) -> None:
    _, records = scan(tmp_path, HEADER + b"1,a,b\r\n2,c,d\r")
    assert good(records) == [(1, ("1", "a", "b")), (2, ("2", "c", "d"))]


# --- decoding -----------------------------------------------------------------


def test_invalid_utf8_byte_spoils_only_its_field(tmp_path: Path) -> None:
    _, records = scan(tmp_path, HEADER + b"1,caf\xe9,na\xc3\xafve\n2,b,c\n")
    first = records[0]
    assert first.reason_code is None
    assert first.fields == ("1", "café", "naïve")
    assert first.undecodable == (1,)
    assert first.raw_text == "1,café,naïve"  # valid UTF-8 kept, stray byte as cp1252
    assert records[1].undecodable == ()


def test_invalid_utf8_byte_in_quoted_field(tmp_path: Path) -> None:
    _, records = scan(tmp_path, HEADER + b'1,"caf\xe9, cr\xe8me","\x93quoted\x94"\n')
    assert records[0].fields == ("1", "café, crème", "\u201cquoted\u201d")
    assert records[0].undecodable == (1, 2)


def test_invalid_utf8_byte_in_multiline_quoted_field(tmp_path: Path) -> None:
    _, records = scan(tmp_path, HEADER + b'1,"caf\xe9\nau lait",x\n')
    assert records[0].fields == ("1", "café\nau lait", "x")
    assert records[0].undecodable == (1,)


def test_byte_undefined_in_cp1252_is_replaced(tmp_path: Path) -> None:
    _, records = scan(tmp_path, HEADER + b"1,a\x81b,c\n")
    assert records[0].fields == ("1", "a\ufffdb", "c")
    assert records[0].undecodable == (1,)


def test_invalid_utf8_in_bad_record_raw_text(tmp_path: Path) -> None:
    _, records = scan(tmp_path, HEADER + b"1,caf\xe9\n")
    assert records[0].reason_code == "malformed_record"
    assert records[0].raw_text == "1,café"
    assert records[0].fields is None


# --- bad records and resynchronisation ----------------------------------------


def test_too_many_and_too_few_fields(tmp_path: Path) -> None:
    data = HEADER + b"1,a,b\n2,a,b,extra\n\n3,a\n4,c,d\n"
    result, records = scan(tmp_path, data)
    assert good(records) == [(1, ("1", "a", "b")), (4, ("4", "c", "d"))]
    assert bad(records) == [(2, "malformed_record", "2,a,b,extra"), (3, "malformed_record", "3,a")]
    assert records[1].detail == "expected 3 fields, found 4"
    assert records[2].detail == "expected 3 fields, found 2"
    assert records[1].fields is None and records[1].undecodable == ()
    assert result.blank_lines == 1


def test_wrong_field_count_on_a_quoted_line(tmp_path: Path) -> None:
    _, records = scan(tmp_path, HEADER + b'1,"a,b"\n2,"x",y,z\n3,a,b\n')
    assert bad(records) == [
        (1, "malformed_record", '1,"a,b"'),
        (2, "malformed_record", '2,"x",y,z'),
    ]
    assert records[0].detail == "expected 3 fields, found 2"
    assert good(records) == [(3, ("3", "a", "b"))]


def test_expected_fields_override(tmp_path: Path) -> None:
    _, records = scan(tmp_path, HEADER + b"1,a,b\n1,a,b,c\n", expected_fields=4)
    assert bad(records) == [(1, "malformed_record", "1,a,b")]
    assert records[0].detail == "expected 4 fields, found 3"
    assert good(records) == [(2, ("1", "a", "b", "c"))]


def test_broken_quote_mid_line(tmp_path: Path) -> None:
    _, records = scan(tmp_path, HEADER + b'5,a,b\n6,"bro"ken,q\n7,c,d\n')
    assert bad(records) == [(2, "broken_quote", '6,"bro"ken,q')]
    assert records[1].detail is not None and "quoted field 2" in records[1].detail
    assert good(records) == [(1, ("5", "a", "b")), (3, ("7", "c", "d"))]


def test_unterminated_quote_mid_file_costs_one_line(tmp_path: Path) -> None:
    data = HEADER + b'1,a,b\n2,"never closed,c\n3,d,e\n\n4,f,g\r\n5,"ok, fine",h\n'
    result, records = scan(tmp_path, data)
    assert bad(records) == [(2, "broken_quote", '2,"never closed,c')]
    assert good(records) == [
        (1, ("1", "a", "b")),
        (3, ("3", "d", "e")),
        (4, ("4", "f", "g")),
        (5, ("5", "ok, fine", "h")),
    ]
    # The blank line was first read as quoted data, then re-read: counted once.
    assert result.blank_lines == 1
    assert lines_accounted(result.header, result, records) == physical_lines(data)


def test_stray_quote_closed_lines_later_by_another_stray_quote(tmp_path: Path) -> None:
    # The quote opened on line 2 is "closed" by the one on line 4, but the
    # result is not a clean record: only line 2 is set aside.
    data = HEADER + b'1,"oops,b\n2,c,d\n3,x"y,z\n4,e,f\n'
    _, records = scan(tmp_path, data)
    assert bad(records) == [(1, "broken_quote", '1,"oops,b')]
    assert good(records) == [(2, ("2", "c", "d")), (3, ("3", 'x"y', "z")), (4, ("4", "e", "f"))]


def test_multiline_record_with_wrong_field_count_is_resynchronised(tmp_path: Path) -> None:
    # Clean quotes, but the spanning record would have 4 fields: distrusted.
    data = HEADER + b'1,"a\n2,b",c,d\n3,e,f\n'
    _, records = scan(tmp_path, data)
    assert records[0].reason_code == "broken_quote"
    assert records[0].raw_text == '1,"a'
    assert records[0].detail is not None and "expected 3 fields, found 4" in records[0].detail
    # Line 2 is then read on its own: its quote is literal (not at field start).
    assert bad(records)[1:] == [(2, "malformed_record", '2,b",c,d')]
    assert good(records) == [(3, ("3", "e", "f"))]


def test_unterminated_quote_on_last_line(tmp_path: Path) -> None:
    data = HEADER + b'1,a,b\n2,"open,c'
    result, records = scan(tmp_path, data)
    assert good(records) == [(1, ("1", "a", "b"))]
    assert bad(records) == [(2, "broken_quote", '2,"open,c')]
    assert records[1].detail is not None and "never closed" in records[1].detail
    assert lines_accounted(result.header, result, records) == physical_lines(data)


def test_unterminated_quote_on_second_to_last_line(tmp_path: Path) -> None:
    data = HEADER + b'1,"open,c\n2,a,b\n'
    _, records = scan(tmp_path, data)
    assert bad(records) == [(1, "broken_quote", '1,"open,c')]
    assert good(records) == [(2, ("2", "a", "b"))]


def test_every_line_has_an_unclosed_quote(tmp_path: Path) -> None:
    data = HEADER + b'1,"a,b\n2,"c,d\n3,"e,f\n4,g,h\n'
    result, records = scan(tmp_path, data)
    assert [r.source_row for r in records] == [1, 2, 3, 4]
    assert [r.reason_code for r in records] == ["broken_quote"] * 3 + [None]
    assert lines_accounted(result.header, result, records) == physical_lines(data)


def test_quoted_field_longer_than_limit_is_set_aside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csv_records, "MAX_RECORD_BYTES", 30)
    data = HEADER + b'1,"' + b"long line\n" * 5 + b'",x\n2,a,b\n'
    result, records = scan(tmp_path, data)
    assert records[0].reason_code == "broken_quote"
    assert records[0].detail is not None and "not closed within 30 bytes" in records[0].detail
    assert good(records)[-1] == (records[-1].source_row, ("2", "a", "b"))
    assert lines_accounted(result.header, result, records) == physical_lines(data)


def test_source_rows_are_contiguous_over_good_and_bad(tmp_path: Path) -> None:
    data = HEADER + b'1,a,b\n\n2,"x\ny",z\n3,too,many,fields\n4,"bro"ken,q\n5,"open\n\n6,c,d\n'
    result, records = scan(tmp_path, data)
    assert [r.source_row for r in records] == list(range(1, len(records) + 1))
    assert lines_accounted(result.header, result, records) == physical_lines(data)


# --- API shape ----------------------------------------------------------------


def test_records_is_a_lazy_one_shot_iterator(tmp_path: Path) -> None:
    result = scan_records(write(tmp_path, HEADER + b"1,a,b\n"))
    assert iter(result.records) is result.records
    assert [r.source_row for r in result.records] == [1]
    assert list(result.records) == []


def test_records_are_frozen(tmp_path: Path) -> None:
    _, records = scan(tmp_path, HEADER + b"1,a,b\n")
    with pytest.raises(AttributeError):
        records[0].source_row = 2  # type: ignore[misc]


def test_invalid_expected_fields(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="expected_fields"):
        scan_records(write(tmp_path, HEADER), expected_fields=0)


# --- properties ---------------------------------------------------------------


def ambiguous_for_writer(row: list[str], lineterminator: str) -> bool:
    """Rows that Python's csv writer makes ambiguous under our rules.

    * A single value that is only blanks is written bare: a blank line.
    * With lineterminator '\\n', Python 3.11 quotes '\\n' but not '\\r', so a
      last value ending in '\\r' is written '...\\r\\n': a CRLF line break.
    """
    if len(row) == 1 and row[0] and not row[0].strip(" \t\r"):
        return True
    return (
        lineterminator == "\n"
        and row[-1].endswith("\r")
        and '"' not in row[-1]
        and "," not in row[-1]
        and "\n" not in row[-1]
    )


# Cell values: mostly the characters that matter to CSV, plus any code point
# (surrogates excluded: not encodable).  Pieces may be several characters
# ("\r\n", a doubled quote), so build the text from a list of pieces.
cell_text = st.lists(
    st.one_of(
        st.sampled_from(
            [",", '"', '""', "\n", "\r", "\r\n", " ", "\t", "é", "\u2028", "\ufeff", "a"]
        ),
        st.characters(exclude_categories=["Cs"]),
    ),
    max_size=8,
).map("".join)


@st.composite
def tables(draw: st.DrawFn) -> tuple[int, list[list[str]]]:
    ncols = draw(st.integers(min_value=1, max_value=5))
    rows = draw(st.lists(st.lists(cell_text, min_size=ncols, max_size=ncols), max_size=8))
    return ncols, rows


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(table=tables(), lineterminator=st.sampled_from(["\n", "\r\n"]), bom=st.booleans())
def test_roundtrip_with_csv_module(
    tmp_path: Path, table: tuple[int, list[list[str]]], lineterminator: str, bom: bool
) -> None:
    ncols, rows = table
    assume(not any(ambiguous_for_writer(row, lineterminator) for row in rows))
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator=lineterminator)
    writer.writerow([f"Col{i}" for i in range(ncols)])
    writer.writerows(rows)
    data = (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")

    result = scan_records(write(tmp_path, data, "roundtrip.csv"))
    records = list(result.records)

    assert result.header.columns == tuple(f"col{i}" for i in range(ncols))
    assert [r.reason_code for r in records] == [None] * len(rows)
    assert [r.source_row for r in records] == list(range(1, len(rows) + 1))
    assert [list(r.fields or ()) for r in records] == rows
    assert all(r.undecodable == () for r in records)
    assert result.blank_lines == 0


garbage = st.lists(
    st.sampled_from(
        [
            b"a",
            b"1",
            b",",
            b'"',
            b'""',
            b"\n",
            b"\r\n",
            b"\r",
            b" ",
            b"\t",
            b"\xe9",
            b"\xc3\xa9",
            b"\x81",
        ]
    ),
    max_size=60,
).map(b"".join)


@settings(
    max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=garbage, expected=st.integers(min_value=1, max_value=4))
def test_garbage_never_raises_and_every_line_is_accounted_for(
    tmp_path: Path, body: bytes, expected: int
) -> None:
    data = b"a,b,c\n" + body
    result = scan_records(write(tmp_path, data, "garbage.csv"), expected_fields=expected)
    records = list(result.records)
    assert [r.source_row for r in records] == list(range(1, len(records) + 1))
    for r in records:
        if r.reason_code is None:
            assert r.fields is not None and len(r.fields) == expected
            assert all(0 <= i < expected for i in r.undecodable)
        else:
            assert r.reason_code in ("malformed_record", "broken_quote")
            assert r.fields is None and r.detail
    assert lines_accounted(result.header, result, records) == physical_lines(data)


single_line = st.lists(
    st.sampled_from(["a", ",", '"', '""', " ", "\t", "\r", "é", "\x00"]), min_size=1, max_size=30
).map("".join)


@settings(max_examples=1000, deadline=None)
@given(line=single_line)
def test_csv_fast_path_agrees_with_state_machine(line: str) -> None:
    """The C-parser fast path must split exactly like the exact state machine."""
    assume('"' in line)
    scanner = csv_records._Scanner(io.BytesIO(b""))
    fast = scanner._split_line(line)
    raw = line.encode("utf-8")
    try:
        exact: list[str] | None = [
            f.decode("utf-8")
            for f in csv_records._split_quoted(bytearray(raw), [raw], lambda: None)
        ]
    except csv_records._QuoteError:
        exact = None
    if fast is not None:
        assert fast == exact

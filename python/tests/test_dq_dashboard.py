"""The data-quality dashboard, OUT/data_quality.html (jdm.dq.dashboard).

The page is read back with an HTML parser and compared, both ways, with
what the build holds (marts.dq_results, audit.reconciliation, counted here
with SQL of their own) and with the extract itself (the generator's defect
manifest, the CSV files read with Python); then it is opened in headless
Chromium with no network and driven: sorting, filtering, the overview's
links.
"""

from __future__ import annotations

import collections
import csv
import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from headless import needs_chromium, run_script
from jdm.dq.dashboard import _name, write_dashboard
from jdm.dq.ge_suites import SAMPLE_ROWS


class Page(HTMLParser):
    """The tables of the page (with the section they are in), its ids and
    the sample sections' headings."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[dict] = []
        self.ids: collections.Counter = collections.Counter()
        self.headings: dict[str, str] = {}  # section id -> its h3 text
        self._sections: list[str | None] = []
        self._table: dict | None = None
        self._row: list | None = None
        self._cell: list[str] | None = None
        self._h3: list[str] | None = None
        self._in_head = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids[attrs["id"]] += 1
        if tag == "section":
            self._sections.append(attrs.get("id"))
        elif tag == "table":
            self._table = {"id": attrs.get("id"), "class": attrs.get("class"), "head": [], "rows": [],
                           "section": self._sections[-1] if self._sections else None}
            self.tables.append(self._table)
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "h3":
            self._h3 = []
        elif tag in ("select", "input") and self._cell is not None:
            self._cell = None  # a filter control, not a value

    def handle_endtag(self, tag):
        if tag == "section":
            self._sections.pop()
        elif tag == "thead":
            self._in_head = False
        elif tag in ("td", "th") and self._row is not None:
            self._row.append("".join(self._cell).strip() if self._cell is not None else None)
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            if not self._in_head:
                self._table["rows"].append(self._row)
            elif not self._table["head"]:
                self._table["head"] = self._row
            self._row = None
        elif tag == "h3" and self._h3 is not None:
            self.headings[self._sections[-1]] = "".join(self._h3).strip()
            self._h3 = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._h3 is not None:
            self._h3.append(data)

    def table(self, **where) -> dict:
        (found,) = [t for t in self.tables if all(t[k] == v for k, v in where.items())]
        return found

    def records(self, table: dict) -> list[dict]:
        return [dict(zip(table["head"], row)) for row in table["rows"]]

    def samples(self) -> dict[str, list[dict]]:
        """Check name -> the rows of its sample table (no table: no rows)."""
        by_check = {}
        for section, heading in self.headings.items():
            if section and section.startswith("rows-"):
                status, name = heading.split(" ", 1)
                tables = [t for t in self.tables if t["section"] == section]
                by_check[name] = self.records(tables[0]) if tables else []
        return by_check


def number(text: str) -> int | None:
    return None if text == "" else int(text.replace(",", ""))


def dashboard_of(dq) -> tuple[Path, Page]:
    path = dq[-1] / "output" / "data_quality.html"
    return path, Page(path.read_text(encoding="utf-8"))


@pytest.fixture(params=["default_dq", "dirty_dq"])
def any_dq(request):
    return request.getfixturevalue(request.param)


def test_every_check_is_listed_as_the_warehouse_holds_it(any_dq) -> None:
    run = any_dq[0]
    _, page = dashboard_of(any_dq)
    assert [i for i, n in page.ids.items() if n > 1] == []  # ids are unique (links and the script rely on it)
    columns = ["check_name", "status", "kahn_category", "source", "layer", "model", "column_name", "defect_class",
               "violated_rows", "denominator_rows", "threshold_pct"]
    stored = [dict(zip(columns, r)) for r in run.query(f"select {', '.join(columns)} from marts.dq_results")]
    shown = page.records(page.table(id="check-table"))
    # Both ways: every check once, nothing else.
    assert sorted(r["Check"] for r in shown) == sorted(c["check_name"] for c in stored)
    expected = {c["check_name"]: c for c in stored}
    for row in shown:
        check = expected[row["Check"]]
        assert (row["Status"], row["Kahn category"], row["Source"], row["Layer"], row["Model"]) == (
            check["status"], check["kahn_category"], check["source"], check["layer"], check["model"])
        assert row["Column"] == (check["column_name"] or "")
        assert row["Defect class"] == ("" if check["defect_class"] is None else str(check["defect_class"]))
        violated, denominator = number(row["Violated"]), number(row["Denominator"])
        assert (violated, denominator) == (check["violated_rows"], check["denominator_rows"])
        # The percent from the counts, worked out here.
        if violated is None or not denominator:
            assert row["%"] == ""
        else:
            pct = 100 * violated / denominator
            if row["%"] == "<0.01":
                assert 0 < pct < 0.01
            else:
                assert abs(float(row["%"]) - pct) <= 0.005 + 1e-9 and (pct == 0) == (row["%"] == "0")
        assert float(row["Threshold %"]) == pytest.approx(check["threshold_pct"], abs=0.005)
        # Offending rows: linked from every check that does not pass, and only from those.
        assert (row["Rows"] != "") == (check["status"] != "pass")


def test_overview_counts_checks_by_kahn_category_and_status(any_dq) -> None:
    run = any_dq[0]
    _, page = dashboard_of(any_dq)
    overview = page.table(**{"class": "overview"})
    assert overview["head"][:5] == ["Kahn category", "fail", "error", "warn", "pass"]
    counted = collections.Counter({(c, s): n for c, s, n in run.query(
        "select kahn_category, status, count(*) from marts.dq_results group by all")})
    shown = {row[0]: dict(zip(overview["head"][1:], row[1:])) for row in overview["rows"]}
    categories = {c for c, _ in counted}
    assert set(shown) == categories | {"all checks"}
    for category, cells in shown.items():
        for status in ("fail", "error", "warn", "pass"):
            expected = (sum(n for (_, s), n in counted.items() if s == status) if category == "all checks"
                        else counted[(category, status)])
            assert number(cells[status]) == expected, (category, status)
        total = sum(counted.values()) if category == "all checks" else \
            sum(n for (c, _), n in counted.items() if c == category)
        assert number(cells["all"]) == total


RECONCILIATION_COLUMNS = ["source_file", "raw_rows", "staged_rows", "dropped_rows", "bad_records", "repaired_rows",
                          "repaired_values", "blank_lines", "is_reconciled", "parser"]


def test_reconciliation_per_file_matches_the_extract(dirty_dq) -> None:
    run, _, _, extract, _ = dirty_dq
    _, page = dashboard_of(dirty_dq)
    table = page.table(**{"class": "reconciliation"})
    stored = run.query(f"select {', '.join(RECONCILIATION_COLUMNS)} from audit.reconciliation order by source_file")
    assert len(table["rows"]) == len(stored) == 5
    for shown, row in zip(table["rows"], stored):
        expected = dict(zip(RECONCILIATION_COLUMNS, row))
        assert shown[0] == expected["source_file"]
        assert [number(v) for v in shown[1:8]] == [expected[c] for c in RECONCILIATION_COLUMNS[1:8]]
        assert shown[8] == "yes" and shown[9] == expected["parser"]
        # Raw records counted from the file itself; staged + dropped make them up.
        with open(extract / expected["source_file"], newline="", encoding="utf-8") as fh:
            records = sum(1 for record in csv.reader(fh) if record) - 1
        assert number(shown[1]) == records == number(shown[2]) + number(shown[3])


def manifest_rows(manifest: list[dict], source_file: str, defect_class: int, column: str | None) -> list[dict]:
    """The defects the generator injected that a check of this file, class
    and column stands for (set aside or repaired; spelling and valid
    censored values are not defects)."""
    return sorted((m for m in manifest
                   if m["source_file"] == source_file and int(m["defect_class"]) == defect_class
                   and (m["column_name"] or None) == column and m["expected_action"] in ("dropped", "repaired")),
                  key=lambda m: int(m["source_row"]))


def extract_values(extract: Path, source_file: str) -> list[dict]:
    with open(extract / source_file, newline="", encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh)]


def test_a_sample_of_offending_rows_for_every_check_that_warns(dirty_dq) -> None:
    """Each check that does not pass has its sample, and no other does; an
    extract check's sample is its first records (by row) of those the
    generator injected its defect into, at most SAMPLE_ROWS, with the value
    as the CSV file has it."""
    run, frame, manifest, extract, _ = dirty_dq
    _, page = dashboard_of(dirty_dq)
    samples = page.samples()
    flagged = frame[frame["status"] != "pass"]
    assert len(flagged) > 20 and set(flagged["source"]) == {"quarantine"}
    assert sorted(samples) == sorted(flagged["check_name"])
    files = {}
    compared_exactly = 0
    for check in flagged.itertuples():
        rows = samples[check.check_name]
        source_file = check.model.replace("raw_registry__", "") + ".csv"
        column = check.column_name if isinstance(check.column_name, str) else None
        injected = manifest_rows(manifest, source_file, int(check.defect_class), column)
        assert len(rows) == min(SAMPLE_ROWS, check.violated_rows) > 0
        assert {r["source_file"] for r in rows} == {source_file}
        assert {r["column_name"] for r in rows} == {column or ""}
        shown_rows = [int(r["source_row"]) for r in rows]
        assert shown_rows == sorted(shown_rows)
        if int(check.defect_class) == 2:
            # a number that is not one and one out of range are two checks; the manifest does not tell them apart
            assert set(shown_rows) <= {int(m["source_row"]) for m in injected}
        else:
            assert shown_rows == [int(m["source_row"]) for m in injected][:SAMPLE_ROWS]
            compared_exactly += 1
        if column:
            values = files.setdefault(source_file, extract_values(extract, source_file))
            for r in rows:
                written = values[int(r["source_row"]) - 1][column]
                assert r["raw_value"] == (written or "(missing)"), (check.check_name, r)
        else:  # duplicates (the generator writes no unreadable records, whose raw value is their text)
            assert {r["raw_value"] for r in rows} == {"(the whole record)"}
    assert compared_exactly > 20


def test_rows_of_dbt_tests_and_ge_expectations_come_from_their_relations(default_dq, tmp_path: Path) -> None:
    """On a copy of the default build (under another file name, so another
    database name than dbt's relation names carry): a dbt test made to fail
    with two stored rows and a GX expectation made to warn with one reported
    row show exactly those rows, and nothing else is flagged."""
    run = default_dq[0]
    copy = tmp_path / "another_name.duckdb"
    shutil.copy(run.db_path, copy)
    dbt_check, ge_check = "unique_patients_patient_id", "marts__patients.ExpectColumnValuesToBeBetween(age_at_index_years)"
    with duckdb.connect(str(copy)) as con:
        relation = con.execute("select failures_relation from marts.dq_results where check_name = ?",
                               [dbt_check]).fetchone()[0]
        # Named without the database (dbt's '"warehouse"."audit_failures"...'
        # would not read from a renamed copy, and Spark gives none).
        assert relation == "audit_failures.unique_patients_patient_id"
        con.execute("update marts.dq_results set status = 'fail', violated_rows = 2 where check_name = ?",
                    [dbt_check])
        con.execute("""create or replace table audit_failures.unique_patients_patient_id as
                       select * from (values ('JDM90001', 2), ('JDM90002', 3)) as t(unique_field, n_records)""")
        con.execute("update marts.dq_results set status = 'warn', violated_rows = 1 where check_name = ?", [ge_check])
        con.execute("insert into audit_failures.great_expectations_samples values (?, 1, ?, ?)",
                    [ge_check, json.dumps({"patient_id": "JDM90003"}), json.dumps({"age_at_index_years": "31.5"})])
    page = Page(write_dashboard(copy, tmp_path / "out", "gx").read_text(encoding="utf-8"))
    samples = page.samples()
    assert sorted(samples) == sorted([dbt_check, ge_check])
    assert samples[dbt_check] == [{"unique_field": "JDM90001", "n_records": "2"},
                                  {"unique_field": "JDM90002", "n_records": "3"}]
    assert samples[ge_check] == [{"patient_id": "JDM90003", "age_at_index_years": "31.5"}]
    overview = {row[0]: row[1:] for row in page.table(**{"class": "overview"})["rows"]}
    assert overview["all checks"][:3] == ["1", "0", "1"]  # fail, error, warn


SCRIPT = r"""
(function () {
  function names() {
    return Array.prototype.filter.call(document.querySelectorAll("#check-table tbody tr"),
      function (row) { return !row.hidden; }).map(function (row) { return row.cells[1].textContent; });
  }
  function heading(text) {
    return Array.prototype.filter.call(document.querySelectorAll("#check-table thead button"),
      function (b) { return b.textContent === text; })[0];
  }
  function set(selector, value, event) {
    var control = document.querySelector(selector);
    control.value = value;
    control.dispatchEvent(new Event(event));
  }
  var out = {initial: names()};
  heading("Violated").click(); out.violated_ascending = names();
  heading("Violated").click(); out.violated_descending = names();
  heading("Check").click(); out.check_ascending = names();
  set("select[data-filter=status]", "warn", "change");
  set("input[data-filter=model]", "VISITS", "input");
  out.warn_in_visits = names();
  out.shown_count = document.getElementById("shown-count").textContent;
  document.getElementById("clear-filters").click(); out.cleared = names();
  set("input[data-filter=check_name]", "notbenull", "input"); out.not_null_checks = names();
  document.getElementById("clear-filters").click();
  document.getElementById("hide-passing").click(); out.not_passing = names();
  document.querySelector("a.set-filters[data-filter-kahn_category=plausibility][data-filter-status=warn]").click();
  out.plausibility_warn = names();
  set("input[data-filter=model]", "visits", "input");
  set("select[data-filter=status]", "pass", "change");
  document.querySelector('a.set-filters[data-filter-kahn_category=""][data-filter-status=warn]').click();
  out.all_warn = names();
  var pre = document.createElement("pre");
  pre.id = "test-results";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
"""


@needs_chromium
def test_the_table_sorts_and_filters_in_a_browser_with_no_network(dirty_dq, tmp_path: Path) -> None:
    _, frame, _, _, _ = dirty_dq
    path, _ = dashboard_of(dirty_dq)
    seen = run_script(path, SCRIPT, tmp_path)
    every = sorted(frame["check_name"])
    checks = frame.set_index("check_name")
    flagged = set(frame.loc[frame["status"] != "pass", "check_name"])
    # First the checks that do not pass.
    assert set(seen["initial"][:len(flagged)]) == flagged and sorted(seen["initial"]) == every
    # Sorted by violated rows, one way then the other, no row lost; a check
    # that could not run (no count) last either way.
    for key, direction in (("violated_ascending", 1), ("violated_descending", -1)):
        assert sorted(seen[key]) == every
        counts = [checks.loc[n, "violated_rows"] for n in seen[key]]
        known = [int(c) for c in counts if c == c and c is not None]
        assert known == sorted(known, reverse=direction < 0) and len(set(known)) > 2
    assert seen["check_ascending"] == sorted(every, key=str.lower)
    # Filters: a status picked from the list and text in the model (either case).
    expected = sorted(frame.loc[(frame["status"] == "warn") & frame["model"].str.contains("visits"), "check_name"])
    assert sorted(seen["warn_in_visits"]) == expected and len(expected) > 5
    assert seen["shown_count"] == f"{len(expected)} of {len(frame)} checks shown"
    assert sorted(seen["cleared"]) == every
    # Text filters ignore case on both sides (the GX names are in CamelCase).
    assert sorted(seen["not_null_checks"]) == sorted(n for n in every if "notbenull" in n.lower()) != []
    assert sorted(seen["not_passing"]) == sorted(flagged)
    # A count of the overview opens the checks it counts, whatever was filtered before.
    assert sorted(seen["plausibility_warn"]) == sorted(
        frame.loc[(frame["kahn_category"] == "plausibility") & (frame["status"] == "warn"), "check_name"])
    assert sorted(seen["all_warn"]) == sorted(frame.loc[frame["status"] == "warn", "check_name"])


def test_long_names_wrap_between_their_words_never_inside_one() -> None:
    # Worked by hand: a break opportunity (<wbr>) after each run of
    # underscores and after each dot, nowhere else; the text stays escaped.
    assert _name("unique_combination_person_months_patient_id__month_number.8da1af") == (
        "unique_<wbr>combination_<wbr>person_<wbr>months_<wbr>patient_<wbr>id__<wbr>month_<wbr>number.<wbr>8da1af")
    assert _name("marts.dq_results") == "marts.<wbr>dq_<wbr>results"
    assert _name("a<b") == "a&lt;b"

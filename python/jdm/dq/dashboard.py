"""The data-quality dashboard: OUT/data_quality.html, written by `jdm dq`.

One self-contained HTML file for the data team, in the shape of the OHDSI
DataQualityDashboard's viewer: an overview of the checks by Kahn category
and status, the reconciliation of each extract file, a chart of how much
each failing check violates, every check of marts.dq_results in a table to
sort and filter, and for each check that does not pass a sample of the rows
behind it. It opens offline in a secure environment: the styles, the
sorting and filtering script (written here, no library) and the charts
(inline SVG) are all in the file, and its Content-Security-Policy forbids
loading anything from anywhere. The table is plain HTML first, so it reads
without JavaScript too.

It shows values from the registry as written (record ids, raw text of the
records set aside), so it is for the data team only and says so at the top.

This module only renders; what it shows is read by jdm.dq.dashboard_data.
"""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: render to files only
# Text stays text in the SVG (searchable, selectable, smaller), not outlines.
matplotlib.rcParams["svg.fonttype"] = "none"
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from jdm.dq.dashboard_data import DashboardData, Sample, load_dashboard_data  # noqa: E402
from jdm.dq.ge_suites import SAMPLE_ROWS  # noqa: E402
from jdm.dq.results import DQ_TABLE, STATUSES  # noqa: E402

DASHBOARD_FILE = "data_quality.html"
# The chart of violated percentages draws at most this many checks (the
# highest); the table lists them all.
CHART_CHECKS = 40
# A raw value longer than this (the whole text of an unreadable record) is
# cut in the sample tables, saying how much was left out.
RAW_VALUE_CHARS = 300
STATUS_COLOURS = {"fail": "#c0392b", "error": "#8e44ad", "warn": "#e67e22", "pass": "#2e8b57"}
KAHN_COLOURS = ["#4a6fa5", "#e6a23c", "#8c6bb1", "#7f8c8d"]

# Nothing may be loaded from anywhere: inline script and styles only, and
# data: images (none are used today). A raw value that slipped through as
# markup could not fetch anything either.
CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"

# The checks table: (key, heading, how it sorts, how it filters). The key is
# a column of marts.dq_results; `rows` is the link to the sample.
COLUMNS = [
    ("status", "Status", "number", "select"),
    ("check_name", "Check", "text", "text"),
    ("kahn_category", "Kahn category", "text", "select"),
    ("source", "Source", "text", "select"),
    ("layer", "Layer", "text", "select"),
    ("model", "Model", "text", "text"),
    ("column_name", "Column", "text", "text"),
    ("defect_class", "Defect class", "number", "select"),
    ("violated_rows", "Violated", "number", None),
    ("denominator_rows", "Denominator", "number", None),
    ("violated_pct", "%", "number", None),
    ("threshold_pct", "Threshold %", "number", None),
    ("rows", "Rows", "number", None),
]

SOURCE_LABELS = {
    "quarantine": "the extract's defects (audit.quarantine)",
    "dbt": "dbt tests of our models",
    "great_expectations": "Great Expectations suites",
}


def anchor(check_name: str) -> str:
    """An id for a check, readable in the address bar."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", check_name)


def _e(value) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else html.escape(str(value))


def _name(value) -> str:
    """A long identifier, allowed to wrap after each run of underscores and
    each dot, so that it breaks between its words, never inside one."""
    return re.sub(r"(_+|\.)", r"\1<wbr>", _e(value))


def _count(value) -> str:
    return "" if value is None or pd.isna(value) else f"{int(value):,}"


def _pct(value) -> str:
    """A percent as read: 2 decimals, and never 0.00 for a share above 0."""
    if value is None or pd.isna(value):
        return ""
    if value == 0:
        return "0"
    return "<0.01" if value < 0.01 else f"{value:.2f}"


def _sort_value(value) -> str:
    return "" if value is None or pd.isna(value) else repr(float(value))


def _svg(figure: plt.Figure, name: str) -> str:
    """The figure as SVG to sit inside the page. matplotlib names the
    elements of every figure alike (figure_1, patch_1, ...): each one's ids,
    and the references to them, get the figure's name in front, so that ids
    stay unique on a page with two figures."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(figure)
    text = buffer.getvalue()
    text = text[text.index("<svg"):]  # drop the XML prolog: the SVG sits inside HTML
    for defined in set(re.findall(r'\bid="([^"]+)"', text)):
        text = re.sub(rf'(\bid="|#){re.escape(defined)}(?=["\)])', rf"\g<1>{name}-{defined}", text)
    return text


def _status(status: str) -> str:
    return f'<span class="status {_e(status)}">{_e(status)}</span>'


def status_order(statuses) -> list[str]:
    """Every status present, worst first (unknown ones last, as found)."""
    present = list(dict.fromkeys(statuses))
    return [s for s in STATUSES if s in present] + [s for s in present if s not in STATUSES]


# -- sections ----------------------------------------------------------------

def overview(checks: pd.DataFrame) -> str:
    """Checks per Kahn category and status; a count is a link that filters
    the checks table to those checks."""
    statuses = status_order([*STATUSES, *checks["status"]])
    categories = sorted(checks["kahn_category"].dropna().unique())
    lines = ['<table class="overview"><thead><tr><th>Kahn category</th>'
             + "".join(f"<th>{_status(s)}</th>" for s in statuses)
             + "<th>all</th><th>% passing</th></tr></thead><tbody>"]
    for category in [*categories, None]:
        rows = checks if category is None else checks[checks["kahn_category"] == category]
        cells = []
        for status in [*statuses, None]:
            n = int((rows["status"] == status).sum()) if status else len(rows)
            filters = {"kahn_category": category or "", "status": status or ""}
            attrs = " ".join(f'data-filter-{k}="{_e(v)}"' for k, v in filters.items())
            cells.append(f'<td class="num"><a href="#checks" class="set-filters" {attrs}>{n:,}</a></td>'
                         if n else '<td class="num zero">0</td>')
        passing = f"{100 * (rows['status'] == 'pass').sum() / len(rows):.1f}" if len(rows) else ""
        label = _e(category) if category else "all checks"
        lines.append(f'<tr{" class=total" if category is None else ""}><th>{label}</th>{"".join(cells)}'
                     f'<td class="num">{passing}</td></tr>')
    lines.append("</tbody></table>")
    by_source = checks.groupby("source").size()
    sources = "; ".join(f"{n:,} from {_e(SOURCE_LABELS.get(s, s))}" for s, n in by_source.items())
    lines.append(f'<p class="note">{len(checks):,} checks: {sources}. A count opens the checks it counts.</p>')
    return "\n".join(lines)


RECONCILIATION_HEADINGS = {
    "source_file": "File", "raw_rows": "Raw records", "staged_rows": "Staged", "dropped_rows": "Dropped",
    "bad_records": "of which unreadable", "repaired_rows": "Staged with a value repaired",
    "repaired_values": "Values repaired", "blank_lines": "Blank lines", "is_reconciled": "Raw = staged + dropped",
    "parser": "Read by",
}


def reconciliation(frame: pd.DataFrame) -> str:
    lines = ['<table class="reconciliation"><thead><tr>'
             + "".join(f"<th>{_e(RECONCILIATION_HEADINGS.get(c, c))}</th>" for c in frame.columns)
             + "</tr></thead><tbody>"]
    for row in frame.itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, row):
            if column == "is_reconciled":
                cells.append(f'<td class="{"ok" if value else "bad"}">{"yes" if value else "NO"}</td>')
            elif pd.api.types.is_number(value) and not isinstance(value, bool):
                cells.append(f'<td class="num">{_count(value)}</td>')
            else:
                cells.append(f"<td>{_e(value)}</td>")
        lines.append(f"<tr>{''.join(cells)}</tr>")
    lines.append("</tbody></table>")
    return "\n".join(lines)


def violated_chart(checks: pd.DataFrame) -> str:
    """Violated % of each check that does not pass, highest first, with its
    threshold; a bar links to the check's rows."""
    flagged = checks[(checks["status"] != "pass") & checks["violated_pct"].notna()]
    if flagged.empty:
        return '<p class="note">Every check passes: no violations to chart.</p>'
    shown = flagged.sort_values(["violated_pct", "check_name"], ascending=[False, True]).head(CHART_CHECKS)
    figure, ax = plt.subplots(figsize=(10, 0.9 + 0.24 * len(shown)))
    places = list(range(len(shown)))
    bars = ax.barh(places, shown["violated_pct"], color=[STATUS_COLOURS.get(s, "#999") for s in shown["status"]])
    for bar, name in zip(bars, shown["check_name"]):
        bar.set_url(f"#rows-{anchor(name)}")
    for place, row in zip(places, shown.itertuples()):
        ax.text(row.violated_pct, place, f" {_pct(row.violated_pct)} %", va="center", fontsize=7)
        if row.threshold_pct > 0:
            ax.plot([row.threshold_pct] * 2, [place - 0.4, place + 0.4], color="black", linewidth=1.5)
    ax.set_yticks(places, list(shown["check_name"]), fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("% of the rows or records checked that violate the check (black tick: the check's threshold)")
    # A check that does not pass with 0 % violated (a dbt test that returned
    # no rows but errored, say) leaves nothing to scale by: show 0-1 %.
    widest = max(shown["violated_pct"].max(), shown["threshold_pct"].max())
    ax.set_xlim(0, widest * 1.15 if widest > 0 else 1)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    title = "Checks that do not pass" if len(shown) == len(flagged) else \
        f"The {len(shown)} highest of {len(flagged)} checks that do not pass"
    ax.set_title(title, fontsize=10, loc="left")
    return _svg(figure, "violated")


def defects_chart(checks: pd.DataFrame) -> str:
    """The extract's defects per file, by Kahn category (records counted once
    per check they fail)."""
    extract = checks[(checks["source"] == "quarantine") & (checks["violated_rows"].fillna(0) > 0)]
    if extract.empty:
        return '<p class="note">The extract checks found no defect.</p>'
    counts = extract.pivot_table(index="model", columns="kahn_category", values="violated_rows", aggfunc="sum",
                                 fill_value=0).sort_index(ascending=False)
    figure, ax = plt.subplots(figsize=(8, 0.9 + 0.35 * len(counts)))
    left = [0] * len(counts)
    for colour, category in zip(KAHN_COLOURS * 3, counts.columns):
        values = [int(v) for v in counts[category]]
        ax.barh(list(counts.index), values, left=left, color=colour, label=category)
        left = [a + b for a, b in zip(left, values)]
    for place, total in enumerate(left):
        ax.text(total, place, f" {total:,}", va="center", fontsize=8)
    ax.set_xlabel("records set aside or repaired (a record counts once per check it fails)")
    ax.set_xlim(0, max(left) * 1.15)
    ax.legend(fontsize=8, title="Kahn category", title_fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_title("The extract's defects per file", fontsize=10, loc="left")
    return _svg(figure, "defects")


def _filter_control(key: str, kind: str | None, index: int, checks: pd.DataFrame) -> str:
    if kind is None:
        return "<td></td>"
    label = f'aria-label="filter {html.escape(key)}"'
    if kind == "text":
        return f'<td><input type="search" size="6" data-filter="{key}" data-column="{index}" {label} placeholder="contains"></td>'
    if key == "status":
        values = status_order(checks["status"])
    elif key == "defect_class":
        values = [str(int(v)) for v in sorted(checks["defect_class"].dropna().unique())]
    else:
        values = sorted(checks[key].dropna().astype(str).unique())
    options = "".join(f'<option value="{_e(v)}">{_e(v)}</option>' for v in values)
    return f'<td><select data-filter="{key}" data-column="{index}" {label}><option value="">all</option>{options}</select></td>'


def checks_table(checks: pd.DataFrame, samples: dict[str, Sample]) -> str:
    """Every check, worst status first, then by violated % (highest first)."""
    rank = {s: i for i, s in enumerate(status_order(checks["status"]))}
    ordered = checks.assign(_rank=checks["status"].map(rank)).sort_values(
        ["_rank", "violated_pct", "check_name"], ascending=[True, False, True], na_position="last")
    head = "".join(f'<th><button type="button" data-sort="{kind}">{_e(title)}</button></th>'
                   for _, title, kind, _ in COLUMNS)
    controls = "".join(_filter_control(key, kind, i, checks) for i, (key, _, _, kind) in enumerate(COLUMNS))
    lines = ['<p class="controls"><label><input type="checkbox" id="hide-passing"> hide checks that pass</label> '
             '<button type="button" id="clear-filters">clear filters</button> '
             '<span id="shown-count" class="note"></span></p>',
             '<noscript><p class="note">Sorting and filtering need JavaScript; the table lists every check, '
             'worst first.</p></noscript>',
             f'<table id="check-table"><thead><tr>{head}</tr><tr class="filters">{controls}</tr></thead><tbody>']
    for row in ordered.itertuples(index=False):
        name = row.check_name
        sample = samples.get(name)
        cells = []
        for key, _, _, _ in COLUMNS:
            value = getattr(row, key, None)
            if key == "status":
                cells.append(f'<td data-value="{rank[value]}">{_status(value)}</td>')
            elif key == "check_name":
                cells.append(f'<td class="name" title="{_e(row.description)}">{_name(name)}</td>')
            elif key == "defect_class":
                cells.append(f'<td class="num" data-value="{_sort_value(value)}">'
                             f'{"" if pd.isna(value) else int(value)}</td>')
            elif key in ("violated_rows", "denominator_rows"):
                cells.append(f'<td class="num" data-value="{_sort_value(value)}">{_count(value)}</td>')
            elif key in ("violated_pct", "threshold_pct"):
                cells.append(f'<td class="num" data-value="{_sort_value(value)}">{_pct(value)}</td>')
            elif key == "rows":
                shown = 0 if sample is None else len(sample.rows)
                link = (f'<a href="#rows-{anchor(name)}" title="the offending rows">{shown:,}</a>'
                        if sample is not None else "")
                cells.append(f'<td class="num" data-value="{shown if sample is not None else ""}">{link}</td>')
            elif key in ("model", "column_name"):
                cells.append(f'<td class="text">{_name(value)}</td>')
            else:
                cells.append(f"<td>{_e(value)}</td>")
        lines.append(f'<tr id="check-{anchor(name)}" data-status="{_e(row.status)}">{"".join(cells)}</tr>')
    lines.append("</tbody></table>")
    return "\n".join(lines)


def _cell(column: str, value, whole_record: bool = False) -> str:
    """One value of a sample row. A raw value that is not there is shown as
    such: missing, or none because the fault is the whole record's (a
    duplicate: no one column is at fault)."""
    if value is None or (not isinstance(value, (str, list, dict)) and pd.isna(value)):
        if column == "raw_value":
            return f'<td class="missing">{"(the whole record)" if whole_record else "(missing)"}</td>'
        return "<td></td>"
    text = str(value)
    if column in ("raw_value", "unexpected_values") or len(text) > 60:
        cut = text[:RAW_VALUE_CHARS]
        more = (f' <span class="note">… {len(text) - RAW_VALUE_CHARS:,} more characters</span>'
                if len(text) > RAW_VALUE_CHARS else "")
        return f'<td class="raw"><code>{html.escape(cut)}</code>{more}</td>'
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f'<td class="num">{html.escape(text)}</td>'
    return f"<td>{html.escape(text)}</td>"


def sample_section(check: pd.Series, sample: Sample) -> str:
    name = check["check_name"]
    found = f"{_count(check['violated_rows'])} of {_count(check['denominator_rows'])}"
    if pd.notna(check["violated_pct"]):
        found += f" ({_pct(check['violated_pct'])} %; threshold {_pct(check['threshold_pct'])} %)"
    if sample.total_rows is not None:
        where = (f"the first {len(sample.rows):,} of {sample.total_rows:,} rows of {_e(sample.relation)}"
                 if sample.total_rows > len(sample.rows) else
                 f"all {sample.total_rows:,} rows of {_e(sample.relation)}")
    else:
        where = f"{len(sample.rows):,} rows of {_e(sample.relation)}"
    if sample.note:
        where += f": {_e(sample.note)}"
    parts = [f'<section class="sample" id="rows-{anchor(name)}">',
             f"<h3>{_status(check['status'])} {_name(name)}</h3>",
             f'<p>{_e(check["description"])}<br>Violated: {found}. Shown: {where}.</p>']
    if sample.query:
        parts.append(f'<p class="note">All of them, from the build file: <code>{_e(sample.query)}</code></p>')
    if len(sample.rows):
        frame = sample.rows
        parts.append('<div class="scroll"><table class="rows"><thead><tr>'
                     + "".join(f"<th>{_e(c)}</th>" for c in frame.columns) + "</tr></thead><tbody>")
        for values in frame.itertuples(index=False):
            row = dict(zip(frame.columns, values))
            whole = "column_name" in row and not (isinstance(row["column_name"], str) and row["column_name"])
            parts.append("<tr>" + "".join(_cell(c, v, whole) for c, v in row.items()) + "</tr>")
        parts.append("</tbody></table></div>")
    parts.append(f'<p class="back"><a href="#check-{anchor(name)}">back to the check</a> · '
                 '<a href="#checks">all checks</a></p></section>')
    return "\n".join(parts)


def samples_sections(checks: pd.DataFrame, samples: dict[str, Sample]) -> str:
    if not samples:
        return '<p class="note">Every check passes: there are no offending rows to show.</p>'
    rank = {s: i for i, s in enumerate(status_order(checks["status"]))}
    flagged = checks[checks["check_name"].isin(list(samples))]
    flagged = flagged.assign(_rank=flagged["status"].map(rank)).sort_values(
        ["_rank", "source", "check_name"])
    return "\n".join(sample_section(check, samples[check["check_name"]]) for _, check in flagged.iterrows())


def about(validation_results_dir: str) -> str:
    return f"""<ul class="note">
<li><b>The extract's defects</b> (source <code>quarantine</code>, warn): one check per column and problem the
data dictionary (<code>seeds/extract_columns.csv</code>) implies, counting the records staging set aside or
repaired (<code>audit.extract_checks</code>); the rows are in <code>audit.quarantine</code>, with the record's
file and row in the extract. They never stop the build: fix them in the registry.</li>
<li><b>dbt tests</b> (source <code>dbt</code>): our models' keys, relationships, contracts and cross-model
checks; an error-level failure stops the build. Their rows are in schema <code>audit_failures</code>.</li>
<li><b>Great Expectations</b> (source <code>great_expectations</code>, warn): how often each column is recorded
against the dictionary's expectation, and valid but unlikely values. A sample of the unexpected rows GX
reported is in <code>audit_failures.great_expectations_samples</code>; GX's own validation results, as JSON,
are in <code>{_e(validation_results_dir)}/</code>.</li>
<li>Status: <code>pass</code>, or <code>warn</code>/<code>fail</code> (by severity) once the violated % is
above the threshold, or <code>error</code> if the check could not run. Up to {SAMPLE_ROWS} offending rows are
shown per check, never all of them. Everything here is in <code>{DQ_TABLE}</code> of the build file
(docs/data_quality.md).</li>
</ul>"""


STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1600px; margin: 1.5em auto; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
h3 { font-size: 1em; margin: 1.5em 0 0.3em; }
nav a { margin-right: 1em; }
.warning { background: #fff4e5; border: 1px solid #e6a23c; padding: 0.6em 0.9em; border-radius: 4px; }
table { border-collapse: collapse; font-size: 0.82em; }
td, th { padding: 3px 7px; border-bottom: 1px solid #eee; text-align: left; vertical-align: top; }
thead th { background: #f4f6f9; position: sticky; top: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.zero { color: #bbb; } tr.total th, tr.total td { border-top: 2px solid #ccc; font-weight: 600; }
td.ok { color: #2e8b57; } td.bad { color: #c0392b; font-weight: 700; }
.note { color: #555; font-size: 0.85em; }
.status { display: inline-block; min-width: 3.2em; text-align: center; border-radius: 3px; color: #fff;
          font-size: 0.85em; padding: 0 4px; }
.status.pass { background: #2e8b57; } .status.warn { background: #e67e22; }
.status.fail { background: #c0392b; } .status.error { background: #8e44ad; }
#check-table { width: 100%; }
#check-table td.num { white-space: nowrap; }
#check-table td.name { min-width: 14em; max-width: 26em; overflow-wrap: break-word; }
#check-table td.text { max-width: 12em; overflow-wrap: break-word; }
#check-table thead button { border: 0; background: none; font: inherit; font-weight: 600; cursor: pointer; padding: 0; }
#check-table th[aria-sort=ascending] button::after { content: " \\25B2"; }
#check-table th[aria-sort=descending] button::after { content: " \\25BC"; }
#check-table tr.filters td { background: #f4f6f9; position: sticky; top: 1.6em; }
#check-table input, #check-table select { width: 100%; min-width: 3em; box-sizing: border-box; font-size: 0.95em; }
.controls { margin: 0.5em 0; }
table.rows code, td.raw code { white-space: pre-wrap; word-break: break-all; background: #f6f6f6; }
td.missing { color: #999; font-style: italic; }
.scroll { overflow-x: auto; }
section.sample { border-left: 3px solid #ddd; padding-left: 0.8em; }
section.sample:target { border-left-color: #e67e22; background: #fffaf3; }
tr:target { background: #fff3d6; }
svg { max-width: 100%; height: auto; }
"""

# Sorting and filtering of the checks table, written here (no library, no
# network). A click on a heading sorts by that column (again: the other
# way); empty cells stay last; ties keep the order they had, so sorting by
# one column then another sorts by both. Filters: a list picks one value, a
# text box keeps rows whose cell contains the text (either case). A count in
# the overview shows exactly the checks it counts (its category and status,
# every other filter off).
SCRIPT = r"""
(function () {
  "use strict";
  var table = document.getElementById("check-table");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var headings = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var filters = Array.prototype.slice.call(table.querySelectorAll("[data-filter]"));
  var hidePassing = document.getElementById("hide-passing");
  var shownCount = document.getElementById("shown-count");

  function text(row, index) { return row.cells[index].textContent.trim(); }

  function sortKey(row, index, kind) {
    var cell = row.cells[index];
    var raw = cell.hasAttribute("data-value") ? cell.getAttribute("data-value") : cell.textContent.trim();
    if (raw === "") { return null; }
    return kind === "number" ? parseFloat(raw) : raw.toLowerCase();
  }

  function applyFilters() {
    var shown = 0;
    rows.forEach(function (row) {
      var keep = filters.every(function (control) {
        var wanted = control.value.trim().toLowerCase();
        if (wanted === "") { return true; }
        var have = text(row, parseInt(control.getAttribute("data-column"), 10)).toLowerCase();
        return control.tagName === "SELECT" ? have === wanted : have.indexOf(wanted) !== -1;
      });
      if (hidePassing.checked && row.getAttribute("data-status") === "pass") { keep = false; }
      row.hidden = !keep;
      if (keep) { shown += 1; }
    });
    shownCount.textContent = shown + " of " + rows.length + " checks shown";
  }

  function sortBy(heading) {
    var index = headings.indexOf(heading);
    var kind = heading.querySelector("button").getAttribute("data-sort");
    var ascending = heading.getAttribute("aria-sort") !== "ascending";
    headings.forEach(function (h) { h.removeAttribute("aria-sort"); });
    heading.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var keyed = rows.map(function (row, position) { return [sortKey(row, index, kind), position, row]; });
    keyed.sort(function (a, b) {
      if (a[0] === null || b[0] === null) {
        return a[0] === b[0] ? a[1] - b[1] : (a[0] === null ? 1 : -1);
      }
      var order = kind === "number" ? a[0] - b[0] : (a[0] < b[0] ? -1 : (a[0] > b[0] ? 1 : 0));
      return order === 0 ? a[1] - b[1] : (ascending ? order : -order);
    });
    rows = keyed.map(function (k) { return k[2]; });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  headings.forEach(function (heading) {
    heading.querySelector("button").addEventListener("click", function () { sortBy(heading); });
  });
  filters.forEach(function (control) {
    control.addEventListener(control.tagName === "SELECT" ? "change" : "input", applyFilters);
  });
  hidePassing.addEventListener("change", applyFilters);
  document.getElementById("clear-filters").addEventListener("click", function () {
    filters.forEach(function (control) { control.value = ""; });
    hidePassing.checked = false;
    applyFilters();
  });
  Array.prototype.forEach.call(document.querySelectorAll("a.set-filters"), function (link) {
    link.addEventListener("click", function () {
      filters.forEach(function (control) {
        var wanted = link.getAttribute("data-filter-" + control.getAttribute("data-filter"));
        control.value = wanted === null ? "" : wanted;  // exactly the checks counted: other filters off
      });
      hidePassing.checked = false;
      applyFilters();
    });
  });
  applyFilters();
})();
"""


def render_dashboard(data: DashboardData, validation_results_dir: str) -> str:
    checks = data.checks
    run_at = checks["run_at"].max() if len(checks) else None
    flagged = int((checks["status"] != "pass").sum())
    sections = [
        ("overview", "Overview: checks by Kahn category and status", overview(checks)),
        ("reconciliation", "Reconciliation per extract file (audit.reconciliation)",
         reconciliation(data.reconciliation)),
        ("charts", "Charts", violated_chart(checks) + defects_chart(checks)),
        ("checks", f"Every check ({DQ_TABLE})", checks_table(checks, data.samples)),
        ("rows", f"Offending rows of the {flagged:,} checks that do not pass",
         samples_sections(checks, data.samples)),
        ("about", "Where the checks come from", about(validation_results_dir)),
    ]
    nav = " ".join(f'<a href="#{key}">{_e(title.split(":")[0].split(" (")[0])}</a>' for key, title, _ in sections)
    body = "\n".join(f'<h2 id="{key}">{_e(title)}</h2>\n{content}' for key, title, content in sections)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Data quality of the JDM registry build</title>
<style>{STYLE}</style></head>
<body>
<h1>Data quality of the JDM registry build</h1>
<p class="warning"><b>For the data team only.</b> This page shows values from the registry extract as written
(record ids, dates, the text of records set aside) to help fix them at the source. Keep it inside the secure
environment: do not publish, e-mail or share it. (The study report is what leaves.)</p>
<p class="note">Build file <code>{_e(data.build_file)}</code>; checks run {_e(run_at)}; page written
{data.read_at:%Y-%m-%d %H:%M:%S}. One file: it opens offline and loads nothing from anywhere.</p>
<nav>{nav}</nav>
{body}
<script>{SCRIPT}</script>
</body></html>
"""


def write_dashboard(db_path: Path, out_dir: Path, validation_results_dir: str) -> Path:
    """OUT/data_quality.html from the build file (read-only)."""
    data = load_dashboard_data(db_path)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / DASHBOARD_FILE
    path.write_text(render_dashboard(data, validation_results_dir), encoding="utf-8")
    return path

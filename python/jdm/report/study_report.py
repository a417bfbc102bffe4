"""`jdm report`: the study report a clinician reads, one self-contained HTML
file (figures inline as SVG, no external files or network), from the marts
and marts.study_results, read through a read-only connection; and the
summary tables beside it as CSV files (OUT/summary_tables/).

It reads like the results section of a clinical paper, in a paper's order
(`SECTIONS`): the patient flow, Table 1, the primary outcomes, skin,
steroids, response and inactive disease, trajectories, then the data
quality and the parameters of the build. Every table and figure has a
numbered caption saying which patients it shows and which test. Codes never
reach the page: every measure, timepoint, analysis, analysis set and
exclusion reason is printed by its label from the seeds (jdm.report.labels).

Both the page and the CSV files are meant to leave the warehouse, so every
count they print is small-cell suppressed (the rule: jdm.report.disclosure;
the tables and how their counts are linked: jdm.report.summary_tables). The
statistics are those of marts.study_results, computed on the full data.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from jdm.report.disclosure import SECONDARY, SECONDARY_NOTE, SMALL_NOTE, count_text, is_small
from jdm.report.figures import (
    DAYS_PER_MONTH, km_figure, scale_label, skin_figure, strobe_figure, trajectory_model_figure)
from jdm.report.labels import Labels, read_labels
from jdm.report.summary_tables import (
    SKIN_MEASURES, SKIN_TIMEPOINTS, SUBSET, attrition_table, baseline_table, diagnosis_group_table,
    headline_table, indication_table, skin_table, skin_tables)
from jdm.study import causal
from jdm.study.analysis import (
    INACTIVE_DISEASE_ANALYSIS, KM_TIMEPOINTS, MSM_ANALYSES, RESPONSE_TEST, WHOLE_COHORT, tis_response_analysis)

SKIN_SQL_LIST = ", ".join(f"'{m}'" for m in SKIN_MEASURES)
TRAJECTORY_ANALYSIS = "trajectory_mixed_model"
# The causal estimate: the marginal structural model, then the estimates
# without its weights (analysis codes of marts.study_results), and the weights.
CAUSAL_ANALYSES = tuple(analysis for analysis, _ in MSM_ANALYSES.values())
WEIGHT_ANALYSIS = "msm_weights"
# The analyses of marts.study_results each results section shows.
PRIMARY_ANALYSES = ("muscle_in_weak_at_baseline", "physician_global")
SKIN_ANALYSES = ("skin_free_at_last_follow_up", "skin_change", "calcinosis_resolved")
STEROID_ANALYSES = ("steroid_dose_change", "time_to_off_steroids")
STEROID_MEASURE = "steroid_dose_mg_kg_day"


def read_report_data(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    in_sets = """
        select 'completers' as analysis_set, * from marts.patients where in_completers
        union all
        select 'all_treated', * from marts.patients where in_all_treated"""
    return {
        "attrition": con.execute("select * from marts.attrition order by step_number, exclusion_reason_order").df(),
        "analysis_sets": con.execute("""
            select 'completers' as analysis_set, count(*) filter (where in_completers) as patients from marts.patients
            union all
            select 'all_treated', count(*) filter (where in_all_treated) from marts.patients""").df(),
        "results": con.execute(
            "select * from marts.study_results order by analysis_set desc, analysis, measure, timepoint").df(),
        # The observed median at each windowed timepoint (the trajectory
        # figure's points) and the mixed models' fitted mean curves.
        "trajectory_medians": con.execute(f"""
            select measure, timepoint, target_day, median(value::double) as median
            from marts.outcome_timepoints
            where in_completers and target_day is not null
                and measure in (select distinct measure from marts.trajectory_observations)
            group by all order by measure, target_day""").df(),
        "trajectory_curves": con.execute("select * from marts.trajectory_curves order by all").df(),
        # The causal estimate's person-time: the children the weight and
        # outcome models can use (complete baseline covariates, as
        # jdm.study.causal.prepare), their months and starts.
        "person_time": con.execute("""
            select count(distinct patient_id) as patients, count(*) as person_months,
                count(*) filter (where is_treatment_start_month) as starts,
                count(outcome_das_skin) as months_with_das_skin,
                count(outcome_physician_global_vas) as months_with_physician_global
            from marts.person_months
            where sex is not null and age_at_diagnosis_years is not null
                and disease_duration_at_diagnosis_months is not null""").df().iloc[0],
        # Per analysis set and skin sign: the bars' counts and the 2 x 2 table of
        # baseline by last follow-up (pairs: a last follow-up value with a baseline).
        "skin_counts": con.execute(f"""
            with skin as (
                select * from marts.outcome_timepoints
                where measure in ({SKIN_SQL_LIST}) and timepoint in ('baseline', 'last_follow_up')),
            in_sets as (
                select 'completers' as analysis_set, * from skin where in_completers
                union all
                select 'all_treated', * from skin where in_all_treated),
            sets_and_measures as (
                select * from (values ('completers'), ('all_treated')) as sets(analysis_set)
                cross join (select unnest([{SKIN_SQL_LIST}]) as measure))
            select analysis_set, measure,
                count(value) filter (where timepoint = 'baseline') as baseline_n,
                count(value) filter (where timepoint = 'baseline' and value = 1) as baseline_present,
                count(value) filter (where timepoint = 'last_follow_up') as last_n,
                count(value) filter (where timepoint = 'last_follow_up' and value = 1) as last_present,
                count(value) filter (where timepoint = 'last_follow_up' and baseline_value = 1 and value = 1) as pp,
                count(value) filter (where timepoint = 'last_follow_up' and baseline_value = 1 and value <> 1) as pa,
                count(value) filter (where timepoint = 'last_follow_up' and baseline_value <> 1 and value = 1) as ap,
                count(value) filter (where timepoint = 'last_follow_up' and baseline_value <> 1 and value <> 1) as aa
            from sets_and_measures left join in_sets using (analysis_set, measure)
            group by all order by all""").df(),
        "steroids": con.execute("""
            select days_to_off_steroids_or_censoring as days, is_off_steroids
            from marts.steroid_discontinuation
            where in_completers and is_in_time_to_off_steroids_analysis""").df(),
        # Per analysis set: the patients the time to off steroids analyses
        # (on oral steroids at baseline, followed), its events, and the others.
        "km_counts": con.execute("""
            with in_sets as (
                select 'completers' as analysis_set, * from marts.steroid_discontinuation where in_completers
                union all
                select 'all_treated', * from marts.steroid_discontinuation where in_all_treated)
            select analysis_set,
                count(*) as set_size,
                count(*) filter (where is_in_time_to_off_steroids_analysis) as n,
                count(*) filter (where is_in_time_to_off_steroids_analysis and is_off_steroids) as events,
                count(*) filter (where is_on_steroids_at_baseline = false) as not_on_steroids_at_baseline,
                count(*) filter (where is_on_steroids_at_baseline is null) as steroids_at_baseline_unknown,
                count(*) filter (where is_on_steroids_at_baseline and not is_in_time_to_off_steroids_analysis)
                    as no_follow_up
            from (select * from (values ('completers'), ('all_treated')) as sets(analysis_set)) as sets
            left join in_sets using (analysis_set)
            group by analysis_set""").df(),
        "baseline_counts": con.execute(f"""
            with in_sets as ({in_sets})
            select analysis_set, 'Sex' as characteristic, sex as category, count(*) as patients
            from in_sets group by all
            union all
            select analysis_set, 'Ethnicity', ethnicity, count(*) from in_sets group by all""").df(),
        # Table 1's continuous characteristics: medians are statistics, not
        # counts (computed on the full data, as every statistic of the report).
        "baseline_medians": con.execute(f"""
            with in_sets as ({in_sets})
            select analysis_set,
                median(age_at_index_years) as age_median,
                quantile_cont(age_at_index_years, 0.25) as age_q1,
                quantile_cont(age_at_index_years, 0.75) as age_q3,
                median(months_from_diagnosis_to_index) as duration_median,
                quantile_cont(months_from_diagnosis_to_index, 0.25) as duration_q1,
                quantile_cont(months_from_diagnosis_to_index, 0.75) as duration_q3,
                median(baseline_cmas) as cmas_median,
                quantile_cont(baseline_cmas, 0.25) as cmas_q1,
                quantile_cont(baseline_cmas, 0.75) as cmas_q3
            from in_sets group by analysis_set""").df(),
        "indications": con.execute("select * from marts.indication_counts").df(),
        "diagnosis_groups": con.execute("select * from marts.diagnosis_group_counts").df(),
        "timepoints": con.execute("select timepoint, target_day from marts.analysis_timepoints").df(),
        "dq": con.execute("""
            select kahn_category, source, status, count(*) as checks, sum(violated_rows)::bigint as violated_rows
            from marts.dq_results group by all order by all""").df(),
        "parameters": con.execute(
            "select parameter, value, description, defined_by from marts.study_parameters order by parameter").df(),
        # Each measure's label and direction (seed outcome_measures) and its
        # range (the data dictionary, seed extract_columns).
        "scales": con.execute("""
            select measures.measure, measures.measure_label, measures.unit, measures.better_direction,
                columns.min_value, columns.max_value
            from reference.outcome_measures as measures
            left join reference.extract_columns as columns
                on columns.source_file = 'visits.csv' and columns.staged_column = measures.source_field
            order by measures.measure""").df().set_index("measure"),
    }


def summary_tables(data: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The published tables, suppressed, from the data read_report_data reads."""
    skin = skin_tables(data["skin_counts"])
    sizes = dict(zip(data["analysis_sets"]["analysis_set"], data["analysis_sets"]["patients"].astype(int)))
    return {
        "attrition": attrition_table(data["attrition"], sizes),
        "headline_results": headline_table(data["results"], skin, data["km_counts"]),
        "skin_signs": skin_table(skin),
        "baseline_characteristics": baseline_table(data["baseline_counts"]),
        "indications": indication_table(data["indications"]),
        "diagnosis_groups": diagnosis_group_table(data["diagnosis_groups"]),
    }


# --- writing numbers ----------------------------------------------------------

def _number(value: float | None, digits: int = 1) -> str:
    return "" if value is None or pd.isna(value) else f"{value:.{digits}f}"


def _p(value: float | None) -> str:
    if value is None or pd.isna(value):
        return ""
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def _median_iqr(median: float | None, q1: float | None, q3: float | None, digits: int = 1) -> str:
    if median is None or pd.isna(median):
        return ""
    return f"{_number(median, digits)} ({_number(q1, digits)}–{_number(q3, digits)})"


def _is_percent(row) -> bool:
    """Estimates of proportions are printed as percentages."""
    return row.test in ("proportion", RESPONSE_TEST) or (row.test == "kaplan_meier" and row.timepoint != "median")


def _ci(row) -> str:
    if pd.isna(row.ci_low) or pd.isna(row.ci_high):
        return ""
    scale = 100 if _is_percent(row) else 1
    low, high = row.ci_low * scale, row.ci_high * scale
    # A dash between negative numbers reads as a minus sign.
    return f"{_number(low)} to {_number(high)}" if low < 0 else f"{_number(low)}–{_number(high)}"


def _result(row) -> str:
    """A result in words, from the printed (suppressed) row."""
    if row.test == "mcnemar":
        return (f"present → absent {row.present_to_absent}, absent → present {row.absent_to_present}"
                if row.n not in ("0", "") else "no patients")
    return str(row.result).replace("->", "→")


# --- the page's pieces ------------------------------------------------------

MARKERS = f"{SMALL_NOTE}; {SECONDARY_NOTE}."
# A suppression marker printed as text of a table cell or an SVG text (not
# the `*` of an SVG style sheet).
_MARKER = re.compile(r"&lt;5|>[^<{]*(?<![\w/])\*(?![\w/{])[^<]*<")


def _captioned(caption: str, body: str) -> str:
    """The caption, and what the markers mean when the body shows one."""
    return html.escape(caption + (f" {MARKERS}" if _MARKER.search(body) else ""))


@dataclass
class Numbering:
    """Tables and figures are numbered in the order they appear."""

    tables: int = 0
    figures: int = 0

    def table(self, caption: str, body: str) -> str:
        self.tables += 1
        return (f'<figure class="table"><figcaption><b>Table {self.tables}.</b> {_captioned(caption, body)}'
                f"</figcaption>\n{body}</figure>")

    def figure(self, caption: str, body: str) -> str:
        self.figures += 1
        return (f'<figure>{body}<figcaption><b>Figure {self.figures}.</b> {_captioned(caption, body)}'
                "</figcaption></figure>")


Row = list[str] | str  # cells, or a heading row spanning the table


def html_table(columns: list[str], rows: Iterable[Row], numeric: Iterable[int] = ()) -> str:
    """A table of text; a str row is a heading across the table. The
    `numeric` columns (by position) are right-aligned."""
    right = set(numeric)

    def cell(tag: str, i: int, text: str) -> str:
        return f'<{tag}{" class=num" if i in right else ""}>{html.escape(text)}</{tag}>'

    lines = ["<table><thead><tr>" + "".join(cell("th", i, c) for i, c in enumerate(columns)) + "</tr></thead><tbody>"]
    for row in rows:
        if isinstance(row, str):
            lines.append(f'<tr class="group"><th colspan="{len(columns)}">{html.escape(row)}</th></tr>')
        else:
            lines.append("<tr>" + "".join(cell("td", i, c) for i, c in enumerate(row)) + "</tr>")
    lines.append("</tbody></table>")
    return "\n".join(lines)


@dataclass
class Report:
    """What the sections draw on: the marts as read, the tables as printed
    (suppressed), the labels, and the numbering of tables and figures."""

    data: dict[str, pd.DataFrame]
    tables: dict[str, pd.DataFrame]
    labels: Labels
    numbering: Numbering = field(default_factory=Numbering)

    @property
    def set_sizes(self) -> dict[str, int]:
        sets = self.data["analysis_sets"]
        return dict(zip(sets["analysis_set"], sets["patients"].astype(int)))

    @property
    def analysis_sets(self) -> list[str]:
        """The protocol's analysis sets (not the causal estimate's whole cohort)."""
        return sorted(self.set_sizes, key=lambda s: self.labels.analysis_set_order[s])

    def population(self, sets: Iterable[str] | None = None) -> str:
        """'Completers (n = 48) and all treated (n = 52)'."""
        sizes = self.set_sizes | {WHOLE_COHORT: int(self.data["person_time"]["patients"])}
        named = [f"{self.labels.analysis_set(s)} (n = {count_text(sizes[s])})"
                 for s in (sets or self.analysis_sets)]
        named = [named[0], *(n[0].lower() + n[1:] for n in named[1:])]
        return " and ".join(named)

    def results(self, analyses: Iterable[str]) -> pd.DataFrame:
        """The printed result rows of these analyses, both sets, in the
        seeds' order (set, analysis, measure as listed, timepoint)."""
        printed = self.tables["headline_results"]
        rows = printed[printed["analysis"].isin(list(analyses))].copy()
        rows["set_order"] = rows["analysis_set"].map(self.labels.analysis_set_order)
        rows["analysis_order"] = rows["analysis"].map(lambda a: self.labels.analysis_order.get(a, 0))
        rows["timepoint_order"] = rows["timepoint"].map(lambda t: self.labels.timepoint_order.get(t, -1))
        rows["measure_order"] = rows["measure"].map(self.labels.measure_rank)
        return rows.sort_values(["set_order", "analysis_order", "measure_order", "timepoint_order"], kind="stable")

    def tests(self, analyses: Iterable[str]) -> str:
        """The captions' test sentences, each said once."""
        return "; ".join(dict.fromkeys(self.labels.test(a) for a in analyses))


SUPPRESSION_NOTE = (f"Small counts are suppressed: {SMALL_NOTE}; {SECONDARY_NOTE} (a total, a complement, the other "
                    "analysis set). Percentages, proportions and confidence intervals of a suppressed count are left "
                    "blank. The statistics (p-values, medians, confidence intervals of measurements) are computed on "
                    "the full data.")
def _sentence(text: str) -> str:
    """The text with a capital first letter (and the rest as it is)."""
    return text[:1].upper() + text[1:]


def _note(text: str) -> str:
    return f'<p class="note">{html.escape(text)}</p>'


# --- the sections, in a paper's order ---------------------------------------

@dataclass(frozen=True)
class Section:
    title: str
    content: str


def flow_section(report: Report) -> Section:
    labels = report.labels
    sets = "; ".join(f"{labels.analysis_set(s)} (n = {count_text(report.set_sizes[s])}), "
                     f"{labels.analysis_set_descriptions[s]}" for s in report.analysis_sets)
    figure = report.numbering.figure(
        f"Patient flow (STROBE): the patients remaining after each eligibility step, and those it excluded by "
        f"reason. Analysed: {sets}.",
        strobe_figure(report.tables["attrition"], labels.exclusion_reason))
    return Section("Patient flow", figure)


def _table_1_rows(report: Report) -> list[Row]:
    sets = [SUBSET]
    rows: list[Row] = []
    medians = report.data["baseline_medians"].set_index("analysis_set")
    for title, prefix, digits in (("Age at first dose, years, median (IQR)", "age", 1),
                                  ("Months from diagnosis to first dose, median (IQR)", "duration", 1),
                                  (f"Baseline {report.labels.measure('cmas')}, median (IQR)", "cmas", 0)):
        rows.append([title, *(_median_iqr(medians.loc[s, f"{prefix}_median"], medians.loc[s, f"{prefix}_q1"],
                                          medians.loc[s, f"{prefix}_q3"], digits) for s in sets)])

    def counted(heading: str, table: pd.DataFrame, category: str) -> None:
        rows.append(heading)
        for value in dict.fromkeys(table[category]):
            cells = []
            for s in sets:
                row = table[(table["analysis_set"] == s) & (table[category] == value)].iloc[0]
                cells.append(f"{row.patients} ({row.percent} %)" if row.percent else row.patients)
            rows.append([_sentence(str(value)), *cells])

    baseline = report.tables["baseline_characteristics"]
    for characteristic in dict.fromkeys(baseline["characteristic"]):
        of = baseline[(baseline["characteristic"] == characteristic) & (baseline["category"] != "Total")]
        counted(f"{characteristic}, n (%)", of, "category")
    counted("Diagnosis group (Bohan and Peter), n (%)", report.tables["diagnosis_groups"], "diagnosis_group")
    counted("Indication on the first exposure record, n (%)", report.tables["indications"], "indication")
    return rows


def table_1_section(report: Report) -> Section:
    columns = ["Characteristic", report.population([SUBSET])]
    table = report.numbering.table(
        f"Baseline characteristics of the analysed patients: {report.population([SUBSET])}, "
        f"{report.labels.analysis_set_descriptions[SUBSET]}. Counts are n (% of the patients), continuous values "
        "median (interquartile range). A patient is counted under each indication recorded on their first exposure "
        "record, so the indications add up to more than the patients.",
        html_table(columns, _table_1_rows(report), numeric=[1]))
    return Section("Baseline characteristics", table)


def _wilcoxon_rows(report: Report, analyses: Iterable[str]) -> list[Row]:
    labels = report.labels
    rows: list[Row] = []
    for (analysis_set, analysis), group in report.results(analyses).groupby(["set_order", "analysis_order"],
                                                                           sort=False):
        first = group.iloc[0]
        rows.append(f"{labels.analysis_set(first.analysis_set)}: {labels.analysis(first.analysis)}")
        for r in group.itertuples():
            rows.append([labels.measure(r.measure), labels.timepoint(r.timepoint), r.n,
                         _median_iqr(r.baseline_median, r.baseline_q1, r.baseline_q3),
                         _median_iqr(r.timepoint_median, r.timepoint_q1, r.timepoint_q3),
                         f"{r.n_improved}/{r.n}" if r.n not in ("", "0") else "",
                         _p(r.p_value), _p(r.p_holm)])
    return rows


def primary_outcomes_section(report: Report) -> Section:
    weakness = report.data["parameters"].set_index("parameter")["value"].get("muscle_weakness_cmas_below")
    columns = ["Measure", "Compared with baseline at", "n", "Baseline, median (IQR)", "At the timepoint, median (IQR)",
               "Improved", "p", "p (Holm)"]
    table = report.numbering.table(
        f"Primary outcomes: muscle strength in the patients weak at baseline ({report.labels.measure('cmas')} "
        f"below {weakness}), and physician global assessment of disease activity, at baseline and at follow-up. "
        f"{report.population()}; n: patients with a value at both. {report.tests(PRIMARY_ANALYSES)}.",
        html_table(columns, _wilcoxon_rows(report, PRIMARY_ANALYSES), numeric=range(2, 8)))
    return Section("Primary outcomes", table)


def _result_rows(report: Report, analyses: Iterable[str], with_measure: bool = True) -> list[Row]:
    """Any analysis: measure (unless every row has the same one), timepoint,
    n, the result in words, CI, p."""
    labels = report.labels
    rows: list[Row] = []
    for _, group in report.results(analyses).groupby(["set_order", "analysis_order"], sort=False):
        first = group.iloc[0]
        rows.append(f"{labels.analysis_set(first.analysis_set)}: {labels.analysis(first.analysis)}")
        for r in group.itertuples():
            rows.append([*([labels.measure(r.measure)] if with_measure else []), labels.timepoint(r.timepoint), r.n,
                         _result(r), _ci(r), _p(r.p_value), _p(r.p_holm)])
    return rows


RESULT_COLUMNS = ["Measure", "Timepoint", "n", "Result", "95 % CI", "p", "p (Holm)"]


def skin_section(report: Report) -> Section:
    labels = report.labels
    measures = list(SKIN_MEASURES)
    figure = report.numbering.figure(
        f"Patients with each skin sign at {labels.timepoint(SKIN_TIMEPOINTS[0]).lower()} and at "
        f"{labels.timepoint(SKIN_TIMEPOINTS[1]).lower()}, % of the patients assessed. "
        f"{report.population([SUBSET])}. A suppressed bar is not drawn: its place shows the marker.",
        skin_figure(report.tables["skin_signs"], measures, labels.measure, labels.timepoint))
    table = report.numbering.table(
        f"Skin signs at last follow-up. {report.population()}. Tests: "
        f"{'; '.join(f'{labels.analysis(a)}: {labels.test(a)}' for a in SKIN_ANALYSES)}. "
        "A CI is of the percentage.",
        html_table(RESULT_COLUMNS, _result_rows(report, SKIN_ANALYSES), numeric=[2, 4, 5, 6]))
    return Section("Skin", figure + table)


def km_population_note(km: pd.Series, labels: Labels) -> str:
    """Who the time to off steroids analyses (protocol: patients on oral
    steroids at baseline) and who it counts without analysing, as printed."""
    return _note(
        f"Analysed: {km['n']} {labels.analysis_set(SUBSET).lower()} on oral corticosteroids at baseline (a dose "
        f"above 0 on some day of the baseline window), followed after the index date. Not analysed: "
        f"{km['not_on_steroids_at_baseline']} not on oral corticosteroids at baseline, "
        f"{km['steroids_at_baseline_unknown']} whose baseline dose is unknown, {km['no_follow_up']} on them but not "
        "followed after the index date. A day of unknown dose is never a day off steroids: a patient with days of "
        "unknown dose after the last day on steroids is censored the day before the first of them.")


def steroids_section(report: Report) -> Section:
    labels = report.labels
    headline = report.tables["headline_results"]
    km = headline[(headline["analysis_set"] == SUBSET) & (headline["test"] == "kaplan_meier")].iloc[0]
    target_days = dict(zip(report.data["timepoints"]["timepoint"], report.data["timepoints"]["target_day"]))
    table = report.numbering.table(
        f"{labels.measure(STEROID_MEASURE)} ({report.data['scales'].loc[STEROID_MEASURE, 'unit']}). "
        f"{report.population()}. Tests: "
        f"{'; '.join(f'{labels.analysis(a)}: {labels.test(a)}' for a in STEROID_ANALYSES)}. "
        f"Percent change and time in days; a proportion off steroids and its CI in %.",
        html_table(RESULT_COLUMNS[1:5], [r if isinstance(r, str) else r[:4]
                                         for r in _result_rows(report, STEROID_ANALYSES, with_measure=False)],
                   numeric=[1, 3]))
    figure = report.numbering.figure(
        f"{labels.analysis('time_to_off_steroids')}: Kaplan-Meier curve of the proportion off oral "
        f"corticosteroids. {report.population([SUBSET])}, those on them at baseline; dotted lines at "
        f"{', '.join(labels.timepoint(t) for t in KM_TIMEPOINTS)}.",
        km_figure(report.data["steroids"], km["n"], km["events"],
                  [float(target_days[t]) / DAYS_PER_MONTH for t in KM_TIMEPOINTS]))
    return Section("Oral corticosteroids", table + figure + km_population_note(km, labels))


def _rate(r) -> str:
    """'12 (40 %; 25–58)': responders, percent and its CI, as printed."""
    if r.n in ("", "0"):
        return ""
    if pd.isna(r.estimate):
        return r.successes
    return f"{r.successes} ({100 * r.estimate:.0f} %; {_ci(r)})"


def _without_a_score(set_size: int, scored: str) -> str:
    """The patients of the set with no score at a timepoint (a component
    missing), from two printed numbers: the set's size and the patients
    with a score. When the latter is suppressed, so is this (it would give
    it back); a difference of 1-4 is printed as a small count."""
    if not scored.isdigit() or count_text(set_size) != str(set_size):
        return SECONDARY
    return count_text(set_size - int(scored))


def response_section(report: Report) -> Section:
    labels = report.labels
    levels = labels.response_levels[labels.response_levels["level_order"] > 0]
    analyses = [tis_response_analysis(level) for level in levels["level"]]
    results = report.results(analyses)
    columns = ["Timepoint", "Patients with a score", "Without a score (a component missing)",
               *(f"{labels.analysis(a)} (≥ {m:g})" for a, m in zip(analyses, levels["minimum_total_score"]))]
    rows: list[Row] = []
    for (_, _), of_score in results.groupby(["set_order", "measure_order"], sort=True):
        first = of_score.iloc[0]
        rows.append(f"{labels.analysis_set(first.analysis_set)}: {labels.measure(first.measure)}")
        for _, group in of_score.groupby("timepoint_order", sort=True):
            by_level = {r.analysis: r for r in group.itertuples()}
            any_level = next(iter(by_level.values()))
            rows.append([labels.timepoint(any_level.timepoint), any_level.n,
                         _without_a_score(report.set_sizes[first.analysis_set], str(any_level.n)),
                         *(_rate(by_level[a]) if a in by_level else "" for a in analyses)])
    table = report.numbering.table(
        "Clinical response by the 2016 ACR/EULAR criteria for juvenile dermatomyositis (Rider et al., Arthritis "
        "Rheumatol 2017;69:911–923): the Total Improvement Score (0–100) against baseline, with "
        f"{labels.measure('cmas')} and, in a second score, {labels.measure('mmt8')} as the muscle strength measure. "
        f"{report.population()}. Each cell: the patients reaching at least the level (a major responder counts in "
        f"all three), n (%; 95 % CI): {labels.test(analyses[0])}.",
        html_table(columns, rows, numeric=range(1, len(columns))))
    note = _note(
        "The registry records neither an extramuscular global activity nor a CHQ physical summary score, so the "
        "core set scored here is the physician and parent global assessments, the muscle strength measure, the "
        "CHAQ, the most abnormal muscle enzyme at baseline (its ratio to the upper limit of normal) and the DAS "
        "total: the enzyme of the IMACS core set with the DAS of the PRINTO one, which is neither validated set "
        "exactly. A patient missing any component at baseline or at the timepoint has no score (counted under "
        "\"without a score\"; marts.total_improvement_scores lists the components each one misses); the "
        "components present are not rescaled.")
    return Section("Clinical response", table + note)


def inactive_disease_section(report: Report) -> Section:
    labels = report.labels
    results = report.results([INACTIVE_DISEASE_ANALYSIS])
    variant_order = dict(zip(labels.inactive_variant_rules["variant"], labels.inactive_variant_rules["variant_order"]))
    results = results.assign(variant_order=results["measure"].map(variant_order)).sort_values(
        ["set_order", "variant_order", "timepoint_order"], kind="stable")
    rows: list[Row] = []
    for _, of_variant in results.groupby(["set_order", "variant_order"], sort=True):
        first = of_variant.iloc[0]
        rows.append(f"{labels.analysis_set(first.analysis_set)}: {labels.measure(first.measure)}")
        for r in of_variant.itertuples():
            percent = "" if pd.isna(r.estimate) else f"{100 * r.estimate:.0f}"
            rows.append([labels.timepoint(r.timepoint), r.n, r.successes, percent, _ci(r)])
    criteria = labels.inactive_criteria
    rules = labels.inactive_variant_rules
    standard = rules[~rules["requires_strict_criteria"].astype(bool)].iloc[0]
    required = criteria[criteria["is_required_in_strict_variant"].astype(bool)]["criterion_label"]
    table = report.numbering.table(
        f"Clinically inactive disease at each timepoint: at least {int(standard.minimum_criteria_met)} of "
        f"{', '.join(criteria['criterion_label'])} (PRINTO, Lazarevic et al., Ann Rheum Dis 2013), and the stricter "
        f"variant requiring {' and '.join(required)} among them (Almeida et al., Arthritis Rheumatol 2015). "
        f"{report.population()}. Each criterion is its own value in the timepoint's window. "
        f"{_sentence(labels.test(INACTIVE_DISEASE_ANALYSIS))}.",
        html_table(["Timepoint", "Determined", "Inactive", "%", "95 % CI"], rows, numeric=range(1, 5)))
    return Section("Clinically inactive disease", table)


def _estimate_ci(estimate, low, high, digits: int = 2) -> str:
    """'-0.97 (-1.42 to -0.37)': an estimate with its 95 % CI."""
    if pd.isna(estimate):
        return ""
    return f"{_number(estimate, digits)} ({_number(low, digits)} to {_number(high, digits)})"


def _days_from_index(day: int) -> str:
    """-30 -> '30 days before', 730 -> '730 days (24 months) after'."""
    months = f" ({round(abs(day) / DAYS_PER_MONTH)} months)" if abs(day) >= 2 * DAYS_PER_MONTH else ""
    return f"{abs(day)} days{months} {'before' if day < 0 else 'after'}"


def trajectories_section(report: Report) -> Section:
    labels = report.labels
    parameters = dict(zip(report.data["parameters"]["parameter"], report.data["parameters"]["value"]))
    measures = parameters["trajectory_measures"].split("; ")
    first_day, last_day = int(parameters["trajectory_first_day"]), int(parameters["trajectory_last_day"])
    names = ", ".join(labels.measure(m) for m in measures[:-1]) + f" and {labels.measure(measures[-1])}"
    curves = report.data["trajectory_curves"]
    figure = report.numbering.figure(
        f"{names} over the first 24 months after the first dose: the mean from a mixed-effects model (line) with its "
        f"pointwise 95 % confidence band, over the observed median at each timepoint (points). "
        f"{report.population([SUBSET])}. Model: {labels.test(TRAJECTORY_ANALYSIS)}; it uses every visit from "
        f"{_days_from_index(first_day)} to {_days_from_index(last_day)} the first dose, the medians only each "
        "timepoint's windowed value. Where "
        "many patients sit at the end of a scale, the median lies nearer that end than the mean.",
        trajectory_model_figure(curves[curves["analysis_set"] == SUBSET], report.data["trajectory_medians"],
                                report.data["scales"], measures))
    results = report.results([TRAJECTORY_ANALYSIS])
    sets = [s for s in report.analysis_sets if s in set(results["analysis_set"])]
    rows: list[Row] = []
    for measure in measures:
        of_measure = results[results["measure"] == measure]
        if of_measure.empty:
            continue
        rows.append(scale_label(report.data["scales"], measure))
        terms = sorted(set(of_measure["timepoint"]), key=lambda t: labels.model_result_order.get(t, 0))
        for term in terms:
            cells = []
            for analysis_set in sets:
                r = of_measure[(of_measure["analysis_set"] == analysis_set) & (of_measure["timepoint"] == term)]
                cells.append(_estimate_ci(*r.iloc[0][["estimate", "ci_low", "ci_high"]]) if len(r) else "")
            rows.append([labels.model_result(term), *cells])
    table = report.numbering.table(
        f"{labels.analysis(TRAJECTORY_ANALYSIS)}: the model's fixed effects, in the measure's units (the mean at "
        f"the first dose, then the mean change per month within each stretch of time), estimate (95 % CI). "
        f"{report.population(sets)}. {_sentence(labels.test(TRAJECTORY_ANALYSIS))}.",
        html_table(["Fixed effect", *(f"{labels.analysis_set(s)}: estimate (95 % CI)" for s in sets)], rows,
                   numeric=range(1, len(sets) + 1)))
    return Section("Muscle strength and disease activity over time", figure + table)


def _linked_count(part: int, total: int) -> str:
    """A count printed beside its total: hidden (`*`) when the rest of the
    total is a small count."""
    return count_text(part) if is_small(part) or not is_small(total - part) else SECONDARY


def causal_section(report: Report) -> Section:
    labels = report.labels
    printed = report.tables["headline_results"]
    rows_of = printed[(printed["analysis_set"] == WHOLE_COHORT)]
    person_time = report.data["person_time"]
    population = report.population([WHOLE_COHORT])
    effects = rows_of[rows_of["analysis"].isin(CAUSAL_ANALYSES)]
    if effects.empty:
        return Section("Causal estimate over the whole cohort", _note(
            "No marginal structural model in this build: no patient was followed long enough after starting "
            "treatment."))
    categories = sorted(set(effects["timepoint"]), key=lambda c: labels.model_result_order.get(c, 0))
    rows: list[Row] = []
    for measure in causal.OUTCOMES:
        rows.append(scale_label(report.data["scales"], measure))
        for category in categories:
            cells = [labels.model_result(category)]
            for analysis in CAUSAL_ANALYSES:
                r = effects[(effects["analysis"] == analysis) & (effects["measure"] == measure)
                            & (effects["timepoint"] == category)]
                cells += ([_estimate_ci(*r.iloc[0][["estimate", "ci_low", "ci_high"]]), _p(r.iloc[0]["p_value"])]
                          if len(r) else ["", ""])
            rows.append(cells)
    columns = ["Treatment started", *(c for a in CAUSAL_ANALYSES
                                      for c in (f"{labels.analysis(a)}: difference (95 % CI)", "p"))]
    effect_table = report.numbering.table(
        f"Effect of IV cyclophosphamide on DAS skin and physician global VAS: mean difference in the measure's "
        f"units between months after starting treatment and months never or not yet treated (negative = lower "
        f"score = less active disease), by time since the first dose. {population}, "
        f"{labels.analysis_set_descriptions[WHOLE_COHORT]}: {person_time['person_months']} person-months, "
        f"{_linked_count(int(person_time['starts']), int(person_time['patients']))} patients started treatment. "
        + " ".join(f"{labels.analysis(a)}: {labels.test(a)}." for a in CAUSAL_ANALYSES)
        + " Robust (sandwich) 95 % confidence intervals and Wald p-values throughout.",
        html_table(columns, rows, numeric=range(1, len(columns))))
    weights = rows_of[rows_of["analysis"] == WEIGHT_ANALYSIS].copy()
    weights["order"] = weights["timepoint"].map(lambda t: labels.model_result_order.get(t, 0))
    weights = weights.sort_values("order")

    low, high = causal.TRUNCATE_PERCENTILES

    def value(r) -> str:
        return f"{100 * r.estimate:.1f} %" if r.timepoint == "share_truncated" else f"{r.estimate:.3g}"

    weight_table = report.numbering.table(
        f"{labels.analysis(WEIGHT_ANALYSIS)} of the marginal structural model: {labels.test(WEIGHT_ANALYSIS)} "
        f"(the {low:g}th and {high:g}th; the models use the truncated weights). "
        f"{population}. A weight near 1: a month whose treatment history was about as likely as the baseline "
        "covariates alone predict; a large weight: one the recorded disease activity made unlikely (e.g. a child "
        "who started with mild disease).",
        html_table(["Statistic", "Weight"], [[labels.model_result(r.timepoint), value(r)] for r in weights.itertuples()],
                   numeric=[1]))
    note = _note(
        "Why a marginal structural model: the sickest children are the most likely to start IV cyclophosphamide, "
        "and sick children improve anyway, so a comparison of treated and untreated months (the unweighted and "
        "crude estimates) is confounded by indication. The weights make each month's treatment independent of the "
        "disease activity recorded before it, as in the follow-up study of this cohort (Deakin et al., Arthritis "
        "Rheumatol 2018;70:785–793), which reported DAS skin 1.19 lower (p = 0.0085) and physician global 0.66 "
        "lower (p = 0.027) in patients who started more than 12 months earlier than in those never or not yet "
        "treated. Months without a measurement are not used for that outcome (no imputation).")
    return Section("Causal estimate over the whole cohort", effect_table + weight_table + note)


def data_quality_section(report: Report) -> Section:
    dq = report.data["dq"]
    rows = [[r.kahn_category, r.source, r.status, str(r.checks),
             count_text(int(r.violated_rows)) if pd.notna(r.violated_rows) else ""]
            for r in dq.itertuples()]
    table = report.numbering.table(
        "Data-quality checks of this build (marts.dq_results), by Kahn category, where the check runs and its "
        "status: the checks and the rows they found violating them. A completeness check passes with rows "
        "missing a value as long as their share stays within what the data dictionary expects of the column "
        f"(extract_columns.min_completeness_pct): its rows are those missing values. {SMALL_NOTE}.",
        html_table(["Kahn category", "Checked by", "Status", "Checks", "Rows violating"], rows, numeric=[3, 4]))
    return Section("Data quality", table)


def parameters_section(report: Report) -> Section:
    labels = report.labels
    words = {code: labels.timepoint(code) for code in labels.timepoints} | {
        code: labels.measure(code) for code in labels.measures}
    codes = sorted(words, key=len, reverse=True)
    pattern = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(map(re.escape, codes)) + r")(?![A-Za-z0-9_])")

    def in_words(value: str) -> str:  # a parameter naming timepoints or measures names them by their labels
        return pattern.sub(lambda m: words[m.group(1)], str(value))

    parameters = report.data["parameters"]
    window_order = {f"timepoint_window.{t}": order for t, order in labels.timepoint_order.items()}
    parameters = parameters.assign(order=parameters["parameter"].map(window_order).fillna(-1)).sort_values(
        ["order", "parameter"], kind="stable")  # the vars, then the windows in timepoint order
    rows = [[r.description, in_words(r.value),
             f"var {r.parameter}" if r.defined_by == "var" else r.defined_by]
            for r in parameters.itertuples()]
    table = report.numbering.table(
        "Protocol parameters this build used (marts.study_parameters): a var of dbt_project.yml, or a seed row, "
        "and its value.",
        html_table(["Parameter", "Value", "Set by"], rows))
    return Section("Study parameters of this build", table)


# The report's sections, in a paper's order. A new analysis is one function
# here (Report in, Section out) and one entry in this list: its tables and
# figures are numbered where it stands.
SECTIONS: list[Callable[[Report], Section]] = [
    flow_section,
    table_1_section,
    primary_outcomes_section,
    skin_section,
    steroids_section,
    response_section,
    inactive_disease_section,
    trajectories_section,
    causal_section,
    data_quality_section,
    parameters_section,
]

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222;
       line-height: 1.4; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
figure { margin: 1.2em 0; } figure svg { max-width: 100%; height: auto; }
figcaption { font-size: 0.9em; margin: 0.4em 0; }
table { border-collapse: collapse; font-size: 0.85em; margin-top: 0.4em; }
td, th { padding: 3px 8px; border-bottom: 1px solid #eee; text-align: left; vertical-align: top; }
thead th { border-bottom: 2px solid #999; }
.num { text-align: right; white-space: nowrap; }
th.num { white-space: normal; }
td:first-child { min-width: 9em; }
tr.group th { background: #f3f5f8; font-weight: 600; padding-top: 6px; }
.note { color: #555; font-size: 0.85em; }
"""


def render_report(data: dict[str, pd.DataFrame], tables: dict[str, pd.DataFrame], labels: Labels,
                  built_at: datetime) -> str:
    report = Report(data, tables, labels)
    sections = [make(report) for make in SECTIONS]
    body = "\n".join(f"<section>\n<h2>{html.escape(s.title)}</h2>\n{s.content}\n</section>" for s in sections)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>IV cyclophosphamide in JDM: study report</title>
<style>{STYLE}</style></head>
<body>
<h1>Intravenous cyclophosphamide in juvenile dermatomyositis: results</h1>
<p class="note">Built {built_at:%Y-%m-%d %H:%M} from the warehouse marts; the statistics are those of
marts.study_results. {html.escape(SUPPRESSION_NOTE)}</p>
{body}
</body></html>
"""


TABLES_README = f"""Summary tables of the study, small-cell suppressed for use outside the warehouse.
Markers in count columns: {SMALL_NOTE}; {SECONDARY_NOTE}.
A percentage, proportion or confidence interval of a suppressed count is left blank.
p-values, medians and confidence intervals of measurements are computed on the full data.
attrition.csv: the STROBE flow. headline_results.csv: marts.study_results, both analysis sets.
skin_signs.csv: patients with each skin sign (completers). baseline_characteristics.csv: sex
and ethnicity of both analysis sets (Table 1, categorical part). indications.csv: patients
whose first exposure record names each indication (a patient under each of theirs), both sets.
diagnosis_groups.csv: patients in each Bohan and Peter diagnosis group, both sets.
"""


@dataclass(frozen=True)
class Published:
    """What `write_report` wrote."""

    report: Path
    summary_tables: list[Path]


def _for_csv(frame: pd.DataFrame) -> pd.DataFrame:
    """Numbers as a published table gives them: p-values as in the report
    (3 decimals, `<0.001`; full precision can give back a count an exact
    test was computed from), other decimals to 3 places."""
    frame = frame.copy()
    for column in frame.columns:
        if column in ("p_value", "p_holm"):
            frame[column] = [_p(v) for v in frame[column]]
        elif pd.api.types.is_float_dtype(frame[column]):
            frame[column] = frame[column].round(3)
    return frame


def write_summary_tables(tables: dict[str, pd.DataFrame], out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in tables.items():
        path = out_dir / f"{name}.csv"
        _for_csv(frame).to_csv(path, index=False)
        paths.append(path)
    (out_dir / "README.txt").write_text(TABLES_README, encoding="utf-8")
    return paths


def write_report(db_path: Path, out_dir: Path) -> Published:
    """OUT/study_report.html and OUT/summary_tables/*.csv (with a README.txt
    saying what the markers mean)."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        data = read_report_data(con)
        labels = read_labels(con)
    tables = summary_tables(data)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "study_report.html"
    path.write_text(render_report(data, tables, labels, datetime.now()), encoding="utf-8")
    return Published(report=path, summary_tables=write_summary_tables(tables, out_dir / "summary_tables"))

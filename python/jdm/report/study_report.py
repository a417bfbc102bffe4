"""`jdm report`: the study report a clinician reads, one self-contained HTML
file (figures inline as SVG, no external files or network), from the marts
and marts.study_results, read through a read-only connection; and the
summary tables beside it as CSV files (OUT/summary_tables/).

Sections: the STROBE flow (marts.attrition), the headline results
(marts.study_results, completers), CMAS and physician VAS trajectories per
patient with the timepoint medians, skin signs at baseline vs last
follow-up, the Kaplan-Meier curve of time to off steroids, and the data
quality summary (marts.dq_results).

Both are meant to leave the warehouse, so every count they print is
small-cell suppressed (the rule: jdm.report.disclosure; the tables and how their
counts are linked: jdm.report.summary_tables). The statistics are those of
marts.study_results, computed on the full data.
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import matplotlib

matplotlib.use("Agg")  # no display: render to files only
# Text stays text in the SVG (searchable, selectable, smaller), not outlines.
matplotlib.rcParams["svg.fonttype"] = "none"
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from jdm.study import stats  # noqa: E402
from jdm.report.disclosure import SECONDARY, SECONDARY_NOTE, SMALL, SMALL_NOTE, count_text  # noqa: E402
from jdm.report.summary_tables import (  # noqa: E402
    SKIN_MEASURES, attrition_table, baseline_table, headline_table, skin_table, skin_tables)

DAYS_PER_MONTH = 365.25 / 12
# A large registry has too many patients to draw one line each: the
# trajectory plots show this many, drawn at random with a fixed seed (the
# medians use every patient).
TRAJECTORY_LINES = 300
TRAJECTORY_SEED = 20_110_101
SKIN_LABELS = {"rash": "Rash", "nailfold_abnormal": "Abnormal nailfolds", "gottrons": "Gottron's papules",
               "calcinosis": "Calcinosis"}


def _svg(figure: plt.Figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg"):]  # drop the XML prolog: the SVG sits inside HTML


SKIN_SQL_LIST = ", ".join(f"'{m}'" for m in SKIN_MEASURES)


def read_report_data(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    return {
        "attrition": con.execute("select * from marts.attrition order by step_number, exclusion_reason_order").df(),
        "analysis_sets": con.execute("""
            select 'completers' as analysis_set, count(*) filter (where in_completers) as patients from marts.patients
            union all
            select 'all_treated', count(*) filter (where in_all_treated) from marts.patients""").df(),
        "results": con.execute(
            "select * from marts.study_results order by analysis_set desc, analysis, measure, timepoint").df(),
        "trajectories": con.execute("""
            select patient_id, measure, timepoint, timepoint_order, target_day, study_day, value::double as value
            from marts.outcome_timepoints
            where in_completers and measure in ('cmas', 'physician_global_vas')""").df(),
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
        "baseline_counts": con.execute("""
            select 'Sex' as characteristic, sex as category, count(*) as patients
            from marts.patients where in_completers group by all
            union all
            select 'Diagnosis group', diagnosis_group, count(*) from marts.patients where in_completers group by all
            union all
            select 'Ethnicity', ethnicity, count(*) from marts.patients where in_completers group by all""").df(),
        "dq": con.execute("""
            select kahn_category, source, status, count(*) as checks, sum(violated_rows)::bigint as violated_rows
            from marts.dq_results group by all order by all""").df(),
        "parameters": con.execute("select parameter, value from marts.study_parameters order by parameter").df(),
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


def strobe_figure(attrition: pd.DataFrame) -> str:
    """attrition: the flow as printed (summary_tables.attrition_table), one
    row per step and exclusion reason: one box per step, and beside it the
    patients it excluded, per reason."""
    steps = [rows for _, rows in attrition.groupby("step_number", sort=True)]
    figure, ax = plt.subplots(figsize=(8, 1.3 * len(steps)))
    ax.set_axis_off()
    for i, rows in enumerate(steps):
        step = rows.iloc[0]
        y = len(steps) - i
        ax.text(0.3, y, f"{step.step_description}\nn = {step.patients_remaining}", ha="center", va="center",
                wrap=True, fontsize=9, bbox=dict(boxstyle="round", facecolor="#e8f0fa", edgecolor="#4a6fa5"))
        excluded = [f"Excluded: {r.patients_excluded} ({r.exclusion_reason_label})"
                    for r in rows.itertuples() if pd.notna(r.exclusion_reason) and r.patients_excluded != "0"]
        if excluded:
            ax.text(0.85, y + 0.5, "\n".join(excluded), ha="center", va="center", fontsize=8,
                    bbox=dict(boxstyle="round", facecolor="#fbeaea", edgecolor="#a54a4a"))
        if i:
            ax.annotate("", xy=(0.3, y + 0.25), xytext=(0.3, y + 0.75), arrowprops=dict(arrowstyle="->"))
    ax.set_xlim(0, 1.1)
    ax.set_ylim(0.4, len(steps) + 0.6)
    return _svg(figure)


def scale_label(scales: pd.DataFrame, measure: str) -> str:
    """'CMAS (0-52 points, higher = better)': the label, range and unit of a
    measure as the seeds state them."""
    scale = scales.loc[measure]
    span = (f"{float(scale.min_value):g}-{float(scale.max_value):g} "
            if pd.notna(scale.min_value) and pd.notna(scale.max_value) else "")
    return f"{scale.measure_label} ({span}{scale.unit}, {scale.better_direction} = better)"


def trajectory_figure(trajectories: pd.DataFrame, scales: pd.DataFrame) -> str:
    figure, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, measure in zip(axes, ["cmas", "physician_global_vas"]):
        label = scale_label(scales, measure)
        rows = trajectories[trajectories["measure"] == measure].sort_values("study_day")
        patients = pd.Series(rows["patient_id"].unique())
        drawn = set(patients.sample(min(TRAJECTORY_LINES, len(patients)), random_state=TRAJECTORY_SEED))
        for _, patient in rows[rows["patient_id"].isin(drawn)].groupby("patient_id"):
            ax.plot(patient["study_day"] / DAYS_PER_MONTH, patient["value"], color="#9aa9bd", linewidth=0.7, alpha=0.7)
        windowed = rows[rows["target_day"].notna()]
        medians = windowed.groupby(["timepoint_order", "target_day"])["value"].median().reset_index()
        ax.plot(medians["target_day"] / DAYS_PER_MONTH, medians["value"], color="#c0392b", marker="o", linewidth=2.5,
                label="median at each timepoint")
        ax.set_xlabel("months from first IV cyclophosphamide")
        everyone = count_text(len(patients))
        shown = (f"all {everyone} patients" if len(drawn) == len(patients)
                 else f"{len(drawn)} of {everyone} patients, at random")
        ax.set_title(f"{label}\nlines: {shown}", fontsize=10)
        ax.legend(fontsize=8)
    return _svg(figure)


def skin_figure(skin: pd.DataFrame) -> str:
    """skin: the bars as printed (summary_tables.skin_table). A bar whose
    count is suppressed is not drawn (its height would give the count back):
    its place says `<5` or `*` instead."""
    figure, ax = plt.subplots(figsize=(7, 3.5))
    measures = list(SKIN_LABELS)
    for offset, (timepoint, colour, label) in enumerate([("baseline", "#4a6fa5", "baseline"),
                                                         ("last_follow_up", "#6aa84f", "last follow-up")]):
        shares, places = [], [i + offset * 0.4 for i in range(len(measures))]
        for place, measure in zip(places, measures):
            row = skin[(skin["measure"] == measure) & (skin["timepoint"] == timepoint)].iloc[0]
            if row["percent_present"] != "":
                shares.append(100 * int(row["present"]) / int(row["n"]))
            else:
                shares.append(0)
                marker = row["present"] if row["present"] in (SMALL, SECONDARY) else row["n"]
                ax.text(place, 2, marker, ha="center", va="bottom", fontsize=11, color=colour)
        ax.bar(places, shares, width=0.4, color=colour, label=label)
    ax.set_xticks([i + 0.2 for i in range(len(measures))], [SKIN_LABELS[m] for m in measures])
    ax.set_ylabel("% of patients with the sign")
    ax.set_ylim(0, 100)
    ax.legend(fontsize=8)
    return _svg(figure)


def km_figure(steroids: pd.DataFrame, n_text: str, events_text: str) -> str:
    """The curve from the full data; the title's counts as printed."""
    km = stats.kaplan_meier(list(steroids["days"]), list(steroids["is_off_steroids"].astype(bool)), at=[])
    times, survival = km.curve
    figure, ax = plt.subplots(figsize=(7, 3.5))
    ax.step([0, *[t / DAYS_PER_MONTH for t in times]], [0, *[1 - s for s in survival]], where="post", color="#4a6fa5")
    for months in (18, 24):
        ax.axvline(months, color="#999", linestyle=":", linewidth=1)
    ax.set_xlabel("months from first IV cyclophosphamide")
    ax.set_ylabel("proportion off oral steroids")
    ax.set_ylim(0, 1)
    ax.set_title(f"Kaplan-Meier, n = {n_text}, {events_text} stopped", fontsize=10)
    return _svg(figure)


def km_population_note(km: pd.Series) -> str:
    """Who the time to off steroids analyses (protocol: patients on oral
    steroids at baseline) and who it counts without analysing, as printed."""
    return (f'<p class="note">Analysed: {html.escape(km["n"])} completers on oral corticosteroids at baseline '
            f'(a dose above 0 on some day of the baseline window), followed after the index date. Not analysed: '
            f'{html.escape(km["not_on_steroids_at_baseline"])} not on oral corticosteroids at baseline, '
            f'{html.escape(km["steroids_at_baseline_unknown"])} whose baseline dose is unknown, '
            f'{html.escape(km["no_follow_up"])} on them but not followed after the index date. A day of unknown '
            'dose is never a day off steroids: a patient with days of unknown dose after the last day on steroids '
            'is censored the day before the first of them.</p>')


def _number(value: float | None, digits: int = 2) -> str:
    return "" if value is None or pd.isna(value) else f"{value:.{digits}f}"


def _p(value: float | None) -> str:
    if value is None or pd.isna(value):
        return ""
    return "&lt;0.001" if value < 0.001 else f"{value:.3f}"


def results_table(results: pd.DataFrame) -> str:
    """results: the headline results as printed (summary_tables.headline_table)."""
    lines = ["<table><tr><th>analysis</th><th>measure</th><th>timepoint</th><th>test</th><th>n</th>"
             "<th>result</th><th>95 % CI</th><th>p</th><th>p (Holm)</th></tr>"]
    for r in results.itertuples():
        as_percent = r.test in ("proportion", "kaplan_meier") and r.timepoint != "median"
        ci = (f"{_number(r.ci_low * 100 if as_percent else r.ci_low, 1)}"
              f"–{_number(r.ci_high * 100 if as_percent else r.ci_high, 1)}"
              if pd.notna(r.ci_low) else "")
        lines.append(f"<tr><td>{html.escape(r.analysis)}</td><td>{html.escape(r.measure)}</td>"
                     f"<td>{html.escape(r.timepoint)}</td><td>{r.test}</td><td>{html.escape(r.n)}</td>"
                     f"<td>{html.escape(r.result)}</td><td>{ci}</td><td>{_p(r.p_value)}</td>"
                     f"<td>{_p(r.p_holm)}</td></tr>")
    lines.append("</table>")
    return "\n".join(lines)


def frame_table(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, border=0, escape=True, na_rep="")


STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; font-size: 0.85em; } td, th { padding: 3px 8px; border-bottom: 1px solid #eee; text-align: left; }
.note { color: #555; font-size: 0.85em; }
"""

SUPPRESSION_NOTE = (f"Small counts are suppressed: {SMALL_NOTE}; {SECONDARY_NOTE} (a total, a complement, the other "
                    "analysis set). Percentages, proportions and confidence intervals of a suppressed count are left "
                    "blank. The statistics (p-values, medians, confidence intervals of measurements) are computed on "
                    "the full data.")


def summary_tables(data: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The published tables, suppressed, from the data read_report_data reads."""
    skin = skin_tables(data["skin_counts"])
    sizes = dict(zip(data["analysis_sets"]["analysis_set"], data["analysis_sets"]["patients"].astype(int)))
    return {
        "attrition": attrition_table(data["attrition"], sizes),
        "headline_results": headline_table(data["results"], skin, data["km_counts"]),
        "skin_signs": skin_table(skin),
        "baseline_characteristics": baseline_table(data["baseline_counts"]),
    }


def render_report(data: dict[str, pd.DataFrame], tables: dict[str, pd.DataFrame], built_at: datetime) -> str:
    headline = tables["headline_results"]
    completers = headline[headline["analysis_set"] == "completers"]
    km = completers[completers["test"] == "kaplan_meier"].iloc[0]
    dq = data["dq"].assign(violated_rows=data["dq"]["violated_rows"].map(count_text))
    note = f'<p class="note">{html.escape(SMALL_NOTE)}; {html.escape(SECONDARY_NOTE)}.</p>'
    sections = [
        ("Patient flow (STROBE)", strobe_figure(tables["attrition"]) + note),
        ("Headline results (analysis set: completers)", results_table(completers) + note),
        ("Muscle strength and disease activity over time", trajectory_figure(data["trajectories"], data["scales"])),
        ("Skin signs at baseline and at last follow-up", skin_figure(tables["skin_signs"]) + note),
        ("Time to off oral corticosteroids", km_figure(data["steroids"], km["n"], km["events"])
         + km_population_note(km) + note),
        ("Data quality (marts.dq_results)", frame_table(dq)),
        ("Study parameters of this build", frame_table(data["parameters"])),
    ]
    body = "\n".join(f"<h2>{html.escape(title)}</h2>\n{content}" for title, content in sections)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>IV cyclophosphamide in JDM: study report</title>
<style>{STYLE}</style></head>
<body>
<h1>Intravenous cyclophosphamide in juvenile dermatomyositis: study report</h1>
<p class="note">Built {built_at:%Y-%m-%d %H:%M} from the warehouse marts. Statistics: marts.study_results
(method of each test in its `method` column). {html.escape(SUPPRESSION_NOTE)}</p>
{body}
</body></html>
"""


TABLES_README = f"""Summary tables of the study, small-cell suppressed for use outside the warehouse.
Markers in count columns: {SMALL_NOTE}; {SECONDARY_NOTE}.
A percentage, proportion or confidence interval of a suppressed count is left blank.
p-values, medians and confidence intervals of measurements are computed on the full data.
attrition.csv: the STROBE flow. headline_results.csv: marts.study_results, both analysis sets.
skin_signs.csv: patients with each skin sign (completers). baseline_characteristics.csv: sex,
diagnosis group and ethnicity of the completers (Table 1, categorical part).
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
            frame[column] = [_p(v).replace("&lt;", "<") for v in frame[column]]
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
    tables = summary_tables(data)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "study_report.html"
    path.write_text(render_report(data, tables, datetime.now()), encoding="utf-8")
    return Published(report=path, summary_tables=write_summary_tables(tables, out_dir / "summary_tables"))

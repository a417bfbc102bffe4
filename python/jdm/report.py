"""`jdm report`: the study report a clinician reads, one self-contained HTML
file (figures inline as SVG, no external files or network), from the marts
and marts.study_results, read through a read-only connection.

Sections: the STROBE flow (marts.attrition), the headline results
(marts.study_results, completers), CMAS and physician VAS trajectories per
patient with the timepoint medians, skin signs at baseline vs last
follow-up, the Kaplan-Meier curve of time to off steroids, and the data
quality summary (marts.dq_results).
"""

from __future__ import annotations

import html
import io
from datetime import datetime
from pathlib import Path

import duckdb
import matplotlib

matplotlib.use("Agg")  # no display: render to files only
# Text stays text in the SVG (searchable, selectable, smaller), not outlines.
matplotlib.rcParams["svg.fonttype"] = "none"
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from jdm import stats  # noqa: E402

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


def read_report_data(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    return {
        "attrition": con.execute("select * from marts.attrition order by step_number").df(),
        "results": con.execute("select * from marts.study_results where analysis_set = 'completers'").df(),
        "trajectories": con.execute("""
            select patient_id, measure, timepoint, timepoint_order, target_day, study_day, value::double as value
            from marts.outcome_timepoints
            where in_completers and measure in ('cmas', 'physician_global_vas')""").df(),
        "skin": con.execute("""
            select measure, timepoint, count(*) as n, count(*) filter (where value = 1) as present
            from marts.outcome_timepoints
            where in_completers and measure in ('rash', 'nailfold_abnormal', 'gottrons', 'calcinosis')
              and timepoint in ('baseline', 'last_follow_up')
            group by all""").df(),
        "steroids": con.execute("""
            select days_to_off_steroids_or_censoring as days, is_off_steroids
            from marts.steroid_discontinuation
            where in_completers and days_to_off_steroids_or_censoring is not null""").df(),
        "dq": con.execute("""
            select kahn_category, source, status, count(*) as checks, sum(violated_rows)::bigint as violated_rows
            from marts.dq_results group by all order by all""").df(),
        "parameters": con.execute("select parameter, value from marts.study_parameters order by parameter").df(),
    }


def strobe_figure(attrition: pd.DataFrame) -> str:
    steps = list(attrition.itertuples())
    figure, ax = plt.subplots(figsize=(8, 1.3 * len(steps)))
    ax.set_axis_off()
    for i, step in enumerate(steps):
        y = len(steps) - i
        ax.text(0.3, y, f"{step.step_description}\nn = {step.patients_remaining}", ha="center", va="center",
                wrap=True, fontsize=9, bbox=dict(boxstyle="round", facecolor="#e8f0fa", edgecolor="#4a6fa5"))
        if step.patients_excluded:
            ax.text(0.85, y + 0.5, f"Excluded: {step.patients_excluded}\n({step.exclusion_reason})", ha="center",
                    va="center", fontsize=8, bbox=dict(boxstyle="round", facecolor="#fbeaea", edgecolor="#a54a4a"))
        if i:
            ax.annotate("", xy=(0.3, y + 0.25), xytext=(0.3, y + 0.75), arrowprops=dict(arrowstyle="->"))
    ax.set_xlim(0, 1.1)
    ax.set_ylim(0.4, len(steps) + 0.6)
    return _svg(figure)


def trajectory_figure(trajectories: pd.DataFrame) -> str:
    figure, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, (measure, label) in zip(axes, [("cmas", "CMAS (0-52, higher = stronger)"),
                                           ("physician_global_vas", "Physician global VAS (0-10 cm)")]):
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
        shown = f"all {len(patients)} patients" if len(drawn) == len(patients) else f"{len(drawn)} of {len(patients)} patients, at random"
        ax.set_title(f"{label}\nlines: {shown}", fontsize=10)
        ax.legend(fontsize=8)
    return _svg(figure)


def skin_figure(skin: pd.DataFrame) -> str:
    figure, ax = plt.subplots(figsize=(7, 3.5))
    measures = list(SKIN_LABELS)
    for offset, (timepoint, colour, label) in enumerate([("baseline", "#4a6fa5", "baseline"),
                                                         ("last_follow_up", "#6aa84f", "last follow-up")]):
        shares = []
        for measure in measures:
            row = skin[(skin["measure"] == measure) & (skin["timepoint"] == timepoint)]
            shares.append(100 * row["present"].iloc[0] / row["n"].iloc[0] if len(row) and row["n"].iloc[0] else 0)
        ax.bar([i + offset * 0.4 for i in range(len(measures))], shares, width=0.4, color=colour, label=label)
    ax.set_xticks([i + 0.2 for i in range(len(measures))], [SKIN_LABELS[m] for m in measures])
    ax.set_ylabel("% of patients with the sign")
    ax.legend(fontsize=8)
    return _svg(figure)


def km_figure(steroids: pd.DataFrame) -> str:
    km = stats.kaplan_meier(list(steroids["days"]), list(steroids["is_off_steroids"].astype(bool)), at=[])
    times, survival = km.curve
    figure, ax = plt.subplots(figsize=(7, 3.5))
    ax.step([0, *[t / DAYS_PER_MONTH for t in times]], [0, *[1 - s for s in survival]], where="post", color="#4a6fa5")
    for months in (18, 24):
        ax.axvline(months, color="#999", linestyle=":", linewidth=1)
    ax.set_xlabel("months from first IV cyclophosphamide")
    ax.set_ylabel("proportion off oral steroids")
    ax.set_ylim(0, 1)
    ax.set_title(f"Kaplan-Meier, n = {km.n}, {km.events} stopped", fontsize=10)
    return _svg(figure)


def _number(value: float | None, digits: int = 2) -> str:
    return "" if value is None or pd.isna(value) else f"{value:.{digits}f}"


def _p(value: float | None) -> str:
    if value is None or pd.isna(value):
        return ""
    return "&lt;0.001" if value < 0.001 else f"{value:.3f}"


def results_table(results: pd.DataFrame) -> str:
    lines = ["<table><tr><th>analysis</th><th>measure</th><th>timepoint</th><th>test</th><th>n</th>"
             "<th>result</th><th>95 % CI</th><th>p</th><th>p (Holm)</th></tr>"]
    for r in results.itertuples():
        if r.test == "wilcoxon":
            result = (f"median {_number(r.baseline_median, 1)} → {_number(r.timepoint_median, 1)}; "
                      f"improved {int(r.n_improved)}/{r.n}")
        elif r.test == "proportion":
            result = f"{int(r.successes)}/{r.n} ({100 * r.estimate:.0f} %)" if r.n else "no patients"
        elif r.test == "mcnemar":
            result = html.escape(r.method.split("; ")[-1])
        elif r.test == "pct_change":
            result = f"median {_number(r.estimate, 1)} %"
        elif r.timepoint == "median":
            result = f"median {_number(r.estimate, 0)} days" if pd.notna(r.estimate) else "median not reached"
        else:
            result = f"{100 * r.estimate:.0f} % off steroids" if pd.notna(r.estimate) else ""
        ci = (f"{_number(r.ci_low * 100 if r.test in ('proportion', 'kaplan_meier') and r.timepoint != 'median' else r.ci_low, 1)}"
              f"–{_number(r.ci_high * 100 if r.test in ('proportion', 'kaplan_meier') and r.timepoint != 'median' else r.ci_high, 1)}"
              if pd.notna(r.ci_low) else "")
        lines.append(f"<tr><td>{html.escape(r.analysis)}</td><td>{html.escape(r.measure)}</td>"
                     f"<td>{html.escape(r.timepoint)}</td><td>{r.test}</td><td>{r.n}</td><td>{result}</td>"
                     f"<td>{ci}</td><td>{_p(r.p_value)}</td><td>{_p(r.p_holm)}</td></tr>")
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


def render_report(data: dict[str, pd.DataFrame], built_at: datetime) -> str:
    sections = [
        ("Patient flow (STROBE)", strobe_figure(data["attrition"])),
        ("Headline results (analysis set: completers)", results_table(data["results"])),
        ("Muscle strength and disease activity over time", trajectory_figure(data["trajectories"])),
        ("Skin signs at baseline and at last follow-up", skin_figure(data["skin"])),
        ("Time to off oral corticosteroids", km_figure(data["steroids"])),
        ("Data quality (marts.dq_results)", frame_table(data["dq"])),
        ("Study parameters of this build", frame_table(data["parameters"])),
    ]
    body = "\n".join(f"<h2>{html.escape(title)}</h2>\n{content}" for title, content in sections)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>IV cyclophosphamide in JDM: study report</title>
<style>{STYLE}</style></head>
<body>
<h1>Intravenous cyclophosphamide in juvenile dermatomyositis: study report</h1>
<p class="note">Built {built_at:%Y-%m-%d %H:%M} from the warehouse marts. Statistics: marts.study_results
(method of each test in its `method` column). Counts here are not yet small-cell suppressed: for internal use.</p>
{body}
</body></html>
"""


def write_report(db_path: Path, out_dir: Path) -> Path:
    with duckdb.connect(str(db_path), read_only=True) as con:
        data = read_report_data(con)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "study_report.html"
    path.write_text(render_report(data, datetime.now()), encoding="utf-8")
    return path

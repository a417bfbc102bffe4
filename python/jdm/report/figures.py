"""The study report's figures, drawn with matplotlib into inline SVG (text
kept as text: searchable, selectable, smaller). Pure rendering: printed
tables and labels in, SVG out; every count a figure shows is one the
summary tables already suppressed."""

from __future__ import annotations

import io
import textwrap

import matplotlib

matplotlib.use("Agg")  # no display: render to files only
# Text stays text in the SVG (searchable, selectable, smaller), not outlines.
matplotlib.rcParams["svg.fonttype"] = "none"
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from jdm.report.disclosure import SECONDARY, SMALL  # noqa: E402
from jdm.study import stats  # noqa: E402

DAYS_PER_MONTH = 365.25 / 12
MONTHS_FROM_INDEX = "months from first IV cyclophosphamide"


def _svg(figure: plt.Figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg"):]  # drop the XML prolog: the SVG sits inside HTML


def strobe_figure(attrition: pd.DataFrame, reason_label) -> str:
    """attrition: the flow as printed (summary_tables.attrition_table), one
    row per step and exclusion reason: one box per step, and beside it the
    patients it excluded, per reason (reason_label: code -> words)."""
    steps = [rows for _, rows in attrition.groupby("step_number", sort=True)]
    figure, ax = plt.subplots(figsize=(9, 1.25 * len(steps)))
    ax.set_axis_off()
    for i, rows in enumerate(steps):
        step = rows.iloc[0]
        y = len(steps) - i
        ax.text(0.3, y, f"{step.step_description}\nn = {step.patients_remaining}", ha="center", va="center",
                wrap=True, fontsize=9, bbox=dict(boxstyle="round", facecolor="#e8f0fa", edgecolor="#4a6fa5"))
        excluded = [f"Excluded: {r.patients_excluded} ({reason_label(r.exclusion_reason)})"
                    for r in rows.itertuples() if pd.notna(r.exclusion_reason) and r.patients_excluded != "0"]
        if excluded:
            ax.text(0.86, y + 0.5, "\n".join(excluded), ha="center", va="center", fontsize=8,
                    bbox=dict(boxstyle="round", facecolor="#fbeaea", edgecolor="#a54a4a"))
        if i:
            ax.annotate("", xy=(0.3, y + 0.25), xytext=(0.3, y + 0.75), arrowprops=dict(arrowstyle="->"))
    ax.set_xlim(0, 1.12)
    ax.set_ylim(0.4, len(steps) + 0.6)
    return _svg(figure)


def scale_label(scales: pd.DataFrame, measure: str) -> str:
    """'CMAS (0-<max> points, higher = better)': the label, range and unit
    of a measure as the seeds state them (range: the data dictionary)."""
    scale = scales.loc[measure]
    span = (f"{float(scale.min_value):g}–{float(scale.max_value):g} "
            if pd.notna(scale.min_value) and pd.notna(scale.max_value) else "")
    return f"{scale.measure_label} ({span}{scale.unit}, {scale.better_direction} = better)"


def skin_figure(skin: pd.DataFrame, measures: list[str], measure_label, timepoint_label) -> str:
    """skin: the bars as printed (summary_tables.skin_table). A bar whose
    count is suppressed is not drawn (its height would give the count back):
    its place says `<5` or `*` instead."""
    figure, ax = plt.subplots(figsize=(8, 3.5))
    timepoints = list(dict.fromkeys(skin["timepoint"]))
    for offset, (timepoint, colour) in enumerate(zip(timepoints, ["#4a6fa5", "#6aa84f"])):
        shares, places = [], [i + offset * 0.4 for i in range(len(measures))]
        for place, measure in zip(places, measures):
            row = skin[(skin["measure"] == measure) & (skin["timepoint"] == timepoint)].iloc[0]
            if row["percent_present"] != "":
                shares.append(100 * int(row["present"]) / int(row["n"]))
            else:
                shares.append(0)
                marker = row["present"] if row["present"] in (SMALL, SECONDARY) else row["n"]
                ax.text(place, 2, marker, ha="center", va="bottom", fontsize=11, color=colour)
        ax.bar(places, shares, width=0.4, color=colour, label=timepoint_label(timepoint))
    # Long labels wrapped, or neighbours overlap ("Abnormal nailfold capillaries").
    ax.set_xticks([i + 0.2 for i in range(len(measures))], [textwrap.fill(measure_label(m), 16) for m in measures])
    ax.set_ylabel("% of patients with the sign")
    ax.set_ylim(0, 100)
    ax.legend(fontsize=8)
    return _svg(figure)


def km_figure(steroids: pd.DataFrame, n_text: str, events_text: str, target_months: list[float]) -> str:
    """The curve from the full data; the title's counts as printed; a dotted
    line at each timepoint the proportions off steroids are read at."""
    km = stats.kaplan_meier(list(steroids["days"]), list(steroids["is_off_steroids"].astype(bool)), at=[])
    times, survival = km.curve
    figure, ax = plt.subplots(figsize=(7, 3.5))
    ax.step([0, *[t / DAYS_PER_MONTH for t in times]], [0, *[1 - s for s in survival]], where="post", color="#4a6fa5")
    for months in target_months:
        ax.axvline(months, color="#999", linestyle=":", linewidth=1)
    ax.set_xlabel(MONTHS_FROM_INDEX)
    ax.set_ylabel("proportion off oral corticosteroids")
    ax.set_ylim(0, 1)
    ax.set_title(f"Kaplan-Meier, n = {n_text}, {events_text} stopped", fontsize=10)
    return _svg(figure)


def trajectory_model_figure(curves: pd.DataFrame, medians: pd.DataFrame, scales: pd.DataFrame,
                            measures: list[str]) -> str:
    """One panel per measure: the mixed model's fitted mean (line) and its
    pointwise 95 % confidence band (marts.trajectory_curves, months since the
    first dose), over the observed median at each timepoint (points; medians:
    measure, target_day, median). Statistics only: no count is drawn."""
    figure, axes = plt.subplots(1, len(measures), figsize=(4 * len(measures), 3.8))
    for ax, measure in zip(axes, measures):
        curve = curves[curves["measure"] == measure].sort_values("month")
        ax.fill_between(curve["month"], curve["ci_low"], curve["ci_high"], color="#4a6fa5", alpha=0.25, linewidth=0,
                        label="95 % CI of the mean")
        ax.plot(curve["month"], curve["fitted_mean"], color="#4a6fa5", linewidth=2, label="fitted mean (mixed model)")
        observed = medians[medians["measure"] == measure].sort_values("target_day")
        ax.plot(observed["target_day"] / DAYS_PER_MONTH, observed["median"], linestyle="none", marker="o",
                color="#c0392b", label="observed median at each timepoint")
        scale = scales.loc[measure]
        if pd.notna(scale.min_value) and pd.notna(scale.max_value):
            ax.set_ylim(float(scale.min_value), float(scale.max_value))
        ax.set_xlim(-0.5, 24.5)
        ax.set_xticks([0, 3, 6, 12, 18, 24])
        ax.set_xlabel(MONTHS_FROM_INDEX)
        ax.set_title(textwrap.fill(scale_label(scales, measure), 48), fontsize=10)
        ax.grid(color="#eee", linewidth=0.6)
    handles, names = axes[0].get_legend_handles_labels()
    figure.legend(handles, names, loc="lower center", ncol=3, fontsize=9, frameon=False, bbox_to_anchor=(0.5, -0.06))
    figure.tight_layout()
    return _svg(figure)

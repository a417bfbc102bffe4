"""The study report as a reader sees it (issue 15): rendered on the default
extract, its visible text (HTML parsed; scripts, styles and SVG metadata
left out) must read like a paper's results section:

- no analysis, measure, timepoint, analysis-set or exclusion-reason code, the
  codes read from the seeds and marts.study_results (so a new code that
  reaches the page unlabelled is caught);
- sections in a paper's order, every table and figure with a numbered
  caption;
- Table 1 with the indications and the Bohan and Peter diagnosis groups;
- the response and inactive-disease rates with their confidence intervals,
  as marts.study_results has them.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pandas as pd
import pytest

from dbt_support import DbtRun
from jdm.report.disclosure import is_small

SECTIONS = ["Patient flow", "Baseline characteristics", "Primary outcomes", "Skin", "Oral corticosteroids",
            "Clinical response", "Clinically inactive disease", "Muscle strength and disease activity over time",
            "Causal estimate over the whole cohort", "Data quality", "Study parameters of this build"]
HIDDEN = {"script", "style", "metadata", "head"}


class VisibleText(HTMLParser):
    """The page's text a reader sees, in order; headings and captions apart."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.headings: list[str] = []
        self.captions: list[str] = []
        self.tables = 0  # <table> elements
        self.svgs = 0
        self._hidden = 0
        self._open: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in HIDDEN:
            self._hidden += 1
        self.tables += tag == "table"
        self.svgs += tag == "svg"
        if tag in ("h2", "figcaption"):
            self._open.append(tag)
            (self.headings if tag == "h2" else self.captions).append("")

    def handle_endtag(self, tag):
        if tag in HIDDEN:
            self._hidden -= 1
        if self._open and self._open[-1] == tag:
            self._open.pop()

    def handle_data(self, data):
        if self._hidden:
            return
        self.parts.append(data)
        if self._open:
            target = self.headings if self._open[-1] == "h2" else self.captions
            target[-1] += data

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.parts).split())


def _read(html_text: str) -> VisibleText:
    page = VisibleText()
    page.feed(html_text)
    return page


def _ordinary_word(code: str, label: str) -> bool:
    """A code that is a plain word its own label uses (`rash`: "Rash",
    `baseline`: "Baseline"): in prose it is the word, not a leaked code.
    An acronym is no such word: `cmas` is a leak where the label says CMAS."""
    return any(word.lower() == code and not word.isupper() for word in re.findall(r"[\w']+", label))


def codes_and_labels(run: DbtRun) -> dict[str, dict[str, str]]:
    """Every code the report could print, by kind, with its label (read from
    the seeds; the study_results codes without a seed row map to '')."""
    def pairs(sql: str) -> dict[str, str]:
        return {code: label or "" for code, label in run.query(sql)}

    return {
        "analysis": pairs("""select distinct r.analysis, l.analysis_label from marts.study_results r
                             left join reference.analysis_labels l using (analysis)"""),
        "measure": pairs("""select measure, measure_label from reference.outcome_measures
                            union select variant, variant_label from reference.inactive_disease_variants
                            union select distinct measure, '' from marts.study_results
                            where measure not in (select measure from reference.outcome_measures)
                              and measure not in (select variant from reference.inactive_disease_variants)
                              and measure not in (select code from reference.model_result_labels)"""),
        # The model rows' fixed effects, treatment categories and weight statistics.
        "model result": pairs("select code, code_label from reference.model_result_labels"),
        "timepoint": pairs("""select timepoint, timepoint_label from reference.timepoint_windows
                              union select distinct timepoint, '' from marts.study_results
                              where timepoint not in (select timepoint from reference.timepoint_windows)
                                and timepoint not in (select code from reference.model_result_labels)
                              union select 'median', 'Median time'"""),
        "exclusion reason": pairs("select exclusion_reason, reason_label from reference.exclusion_reasons"),
        "analysis set": pairs("select analysis_set, analysis_set_label from reference.analysis_sets"),
    }


def leaked_codes(text: str, codes: dict[str, dict[str, str]]) -> list[tuple[str, str]]:
    found = []
    for kind, labels in codes.items():
        for code, label in labels.items():
            if _ordinary_word(code, label):
                continue
            if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text):
                found.append((kind, code))
    return found


@pytest.fixture(scope="module")
def report(default_build: DbtRun, tmp_path_factory: pytest.TempPathFactory):
    from jdm.dq.run import run_dq
    from jdm.report.study_report import write_report
    from jdm.study.analysis import run_stats

    run = default_build
    run_stats(run.db_path)
    out = tmp_path_factory.mktemp("study_report")
    run_dq(run.db_path, run.db_path.parent / "target", out / "dq")
    published = write_report(run.db_path, out / "report")
    return run, _read(published.report.read_text(encoding="utf-8")), published


def test_no_code_reaches_the_page(report) -> None:
    run, page, _ = report
    codes = codes_and_labels(run)
    checked = sum(not _ordinary_word(c, label) for labels in codes.values() for c, label in labels.items())
    # Every analysis and exclusion reason has an underscore: all checked; and most measures and timepoints.
    assert checked >= len(codes["analysis"]) + len(codes["exclusion reason"]) + 10
    assert leaked_codes(page.text, codes) == []


def test_the_leak_check_can_fail() -> None:
    codes = {"measure": {"cmas": "CMAS", "rash": "Rash"}, "timepoint": {"month_12": "12 months"}}
    assert leaked_codes("CMAS at 12 months; no rash", codes) == []
    assert leaked_codes("cmas at month_12", codes) == [("measure", "cmas"), ("timepoint", "month_12")]


def test_sections_in_a_papers_order_with_numbered_captions(report) -> None:
    _, page, _ = report
    assert page.headings == SECTIONS
    tables = [c for c in page.captions if c.startswith("Table ")]
    figures = [c for c in page.captions if c.startswith("Figure ")]
    assert len(tables) + len(figures) == len(page.captions)
    assert [int(re.match(r"Table (\d+)\.", c).group(1)) for c in tables] == list(range(1, len(tables) + 1))
    assert [int(re.match(r"Figure (\d+)\.", c).group(1)) for c in figures] == list(range(1, len(figures) + 1))
    assert len(tables) == page.tables and len(figures) == page.svgs == 4
    # Each caption says whom it shows (an analysis set and its n) or is a build's own table.
    for caption in page.captions:
        assert (re.search(r"(Completers|completers|Whole cohort) \(n = \d+\)", caption)
                or "this build" in caption), caption
    for caption in tables:
        if "(n = " in caption and "Baseline characteristics" not in caption:
            assert re.search(r"test|proportion|estimate|Kaplan-Meier|Wilson|model", caption), caption


def _table_1(page: VisibleText) -> str:
    text = page.text
    return text[text.index("Table 1."):text.index("Table 2.")]


def test_table_1_has_the_indications_and_diagnosis_groups(report) -> None:
    run, page, published = report
    table_1 = _table_1(page)
    for (label,) in run.query("select indication_label from reference.indication_labels"):
        assert label in table_1
    assert "None recorded" in table_1
    for (group,) in run.query("select distinct diagnosis_group from marts.diagnosis_group_counts"
                              " where diagnosis_group is not null"):
        assert group in table_1
    assert "Bohan and Peter" in table_1 and "Indication" in table_1
    # n (%) as printed in the summary tables (suppressed), completers then all treated.
    printed = pd.read_csv(published.report.parent / "summary_tables" / "indications.csv", dtype=str,
                          keep_default_na=False)
    for indication, rows in printed.groupby("indication", sort=False):
        cells = [f"{r.patients} ({r.percent} %)" if r.percent else r.patients for r in rows.itertuples()]
        assert f"{indication[0].upper()}{indication[1:]} {' '.join(cells)}" in table_1


def test_response_and_inactive_disease_rates_with_their_intervals(report) -> None:
    """Every rate the summary tables print (not suppressed) is on the page
    with its Wilson CI, the numbers taken from marts.study_results."""
    run, page, published = report
    text = page.text
    rows = run.frame("select * from marts.study_results where test = 'response_proportion'")
    assert set(rows["analysis_set"]) == {"completers", "all_treated"}
    assert {"tis_response_minimal", "tis_response_moderate", "tis_response_major", "inactive_disease"} <= set(
        rows["analysis"])
    printed = pd.read_csv(published.report.parent / "summary_tables" / "headline_results.csv", dtype=str,
                          keep_default_na=False)
    printed = printed[printed["test"] == "response_proportion"]
    keys = ["analysis_set", "analysis", "measure", "timepoint"]
    shown = rows.merge(printed[printed["estimate"] != ""][keys], on=keys)
    assert len(shown) >= 10  # the default extract prints most TIS rates and some inactive-disease ones
    for r in shown.itertuples():
        interval = f"{100 * r.ci_low:.1f}–{100 * r.ci_high:.1f}"
        if r.analysis == "inactive_disease":
            expected = f"{r.n} {r.successes} {100 * r.estimate:.0f} {interval}"
        else:
            expected = f"{r.successes} ({100 * r.estimate:.0f} %; {interval})"
        assert expected in text, (r.analysis_set, r.analysis, r.measure, r.timepoint, expected)
    for words in ("Total Improvement Score with CMAS", "Total Improvement Score with MMT8",
                  "Clinically inactive disease (PRINTO)",
                  "Clinically inactive disease (PRINTO; physician global ≤ 0.2 required)",
                  "6 months", "24 months", "Last follow-up"):
        assert words in text


def _section(page: VisibleText, title: str) -> str:
    text = page.text
    start = text.index(title)
    later = [text.index(t, start + 1) for t in SECTIONS[SECTIONS.index(title) + 1:] if t in text[start + 1:]]
    return text[start:min(later, default=len(text))]


def _estimate_ci(estimate: float, low: float, high: float) -> str:
    return f"{estimate:.2f} ({low:.2f} to {high:.2f})"


def test_the_trajectory_figure_and_its_fixed_effects(report) -> None:
    """Section 8: the mixed model's mean curve with its band over the
    observed medians of CMAS, physician global and DAS skin (completers),
    and the fixed effects of both analysis sets as marts.study_results has
    them."""
    run, page, _ = report
    section = _section(page, "Muscle strength and disease activity over time")
    figure = re.search(r"Figure (\d+)\. (CMAS, Physician global VAS and DAS skin over the first 24 months[^.]*)\.",
                       section)
    assert figure and "mixed-effects model" in figure.group(2) and "95 % confidence band" in figure.group(2)
    assert "observed median at each timepoint" in figure.group(2)
    for words in ("CMAS (0–52 points, higher = better)", "Physician global VAS (0–10 cm, lower = better)",
                  "DAS skin (0–9 points, lower = better)", "fitted mean (mixed model)", "95 % CI of the mean",
                  "observed median at each timepoint"):
        assert words in section, words  # the figure's panel titles and legend are text of the SVG
    rows = run.frame("select * from marts.study_results where analysis = 'trajectory_mixed_model'")
    assert len(rows) == 2 * 3 * 5  # both sets, three measures, five fixed effects
    for r in rows.itertuples():
        assert _estimate_ci(r.estimate, r.ci_low, r.ci_high) in section, (r.analysis_set, r.measure, r.timepoint)
    assert "Change per month, months 12–24" in section and "Mean at the first dose" in section


def test_the_causal_estimate_beside_the_unadjusted_one_with_its_weights(report) -> None:
    """Section 9: the marginal structural model's effect on DAS skin and
    physician global with its robust CI and p, beside the unweighted and
    crude estimates, and the weight distribution, as marts.study_results
    has them; its captions name the whole cohort and the method."""
    run, page, _ = report
    section = _section(page, "Causal estimate over the whole cohort")
    captions = [c for c in page.captions if c.split(". ", 1)[1] in section]
    assert len(captions) == 2
    assert re.search(r"Whole cohort \(n = \d+\)", captions[0]) and "Marginal structural model: GEE" in captions[0]
    assert "weighted by stabilised inverse-probability-of-treatment weights" in captions[0]
    assert "Unweighted: the same GEE without the weights" in captions[0]
    effects = run.frame("""select * from marts.study_results where analysis_set = 'whole_cohort'
                           and analysis in ('marginal_structural_model', 'unadjusted_comparison', 'crude_comparison')""")
    assert set(effects["measure"]) == {"das_skin", "physician_global_vas"} and len(effects) == 12
    for outcome, label in (("das_skin", "DAS skin (0–9 points, lower = better)"),
                           ("physician_global_vas", "Physician global VAS (0–10 cm, lower = better)")):
        of = effects[(effects["measure"] == outcome) & (effects["timepoint"] == "started_over_12_months")]
        cells = []
        for analysis in ("marginal_structural_model", "unadjusted_comparison", "crude_comparison"):
            r = of[of["analysis"] == analysis].iloc[0]
            p = "<0.001" if r.p_value < 0.001 else f"{r.p_value:.3f}"
            cells.append(f"{_estimate_ci(r.estimate, r.ci_low, r.ci_high)} {p}")
        # one row: the contrast, then the MSM, unweighted and crude estimates with their p
        assert f"{label} Started more than 12 months earlier {' '.join(cells)}" in section, (outcome, cells)
    weights = run.frame("select timepoint, estimate from marts.study_results where analysis = 'msm_weights'")
    values = dict(zip(weights["timepoint"], weights["estimate"]))
    for name, label in (("mean", "Mean"), ("p1", "1st percentile"), ("median", "Median"), ("p99", "99th percentile"),
                        ("max", "Maximum"), ("truncated_above", "Upper truncation point")):
        assert f"{label} {values[name]:.3g}" in section, name
    assert f"Person-months truncated {100 * values['share_truncated']:.1f} %" in section
    assert "1.19 lower (p = 0.0085)" in section  # the paper's figures, for comparison


def test_a_count_printed_beside_its_total_is_suppressed_with_it() -> None:
    from jdm.report.study_report import _linked_count
    assert _linked_count(3, 400) == "<5"
    assert _linked_count(397, 400) == "*"  # 3 would follow from the total
    assert _linked_count(60, 400) == "60"


def test_the_response_table_counts_the_patients_without_a_score(report) -> None:
    """"Without a score" is the set's patients whose score at the timepoint is
    missing (a component missing), counted here from the mart's rows (one per
    patient of all treated and timepoint), not from the printed numbers."""
    run, page, _ = report
    counts = run.frame("""
        select analysis_set, timepoint_label,
            count(tis_cmas) as scored_cmas, count(*) filter (where tis_cmas is null) as without_cmas,
            count(tis_mmt8) as scored_mmt8, count(*) filter (where tis_mmt8 is null) as without_mmt8
        from (
            select 'completers' as analysis_set, * from marts.total_improvement_scores where in_completers
            union all
            select 'all_treated', * from marts.total_improvement_scores where in_all_treated
        ) as rows_in_set
        group by all""")
    checked = 0
    for r in counts.itertuples():
        for scored, without in ((r.scored_cmas, r.without_cmas), (r.scored_mmt8, r.without_mmt8)):
            if scored >= 5 and without >= 5:  # printed as they are
                assert f"{r.timepoint_label} {scored} {without} " in page.text, r
                checked += 1
    assert checked >= 4

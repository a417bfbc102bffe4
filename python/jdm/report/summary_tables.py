"""The study's summary tables as published outside the warehouse (the report
and OUT/summary_tables/*.csv), small-cell suppressed with jdm.report.disclosure.

Pure functions: counts in, tables of printed text out. Each table is
modelled with every count it prints, the counts those imply, and the
relations between them, so that a suppressed count cannot be worked out
from the others:

- attrition: each step's remaining count is the next step's plus that
  step's exclusions; the sizes of the analysis sets are kept (every
  analysis of a set prints its n, so hiding them here would protect
  nothing);
- headline results, both analysis sets in one table per analysis (the
  completers are a subset of all treated, so their difference is a count
  too): a proportion's n - successes, a Wilcoxon row's n - improved, the
  Kaplan-Meier n - events, and the patients of the set it does not analyse
  (not on steroids at baseline, status unknown, no follow-up) beside n;
  the response rates (test response_proportion) of one measure and
  timepoint share their n and are nested (major within moderate within
  minimal), so they form one table: n, each rate's successes, and the
  counts between them (n - the largest, and each step down the nest);
- skin signs, one table per sign: the bars (present at baseline and at last
  follow-up), the share free at last follow-up, McNemar's discordant pairs
  and the calcinosis resolved among those with it at baseline all count the
  same patients, so they form one table (the 2 x 2 table of baseline by last
  follow-up and the patients seen at only one of the two);
- Table 1, of the completers (the analysed patients; both sets would hide
  most of it: the two differ by a few patients), one table per
  characteristic: for sex, ethnicity and the diagnosis group the total is
  the sum of its categories (a missing value is a category), the total kept
  (the set's size); for the indications (a patient counted under each of
  theirs) each count only implies its complement, the patients of the set
  without it. (category_table can hold both sets, suppressed together.)

The statistics themselves (p-values, medians, confidence intervals of
measurements) come from marts.study_results, computed on the full data.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import replace

import pandas as pd

from jdm.report.disclosure import CannotProtect, Cell, Suppressed, protect, total_of
from jdm.study.analysis import RESPONSE_TEST

SUBSET, SUPERSET = "completers", "all_treated"  # every completer is in all_treated
SKIN_MEASURES = ("rash", "nailfold_abnormal", "gottrons", "calcinosis")
SKIN_TIMEPOINTS = ("baseline", "last_follow_up")

# The skin table of one sign in one analysis set (see the module docstring).
# pp, pa, ap, aa: present/absent at baseline -> at last follow-up, among the
# patients with both ("pairs"); unpaired_*: patients seen at only one of them.
SKIN_CELLS = ("baseline_n", "baseline_present", "baseline_absent", "last_n", "last_present", "last_absent",
              "pairs", "pp", "pa", "ap", "aa", "pairs_present_at_baseline", "unpaired_baseline_present",
              "unpaired_baseline_absent", "unpaired_last_present", "unpaired_last_absent")
SKIN_RELATIONS = (
    total_of("baseline_n", ["baseline_present", "baseline_absent"]),
    total_of("last_n", ["last_present", "last_absent"]),
    total_of("pairs", ["pp", "pa", "ap", "aa"]),
    total_of("pairs_present_at_baseline", ["pp", "pa"]),
    total_of("baseline_present", ["pp", "pa", "unpaired_baseline_present"]),
    total_of("baseline_absent", ["ap", "aa", "unpaired_baseline_absent"]),
    total_of("last_present", ["pp", "ap", "unpaired_last_present"]),
    total_of("last_absent", ["pa", "aa", "unpaired_last_absent"]),
)
# What each set prints: the bars (completers, in the report), the share free
# of the sign at last follow-up (last_absent of last_n), McNemar's discordant
# pairs (pa, ap of pairs), calcinosis resolved (pa of pairs_present_at_baseline).
SKIN_BARS = {"baseline_n", "baseline_present", "last_n", "last_present"}
SKIN_RESULTS = {"calcinosis": {"pa", "pairs_present_at_baseline"}}
SKIN_RESULTS_DEFAULT = {"last_absent", "last_n", "pairs", "pa", "ap"}

# The patients of an analysis set the time to off steroids does not analyse
# (protocol: counted and reported), besides the analysed n.
KM_NOT_ANALYSED = ("not_on_steroids_at_baseline", "steroids_at_baseline_unknown", "no_follow_up")

# Results that are estimates of a model (jdm.study.analysis.MODEL_TESTS:
# marginal structural model, unadjusted comparisons, weight distribution,
# mixed-model fixed effects): they print no count but n, suppressed like
# every other n.
MODEL_ESTIMATE_TESTS = ("msm_gee", "unweighted_gee", "crude_gee", "weight_distribution", "mixed_model")

SEX_LABELS = {"F": "Female", "M": "Male", "U": "Unknown"}
NOT_RECORDED = "not recorded"


def _protect(table: str, cells: list[Cell], constraints: list[dict[str, int]]) -> Suppressed:
    try:
        return protect(cells, constraints)
    except CannotProtect as error:
        if not any(cell.keep for cell in cells):  # refuse to publish rather than print a recoverable small count
            raise ValueError(f"{table}: {error}") from error
    # The counts kept because other tables print them (the analysis set
    # sizes) cannot all stay here without giving a small count away, e.g.
    # when the two sets differ by 1 to 4 patients. Hide them here too: the
    # tables that print them audit the same difference on their own.
    try:
        return protect([replace(cell, keep=False) for cell in cells], constraints)
    except CannotProtect as error:
        raise ValueError(f"{table}: {error}") from error


def _two_sets(table: str, per_set: Mapping[str, list[Cell]], relations: list[dict[str, int]]) -> Suppressed:
    """One table holding both analysis sets: each set's cells and relations
    (names prefixed `<set>.`), and for every cell the hidden count of
    all_treated patients who are not completers (all_treated - completers):
    a difference of 1 to 4 between the two sets is a small count too."""
    cells: list[Cell] = []
    constraints: list[dict[str, int]] = []
    for analysis_set, set_cells in sorted(per_set.items(), key=lambda item: item[0] != SUBSET):
        cells += [Cell(f"{analysis_set}.{c.name}", c.value, c.shown, c.keep) for c in set_cells]
        constraints += [{f"{analysis_set}.{name}": k for name, k in relation.items()} for relation in relations]
    if SUBSET in per_set and SUPERSET in per_set:
        subset = {c.name: c.value for c in per_set[SUBSET]}
        for cell in per_set[SUPERSET]:
            difference = cell.value - subset[cell.name]
            if difference < 0:
                raise ValueError(f"{cell.name}: {SUPERSET} ({cell.value}) below {SUBSET} ({subset[cell.name]})")
            cells.append(Cell(f"difference.{cell.name}", difference, shown=False))
            constraints.append(total_of(f"{SUPERSET}.{cell.name}",
                                        [f"{SUBSET}.{cell.name}", f"difference.{cell.name}"]))
    return _protect(table, cells, constraints)


def attrition_table(attrition: pd.DataFrame, analysis_set_sizes: Mapping[str, int]) -> pd.DataFrame:
    """The STROBE flow as printed, one row per step and exclusion reason (as
    marts.attrition): patients_remaining and patients_excluded (by the
    reason) as text; the remaining count before a step is the one after plus
    the step's exclusions, all reasons (patients_excluded_at_step, implied by
    the printed counts, is not printed). A remaining count equal to an
    analysis set's size is kept (the analyses print it anyway)."""
    rows = attrition.sort_values(["step_number", "exclusion_reason_order"], na_position="first").reset_index(drop=True)
    kept = set(analysis_set_sizes.values())
    cells, relations = [], []
    previous = None
    for step, at_step in rows.groupby("step_number", sort=True):
        remaining = int(at_step["patients_remaining"].iloc[0])
        cells.append(Cell(f"remaining.{step}", remaining, keep=remaining in kept))
        if previous is not None:
            reasons = [f"excluded.{step}.{reason}" for reason in at_step["exclusion_reason"]]
            cells += [Cell(name, int(v)) for name, v in zip(reasons, at_step["patients_excluded"])]
            relations.append(total_of(f"remaining.{previous}", [f"remaining.{step}", *reasons]))
        previous = step
    table = _protect("attrition", cells, relations)
    first = rows["step_number"].min()
    printed = rows.copy()
    printed["patients_remaining"] = [table.text(f"remaining.{step}") for step in rows["step_number"]]
    printed["patients_excluded"] = ["0" if step == first else table.text(f"excluded.{step}.{reason}")
                                    for step, reason in zip(rows["step_number"], rows["exclusion_reason"])]
    return printed.drop(columns=["patients_excluded_at_step"], errors="ignore")


def skin_tables(skin_counts: pd.DataFrame) -> dict[str, Suppressed]:
    """One suppressed table per skin sign, both analysis sets.

    skin_counts: one row per analysis_set x measure with baseline_n,
    baseline_present, last_n, last_present, pp, pa, ap, aa (pairs: patients
    with a value at both timepoints; present = value 1)."""
    tables = {}
    for measure in SKIN_MEASURES:
        per_set = {}
        for row in skin_counts[skin_counts["measure"] == measure].itertuples():
            counts = {name: int(getattr(row, name)) for name in
                      ("baseline_n", "baseline_present", "last_n", "last_present", "pp", "pa", "ap", "aa")}
            counts["baseline_absent"] = counts["baseline_n"] - counts["baseline_present"]
            counts["last_absent"] = counts["last_n"] - counts["last_present"]
            counts["pairs"] = counts["pp"] + counts["pa"] + counts["ap"] + counts["aa"]
            counts["pairs_present_at_baseline"] = counts["pp"] + counts["pa"]
            counts["unpaired_baseline_present"] = counts["baseline_present"] - counts["pp"] - counts["pa"]
            counts["unpaired_baseline_absent"] = counts["baseline_absent"] - counts["ap"] - counts["aa"]
            counts["unpaired_last_present"] = counts["last_present"] - counts["pp"] - counts["ap"]
            counts["unpaired_last_absent"] = counts["last_absent"] - counts["pa"] - counts["aa"]
            shown = SKIN_RESULTS.get(measure, SKIN_RESULTS_DEFAULT)
            if row.analysis_set == SUBSET:
                shown = shown | SKIN_BARS
            per_set[row.analysis_set] = [Cell(name, counts[name], shown=name in shown) for name in SKIN_CELLS]
        tables[measure] = _two_sets(f"skin signs ({measure})", per_set, list(SKIN_RELATIONS))
    return tables


def skin_table(tables: Mapping[str, Suppressed]) -> pd.DataFrame:
    """The skin-sign bars (completers) as printed: present of n and the
    percent, blank when either count is suppressed."""
    rows = []
    for measure in SKIN_MEASURES:
        table = tables[measure]
        for timepoint in SKIN_TIMEPOINTS:
            prefix = f"{SUBSET}.{'baseline' if timepoint == 'baseline' else 'last'}"
            rows.append({"analysis_set": SUBSET, "measure": measure, "timepoint": timepoint,
                         "present": table.text(f"{prefix}_present"), "n": table.text(f"{prefix}_n"),
                         "percent_present": table.percent(f"{prefix}_present", f"{prefix}_n")})
    return pd.DataFrame(rows)


def _count_tables(results: pd.DataFrame, km_counts: pd.DataFrame) -> dict[tuple, Suppressed]:
    """Suppressed tables of the non-skin analyses, keyed (analysis, measure,
    timepoint); the Kaplan-Meier rows share one, keyed (analysis, measure)."""
    tables = {}
    for (analysis, measure, timepoint, test), rows in results.groupby(["analysis", "measure", "timepoint", "test"]):
        per_set = {}
        for row in rows.itertuples():
            if test == "wilcoxon":
                per_set[row.analysis_set] = [Cell("n", int(row.n)), Cell("improved", int(row.n_improved)),
                                             Cell("not_improved", int(row.n) - int(row.n_improved), shown=False)]
            elif test == "pct_change" or test in MODEL_ESTIMATE_TESTS:
                per_set[row.analysis_set] = [Cell("n", int(row.n))]
        relations = [total_of("n", ["improved", "not_improved"])] if test == "wilcoxon" else []
        if per_set:
            tables[(analysis, measure, timepoint)] = _two_sets(f"{analysis} {measure} {timepoint}", per_set, relations)
    tables.update(_response_tables(results[results["test"] == RESPONSE_TEST]))
    km = results[results["test"] == "kaplan_meier"]
    for (analysis, measure), rows in km.groupby(["analysis", "measure"]):
        per_set = {}
        for analysis_set in rows["analysis_set"].unique():
            counted = km_counts[km_counts["analysis_set"] == analysis_set].iloc[0]
            n, events = int(counted["n"]), int(counted["events"])
            if set(rows.loc[rows["analysis_set"] == analysis_set, "n"]) != {n}:
                raise ValueError(f"Kaplan-Meier n of {analysis_set} disagrees with marts.study_results: "
                                 "rerun `jdm stats`")
            per_set[analysis_set] = [Cell("n", n), Cell("events", events), Cell("censored", n - events, shown=False),
                                     *(Cell(name, int(counted[name])) for name in KM_NOT_ANALYSED),
                                     Cell("set_size", int(counted["set_size"]), keep=True)]
        tables[(analysis, measure)] = _two_sets(f"{analysis} {measure}", per_set,
                                                [total_of("n", ["events", "censored"]),
                                                 total_of("set_size", ["n", *KM_NOT_ANALYSED])])
    return tables


def _response_tables(results: pd.DataFrame) -> dict[tuple, Suppressed]:
    """One suppressed table per (measure, timepoint) of the response rates,
    keyed (RESPONSE_TEST, measure, timepoint). Its rates share n, and each
    one's responders are among the previous one's when ordered by the
    all_treated count, largest first (at least minimal, at least moderate,
    major): the table holds n, each rate's successes and the hidden counts
    between them, so that no difference of two printed counts is a small
    count left unprotected."""
    tables = {}
    for (measure, timepoint), rows in results.groupby(["measure", "timepoint"], sort=False):
        reference = rows[rows["analysis_set"] == SUPERSET] if (rows["analysis_set"] == SUPERSET).any() else rows
        nest = list(reference.sort_values(["successes", "analysis"], ascending=[False, True])["analysis"])
        per_set = {}
        for analysis_set, set_rows in rows.groupby("analysis_set", sort=False):
            sizes = set(set_rows["n"].astype(int))
            if len(sizes) != 1:
                raise ValueError(f"{measure} {timepoint} ({analysis_set}): response rates with different n {sizes}")
            n = sizes.pop()
            successes = dict(zip(set_rows["analysis"], set_rows["successes"].astype(int)))
            cells = [Cell("n", n), *(Cell(analysis, successes[analysis]) for analysis in nest)]
            for (outer, outer_count), inner in zip([("n", n), *((a, successes[a]) for a in nest)], nest):
                if successes[inner] > outer_count:
                    raise ValueError(f"{measure} {timepoint} ({analysis_set}): {inner} is not within {outer}")
                cells.append(Cell(f"{outer}_not_{inner}", outer_count - successes[inner], shown=False))
            per_set[analysis_set] = cells
        relations = [total_of(outer, [inner, f"{outer}_not_{inner}"]) for outer, inner in zip(["n", *nest], nest)]
        tables[(RESPONSE_TEST, measure, timepoint)] = _two_sets(f"response rates {measure} {timepoint}", per_set,
                                                                relations)
    return tables


def _blank(value: float, hide: bool) -> float:
    return math.nan if hide or value is None or pd.isna(value) else float(value)


def _check_skin_row(row, counts: Mapping[str, int], cells: dict[str, str]) -> None:
    expected = {name: counts[cell] for name, cell in cells.items()}
    actual = {name: int(getattr(row, name)) for name in expected}
    if actual != expected:
        raise ValueError(f"{row.analysis_set} {row.analysis} {row.measure}: marts.study_results has {actual}, "
                         f"the marts give {expected}: rerun `jdm stats`")


def headline_table(results: pd.DataFrame, skin: Mapping[str, Suppressed], km_counts: pd.DataFrame) -> pd.DataFrame:
    """marts.study_results as printed, one row per result: counts as text
    (`<5`, `*`), estimates and CIs of proportions blank when a count they
    come from is suppressed, `result` the sentence the report shows. p-values
    and the statistics of measurements are as computed."""
    counts = _count_tables(results, km_counts)
    printed = []
    for row in results.itertuples():
        text = {"n": str(row.n), "successes": "", "n_improved": "", "present_to_absent": "",
                "absent_to_present": "", "events": "", **{name: "" for name in KM_NOT_ANALYSED}}
        estimate, ci_low, ci_high, statistic = row.estimate, row.ci_low, row.ci_high, row.statistic
        method = row.method
        if row.test in ("proportion", "mcnemar"):
            table, s = skin[row.measure], f"{row.analysis_set}."
            values = {name.removeprefix(s): v for name, v in table.values.items() if name.startswith(s)}
            if row.test == "mcnemar":
                _check_skin_row(row, values, {"n": "pairs", "statistic": "pa"})
                text.update(n=table.text(s + "pairs"), present_to_absent=table.text(s + "pa"),
                            absent_to_present=table.text(s + "ap"))
                statistic = _blank(statistic, table.hides(s + "pa"))
                method = "; ".join([*method.split("; ")[:-1], f"present->absent {text['present_to_absent']}, "
                                                              f"absent->present {text['absent_to_present']}"])
                result = method.split("; ")[-1]
            else:
                k, n = ("pa", "pairs_present_at_baseline") if row.measure == "calcinosis" else ("last_absent", "last_n")
                _check_skin_row(row, values, {"n": n, "successes": k})
                text.update(n=table.text(s + n), successes=table.text(s + k))
                hide = table.hides(s + k, s + n)
                estimate, ci_low, ci_high = (_blank(v, hide) for v in (estimate, ci_low, ci_high))
                percent = table.percent(s + k, s + n)
                result = (f"{text['successes']}/{text['n']}" + (f" ({percent} %)" if percent else "")
                          if values[n] else "no patients")
        elif row.test == "kaplan_meier":
            table = counts[(row.analysis, row.measure)]
            s = f"{row.analysis_set}."
            text.update(n=table.text(s + "n"), events=table.text(s + "events"),
                        **{name: table.text(s + name) for name in KM_NOT_ANALYSED})
            method = re.sub(r"(^|; )\d+ events($|; )", rf"\g<1>{text['events']} events\g<2>", method)
            if row.timepoint == "median":
                result = f"median {estimate:.0f} days" if pd.notna(estimate) else "median not reached"
            else:
                estimate, ci_low, ci_high = (_blank(v, table.hides(s + "n")) for v in (estimate, ci_low, ci_high))
                result = f"{100 * estimate:.0f} % off steroids" if pd.notna(estimate) else ""
        elif row.test in ("wilcoxon", "pct_change"):
            table = counts[(row.analysis, row.measure, row.timepoint)]
            s = f"{row.analysis_set}."
            text["n"] = table.text(s + "n")
            if row.test == "wilcoxon":
                text["n_improved"] = table.text(s + "improved")
                result = (f"median {_number(row.baseline_median, 1)} → {_number(row.timepoint_median, 1)}; "
                          f"improved {text['n_improved']}/{text['n']}")
            else:
                result = f"median {_number(estimate, 1)} %"
        elif row.test == RESPONSE_TEST:
            table, s = counts[(RESPONSE_TEST, row.measure, row.timepoint)], f"{row.analysis_set}."
            text.update(n=table.text(s + "n"), successes=table.text(s + row.analysis))
            hide = table.hides(s + row.analysis, s + "n")
            estimate, ci_low, ci_high = (_blank(v, hide) for v in (estimate, ci_low, ci_high))
            percent = table.percent(s + row.analysis, s + "n")
            result = (f"{text['successes']}/{text['n']}" + (f" ({percent} %)" if percent else "")
                      if row.n else "no patients")
        elif row.test in MODEL_ESTIMATE_TESTS:
            table = counts[(row.analysis, row.measure, row.timepoint)]
            text["n"] = table.text(f"{row.analysis_set}.n")
            result = f"estimate {_number(estimate, 3)}"
        else:  # a count with no rule here must not be published unsuppressed
            raise ValueError(f"no suppression rule for the counts of a {row.test!r} result")
        printed.append({
            "analysis_set": row.analysis_set, "analysis": row.analysis, "measure": row.measure,
            "timepoint": row.timepoint, "test": row.test, **text, "result": result,
            "estimate": estimate, "ci_low": ci_low, "ci_high": ci_high, "statistic": statistic,
            "p_value": row.p_value, "p_holm": row.p_holm, "method": method,
            "baseline_median": row.baseline_median, "baseline_q1": row.baseline_q1, "baseline_q3": row.baseline_q3,
            "timepoint_median": row.timepoint_median, "timepoint_q1": row.timepoint_q1,
            "timepoint_q3": row.timepoint_q3,
        })
    return pd.DataFrame(printed)


def _number(value: float | None, digits: int) -> str:
    return "" if value is None or pd.isna(value) else f"{value:.{digits}f}"


CHARACTERISTICS = ("Sex", "Ethnicity")
CATEGORY_LABELS = {"Sex": SEX_LABELS}
NO_INDICATION = "none recorded"


def category_table(table: str, counts: pd.DataFrame, *, exclusive: bool) -> pd.DataFrame:
    """One characteristic of Table 1 as printed, for each analysis set in
    `counts` (suppressed together: the completers are a subset of all
    treated, so a difference of 1 to 4 between the sets is a small count).

    counts: one row per analysis_set x category with `patients` and
    `set_size` (the patients of the set), categories in display order.
    exclusive: each patient is in exactly one category (sex, diagnosis
    group): the set size is the sum of its categories. Otherwise (the
    indications, a patient under each of theirs) a category only implies
    its complement, the patients of the set not in it.

    Returns analysis_set, category, patients (text), percent (of the set,
    blank when suppressed) and set_size (text). The set sizes are kept
    (every analysis of the set prints them) unless keeping both would give
    a small difference between the sets away."""
    categories = list(dict.fromkeys(counts["category"]))
    per_set = {}
    for analysis_set, rows in counts.groupby("analysis_set", sort=False):
        sizes = set(rows["set_size"].astype(int))
        if len(sizes) != 1:
            raise ValueError(f"{table} ({analysis_set}): more than one set size {sizes}")
        size = sizes.pop()
        patients = dict(zip(rows["category"], rows["patients"].astype(int)))
        cells = [Cell("size", size, keep=True)]
        for i, category in enumerate(categories):
            cells.append(Cell(f"category.{i}", patients.get(category, 0)))
            if not exclusive:
                cells.append(Cell(f"not.{i}", size - patients.get(category, 0), shown=False))
        per_set[analysis_set] = cells
    parts = [f"category.{i}" for i in range(len(categories))]
    relations = ([total_of("size", parts)] if exclusive
                 else [total_of("size", [part, f"not.{i}"]) for i, part in enumerate(parts)])
    suppressed = _two_sets(table, per_set, relations)
    rows = []
    for analysis_set in per_set:
        for i, category in enumerate(categories):
            cell = f"{analysis_set}.category.{i}"
            rows.append({"analysis_set": analysis_set, "category": category, "patients": suppressed.text(cell),
                         "percent": suppressed.percent(cell, f"{analysis_set}.size"),
                         "set_size": suppressed.text(f"{analysis_set}.size")})
    return pd.DataFrame(rows, columns=["analysis_set", "category", "patients", "percent", "set_size"])


def baseline_table(counts: pd.DataFrame, analysis_set: str = SUBSET) -> pd.DataFrame:
    """The categorical part of Table 1 as printed (cf.
    analysis/table_1_baseline_characteristics.sql): per characteristic (sex,
    ethnicity), the patients of the analysis set in each category and their
    percent, and the total. A missing value is the category `not recorded`,
    so each total is the set's size (kept: printed everywhere).

    counts: patients per characteristic and category (missing: null), per
    analysis_set (without the column: all of the set)."""
    counts = (counts[counts["analysis_set"] == analysis_set] if "analysis_set" in counts.columns
              else counts.assign(analysis_set=analysis_set))
    printed = []
    for characteristic in CHARACTERISTICS:
        of = counts[counts["characteristic"] == characteristic]
        labels = CATEGORY_LABELS.get(characteristic, {})
        named = of.assign(category=of["category"].map(
            lambda v: NOT_RECORDED if v is None or pd.isna(v) else labels.get(v, v)))
        summed = named.groupby(["analysis_set", "category"], sort=False)["patients"].sum().astype(int).reset_index()
        summed["set_size"] = summed.groupby("analysis_set")["patients"].transform("sum")
        categories = sorted(summed["category"].unique(), key=lambda c: (c == NOT_RECORDED, c))
        summed = summed.set_index("category").loc[categories].reset_index()
        table = category_table(characteristic, summed, exclusive=True)
        for analysis_set, rows in table.groupby("analysis_set", sort=False):
            printed += [{"analysis_set": analysis_set, "characteristic": characteristic, **r}
                        for r in rows.drop(columns=["analysis_set", "set_size"]).to_dict("records")]
            printed.append({"analysis_set": analysis_set, "characteristic": characteristic, "category": "Total",
                            "patients": rows["set_size"].iloc[0], "percent": ""})
    return pd.DataFrame(printed, columns=["analysis_set", "characteristic", "category", "patients", "percent"])


def indication_table(indication_counts: pd.DataFrame, analysis_set: str = SUBSET) -> pd.DataFrame:
    """Table 1's indications as printed (marts.indication_counts): the
    patients of the analysis set whose first exposure record names each
    indication (a patient under each of theirs), and those naming none."""
    counts = indication_counts[indication_counts["analysis_set"] == analysis_set].sort_values(["indication_order"], na_position="last", kind="stable")
    counts = counts.assign(category=counts["indication_label"].fillna(NO_INDICATION),
                           patients=counts["n_patients"], set_size=counts["n_in_analysis_set"])
    return category_table("indications", counts, exclusive=False).rename(columns={"category": "indication"})


def diagnosis_group_table(diagnosis_group_counts: pd.DataFrame, analysis_set: str = SUBSET) -> pd.DataFrame:
    """Table 1's Bohan and Peter diagnosis groups as printed
    (marts.diagnosis_group_counts): the patients of the analysis set in each
    group; a patient's diagnosis without a group is `not recorded`."""
    counts = diagnosis_group_counts[diagnosis_group_counts["analysis_set"] == analysis_set].sort_values(["diagnosis_group_order"], na_position="last", kind="stable")
    counts = counts.assign(category=counts["diagnosis_group"].fillna(NOT_RECORDED),
                           patients=counts["n_patients"], set_size=counts["n_in_analysis_set"])
    return category_table("diagnosis groups", counts, exclusive=True).rename(columns={"category": "diagnosis_group"})

"""Small-cell suppression (jdm.report.disclosure) on worked examples, checked by
brute force over the whole numbers a reader could put in each unprinted
cell (independently of the linear programming `protect` uses); then on the
default build: the report and the exported summary tables print no count
from 1 to 4, and the study's statistics stay those of the full data."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jdm.report.disclosure import (CannotProtect, PRIMARY, SECONDARY, SECONDARY_STATUS, SHOWN, SMALL, Cell, Suppressed, count_text, exposed, protect, ranges,
                            total_of)
from jdm.report.summary_tables import attrition_table, baseline_table

# --- brute force ------------------------------------------------------------


def possible_values(cells: Sequence[Cell], constraints: Sequence[Mapping[str, int]],
                    printed: Mapping[str, str]) -> dict[str, set[int]]:
    """Every whole-number value each unprinted cell can take, given the
    printed ones: `<5` is 1-4, `*` 5 or more (never a 0 or a small count), an
    implied cell any count >= 0. Enumerates, filling in a cell as soon as a
    relation leaves it the only unknown."""
    ceiling = sum(cell.value for cell in cells)
    domains = {}
    for cell in cells:
        text = printed.get(cell.name)
        if text == SMALL:
            domains[cell.name] = range(1, 5)
        elif text == SECONDARY:
            domains[cell.name] = range(5, ceiling + 1)
        elif text is None:
            domains[cell.name] = range(0, ceiling + 1)
    known = {name: int(text) for name, text in printed.items() if text not in (SMALL, SECONDARY)}
    found: dict[str, set[int]] = {name: set() for name in domains}

    def solve(assigned: dict[str, int]) -> None:
        assigned = dict(assigned)
        changed = True
        while changed:
            changed = False
            for relation in constraints:
                missing = [name for name in relation if name not in assigned]
                rest = sum(k * assigned[name] for name, k in relation.items() if name in assigned)
                if not missing:
                    if rest != 0:
                        return
                elif len(missing) == 1:
                    name = missing[0]
                    if rest % relation[name]:
                        return
                    value = -rest // relation[name]
                    if value not in domains[name]:
                        return
                    assigned[name] = value
                    changed = True
        free = sorted((name for name in domains if name not in assigned), key=lambda name: len(domains[name]))
        if not free:
            for name in domains:
                found[name].add(assigned[name])
            return
        for value in domains[free[0]]:
            solve({**assigned, free[0]: value})

    solve(known)
    return found


def _is_small_number(text: str) -> bool:
    return text.strip().isdigit() and 1 <= int(text) <= 4


def printed_texts(cells: Sequence[Cell], table: Suppressed) -> dict[str, str]:
    return {cell.name: table.text(cell.name) for cell in cells if cell.shown}


def assert_no_small_count_recoverable(cells: Sequence[Cell], constraints: Sequence[Mapping[str, int]],
                                      table: Suppressed) -> None:
    printed = printed_texts(cells, table)
    possible = possible_values(cells, constraints, printed)
    for cell in cells:
        assert cell.name not in printed or printed[cell.name] in (SMALL, SECONDARY, str(cell.value))
        if cell.shown and 1 <= cell.value <= 4:
            assert printed[cell.name] == SMALL, cell
        if cell.name in possible:
            assert cell.value in possible[cell.name], (cell, possible[cell.name])  # the truth stays possible
            if 1 <= cell.value <= 4:
                assert len(possible[cell.name]) >= 2, f"{cell.name} = {cell.value} can be worked out"
        if printed.get(cell.name) == SECONDARY:
            assert cell.value > 4 and not cell.keep


def assert_cannot_be_protected(cells: Sequence[Cell], constraints: Sequence[Mapping[str, int]]) -> None:
    """A refusal is right only if hiding every count that may be hidden (not
    0, not small, not kept) still gives a small count back."""
    printed = {cell.name: (SMALL if 1 <= cell.value <= 4 else SECONDARY if cell.value > 4 and not cell.keep
                           else str(cell.value)) for cell in cells if cell.shown}
    possible = possible_values(cells, constraints, printed)
    assert any(len(possible[cell.name]) == 1 for cell in cells if 1 <= cell.value <= 4 and cell.name in possible)


def assert_protected_or_truly_unprotectable(cells: Sequence[Cell], constraints: Sequence[Mapping[str, int]]) -> None:
    """`protect` either protects every small count or refuses a table that
    no choice of hidden counts could protect."""
    try:
        table = protect(cells, constraints)
    except CannotProtect:
        assert_cannot_be_protected(cells, constraints)
        return
    assert_no_small_count_recoverable(cells, constraints, table)


def chain(remaining: Sequence[int], keep: Sequence[int] = ()) -> tuple[list[Cell], list[dict[str, int]]]:
    """An attrition flow: remaining[k-1] = remaining[k] + excluded[k]."""
    cells = [Cell("remaining.0", remaining[0], keep=remaining[0] in keep)]
    relations = []
    for k in range(1, len(remaining)):
        cells += [Cell(f"remaining.{k}", remaining[k], keep=remaining[k] in keep),
                  Cell(f"excluded.{k}", remaining[k - 1] - remaining[k])]
        relations.append(total_of(f"remaining.{k - 1}", [f"remaining.{k}", f"excluded.{k}"]))
    return cells, relations


def row_with_total(parts: Sequence[int], keep_total: bool = False) -> tuple[list[Cell], list[dict[str, int]]]:
    cells = [Cell(f"part.{i}", v) for i, v in enumerate(parts)] + [Cell("total", sum(parts), keep=keep_total)]
    return cells, [total_of("total", [f"part.{i}" for i in range(len(parts))])]


# --- worked examples --------------------------------------------------------


def test_counts_1_to_4_are_shown_as_under_5_and_0_as_0() -> None:
    assert [count_text(v) for v in (0, 1, 4, 5, 52)] == ["0", SMALL, SMALL, "5", "52"]
    cells, relations = row_with_total([0, 7, 9])
    table = protect(cells, relations)
    assert printed_texts(cells, table) == {"part.0": "0", "part.1": "7", "part.2": "9", "total": "16"}


def test_a_single_small_cell_in_a_row_with_a_total_gets_a_second_cell_suppressed() -> None:
    cells, relations = row_with_total([2, 30, 15])
    table = protect(cells, relations)
    # Alone, <5 would be 47 - 30 - 15 = 2: the smallest other part is hidden too.
    assert printed_texts(cells, table) == {"part.0": SMALL, "part.1": "30", "part.2": SECONDARY, "total": "47"}
    assert_no_small_count_recoverable(cells, relations, table)


def test_two_small_cells_in_one_row_need_nothing_more() -> None:
    cells, relations = row_with_total([2, 3, 42])
    table = protect(cells, relations)
    assert printed_texts(cells, table) == {"part.0": SMALL, "part.1": SMALL, "part.2": "42", "total": "47"}
    assert_no_small_count_recoverable(cells, relations, table)


def test_a_zero_is_never_the_second_cell() -> None:
    # Hiding the 0 would not help: a reader knowing that `*` is never 1-4
    # gets 0 + <5 = 2 back. The 30 is hidden instead.
    cells, relations = row_with_total([0, 2, 30])
    table = protect(cells, relations)
    assert printed_texts(cells, table) == {"part.0": "0", "part.1": SMALL, "part.2": SECONDARY, "total": "32"}
    assert_no_small_count_recoverable(cells, relations, table)


def test_the_attrition_chain_of_the_default_build() -> None:
    cells, relations = chain([410, 56, 52, 50, 47])
    table = protect(cells, relations)
    printed = printed_texts(cells, table)
    assert [printed[f"excluded.{k}"] for k in range(1, 5)] == ["354", SMALL, SMALL, SMALL]
    assert_no_small_count_recoverable(cells, relations, table)


def test_the_attrition_chain_keeping_the_analysis_set_sizes() -> None:
    # 52 (all treated) and 47 (completers) are printed with every analysis:
    # the remaining counts around them are hidden instead.
    cells, relations = chain([410, 56, 52, 50, 47], keep=[52, 47])
    table = protect(cells, relations)
    printed = printed_texts(cells, table)
    assert [printed[f"remaining.{k}"] for k in range(5)] == ["410", SECONDARY, "52", SECONDARY, "47"]
    assert [printed[f"excluded.{k}"] for k in range(1, 5)] == [SECONDARY, SMALL, SMALL, SMALL]
    assert_no_small_count_recoverable(cells, relations, table)


def test_a_chain_with_a_single_small_exclusion() -> None:
    cells, relations = chain([100, 96, 70])
    table = protect(cells, relations)
    printed = printed_texts(cells, table)
    # Hiding 96 alone would not do (96 = 70 + 26); the 100 does, on its own.
    assert printed == {"remaining.0": SECONDARY, "remaining.1": "96", "excluded.1": SMALL,
                       "remaining.2": "70", "excluded.2": "26"}
    assert_no_small_count_recoverable(cells, relations, table)


def flow_frame(remaining: Sequence[int], excluded: Sequence[Sequence[int]]) -> pd.DataFrame:
    """marts.attrition's shape: one row per step and reason (step 1: none)."""
    rows = [{"step_number": 1, "step": "s1", "step_description": "S1", "exclusion_reason_order": None,
             "exclusion_reason": None, "exclusion_reason_label": None, "patients_excluded": 0,
             "patients_excluded_at_step": 0, "patients_remaining": remaining[0]}]
    for k in range(1, len(remaining)):
        for order, count in enumerate(excluded[k - 1], start=1):
            rows.append({"step_number": k + 1, "step": f"s{k + 1}", "step_description": f"S{k + 1}",
                         "exclusion_reason_order": order, "exclusion_reason": f"r{k + 1}_{order}",
                         "exclusion_reason_label": f"R{k + 1}.{order}", "patients_excluded": count,
                         "patients_excluded_at_step": sum(excluded[k - 1]), "patients_remaining": remaining[k]})
    return pd.DataFrame(rows)


def test_attrition_table_prints_the_flow_suppressed() -> None:
    flow = flow_frame([410, 56, 52, 50, 47], [[354], [4], [2], [3]])
    printed = attrition_table(flow, {"completers": 47, "all_treated": 52})
    assert list(printed["patients_remaining"]) == ["410", "*", "52", "*", "47"]
    assert list(printed["patients_excluded"]) == ["0", "*", "<5", "<5", "<5"]


def test_a_step_with_two_reasons_is_protected_as_a_sum() -> None:
    # Step 2 excludes 351 as not exposed and 3 as exposure date uncertain:
    # 410 = 56 + 351 + 3, so printing 410, 56 and 351 would give the 3 away.
    flow = flow_frame([410, 56, 52, 50, 47], [[351, 3], [4], [2], [3]])
    printed = attrition_table(flow, {"completers": 47, "all_treated": 52})
    assert list(printed["step_number"]) == [1, 2, 2, 3, 4, 5]
    assert list(printed["exclusion_reason"])[1:3] == ["r2_1", "r2_2"]
    assert printed["patients_excluded"].iloc[2] == SMALL
    cells = [Cell("remaining.1", 410), Cell("remaining.2", 56), Cell("excluded.2.a", 351), Cell("excluded.2.b", 3),
             Cell("remaining.3", 52), Cell("excluded.3", 4), Cell("remaining.4", 50), Cell("excluded.4", 2),
             Cell("remaining.5", 47), Cell("excluded.5", 3)]
    relations = [total_of("remaining.1", ["remaining.2", "excluded.2.a", "excluded.2.b"]),
                 total_of("remaining.2", ["remaining.3", "excluded.3"]),
                 total_of("remaining.3", ["remaining.4", "excluded.4"]),
                 total_of("remaining.4", ["remaining.5", "excluded.5"])]
    texts = dict(zip(["remaining.1", "remaining.2", "remaining.3", "remaining.4", "remaining.5"],
                     printed.drop_duplicates("step_number")["patients_remaining"]))
    texts |= dict(zip(["excluded.2.a", "excluded.2.b", "excluded.3", "excluded.4", "excluded.5"],
                      printed["patients_excluded"].iloc[1:]))
    possible = possible_values(cells, relations, texts)
    for name in ("excluded.2.b", "excluded.3", "excluded.4", "excluded.5"):
        assert len(possible[name]) >= 2, (name, possible[name])


def test_analysis_sets_differing_by_a_small_count_are_hidden_in_the_flow_too() -> None:
    # 52 all treated, 49 completers: keeping both would print the 3 excluded.
    flow = flow_frame([410, 60, 52, 49], [[350], [8], [3]])
    printed = attrition_table(flow, {"completers": 49, "all_treated": 52})
    assert printed["patients_excluded"].iloc[3] == SMALL
    cells, relations = chain([410, 60, 52, 49])
    shown = {f"remaining.{i}": v for i, v in enumerate(printed["patients_remaining"])}
    shown |= {f"excluded.{i}": v for i, v in enumerate(printed["patients_excluded"]) if i}
    assert SECONDARY in (shown["remaining.2"], shown["remaining.3"])
    values = {cell.name: cell.value for cell in cells}
    status = {name: (SECONDARY_STATUS if text == SECONDARY else PRIMARY if text == SMALL else SHOWN)
              for name, text in shown.items()}
    assert_no_small_count_recoverable(cells, relations, Suppressed(values=values, status=status))


def test_the_complement_of_k_of_n_is_protected() -> None:
    # "44 of 46 have no rash" says 2 have rash.
    cells = [Cell("no_rash", 44), Cell("n", 46), Cell("rash", 2, shown=False)]
    relations = [total_of("n", ["no_rash", "rash"])]
    table = protect(cells, relations)
    assert printed_texts(cells, table) == {"no_rash": SECONDARY, "n": "46"}
    assert table.percent("no_rash", "n") == ""
    assert_no_small_count_recoverable(cells, relations, table)


def test_a_kept_cell_is_never_hidden_and_an_unprotectable_table_is_refused() -> None:
    cells, relations = row_with_total([2, 30, 15], keep_total=True)
    assert protect(cells, relations).text("total") == "47"
    cells = [Cell("a", 3), Cell("b", 30, keep=True), Cell("total", 33, keep=True)]
    with pytest.raises(ValueError, match="cannot protect"):
        protect(cells, [total_of("total", ["a", "b"])])


def test_a_reader_knows_that_a_star_is_5_or_more() -> None:
    # <5 + * = 6: the * is 5 (it is never 1-4), so the <5 is 1.
    cells = [Cell("a", 1), Cell("b", 5), Cell("total", 6, keep=True)]
    relations = [total_of("total", ["a", "b"])]
    assert exposed(cells, relations, {"a": "small", "b": "secondary", "total": "shown"}) == ["a"]
    with pytest.raises(ValueError, match="cannot protect"):
        protect(cells, relations)


def test_inconsistent_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="do not satisfy"):
        protect([Cell("a", 2), Cell("b", 3), Cell("total", 6)], [total_of("total", ["a", "b"])])


def test_derived_percentages_are_blank_when_a_count_is_suppressed() -> None:
    cells, relations = row_with_total([2, 30, 15])
    table = protect(cells, relations)
    assert table.percent("part.1", "total") == "64"
    assert table.percent("part.0", "total") == "" and table.percent("part.2", "total") == ""
    counts = pd.DataFrame([("Sex", "F", 40), ("Sex", "M", 3), ("Sex", None, 4), ("Diagnosis group", "JDM", 47),
                           ("Ethnicity", "White, British", 44), ("Ethnicity", "White, Irish", 3)],
                          columns=["characteristic", "category", "patients"])
    printed = baseline_table(counts).set_index(["characteristic", "category"])
    assert printed.loc[("Sex", "Female")].tolist()[1:] == ["40", "85"]
    assert printed.loc[("Sex", "Male")].tolist()[1:] == [SMALL, ""]
    assert printed.loc[("Sex", "not recorded")].tolist()[1:] == [SMALL, ""]
    # One small ethnicity next to the total: its complement is hidden too.
    assert printed.loc[("Ethnicity", "White, British")].tolist()[1:] == [SECONDARY, ""]
    assert printed.loc[("Ethnicity", "Total")].tolist()[1:] == ["47", ""]


def test_headline_results_blank_what_a_suppressed_count_gives_back() -> None:
    from dataclasses import asdict

    from jdm.study.analysis import ResultRow
    from jdm.report.summary_tables import headline_table, skin_tables

    # Rash: baseline x last follow-up among the pairs (pp, pa, ap, aa); all
    # treated = completers + 6 patients. Only 3 went from rash to none.
    pairs = {"completers": (15, 3, 6, 10), "all_treated": (18, 3, 7, 12)}
    rows, counts = [], []
    for analysis_set, (pp, pa, ap, aa) in pairs.items():
        n = pp + pa + ap + aa
        counts.append({"analysis_set": analysis_set, "measure": "rash", "baseline_n": n, "baseline_present": pp + pa,
                       "last_n": n, "last_present": pp + ap, "pp": pp, "pa": pa, "ap": ap, "aa": aa})
        rows.append(ResultRow(analysis_set, "skin_free_at_last_follow_up", "rash", "last_follow_up", "proportion", n,
                              estimate=(pa + aa) / n, ci_low=0.2, ci_high=0.6, successes=pa + aa, method="Wilson"))
        rows.append(ResultRow(analysis_set, "skin_change", "rash", "last_follow_up", "mcnemar", n, statistic=float(pa),
                              p_value=0.5, method=f"exact; present->absent {pa}, absent->present {ap}"))
    printed = headline_table(pd.DataFrame([asdict(r) for r in rows]), skin_tables(pd.DataFrame(counts)),
                             pd.DataFrame(columns=["analysis_set", "n", "events"]))
    mcnemar = printed[printed["test"] == "mcnemar"]
    assert list(mcnemar["present_to_absent"]) == [SMALL, SMALL]
    assert mcnemar["statistic"].isna().all() and list(mcnemar["p_value"]) == [0.5, 0.5]  # p-values as computed
    assert all(m.endswith("present->absent <5, absent->present " + a) for m, a in
               zip(mcnemar["method"], mcnemar["absent_to_present"]))
    for row in printed.itertuples():
        for text in (row.n, row.successes, row.present_to_absent, row.absent_to_present):
            assert not _is_small_number(text)
        if row.test == "proportion":
            hidden = SMALL in (row.successes, row.n) or SECONDARY in (row.successes, row.n)
            assert pd.isna(row.estimate) == pd.isna(row.ci_low) == hidden and ("%" in row.result) != hidden


def test_the_audit_agrees_with_brute_force_on_a_two_by_two_table() -> None:
    # A 2 x 2 table with its margins: every interior cell shown but 1 as <5
    # gives it back from a margin; the LP ranges match the enumeration.
    names = {"pp": 20, "pa": 25, "ap": 1, "aa": 1}
    cells = [Cell(n, v) for n, v in names.items()] + [
        Cell("baseline_present", 45), Cell("baseline_absent", 2), Cell("last_present", 21),
        Cell("last_absent", 26), Cell("total", 47)]
    relations = [total_of("baseline_present", ["pp", "pa"]), total_of("baseline_absent", ["ap", "aa"]),
                 total_of("last_present", ["pp", "ap"]), total_of("last_absent", ["pa", "aa"]),
                 total_of("total", ["pp", "pa", "ap", "aa"])]
    status = {c.name: ("small" if 1 <= c.value <= 4 else "shown") for c in cells}
    assert exposed(cells, relations, status) == ["ap", "aa", "baseline_absent"]
    table = protect(cells, relations)
    assert_no_small_count_recoverable(cells, relations, table)
    printed = printed_texts(cells, table)
    possible = possible_values(cells, relations, printed)
    for name, (low, high) in ranges(cells, relations, table.status).items():
        assert (min(possible[name]), max(possible[name])) == (round(low), round(high))


@settings(max_examples=60, deadline=None)
@given(parts=st.lists(st.integers(0, 12), min_size=2, max_size=4), keep_total=st.booleans())
def test_any_small_row_with_a_total_is_protected(parts: list[int], keep_total: bool) -> None:
    cells, relations = row_with_total(parts, keep_total)
    # A refusal is right for e.g. 1 + 1 + 1 + 1 = 4, or 1 + * = 6 kept (a * is 5 or more).
    assert_protected_or_truly_unprotectable(cells, relations)


@settings(max_examples=60, deadline=None)
@given(start=st.integers(5, 40), exclusions=st.lists(st.integers(0, 9), min_size=1, max_size=4))
def test_any_small_attrition_chain_is_protected(start: int, exclusions: list[int]) -> None:
    remaining = [start]
    for excluded in exclusions:
        remaining.append(max(remaining[-1] - excluded, 0))
    cells, relations = chain(remaining)
    assert_protected_or_truly_unprotectable(cells, relations)


@settings(max_examples=40, deadline=None)
@given(interior=st.lists(st.integers(0, 9), min_size=4, max_size=4))
def test_any_small_two_by_two_table_with_margins_is_protected(interior: list[int]) -> None:
    pp, pa, ap, aa = interior
    cells = [Cell("pp", pp), Cell("pa", pa), Cell("ap", ap), Cell("aa", aa), Cell("row1", pp + pa),
             Cell("row2", ap + aa), Cell("col1", pp + ap), Cell("col2", pa + aa), Cell("total", sum(interior))]
    relations = [total_of("row1", ["pp", "pa"]), total_of("row2", ["ap", "aa"]), total_of("col1", ["pp", "ap"]),
                 total_of("col2", ["pa", "aa"]), total_of("total", ["row1", "row2"])]
    assert_protected_or_truly_unprotectable(cells, relations)


# --- the default build: what leaves the warehouse ----------------------------

COUNT_COLUMNS = {
    "attrition.csv": ["patients_remaining", "patients_excluded"],
    "headline_results.csv": ["n", "successes", "n_improved", "present_to_absent", "absent_to_present", "events",
                             "not_on_steroids_at_baseline", "steroids_at_baseline_unknown", "no_follow_up"],
    "skin_signs.csv": ["present", "n"],
    "baseline_characteristics.csv": ["patients"],
    "indications.csv": ["patients", "set_size"],
    "diagnosis_groups.csv": ["patients", "set_size"],
}


@pytest.fixture(scope="module")
def published(default_build, tmp_path_factory):
    from jdm.dq.run import run_dq
    from jdm.report.study_report import write_report
    from jdm.study.analysis import run_stats

    run = default_build
    run_stats(run.db_path)
    out = tmp_path_factory.mktemp("published")
    run_dq(run.db_path, run.db_path.parent / "target", out / "dq")
    before = run.frame("select * from marts.study_results order by all")
    files = write_report(run.db_path, out / "report")
    after = run.frame("select * from marts.study_results order by all")
    tables = {path.name: pd.read_csv(path, dtype=str, keep_default_na=False) for path in files.summary_tables}
    return run, files, tables, before, after


def test_summary_tables_are_written_with_their_markers_explained(published) -> None:
    _, files, tables, _, _ = published
    assert sorted(tables) == sorted(COUNT_COLUMNS)
    assert {path.parent for path in files.summary_tables} == {files.report.parent / "summary_tables"}
    readme = (files.report.parent / "summary_tables" / "README.txt").read_text(encoding="utf-8")
    assert "<5: a count from 1 to 4" in readme and "*: suppressed so that a count under 5" in readme
    assert set(tables["headline_results.csv"]["analysis_set"]) == {"completers", "all_treated", "whole_cohort"}


def test_no_count_from_1_to_4_in_a_summary_table(published) -> None:
    _, _, tables, _, _ = published
    for name, columns in COUNT_COLUMNS.items():
        for column in columns:
            values = tables[name][column]
            assert not values.map(_is_small_number).any(), (name, column, list(values))
            assert values.map(lambda v: v in ("", SMALL, SECONDARY) or v.isdigit()).all(), (name, column)
    headline = tables["headline_results.csv"]
    for text in pd.concat([headline["result"], headline["method"]]):
        for number in re.findall(r"(?:improved |present->absent |absent->present |^|; )(\d+)(?:/| events|,|$)", text):
            assert not _is_small_number(number), text
        for numbers in re.findall(r"(\d+)/(\d+)", text):
            assert not any(_is_small_number(n) for n in numbers), text
    # The McNemar statistic is the present->absent count: blank when that is.
    mcnemar = headline[headline["test"] == "mcnemar"]
    assert ((mcnemar["statistic"] == "") == mcnemar["present_to_absent"].isin([SMALL, SECONDARY])).all()


def test_percentages_and_intervals_of_a_suppressed_count_are_blank(published) -> None:
    _, _, tables, _, _ = published
    headline = tables["headline_results.csv"]
    proportions = headline[headline["test"] == "proportion"]
    hidden = proportions["successes"].isin([SMALL, SECONDARY]) | proportions["n"].isin([SMALL, SECONDARY])
    assert hidden.any() and (~hidden).any()  # the default build has both
    for column in ("estimate", "ci_low", "ci_high"):
        assert (proportions.loc[hidden, column] == "").all() and (proportions.loc[~hidden, column] != "").all()
    assert not proportions.loc[hidden, "result"].str.contains("%").any()
    skin = tables["skin_signs.csv"]
    hidden = skin["present"].isin([SMALL, SECONDARY]) | skin["n"].isin([SMALL, SECONDARY])
    assert hidden.any() and ((skin["percent_present"] == "") == hidden).all()
    baseline = tables["baseline_characteristics.csv"]
    categories = baseline[baseline["category"] != "Total"]
    assert ((categories["percent"] == "") == categories["patients"].isin([SMALL, SECONDARY])).all()


def test_the_flow_hides_the_small_exclusions(published) -> None:
    run, files, tables, _, _ = published
    truth = run.query("""select step_number, exclusion_reason, patients_remaining, patients_excluded
                         from marts.attrition order by step_number, exclusion_reason_order""")
    # the default extract: nobody's exposure date is uncertain
    assert [(r, e) for _, r, _, e in truth] == [
        (None, 0), ("not_exposed_in_study_period", 354), ("exposure_date_uncertain", 0),
        ("ineligible_diagnosis", 4), ("no_baseline_assessment", 2), ("insufficient_follow_up", 3)]
    printed = tables["attrition.csv"]
    assert list(printed["patients_excluded"])[2:] == ["0", SMALL, SMALL, SMALL]
    # From what is printed, with the true counts, no small exclusion can be worked out.
    remaining = list({step: r for step, _, r, _ in truth}.values())  # one per step, in order
    cells, relations = chain(remaining)
    cells.append(Cell("excluded.1.uncertain", 0))
    relations[0] = total_of("remaining.0", ["remaining.1", "excluded.1", "excluded.1.uncertain"])
    by_step = printed.drop_duplicates("step_number")["patients_remaining"].tolist()
    texts = {f"remaining.{k}": text for k, text in enumerate(by_step)}
    excluded = printed["patients_excluded"].tolist()
    texts |= {"excluded.1": excluded[1], "excluded.1.uncertain": excluded[2],
              "excluded.2": excluded[3], "excluded.3": excluded[4], "excluded.4": excluded[5]}
    possible = possible_values(cells, relations, texts)
    for k in (2, 3, 4):
        assert len(possible[f"excluded.{k}"]) >= 2, possible
    # The report's flow prints the same.
    text = files.report.read_text(encoding="utf-8")
    boxes = re.findall(r"(n = |Excluded: )([^<\s]+)", text)
    assert [v for kind, v in boxes if kind == "n = "][:len(by_step)] == [t.replace("<", "&lt;") for t in by_step]
    assert [v for kind, v in boxes if kind == "Excluded: "] == [
        t.replace("<", "&lt;") for t in excluded if t != "0"]


def test_no_count_from_1_to_4_in_the_report(published) -> None:
    _, files, tables, _, _ = published
    text = files.report.read_text(encoding="utf-8")
    assert "not yet small-cell suppressed" not in text and "&lt;5: a count from 1 to 4" in text
    # The results sections (the data-quality and parameter tables count checks and days, not patients).
    results = text[:text.index("<h2>Data quality</h2>")]
    patterns = [r"n = (\d+)", r"Excluded: (\d+)", r"(\d+) stopped", r"all (\d+) patients", r"of (\d+) patients",
                r">(\d+)/(\d+)<", r"present → absent (\d+)", r"absent → present (\d+)", r"<td>(\d+)/(\d+)",
                r"<td class=num>(\d+)</td>", r"<td class=num>(\d+) \(", r">(\d+) \(\d+ %"]
    for pattern in patterns:
        for found in re.findall(pattern, results):
            numbers = found if isinstance(found, tuple) else (found,)
            assert not any(_is_small_number(n) for n in numbers), (pattern, found)
    # The results tables show the rows of headline_results.csv as printed, both sets.
    headline = tables["headline_results.csv"]
    for row in headline[headline["test"].isin(["proportion", "mcnemar", "pct_change", "kaplan_meier"])].itertuples():
        result = html.escape(row.result.replace("->", " → ") if row.test == "mcnemar" else row.result)
        cells = f"<td class=num>{html.escape(row.n)}</td><td>{result}</td>"
        assert cells in text, cells
    for row in headline[headline["test"] == "wilcoxon"].itertuples():
        cells = f"<td class=num>{html.escape(row.n_improved)}/{html.escape(row.n)}</td>"
        assert cells in text, cells


def test_no_registry_patient_id_is_published(published) -> None:
    run, files, _, _, _ = published
    ids = {patient_id for (patient_id,) in run.query("select patient_id from marts.patients")}
    assert len(ids) == 410
    for path in [files.report, *files.summary_tables]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"JDM\d{5}", text) and not any(patient_id in text for patient_id in ids), path


def test_the_statistics_stay_those_of_the_full_data(published) -> None:
    run, _, tables, before, after = published
    assert before.equals(after)  # publishing reads the results, never writes them
    completers = after[after["analysis_set"] == "completers"].set_index(["analysis", "measure", "timepoint"])
    # The warehouse keeps the exact small counts that the published tables hide.
    nailfolds = completers.loc[("skin_change", "nailfold_abnormal", "last_follow_up")]
    assert nailfolds["method"].endswith("present->absent 12, absent->present 3")
    calcinosis = completers.loc[("calcinosis_resolved", "calcinosis", "last_follow_up")]
    assert (calcinosis["successes"], calcinosis["n"]) == (9, 13)
    events = run.query("""select count(*) filter (where is_off_steroids) from marts.steroid_discontinuation
                          where in_completers and is_in_time_to_off_steroids_analysis""")[0][0]
    assert completers.loc[("time_to_off_steroids", "steroid_dose_mg_kg_day", "median"), "method"].endswith(
        f"; {events} events")
    # p-values and the statistics of measurements are printed as computed.
    headline = tables["headline_results.csv"].set_index(["analysis_set", "analysis", "measure", "timepoint"])
    for row in after.itertuples():
        printed = headline.loc[(row.analysis_set, row.analysis, row.measure, row.timepoint)]
        expected_p = "" if pd.isna(row.p_value) else "<0.001" if row.p_value < 0.001 else f"{row.p_value:.3f}"
        assert printed["p_value"] == expected_p
        if row.test in ("wilcoxon", "pct_change"):
            assert float(printed["estimate"]) == pytest.approx(row.estimate, abs=5e-4)
        if row.test == "pct_change":
            assert float(printed["ci_low"]) == pytest.approx(row.ci_low, abs=5e-4)


def _skin_truth(run, analysis_set: str, measure: str) -> dict[str, int]:
    """The true counts of one sign in one set, straight from the mart: the
    2 x 2 table of baseline by last follow-up (pairs) and each margin."""
    base = f"from marts.outcome_timepoints where in_{analysis_set} and measure = '{measure}'"
    (baseline_n, baseline_present), = run.query(
        f"select count(*), count(*) filter (where value = 1) {base} and timepoint = 'baseline'")
    (last_n, last_present, pp, pa, ap, aa), = run.query(f"""
        select count(*), count(*) filter (where value = 1),
               count(*) filter (where baseline_value = 1 and value = 1),
               count(*) filter (where baseline_value = 1 and value = 0),
               count(*) filter (where baseline_value = 0 and value = 1),
               count(*) filter (where baseline_value = 0 and value = 0)
        {base} and timepoint = 'last_follow_up'""")
    return {"baseline_n": baseline_n, "baseline_present": baseline_present,
            "baseline_absent": baseline_n - baseline_present,
            "last_n": last_n, "last_present": last_present, "last_absent": last_n - last_present,
            "pairs": pp + pa + ap + aa, "pp": pp, "pa": pa, "ap": ap, "aa": aa, "pairs_present_at_baseline": pp + pa,
            "baseline_only_present": baseline_present - pp - pa,
            "baseline_only_absent": baseline_n - baseline_present - ap - aa,
            "last_only_present": last_present - pp - ap, "last_only_absent": last_n - last_present - pa - aa}


SETS = ("completers", "all_treated")
SKIN_TEST_RELATIONS = [
    total_of("baseline_n", ["baseline_present", "baseline_absent"]),
    total_of("last_n", ["last_present", "last_absent"]),
    total_of("pairs", ["pp", "pa", "ap", "aa"]), total_of("pairs_present_at_baseline", ["pp", "pa"]),
    total_of("baseline_present", ["pp", "pa", "baseline_only_present"]),
    total_of("baseline_absent", ["ap", "aa", "baseline_only_absent"]),
    total_of("last_present", ["pp", "ap", "last_only_present"]),
    total_of("last_absent", ["pa", "aa", "last_only_absent"]),
]


def test_the_skin_counts_as_printed_give_no_small_count_back(published) -> None:
    """The skin bars, the share free of a sign, McNemar's discordant pairs
    and calcinosis resolved count the same patients: put what the CSVs print
    into one table per sign (both analysis sets and their difference) with
    the true counts: no small count, printed or implied, can be worked out."""
    from jdm.report.disclosure import HIDDEN, PRIMARY, SECONDARY_STATUS, SHOWN

    run, _, tables, _, _ = published
    headline, bars = tables["headline_results.csv"], tables["skin_signs.csv"]
    for measure in ("rash", "nailfold_abnormal", "gottrons", "calcinosis"):
        truth = {f"{s}.{name}": v for s in SETS for name, v in _skin_truth(run, s, measure).items()}
        names = list(_skin_truth(run, "completers", measure))
        truth |= {f"difference.{n}": truth[f"all_treated.{n}"] - truth[f"completers.{n}"] for n in names}
        relations = [{f"{s}.{n}": k for n, k in r.items()} for s in SETS for r in SKIN_TEST_RELATIONS]
        relations += [total_of(f"all_treated.{n}", [f"completers.{n}", f"difference.{n}"]) for n in names]
        texts: dict[str, list[str]] = {}

        def printed(name: str, text: str) -> None:
            if text != "":
                texts.setdefault(name, []).append(text)

        for row in bars[bars["measure"] == measure].itertuples():
            side = "baseline" if row.timepoint == "baseline" else "last"
            printed(f"completers.{side}_present", row.present)
            printed(f"completers.{side}_n", row.n)
        for row in headline[headline["measure"] == measure].itertuples():
            s = f"{row.analysis_set}."
            if row.test == "mcnemar":
                printed(s + "pairs", row.n)
                printed(s + "pa", row.present_to_absent)
                printed(s + "ap", row.absent_to_present)
                printed(s + "pa", row.statistic.removesuffix(".0"))
                pa, ap = re.search(r"present->absent (\S+), absent->present (\S+)$", row.method).groups()
                printed(s + "pa", pa)
                printed(s + "ap", ap)
            elif row.analysis == "calcinosis_resolved":
                printed(s + "pa", row.successes)
                printed(s + "pairs_present_at_baseline", row.n)
            elif row.test == "proportion":
                printed(s + "last_absent", row.successes)
                printed(s + "last_n", row.n)
        assert set(texts) <= set(truth)
        status = {}
        for name, value in truth.items():
            shown = texts.get(name, [])
            assert len(set(shown)) <= 1 and set(shown) <= {str(value), SMALL, SECONDARY}, (name, value, shown)
            status[name] = (SHOWN if str(value) in shown else PRIMARY if SMALL in shown
                            else SECONDARY_STATUS if SECONDARY in shown else HIDDEN)
        cells = [Cell(name, value) for name, value in truth.items()]
        assert exposed(cells, relations, status) == [], measure


def test_the_kaplan_meier_counts_as_printed_give_no_small_count_back(published) -> None:
    run, files, tables, _, _ = published
    headline = tables["headline_results.csv"]
    km = headline[(headline["test"] == "kaplan_meier")]
    # The analysis set's patients: analysed (on oral steroids at baseline and
    # followed: events + censored), and the three kinds the analysis counts
    # without analysing them.
    others = ("not_on_steroids_at_baseline", "steroids_at_baseline_unknown", "no_follow_up")
    truth = {s: dict(zip(("set_size", "n", "events", *others), run.query(f"""
        select count(*),
               count(*) filter (where is_in_time_to_off_steroids_analysis),
               count(*) filter (where is_in_time_to_off_steroids_analysis and is_off_steroids),
               count(*) filter (where is_on_steroids_at_baseline = false),
               count(*) filter (where is_on_steroids_at_baseline is null),
               count(*) filter (where is_on_steroids_at_baseline and last_visit_date <= index_date)
        from marts.steroid_discontinuation where in_{s}""")[0])) for s in ("completers", "all_treated")}
    cells, relations, status = [], [], {}
    for analysis_set, counts in truth.items():
        counts["censored"] = counts["n"] - counts["events"]
        rows = km[km["analysis_set"] == analysis_set]
        printed = {"n": set(rows["n"]), "events": set(rows["events"]) | {
            re.search(r"; (\S+) events", m).group(1) for m in rows["method"] if "events" in m},
            **{name: set(rows[name]) for name in others}}
        for name, value in counts.items():
            cells.append(Cell(f"{analysis_set}.{name}", value, keep=name == "set_size"))
            texts = printed.get(name, set())
            assert len(texts) <= 1 and texts <= {str(value), SMALL, SECONDARY}, (analysis_set, name, texts)
            text = next(iter(texts), None)
            status[f"{analysis_set}.{name}"] = ("shown" if text == str(value) or name == "set_size" else
                                                "small" if text == SMALL else
                                                "secondary" if text == SECONDARY else "hidden")
        relations.append(total_of(f"{analysis_set}.n", [f"{analysis_set}.events", f"{analysis_set}.censored"]))
        relations.append(total_of(f"{analysis_set}.set_size", [f"{analysis_set}.n", *(f"{analysis_set}.{o}" for o in others)]))
    for name in truth["completers"]:
        value = truth["all_treated"][name] - truth["completers"][name]
        cells.append(Cell(f"difference.{name}", value))
        status[f"difference.{name}"] = "hidden"
        relations.append(total_of(f"all_treated.{name}", [f"completers.{name}", f"difference.{name}"]))
    assert exposed(cells, relations, status) == []
    completers = km[km["analysis_set"] == "completers"].iloc[0]
    text = files.report.read_text(encoding="utf-8")
    title = f"n = {completers['n']}, {completers['events']} stopped".replace("<", "&lt;")
    assert title in text
    assert f"{completers['not_on_steroids_at_baseline']} not on oral corticosteroids at baseline".replace("<", "&lt;") in text

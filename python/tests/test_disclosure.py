"""Small-cell suppression (jdm.disclosure) on worked examples, checked by
brute force over the whole numbers a reader could put in each unprinted
cell (independently of the linear programming `protect` uses)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jdm.disclosure import (SECONDARY, SMALL, Cell, Suppressed, count_text, exposed, protect, ranges,
                            total_of)

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


def test_inconsistent_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="do not satisfy"):
        protect([Cell("a", 2), Cell("b", 3), Cell("total", 6)], [total_of("total", ["a", "b"])])


def test_derived_percentages_are_blank_when_a_count_is_suppressed() -> None:
    cells, relations = row_with_total([2, 30, 15])
    table = protect(cells, relations)
    assert table.percent("part.1", "total") == "64"
    assert table.percent("part.0", "total") == "" and table.percent("part.2", "total") == ""



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
    try:
        table = protect(cells, relations)
    except ValueError:  # e.g. 1 + 1 + 1 + 1 = 4, or 1 + * = 6 kept (a * is 5 or more)
        assert_cannot_be_protected(cells, relations)
        return
    assert_no_small_count_recoverable(cells, relations, table)


@settings(max_examples=60, deadline=None)
@given(start=st.integers(5, 40), exclusions=st.lists(st.integers(0, 9), min_size=1, max_size=4))
def test_any_small_attrition_chain_is_protected(start: int, exclusions: list[int]) -> None:
    remaining = [start]
    for excluded in exclusions:
        remaining.append(max(remaining[-1] - excluded, 0))
    cells, relations = chain(remaining)
    try:
        table = protect(cells, relations)
    except ValueError:
        assert_cannot_be_protected(cells, relations)
        return
    assert_no_small_count_recoverable(cells, relations, table)


@settings(max_examples=40, deadline=None)
@given(interior=st.lists(st.integers(0, 9), min_size=4, max_size=4))
def test_any_small_two_by_two_table_with_margins_is_protected(interior: list[int]) -> None:
    pp, pa, ap, aa = interior
    cells = [Cell("pp", pp), Cell("pa", pa), Cell("ap", ap), Cell("aa", aa), Cell("row1", pp + pa),
             Cell("row2", ap + aa), Cell("col1", pp + ap), Cell("col2", pa + aa), Cell("total", sum(interior))]
    relations = [total_of("row1", ["pp", "pa"]), total_of("row2", ["ap", "aa"]), total_of("col1", ["pp", "ap"]),
                 total_of("col2", ["pa", "aa"]), total_of("total", ["row1", "row2"])]
    try:
        table = protect(cells, relations)
    except ValueError:
        assert_cannot_be_protected(cells, relations)
        return
    assert_no_small_count_recoverable(cells, relations, table)

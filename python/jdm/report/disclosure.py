"""Statistical disclosure control of count tables: what a table published
outside the warehouse may show.

Why: a count of 1 to 4 patients with some characteristic can identify them
(in a rare disease, a clinician may know who "the 2 patients with an
ineligible diagnosis" are). So:

- **Primary suppression.** A count from 1 to SMALL_CELL_MAX (4) is shown as
  `<5`. 0 is shown as 0: nobody to identify.
- **Secondary suppression.** Hiding a small count is not enough when the
  others give it back: with 410 registered, 56 left after step 2 and 52 after
  step 3, the `<5` excluded at step 3 is 56 - 52 = 4. A table is modelled
  as cells and the linear relations between them (a total is the sum of its
  parts; a step's remaining count is the next step's remaining plus its
  exclusions). Some cells are never printed but are implied ("44 of 46 have
  no rash" implies 2 with rash); such a hidden cell from 1 to 4 needs
  protecting too. `protect` audits the table with linear programming (the
  smallest and largest value each small cell can take, given what is shown)
  and, while some small cell can be worked out exactly, hides one more
  printed cell linked to it. Those are shown as `*`, never as `<5` (a
  suppressed 52 is not under 5).
- Any percentage, proportion or confidence interval of a suppressed count is
  left blank: with its n it gives the count back (`Suppressed.percent`).

The study's statistics are computed on the full data; only what is printed
goes through here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

SMALL_CELL_MAX = 4
SMALL = "<5"
SECONDARY = "*"
SMALL_NOTE = f"{SMALL}: a count from 1 to {SMALL_CELL_MAX}"
SECONDARY_NOTE = f"{SECONDARY}: suppressed so that a count under 5 cannot be worked out from the others"

# How each cell is printed.
SHOWN = "shown"  # its number
PRIMARY = "small"  # `<5`: the count is 1 to 4
SECONDARY_STATUS = "secondary"  # `*`: hidden to protect a small count
HIDDEN = "hidden"  # never printed (implied by the others)

# Tolerance of the LP bounds before rounding them to whole numbers.
_EPS = 1e-6


class CannotProtect(ValueError):
    """A small count stays recoverable whatever may still be hidden."""


def is_small(count: int) -> bool:
    """A count that must not be printed: 1 to SMALL_CELL_MAX."""
    return 1 <= count <= SMALL_CELL_MAX


def count_text(count: int) -> str:
    """Primary suppression alone, for a count that no other printed number
    is linked to (e.g. rows failing a data-quality check): `<5` or the count."""
    return SMALL if is_small(count) else str(count)


@dataclass(frozen=True)
class Cell:
    """One count of a table.

    shown: printed (a cell with shown=False is implied by the printed ones,
    e.g. n - k of "k of n", and is never printed).
    keep: never chosen for secondary suppression, because the same number is
    printed elsewhere anyway (e.g. the size of the analysed cohort, the n
    of every analysis over it); hiding it here would protect nothing.
    """

    name: str
    value: int
    shown: bool = True
    keep: bool = False


def total_of(total: str, parts: Iterable[str]) -> dict[str, int]:
    """The relation `total = sum of parts`, as coefficients summing to 0."""
    relation = {total: 1}
    for part in parts:
        relation[part] = relation.get(part, 0) - 1
    return relation


@dataclass(frozen=True)
class Suppressed:
    """A table after suppression: how to print each cell."""

    values: Mapping[str, int]
    status: Mapping[str, str]

    def text(self, name: str) -> str:
        """What to print for a cell: its count, `<5` or `*`."""
        status = self.status[name]
        if status == HIDDEN:
            raise ValueError(f"{name!r} is implied by the table, never printed")
        return {PRIMARY: SMALL, SECONDARY_STATUS: SECONDARY}.get(status, str(self.values[name]))

    def hides(self, *names: str) -> bool:
        """True if any of the cells is not printed as its number: anything
        computed from it (a percentage, a proportion, its CI) must be blank."""
        return any(self.status[name] != SHOWN for name in names)

    def percent(self, part: str, whole: str, digits: int = 0) -> str:
        """100 * part / whole as text, blank if either count is suppressed."""
        if self.hides(part, whole) or self.values[whole] == 0:
            return ""
        return f"{100 * self.values[part] / self.values[whole]:.{digits}f}"


def _check(cells: Sequence[Cell], constraints: Sequence[Mapping[str, int]]) -> dict[str, int]:
    values: dict[str, int] = {}
    for cell in cells:
        if cell.name in values:
            raise ValueError(f"cell {cell.name!r} given twice")
        if cell.value < 0:
            raise ValueError(f"cell {cell.name!r} is negative ({cell.value}): not a count")
        values[cell.name] = int(cell.value)
    for relation in constraints:
        unknown = set(relation) - set(values)
        if unknown:
            raise ValueError(f"relation {dict(relation)} names unknown cells {sorted(unknown)}")
        if sum(coefficient * values[name] for name, coefficient in relation.items()) != 0:
            raise ValueError(f"the counts do not satisfy {dict(relation)}: "
                             f"{ {name: values[name] for name in relation} }")
    return values


def ranges(cells: Sequence[Cell], constraints: Sequence[Mapping[str, int]],
           status: Mapping[str, str]) -> dict[str, tuple[float, float]]:
    """For every small cell not printed as its number, the smallest and
    largest value it can take given everything printed (linear programming,
    scipy's HiGHS).

    What a reader knows of an unprinted cell: `<5` is 1 to 4; `*` is at least
    5 (`protect` never puts `*` on a 0 or on a small count, and a reader who
    knows the rule knows that; allowing 0-4 here would miss recoveries such
    as 0 + `<5` = 2); a hidden cell is any count >= 0.
    """
    values = _check(cells, constraints)
    unknown = [cell.name for cell in cells if status[cell.name] != SHOWN]
    index = {name: i for i, name in enumerate(unknown)}
    bounds = []
    for name in unknown:
        if status[name] == PRIMARY:
            bounds.append((1, SMALL_CELL_MAX))
        elif status[name] == SECONDARY_STATUS:
            bounds.append((SMALL_CELL_MAX + 1, None))
        else:
            bounds.append((0, None))
    rows, rhs = [], []
    for relation in constraints:
        row = np.zeros(len(unknown))
        known = 0
        for name, coefficient in relation.items():
            if name in index:
                row[index[name]] += coefficient
            else:
                known += coefficient * values[name]
        if row.any():
            rows.append(row)
            rhs.append(-known)
    a_eq = np.array(rows) if rows else None
    b_eq = np.array(rhs) if rows else None
    result: dict[str, tuple[float, float]] = {}
    for name in unknown:
        if not is_small(values[name]):
            continue
        objective = np.zeros(len(unknown))
        objective[index[name]] = 1
        extremes = []
        for sign in (1, -1):
            solved = linprog(sign * objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
            if solved.status == 3:  # unbounded: no upper limit
                extremes.append(math.inf)
            elif solved.status != 0:
                raise RuntimeError(f"disclosure audit failed for {name!r}: {solved.message}")
            else:
                extremes.append(sign * solved.fun)
        result[name] = (extremes[0], extremes[1])
    return result


def _recoverable(low: float, high: float) -> bool:
    """At most one whole number in [low, high]: the count is known exactly.
    (Stricter than high - low < 1, which it implies.)"""
    return not math.isinf(high) and math.floor(high + _EPS) - math.ceil(low - _EPS) < 1


def exposed(cells: Sequence[Cell], constraints: Sequence[Mapping[str, int]],
            status: Mapping[str, str]) -> list[str]:
    """The small cells a reader can work out exactly, in table order."""
    found = ranges(cells, constraints, status)
    return [cell.name for cell in cells if cell.name in found and _recoverable(*found[cell.name])]


def protect(cells: Sequence[Cell], constraints: Sequence[Mapping[str, int]] = ()) -> Suppressed:
    """Primary then secondary suppression of one table.

    cells: the table's counts, printed or implied, in reading order (ties
    are broken by this order). constraints: the linear relations between
    them, each a mapping cell -> coefficient whose weighted sum is 0 (see
    `total_of`).

    Every printed count from 1 to 4 becomes `<5`. Then, while a small cell
    (printed or implied) can be worked out exactly, one more printed cell
    sharing a relation with it is hidden (`*`): of those, the smallest one
    that protects it on its own, else the smallest (ties: table order). A
    candidate is never a 0, a small count or a `keep` cell; if the cells
    sharing a relation with it are all ruled out, the search widens to cells
    linked through hidden ones. Deterministic: the same table always gives
    the same result.
    """
    values = _check(cells, constraints)
    position = {cell.name: i for i, cell in enumerate(cells)}
    keep = {cell.name for cell in cells if cell.keep}
    status = {cell.name: (HIDDEN if not cell.shown else PRIMARY if is_small(cell.value) else SHOWN)
              for cell in cells}

    def candidates(start: str) -> list[str]:
        # Printed cells sharing a relation with `start`; if none can be
        # hidden, those linked to it through cells already not printed.
        seen, frontier, found = {start}, [start], []
        while frontier and not found:
            reached = []
            for name in frontier:
                for relation in constraints:
                    if name not in relation:
                        continue
                    for other in relation:
                        if other in seen:
                            continue
                        seen.add(other)
                        if status[other] != SHOWN:
                            reached.append(other)
                        elif other not in keep and values[other] > 0:
                            found.append(other)
            frontier = reached
        return sorted(found, key=lambda name: (values[name], position[name]))

    while True:
        still_exposed = exposed(cells, constraints, status)
        if not still_exposed:
            return Suppressed(values=values, status=status)
        target = still_exposed[0]
        options = candidates(target)
        if not options:
            raise CannotProtect(f"cannot protect {target!r}: every count linked to it is kept or already hidden")
        choice = options[0]
        for option in options:
            trial = {**status, option: SECONDARY_STATUS}
            if target not in exposed(cells, constraints, trial):
                choice = option
                break
        status[choice] = SECONDARY_STATUS

"""A chunk of one output file: typed columns plus text that overrides them.

Generated values live in compact numeric columns (day numbers, integer
scores, code indices); `writer` turns them into text in one SQL statement per
chunk. A defect replaces a value by arbitrary text (`31/02/2009`, `n/a`,
` Probable JDM `), which is kept in an override column: text where set,
None elsewhere, so clean rows cost nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Table:
    columns: dict[str, np.ndarray]
    overrides: dict[str, np.ndarray] = field(default_factory=dict)  # spec column -> object array

    def __len__(self) -> int:
        return len(next(iter(self.columns.values())))

    def take(self, rows: np.ndarray) -> Table:
        return Table(
            {name: values[rows] for name, values in self.columns.items()},
            {name: values[rows] for name, values in self.overrides.items()},
        )

    def append(self, others: list[Table]) -> Table:
        """Rows of self, then the rows of each of `others` (whose overrides,
        if any, are ignored: they are copies of rows without defects)."""
        if not others:
            return self
        n_others = sum(len(o) for o in others)
        columns = {name: np.concatenate([values] + [o.columns[name] for o in others]) for name, values in self.columns.items()}
        overrides = {
            name: np.concatenate([values, np.full(n_others, None, dtype=object)]) for name, values in self.overrides.items()
        }
        return Table(columns, overrides)

    def set_text(self, column: str, rows: np.ndarray, texts: np.ndarray) -> None:
        """Write `texts` into spec column `column` at `rows`, whatever the value was."""
        if column not in self.overrides:
            self.overrides[column] = np.full(len(self), None, dtype=object)
        self.overrides[column][rows] = texts

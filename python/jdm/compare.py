"""Compare two warehouse builds table by table, row for row.

    python -m jdm.compare BEFORE.duckdb AFTER.duckdb [--schemas staging audit marts]

For every table of the given schemas in either file: whether it is in both,
the columns only one has, and, on the columns both have, the rows only one
has (as multisets: a repeated row counts as often as it occurs). Numbers of
floating type compare within a relative tolerance (1e-9 by default), every
other value exactly (rows are matched on their exact values, then on their
floating ones). Columns that say when something ran or which run it was
(`landed_at`, `run_at`, `computed_at`, `publication_id`, ...) are left out. Exits 1 if anything differs.

Used to show that a redesign changes nothing a user reads by accident, and
that two engines build the same warehouse.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

DEFAULT_SCHEMAS = ("staging", "audit", "marts")
# Columns that say when or where a run happened, or which run it was: two
# builds of the same extract differ there by design.
RUN_TIME_COLUMNS = {"landed_at", "run_at", "computed_at", "published_at", "published_at_utc", "publication_id",
                    "dbt_invocation_id", "file_path"}


@dataclass
class TableDifference:
    table: str
    only_in: str | None = None  # 'before' or 'after': the table is missing from the other
    columns_only_before: list[str] = field(default_factory=list)
    columns_only_after: list[str] = field(default_factory=list)
    compared_columns: tuple[str, ...] = ()
    rows_before: int = 0
    rows_after: int = 0
    n_only_before: int = 0  # rows (as a multiset, on the compared columns) only the before build has
    n_only_after: int = 0
    sample_only_before: list[tuple] = field(default_factory=list)
    sample_only_after: list[tuple] = field(default_factory=list)

    @property
    def differs(self) -> bool:
        return bool(self.only_in or self.columns_only_before or self.columns_only_after
                    or self.n_only_before or self.n_only_after)


def _tables(con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...]) -> dict[str, list[tuple[str, str]]]:
    rows = con.execute(
        f"""select table_schema || '.' || table_name, column_name, data_type
            from information_schema.columns
            where table_schema in ({", ".join("'" + s + "'" for s in schemas)})
            order by table_schema, table_name, ordinal_position""").fetchall()
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        tables.setdefault(table, []).append((column, data_type))
    return tables


def _canonical(value):
    """A hashable value: lists and structs as tuples."""
    if isinstance(value, list):
        return tuple(_canonical(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _canonical(v)) for k, v in value.items()))
    return value


def _number(value):
    """A floating column's value as a float (one engine may give a decimal)."""
    return None if value is None else float(value)


def _close(a: tuple, b: tuple, tolerance: float) -> bool:
    return all(x == y or (x is not None and y is not None
                          and (math.isnan(x) and math.isnan(y) or math.isclose(x, y, rel_tol=tolerance)))
               for x, y in zip(a, b))


def _sort_key(numbers: tuple) -> tuple:
    return tuple((v is None, v if v is not None and not math.isnan(v) else 0.0) for v in numbers)


def _rows_only_in_each(rows_a: list[tuple], rows_b: list[tuple], floating: list[bool],
                       tolerance: float) -> tuple[Counter, Counter]:
    """The rows (as multisets) only one side has. Values of floating columns
    agree when within `tolerance` relative; every other value exactly. Rows
    are matched on their exact values first, and within those, their
    floating values in sorted order."""
    def split(rows):
        groups: dict[tuple, list[tuple]] = {}
        for row in rows:
            exact = tuple(_canonical(v) for v, f in zip(row, floating) if not f)
            numbers = tuple(_number(v) for v, f in zip(row, floating) if f)
            groups.setdefault(exact, []).append(numbers)
        return groups

    def whole(exact: tuple, numbers: tuple) -> tuple:
        exact_values, number_values = iter(exact), iter(numbers)
        return tuple(next(number_values) if f else next(exact_values) for f in floating)

    groups_a, groups_b = split(rows_a), split(rows_b)
    only_a, only_b = Counter(), Counter()
    for exact in set(groups_a) | set(groups_b):
        numbers_a = sorted(groups_a.get(exact, []), key=_sort_key)
        numbers_b = sorted(groups_b.get(exact, []), key=_sort_key)
        for i in range(max(len(numbers_a), len(numbers_b))):
            a = numbers_a[i] if i < len(numbers_a) else None
            b = numbers_b[i] if i < len(numbers_b) else None
            if a is not None and b is not None and _close(a, b, tolerance):
                continue
            if a is not None:
                only_a[whole(exact, a)] += 1
            if b is not None:
                only_b[whole(exact, b)] += 1
    return only_a, only_b


def compare_tables(before: Path, after: Path, schemas: tuple[str, ...] = DEFAULT_SCHEMAS,
                   relative_tolerance: float = 1e-9, sample: int = 5) -> list[TableDifference]:
    with duckdb.connect(str(before), read_only=True) as a, duckdb.connect(str(after), read_only=True) as b:
        tables_a, tables_b = _tables(a, schemas), _tables(b, schemas)
        differences = []
        for table in sorted(set(tables_a) | set(tables_b)):
            if table not in tables_b or table not in tables_a:
                differences.append(TableDifference(table, only_in="before" if table in tables_a else "after"))
                continue
            columns_a, columns_b = dict(tables_a[table]), dict(tables_b[table])
            common = [c for c in columns_a if c in columns_b and c not in RUN_TIME_COLUMNS]
            floating = [columns_a[c] in ("DOUBLE", "FLOAT") or columns_b[c] in ("DOUBLE", "FLOAT") for c in common]
            diff = TableDifference(
                table,
                columns_only_before=[c for c in columns_a if c not in columns_b],
                columns_only_after=[c for c in columns_b if c not in columns_a],
            )
            select = ", ".join(f'"{c}"' for c in common) or "1"
            rows_a, rows_b = (con.execute(f"select {select} from {table}").fetchall() for con in (a, b))
            only_before, only_after = _rows_only_in_each(rows_a, rows_b, floating if common else [False],
                                                         relative_tolerance)
            diff.compared_columns = tuple(common)
            diff.rows_before, diff.rows_after = len(rows_a), len(rows_b)
            diff.n_only_before, diff.n_only_after = sum(only_before.values()), sum(only_after.values())
            diff.sample_only_before = sorted(only_before.elements(), key=repr)[:sample]
            diff.sample_only_after = sorted(only_after.elements(), key=repr)[:sample]
            differences.append(diff)
    return differences


def report(differences: list[TableDifference]) -> str:
    lines = []
    for d in differences:
        if d.only_in:
            lines.append(f"{d.table}: only in the {d.only_in} build")
            continue
        status = ("same rows" if not (d.n_only_before or d.n_only_after)
                  else f"{d.n_only_before} rows only before, {d.n_only_after} only after")
        extra = []
        if d.columns_only_before:
            extra.append(f"columns only before: {', '.join(d.columns_only_before)}")
        if d.columns_only_after:
            extra.append(f"columns only after: {', '.join(d.columns_only_after)}")
        lines.append(f"{d.table}: {d.rows_before} / {d.rows_after} rows, {status}" + ("; " + "; ".join(extra) if extra else ""))
        if d.sample_only_before or d.sample_only_after:
            lines.append(f"    compared columns: {', '.join(d.compared_columns)}")
        for label, rows in (("before", d.sample_only_before), ("after", d.sample_only_after)):
            for row in rows:
                lines.append(f"    only {label}: {row}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--schemas", nargs="+", default=list(DEFAULT_SCHEMAS))
    parser.add_argument("--tolerance", type=float, default=1e-9, help="relative tolerance of floating numbers")
    args = parser.parse_args(argv)
    differences = compare_tables(args.before, args.after, tuple(args.schemas), args.tolerance)
    print(report(differences))
    return 1 if any(d.differs for d in differences) else 0


if __name__ == "__main__":
    sys.exit(main())

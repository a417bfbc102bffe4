"""jdm.compare, the row-for-row comparison of two builds (a redesign's before
and after; DuckDB against Spark), on hand-made build files whose
differences are known."""

from __future__ import annotations

from pathlib import Path

import duckdb

from jdm.compare import compare_tables


def _build(path: Path, statements: list[str]) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        for statement in statements:
            con.execute(statement)
    return path


def _by_table(before: Path, after: Path):
    return {d.table: d for d in compare_tables(before, after, ("marts",))}


def test_floating_values_agree_within_one_in_a_billion_relative(tmp_path: Path) -> None:
    # 1000 against 1000.0000009 is 9e-10 relative: the same. 1000 against
    # 1000.000002 is 2e-9: different. The decimal 0.1 (one engine's decimal
    # arithmetic) against the double 0.1 is the same number.
    before = _build(tmp_path / "a.duckdb", [
        "create table marts.t as select * from (values ('a', 1000.0::double, 0.1::double),"
        " ('b', 1000.0::double, 0.1::double)) v(k, x, y)"])
    after = _build(tmp_path / "b.duckdb", [
        "create table marts.t as select * from (values ('a', 1000.0000009::double, 0.1::decimal(18, 6)),"
        " ('b', 1000.000002::double, 0.1::decimal(18, 6))) v(k, x, y)"])
    t = _by_table(before, after)["marts.t"]
    assert (t.n_only_before, t.n_only_after) == (1, 1)
    assert [row[0] for row in t.sample_only_before] == ["b"]
    assert [row[0] for row in t.sample_only_after] == ["b"]


def test_exact_columns_are_exact_and_rows_count_as_often_as_they_occur(tmp_path: Path) -> None:
    # before: x twice, y once; after: x once, y once, z once. Only before: one
    # x (the repeat); only after: z. A decimal differing in its 6th place is
    # a difference (exact type).
    before = _build(tmp_path / "a.duckdb", [
        "create table marts.t as select * from (values ('x'), ('x'), ('y')) v(k)",
        "create table marts.d as select 1.000001::decimal(18, 6) as v"])
    after = _build(tmp_path / "b.duckdb", [
        "create table marts.t as select * from (values ('x'), ('y'), ('z')) v(k)",
        "create table marts.d as select 1.000002::decimal(18, 6) as v"])
    tables = _by_table(before, after)
    assert (tables["marts.t"].sample_only_before, tables["marts.t"].sample_only_after) == ([("x",)], [("z",)])
    assert (tables["marts.d"].n_only_before, tables["marts.d"].n_only_after) == (1, 1)


def test_tables_and_columns_only_one_side_has(tmp_path: Path) -> None:
    before = _build(tmp_path / "a.duckdb", [
        "create table marts.both_sides as select 1 as id, 'a' as old_column, now() as computed_at",
        "create table marts.gone as select 1 as id"])
    after = _build(tmp_path / "b.duckdb", [
        "create table marts.both_sides as select 1 as id, 'b' as new_column, now() - interval 1 day as computed_at",
        "create table marts.added as select 1 as id"])
    tables = _by_table(before, after)
    assert tables["marts.gone"].only_in == "before" and tables["marts.added"].only_in == "after"
    both = tables["marts.both_sides"]
    assert (both.columns_only_before, both.columns_only_after) == (["old_column"], ["new_column"])
    # The run-time column is left out, so the remaining column (id) agrees.
    assert both.compared_columns == ("id",) and not (both.n_only_before or both.n_only_after)
    assert both.differs


def test_identical_builds_do_not_differ(tmp_path: Path) -> None:
    statements = ["create table marts.t as select range as id, range / 3 as third, [range, 1] as l,"
                  " {'a': range} as s from range(100)"]
    before, after = _build(tmp_path / "a.duckdb", statements), _build(tmp_path / "b.duckdb", statements)
    (t,) = compare_tables(before, after, ("marts",))
    assert t.rows_before == t.rows_after == 100 and not t.differs

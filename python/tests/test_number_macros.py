"""The staging macros that decide whether a text is a number (is_plain_number,
is_whole_number, has_more_decimal_places_than_kept) against the extract
spec's own statement, written here as Python regular expressions: a plain
decimal number is an optional sign and digits with at most one decimal
point (no exponent, no separators, no spaces); a whole number has only
zeros after its point; a value has more places than are kept when a
non-zero digit follows the sixth place. The macros use casts and string
functions instead (regular expressions were most of the cost of typing a
file at a million patients), so they are compiled by dbt and run by DuckDB
on hand-picked edge cases and random strings, both ways."""

from __future__ import annotations

import random
import re
import subprocess

import duckdb

from dbt_support import DBT, REPO_ROOT

PLAIN = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
WHOLE = re.compile(r"[+-]?[0-9]+(\.0*)?")
KEPT_PLACES = 6

EDGES = [
    "0", "52", "-1", "+1", "1.", "1.0", "1.000000", "1.0000000", ".5", "-.5", "+.5", ".0", "+.0", "5.",
    ".", "+", "-", "+-1", "--1", "1-", "1+2", "1.2.3", "..1", "1..", "1e5", "1E5", "1_000", "1,5", " 1",
    "1 ", "0x10", "inf", "nan", "NaN", "½", "١٢", "1.1234567", "1.1234560", "1.12345600001", "0.0000001",
    "12345678901234567890", "00", "007.500", "-0", "+0.0", "9" * 31, "9" * 40, "",
]


def compiled(sql: str, tmp_path) -> str:
    proc = subprocess.run(
        [str(DBT), "compile", "--quiet", "--inline", sql,
         "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
        cwd=REPO_ROOT, capture_output=True, text=True,
        env={"JDM_DB": str(tmp_path / "w.duckdb"), "JDM_LANDING_DIR": str(tmp_path / "landing"),
             "JDM_EXTRACT_DIR": str(tmp_path), "DO_NOT_TRACK": "1", "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_number_macros_agree_with_the_spec_patterns(tmp_path) -> None:
    rng = random.Random(20261201)
    alphabet = "0123456789.+-e _,"
    texts = EDGES + ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))) for _ in range(3000)]
    query = compiled(
        "select t, {{ is_plain_number('t') }} as plain, {{ is_whole_number('t') }} as whole,"
        " {{ has_more_decimal_places_than_kept('t') }} as places from texts", tmp_path)
    con = duckdb.connect()
    con.execute("create table texts (t varchar)")
    con.executemany("insert into texts values (?)", [[t] for t in texts])
    got = {t: (plain, whole, places) for t, plain, whole, places in con.execute(query).fetchall()}
    assert set(got) == set(texts)
    wrong = []
    for t in set(texts):
        plain = PLAIN.fullmatch(t) is not None
        # decimal(38, 6) holds 32 digits before the point: a longer number is
        # not one the warehouse can keep (set to missing either way)
        plain = plain and len(t.lstrip("+-").split(".")[0]) <= 32
        whole = plain and WHOLE.fullmatch(t) is not None
        places = "." in t and re.search(r"\.[0-9]{%d}[0-9]*[1-9]" % KEPT_PLACES, t) is not None
        expected = (plain, whole, places if plain else got[t][2])  # places only matters for numbers
        if got[t] != expected:
            wrong.append((t, got[t], expected))
    assert not wrong, wrong[:20]

"""Benchmark: `dbt build` time and memory against the CSV-load floor, by size.

Usage: python benchmarks/build_scale.py [--sizes 10000 100000 1000000] [--work-dir DIR] [--keep] [--slowest N]

For each number of patients it generates a clean synthetic extract
(`jdm generate --seed 42`) and measures, each in its own child process:

* the CSV-load floor: a fresh DuckDB file, with the profile's memory_limit
  (JDM_DUCKDB_MEMORY_LIMIT, default 3GB) and threads, and DuckDB's default of
  keeping the file's record order (as landing must: it numbers the records;
  the dbt profile drops it, as no model needs it), doing
  `create table ... as select * from read_csv(..., all_varchar=true)` for the
  five files. The raw layer lands text, so no build can beat this: it is the
  yardstick the build is held to (the goal is build <= 3x floor at 1M
  patients, under 4 GiB peak memory);
* the build, as `make run` does it: `jdm land` (each file read once by the
  careful reader and written once as Parquet) followed by `dbt build` of the
  whole project (every model and every test) into another fresh DuckDB file.
  The ratio holds land + dbt build against the floor; both parts are shown;
* the storage floor of this design: a fresh DuckDB file, with the settings
  the dbt profile gives (memory_limit, two threads, insertion order not
  kept), copying every table the build stored (`create table ... as select *
  from` the build's table), nothing computed and no test run. Landing plus
  this copy is the least any build storing the same tables could take; its
  ratio to the CSV-load floor is shown as "least".

Wall time is taken around the child; peak memory is the child's maximum
resident set size as reported by `/usr/bin/time -v` (a fresh wrapper per
measurement, so one measurement's peak cannot leak into the next). dbt must
succeed; its PASS/ERROR counts are shown. The generated files are deleted
afterwards unless --keep is given; an extract already present in the work
folder (patients.csv exists) is reused, not regenerated.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jdm.ingest.dictionary import EXTRACT_FILES

REPO_ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ENV = os.environ | {"DO_NOT_TRACK": "1", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}


def measured(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Run `cmd` under /usr/bin/time -v: (wall seconds, peak RSS MiB, output).
    Raises with the output's tail if the command fails."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        started = time.perf_counter()
        proc = subprocess.run(
            ["/usr/bin/time", "-v", "-o", report.name, *cmd],
            cwd=REPO_ROOT, env=env or ENV, capture_output=True, text=True,
        )
        wall = time.perf_counter() - started
        peak_kib = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", report.read()).group(1))
    output = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{output[-4000:]}")
    return wall, peak_kib / 1024, output


def load_floor(extract_dir: Path, db_path: Path) -> None:
    """The floor itself (run in the child): land every file as text, print
    the row counts as JSON."""
    import duckdb

    db_path.unlink(missing_ok=True)
    con = duckdb.connect(str(db_path))
    con.execute(f"set memory_limit = '{os.environ.get('JDM_DUCKDB_MEMORY_LIMIT', '3GB')}'")
    con.execute("set threads = 2")
    con.execute("set preserve_insertion_order = true")
    rows = {}
    for spec in EXTRACT_FILES:
        path = str(extract_dir / spec.name).replace("'", "''")
        con.execute(
            f"create table {spec.entity} as select * from read_csv('{path}', header = true, all_varchar = true)"
        )
        (rows[spec.name],) = con.execute(f"select count(*) from {spec.entity}").fetchone()
    con.close()
    print(json.dumps(rows))


def store_floor(warehouse: Path, db_path: Path) -> None:
    """The storage floor itself (run in the child): write a copy of every
    table of `warehouse` into a fresh file; print the tables and rows copied
    as JSON."""
    import duckdb

    db_path.unlink(missing_ok=True)
    con = duckdb.connect(str(db_path))
    con.execute(f"set memory_limit = '{os.environ.get('JDM_DUCKDB_MEMORY_LIMIT', '3GB')}'")
    con.execute("set threads = 2")
    con.execute("set preserve_insertion_order = false")
    source = str(warehouse).replace("'", "''")
    con.execute(f"attach '{source}' as built (read_only)")
    tables = con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = 'built'"
    ).fetchall()
    rows = 0
    for schema, table in tables:
        con.execute(f'create schema if not exists "{schema}"')
        con.execute(f'create table "{schema}"."{table}" as select * from built."{schema}"."{table}"')
        rows += con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
    con.close()
    print(json.dumps({"tables": len(tables), "rows": rows}))


def bench(patients: int, work_dir: Path, keep: bool, slowest: int) -> dict:
    extract_dir = work_dir / f"extract_{patients}"
    run_dir = work_dir / f"run_{patients}"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    generated = not (extract_dir / "patients.csv").exists()
    try:
        if generated:
            subprocess.run(
                [str(BIN / "jdm"), "generate", "--patients", str(patients), "--seed", "42",
                 "--out", str(extract_dir), "--progress", "off"],
                check=True, env=ENV, stdout=subprocess.DEVNULL,
            )
        csv_mib = sum((extract_dir / f.name).stat().st_size for f in EXTRACT_FILES) / 2**20

        floor_s, floor_mib, out = measured(
            [sys.executable, __file__, "--floor", str(extract_dir), str(run_dir / "floor.duckdb")]
        )
        rows = sum(json.loads(out.strip().splitlines()[-1]).values())
        (run_dir / "floor.duckdb").unlink()

        build_env = ENV | {
            "JDM_EXTRACT_DIR": str(extract_dir),
            "JDM_DB": str(run_dir / "warehouse.duckdb"),
            "JDM_LANDING_DIR": str(run_dir / "landing"),
        }
        land_s, land_mib, _ = measured(
            [str(BIN / "jdm"), "land", "--extract-dir", str(extract_dir),
             "--landing-dir", str(run_dir / "landing")],
            build_env,
        )
        dbt_s, dbt_mib, out = measured(
            [str(BIN / "dbt"), "build", "--target-path", str(run_dir / "target"),
             "--log-path", str(run_dir / "logs")],
            build_env,
        )
        done = re.search(r"Done\. PASS=(\d+) WARN=(\d+) ERROR=(\d+)", out)
        store_s, _, out = measured(
            [sys.executable, __file__, "--store-floor", str(run_dir / "warehouse.duckdb"), str(run_dir / "store.duckdb")]
        )
        stored = json.loads(out.strip().splitlines()[-1])
        (run_dir / "store.duckdb").unlink()
        if slowest:
            results = json.loads((run_dir / "target" / "run_results.json").read_text())["results"]
            print(f"slowest nodes at {patients:,} patients:")
            for r in sorted(results, key=lambda r: -r["execution_time"])[:slowest]:
                print(f"  {r['execution_time']:8.1f} s  {r['unique_id']}")
    finally:
        if not keep:
            shutil.rmtree(run_dir, ignore_errors=True)
            if generated:
                shutil.rmtree(extract_dir, ignore_errors=True)
    return {
        "patients": patients, "rows": rows, "csv_mib": csv_mib,
        "floor_s": floor_s, "floor_mib": floor_mib, "land_s": land_s, "dbt_s": dbt_s,
        "build_s": land_s + dbt_s, "build_mib": max(land_mib, dbt_mib),
        "store_s": store_s, "stored_rows": stored["rows"],
        "pass": int(done.group(1)), "error": int(done.group(3)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--work-dir", type=Path, help="where extracts and warehouses go (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the extracts and warehouses")
    parser.add_argument("--slowest", type=int, default=0, metavar="N", help="also list the N slowest dbt nodes")
    parser.add_argument("--floor", nargs=2, type=Path, metavar=("EXTRACT_DIR", "DB"), help=argparse.SUPPRESS)
    parser.add_argument("--store-floor", nargs=2, type=Path, metavar=("WAREHOUSE", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.floor:
        load_floor(*args.floor)
        return 0
    if args.store_floor:
        store_floor(*args.store_floor)
        return 0

    work_dir = args.work_dir or Path(tempfile.mkdtemp(prefix="jdm-build-scale-"))
    rows = [bench(n, work_dir, args.keep, args.slowest) for n in args.sizes]
    if not args.work_dir and not args.keep:
        shutil.rmtree(work_dir, ignore_errors=True)

    header = ("patients", "rows", "CSV MB", "floor s", "floor MiB", "land s", "dbt s", "build s",
              "build MiB", "ratio", "dbt", "stored rows", "store s", "least")
    print(" ".join(f"{h:>12}" for h in header))
    for r in rows:
        print(" ".join(f"{v:>12}" for v in (
            f"{r['patients']:,}", f"{r['rows']:,}", f"{r['csv_mib'] * 2**20 / 1e6:.0f}",
            f"{r['floor_s']:.1f}", f"{r['floor_mib']:.0f}", f"{r['land_s']:.1f}", f"{r['dbt_s']:.1f}",
            f"{r['build_s']:.1f}", f"{r['build_mib']:.0f}",
            f"{r['build_s'] / r['floor_s']:.1f}x", f"{r['pass']}P/{r['error']}E",
            f"{r['stored_rows']:,}", f"{r['store_s']:.1f}",
            f"{(r['land_s'] + r['store_s']) / r['floor_s']:.1f}x",
        )))
    return 0


if __name__ == "__main__":
    sys.exit(main())

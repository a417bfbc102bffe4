"""Benchmark: the whole pipeline on DuckDB and on Spark (local[2]), by size.

Usage: python benchmarks/engines_scale.py [--sizes 10000 100000] [--work-dir DIR] [--keep]

For each number of patients it generates a clean synthetic extract
(`jdm generate --seed 42`; an extract already in the work folder is
reused) and, for each engine (JDM_DBT_TARGET=duckdb, then spark), runs in
its own child process:

* `make build`: `jdm land`, `dbt build` of the whole project (every model
  and every test) and, on Spark, the Parquet export of the build and its
  copy into the build file (`jdm import-build`);
* `make dq stats publish`: the study steps on the build file.

Wall time is taken around each child; peak memory is the peak of the
child's whole process tree, summed (dbt's Python and Spark's JVM together),
sampled every half second. The `dbt build` part is dbt's own elapsed time
(target/run_results.json). Then the two builds and
the two served files are compared row for row (python -m jdm.compare), so
the figures are for builds that agree.
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

REPO_ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ENGINES = ("duckdb", "spark")


def _tree_rss_mib(root: int) -> float:
    """Resident memory of `root` and all its descendants, MiB (from /proc)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    tree, frontier = {root}, [root]
    while frontier:
        children = [pid for pid, ppid in parents.items() if ppid in frontier and pid not in tree]
        tree.update(children)
        frontier = children
    total_kib = 0
    for pid in tree:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kib += int(line.split()[1])
        except OSError:
            continue
    return total_kib / 1024


def measured(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of `cmd`, the peak being that of the
    whole process tree summed (dbt's Python and Spark's JVM together),
    sampled every half second; raises with the output's tail if it fails.
    (/usr/bin/time cannot see the JVM: pyspark starts it without waiting
    for it.)"""
    with tempfile.TemporaryFile("w+") as output:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, text=True)
        peak = 0.0
        while proc.poll() is None:
            peak = max(peak, _tree_rss_mib(proc.pid))
            time.sleep(0.5)
        wall = time.perf_counter() - started
        if proc.returncode != 0:
            output.seek(0)
            raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{output.read()[-4000:]}")
    return wall, peak


def engine_env(engine: str, extract: Path, out: Path) -> dict[str, str]:
    return os.environ | {
        "DO_NOT_TRACK": "1", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "JDM_DBT_TARGET": engine, "JDM_EXTRACT_DIR": str(extract), "JDM_DB": str(out / "jdm.duckdb"),
        "JDM_LANDING_DIR": str(out / "landing"), "JDM_SPARK_DIR": str(out / "spark"),
        "JDM_SERVE_DB": str(out / "served.duckdb"), "JDM_OUTPUT_DIR": str(out / "output"),
        "DBT_TARGET_PATH": str(out / "target"), "DBT_LOG_PATH": str(out / "logs"),
    }


def compare(before: Path, after: Path, schemas: list[str]) -> str:
    proc = subprocess.run([str(BIN / "python"), "-m", "jdm.compare", str(before), str(after), "--schemas", *schemas],
                          capture_output=True, text=True)
    tables = [line for line in proc.stdout.splitlines() if re.match(r"\w+\.\w+: ", line)]
    differing = [line for line in tables if "same rows" not in line]
    return f"{len(tables)} tables, " + (
        "all the same" if proc.returncode == 0 and not differing else f"{len(differing)} DIFFER: {differing[:3]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--work-dir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the extracts and builds")
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES),
                        help="engines to run (an engine left out is compared from its kept run in --work-dir)")
    args = parser.parse_args()
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="jdm_engines_"))
    work.mkdir(parents=True, exist_ok=True)

    rows = []
    for size in args.sizes:
        extract = work / f"extract_{size}"
        if not (extract / "patients.csv").exists():
            subprocess.run([str(BIN / "jdm"), "generate", "--patients", str(size), "--seed", "42",
                            "--out", str(extract), "--progress", "off"], check=True)
        outs = {}
        for engine in ENGINES:
            out = work / f"run_{size}" / engine
            outs[engine] = out
            if engine not in args.engines:
                continue
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir(parents=True)
            env = engine_env(engine, extract, out)
            build_s, build_mib = measured(["make", "--no-print-directory", "build"], env)
            dbt_s = json.loads((out / "target" / "run_results.json").read_text())["elapsed_time"]
            study_s, study_mib = measured(["make", "--no-print-directory", "dq", "stats", "publish"], env)
            rows.append((size, engine, build_s, dbt_s, build_mib, study_s, study_mib))
            print(f"{size:>9,} {engine:<6} build {build_s:7.1f} s (dbt build {dbt_s:7.1f} s), peak {build_mib:6.0f} MiB;"
                  f" dq+stats+publish {study_s:6.1f} s, peak {study_mib:6.0f} MiB", flush=True)
        print(f"{size:>9,} build files:  {compare(outs['duckdb'] / 'jdm.duckdb', outs['spark'] / 'jdm.duckdb', ['staging', 'intermediate', 'audit', 'marts'])}")
        print(f"{size:>9,} served files: {compare(outs['duckdb'] / 'served.duckdb', outs['spark'] / 'served.duckdb', ['marts', 'reference', 'serving'])}",
              flush=True)

    print("\n| patients | engine | make build | of which dbt build | peak RSS | dq + stats + publish | peak RSS |")
    print("|---|---|---|---|---|---|---|")
    for size, engine, build_s, dbt_s, build_mib, study_s, study_mib in rows:
        print(f"| {size:,} | {engine} | {build_s:.0f} s | {dbt_s:.0f} s | {build_mib:,.0f} MiB | {study_s:.0f} s | {study_mib:,.0f} MiB |")
    if not args.keep and args.work_dir is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: runtime and peak memory of the causal-estimate additions at scale.

Usage: python benchmarks/msm_scale.py [--patients 100000] [--work-dir DIR] [--keep]

Generates a clean extract (seed 42, default effect), builds the seeds and
models the new models need (`dbt build` without tests; timed, not the point), then measures, each in its
own child process under `/usr/bin/time -v` (wall time, peak resident set):

1. `dbt run` of the new models only: int_person_months,
   int_person_months_activity, marts.person_months, marts.trajectory_observations
   (DuckDB inside dbt, memory_limit from profiles.yml: 3GB);
2. the fits, as `jdm stats` runs them (jdm.study.analysis.extended_analyses):
   the weight models, the weighted and unweighted GEEs, the mixed models.

Prints the row counts and the figures. The extract and the warehouse are
deleted afterwards unless --keep.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_scale import ENV, measured  # noqa: E402

BIN = Path(sys.executable).parent
NEW_MODELS = ["int_person_months", "int_person_months_activity", "person_months", "trajectory_observations"]
FITS = """
import sys, time, duckdb
from jdm.study.analysis import extended_analyses
with duckdb.connect(sys.argv[1], read_only=True) as con:
    started = time.perf_counter()
    rows, curves = extended_analyses(con)
    print(f"fits: {len(rows)} result rows, {len(curves)} curve rows, {time.perf_counter() - started:.1f} s")
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--work-dir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="msm_scale_"))
    extract, db = work / "extract", work / "warehouse.duckdb"
    env = ENV | {"JDM_EXTRACT_DIR": str(extract), "JDM_DB": str(db)}
    dbt = [str(BIN / "dbt"), "--no-partial-parse"]
    target = ["--target-path", str(work / "target"), "--log-path", str(work / "logs")]
    try:
        if not (extract / "patients.csv").exists():
            wall, peak, _ = measured([str(BIN / "jdm"), "generate", "--patients", str(args.patients), "--seed", "42",
                                      "--out", str(extract), "--progress", "off"])
            print(f"generate {args.patients} patients: {wall:.0f} s, peak {peak:.0f} MiB", flush=True)
        wall, peak, _ = measured([*dbt, "build", "--select", *(f"+{m}" for m in NEW_MODELS), "--exclude", *NEW_MODELS,
                                  "resource_type:test", "resource_type:unit_test", *target], env)
        print(f"upstream seeds and models, no tests (not measured for this issue): {wall:.0f} s, peak {peak:.0f} MiB",
              flush=True)
        wall, peak, out = measured([*dbt, "run", "--select", *NEW_MODELS, *target], env)
        print(f"dbt run of the new models: {wall:.0f} s, peak {peak:.0f} MiB", flush=True)
        counts = measured([sys.executable, "-c", (
            "import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True)\n"
            "for t in ['marts.person_months', 'marts.trajectory_observations']:\n"
            "    print(t, con.execute(f'select count(*) from {t}').fetchone()[0])\n"
            "print('person-months with an outcome', con.execute('select count(*) from marts.person_months "
            "where outcome_das_skin is not null or outcome_physician_global_vas is not null').fetchone()[0])"),
            str(db)], env)[2]
        print(counts.strip(), flush=True)
        wall, peak, out = measured([sys.executable, "-c", FITS, str(db)], env)
        print(out.strip().splitlines()[-1])
        print(f"fits (jdm stats' extended analyses): {wall:.0f} s, peak {peak:.0f} MiB", flush=True)
    finally:
        if not args.keep and args.work_dir is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

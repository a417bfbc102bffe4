"""Benchmark: runtime and peak memory of the causal-estimate additions at scale.

Usage: python benchmarks/msm_scale.py [--patients 100000] [--extract DIR] [--work-dir DIR] [--keep]

Generates a clean extract (seed 42, default shape and effect; or reads the
one --extract names), lands it and builds the seeds and models the new
models need (`jdm land`, `dbt build` without tests; timed, not the point),
then measures, each in its own child process under `/usr/bin/time -v`
(wall time, peak resident set):

1. `dbt run` of the new models only: int_person_time_patients,
   int_person_time_activity_runs, int_person_months (a view),
   marts.person_months, marts.trajectory_observations
   (DuckDB inside dbt, memory_limit from profiles.yml: 3GB);
2. the marginal structural model as `jdm stats` runs it
   (jdm.study.analysis.marginal_structural_model: the weight models on a
   sample, then weights and the weighted, unweighted and crude GEEs batch
   by batch);
3. the mixed-effects trajectories as `jdm stats` runs them
   (jdm.study.analysis.trajectory_fits: 3 measures x 2 analysis sets).

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
NEW_MODELS = [
    "int_person_time_patients", "int_person_time_activity_runs", "int_person_months", "person_months",
    "trajectory_observations",
]
MSM = """
import sys, time, duckdb
from jdm.study.analysis import marginal_structural_model
with duckdb.connect(sys.argv[1], read_only=True) as con:
    started = time.perf_counter()
    result, left_out = marginal_structural_model(con)
    w = result.weight_models
    print(f"MSM: weight models on {w.at_risk_months} months at risk of {w.patients} patients ({w.starts} starts); "
          f"outcome models on {result.patients} patients, {result.person_months} person-months; "
          f"{time.perf_counter() - started:.1f} s")
"""
TRAJECTORIES = """
import sys, time, duckdb
from jdm.study.analysis import trajectory_fits
with duckdb.connect(sys.argv[1], read_only=True) as con:
    started = time.perf_counter()
    fits = trajectory_fits(con)
    print(f"mixed models: {len(fits)} fits, {sum(f.n_visits for _, f in fits)} visits; "
          f"{time.perf_counter() - started:.1f} s")
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--extract", type=Path, default=None,
                        help="an extract to use instead of generating one (read, not changed)")
    parser.add_argument("--work-dir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="msm_scale_"))
    extract, db = args.extract or work / "extract", work / "warehouse.duckdb"
    env = ENV | {"JDM_EXTRACT_DIR": str(extract), "JDM_DB": str(db), "JDM_LANDING_DIR": str(work / "landing")}
    dbt = [str(BIN / "dbt"), "--no-partial-parse"]
    target = ["--target-path", str(work / "target"), "--log-path", str(work / "logs")]
    try:
        if not (extract / "patients.csv").exists():
            wall, peak, _ = measured([str(BIN / "jdm"), "generate", "--patients", str(args.patients), "--seed", "42",
                                      "--out", str(extract), "--progress", "off"])
            print(f"generate {args.patients} patients: {wall:.0f} s, peak {peak:.0f} MiB", flush=True)
        wall, peak, _ = measured([str(BIN / "jdm"), "land"], env)
        print(f"jdm land (not new): {wall:.0f} s, peak {peak:.0f} MiB", flush=True)
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
        for name, script in (("marginal structural model", MSM), ("mixed-effects trajectories", TRAJECTORIES)):
            wall, peak, out = measured([sys.executable, "-c", script, str(db)], env)
            print(out.strip().splitlines()[-1])
            print(f"fits, {name}: {wall:.0f} s, peak {peak:.0f} MiB", flush=True)
    finally:
        if not args.keep and args.work_dir is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

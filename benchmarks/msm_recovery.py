"""Does the marginal structural model recover a known effect? (issue 16)

For each seed: a synthetic registry with the default effect (the follow-up
paper's -1.19 DAS skin, -0.66 physician global) and confounding by
severity (jdm.generator.treatment), the warehouse's person-time built by
dbt, and the MSM of jdm.study.causal fitted on it; the unweighted and crude
estimates beside it. Then the same registry with a true effect of 0: the
generator decides treatment from the scores recorded before it, so an
extract generated with effect 0 differs only in the treated children's two
scores after the first infusion; those are the "untreated" values of the
truth file, so the effect-0 analysis replaces the outcomes by them
(checked once against a generated effect-0 extract, `check_zero_effect_extract`).

The truth. The generator adds the effect to the continuous score before it
is rounded and limited to 0-9 / 0-10, so near 0 a child cannot fall by the
whole effect: the realised effect is smaller in size than the nominal one.
The generator writes, per visit, the score without and with the full
effect; the MSM targets (approximately: a regression on treatment
categories and time) the population-average realised effect at the times
the treated-more-than-12-months are observed. So:
    tau(t) = mean over ALL children's outcome months t (months since diagnosis)
             of (score with the full effect - score without), for the visit
             that gives the month's outcome;
    truth  = mean of tau(t) over the months in category started_over_12_months.
The table prints the nominal effect and this truth; "covered" is about the
truth. With effect 0 the truth is exactly 0.

Run: .venv/bin/python benchmarks/msm_recovery.py [--seeds 20] [--patients 410]
(about 20 s per seed on 2 cores).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
DBT = Path(sys.executable).with_name("dbt")
OUTCOME_COLUMNS = {"das_skin": ("outcome_das_skin", "das_skin"),
                   "physician_global_vas": ("outcome_physician_global_vas", "physician_global_vas")}


def build_person_time(extract: Path, work: Path) -> Path:
    """`jdm land` (the raw layer reads the extract as Parquet), then dbt:
    only marts.person_months and what it needs, no tests."""
    work.mkdir(parents=True, exist_ok=True)
    db = work / "warehouse.duckdb"
    env = os.environ | {"JDM_EXTRACT_DIR": str(extract), "JDM_DB": str(db), "DO_NOT_TRACK": "1",
                        "JDM_LANDING_DIR": str((work / "landing").resolve()),
                        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    landed = subprocess.run([str(DBT.with_name("jdm")), "land"], cwd=REPO, env=env, capture_output=True, text=True)
    if landed.returncode != 0:
        raise RuntimeError(landed.stdout[-4000:] + landed.stderr[-2000:])
    proc = subprocess.run([str(DBT), "build", "--select", "+person_months", "--exclude", "resource_type:test",
                           "resource_type:unit_test", "--target-path", str(work / "target"), "--log-path",
                           str(work / "logs")], cwd=REPO, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(proc.stdout[-4000:] + proc.stderr[-2000:])
    return db


def outcome_visits(db: Path) -> pd.DataFrame:
    """Per person-month with an outcome: the visit that gave it (the rule of
    int_person_time_activity_runs, written again here: the latest visit in the
    month that records the measure; ties: the later source row)."""
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("""
            with visits as (
                select v.patient_id, v.visit_id, v.source_row, v.visit_date, v.das_skin, v.physician_global_vas,
                       cast(floor((16 * ((v.visit_date - p.diagnosis_date) + 1) - 1) / 487.0) as integer) as month_number
                from staging.stg_registry__visits v join staging.stg_registry__patients p using (patient_id))
            select pm.patient_id, pm.month_number, pm.treatment_category, m.measure,
                   arg_max(v.visit_id, (v.visit_date, v.source_row)) as visit_id
            from marts.person_months pm
            cross join (values ('das_skin'), ('physician_global_vas')) m(measure)
            join visits v on v.patient_id = pm.patient_id and v.month_number = pm.month_number
                and ((m.measure = 'das_skin' and v.das_skin is not null)
                     or (m.measure = 'physician_global_vas' and v.physician_global_vas is not null))
            group by all""").df()


def read_truth(truth_csv: Path, patients: int) -> pd.DataFrame:
    truth = pd.read_csv(truth_csv)
    width = max(5, len(str(patients)))
    truth["visit_id"] = ("JDM" + truth["patient"].astype(str).str.zfill(width) + "-V"
                         + truth["visit"].astype(str).str.zfill(3))
    return truth.set_index("visit_id")


def realised_truth(visits: pd.DataFrame, truth: pd.DataFrame) -> dict[str, float]:
    out = {}
    for measure in OUTCOME_COLUMNS:
        v = visits[visits["measure"] == measure]
        t = truth.loc[v["visit_id"]]
        effect = t[f"{measure}_if_treated"].to_numpy() - t[f"{measure}_untreated"].to_numpy()
        tau = pd.Series(effect).groupby(v["month_number"].to_numpy()).mean()
        over = v.loc[v["treatment_category"] == "started_over_12_months", "month_number"]
        out[measure] = float(tau.reindex(over.to_numpy()).mean())
    return out


def zero_effect_outcomes(pm: pd.DataFrame, visits: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """The same person-months with each outcome replaced by its visit's score
    without the effect (what an extract generated with effect 0 records)."""
    pm = pm.copy()
    for measure, (column, _) in OUTCOME_COLUMNS.items():
        v = visits[visits["measure"] == measure]
        untreated = pd.Series(truth.loc[v["visit_id"], f"{measure}_untreated"].to_numpy(),
                              index=pd.MultiIndex.from_arrays([v["patient_id"], v["month_number"]]))
        key = pd.MultiIndex.from_arrays([pm["patient_id"], pm["month_number"]])
        replaced = untreated.reindex(key).to_numpy()
        assert (np.isnan(replaced) == pm[column].isna().to_numpy()).all()
        pm[column] = replaced
    return pm


@dataclass
class SeedResult:
    seed: int
    rows: list[dict]
    seconds: float


def analyse_seed(seed: int, patients: int, work: Path) -> SeedResult:
    from jdm.study import causal
    from jdm.generator import generate_extract
    from jdm.generator.treatment import TreatmentEffect

    started = time.time()
    extract, truth_csv = work / "extract", work / "truth.csv"
    effect = TreatmentEffect()
    generate_extract(extract, patients, seed, progress=False, effect=effect, truth_path=truth_csv)
    db = build_person_time(extract, work)
    with duckdb.connect(str(db), read_only=True) as con:
        pm = causal.prepare(con.execute("select * from marts.person_months order by patient_id, month_number").df())
    visits = outcome_visits(db)
    truth = read_truth(truth_csv, patients)
    nominal = {"das_skin": effect.das_skin, "physician_global_vas": effect.physician_global}
    realised = realised_truth(visits, truth)
    rows = []
    for label, data, target, nominal_of in (
            ("effect", pm, realised, nominal),
            ("zero", zero_effect_outcomes(pm, visits, truth), {m: 0.0 for m in nominal}, {m: 0.0 for m in nominal})):
        result = causal.marginal_structural_model(data)
        raw = causal.stabilised_weights(data, result.weight_models)
        alternatives = {}
        for name, weights in (("msm_1_99", causal.truncate(raw, (1.0, 99.0))[0]), ("msm_untruncated", raw)):
            for measure in nominal:
                e = next(x for x in causal.outcome_model(data, measure, weights)
                         if x.category == "started_over_12_months")
                alternatives[name, measure] = e
        for measure in nominal:
            got = {e.model: e for e in result.effects if e.outcome == measure and e.category == "started_over_12_months"}
            msm = got["msm"]
            rows.append(dict(seed=seed, scenario=label, outcome=measure, nominal=nominal_of[measure],
                             truth=target[measure], msm=msm.estimate, ci_low=msm.ci_low, ci_high=msm.ci_high,
                             covered=msm.ci_low <= target[measure] <= msm.ci_high,
                             unweighted=got["unweighted"].estimate, crude=got["crude"].estimate,
                             weight_max=result.weights.maximum,
                             **{f"{name}": alternatives[name, measure].estimate for name in ("msm_1_99", "msm_untruncated")},
                             **{f"{name}_covered": alternatives[name, measure].ci_low <= target[measure]
                                <= alternatives[name, measure].ci_high for name in ("msm_1_99", "msm_untruncated")}))
    return SeedResult(seed, rows, time.time() - started)


def check_zero_effect_extract(patients: int, seed: int, folder: Path) -> None:
    """An extract generated with effect 0 records exactly the truth file's
    untreated scores, and every other file is identical."""
    from jdm.generator import generate_extract
    from jdm.generator.treatment import TreatmentEffect

    generate_extract(folder / "a", patients, seed, progress=False, truth_path=folder / "truth.csv")
    generate_extract(folder / "b", patients, seed, progress=False, effect=TreatmentEffect(0.0, 0.0))
    for name in ("patients.csv", "medications.csv", "labs.csv"):
        assert (folder / "a" / name).read_bytes() == (folder / "b" / name).read_bytes(), name
    b = pd.read_csv(folder / "b" / "visits.csv", dtype={"das_skin": "Int64"})
    truth = read_truth(folder / "truth.csv", patients).loc[b["visit_id"]]
    assert (b["das_skin"].isna() | (b["das_skin"].to_numpy() == truth["das_skin_untreated"].to_numpy())).all()
    pg = b["physician_global_vas"]
    assert (pg.isna() | np.isclose(pg.to_numpy(dtype=float), truth["physician_global_vas_untreated"].to_numpy())).all()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--patients", type=int, default=410)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        check_zero_effect_extract(args.patients, args.first_seed, Path(tmp) / "zero_check")
        print("effect-0 extract == the truth file's untreated scores, other files identical: ok", flush=True)
        rows = []
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            r = analyse_seed(seed, args.patients, Path(tmp) / f"seed{seed}")
            rows += r.rows
            print(f"seed {seed}: {r.seconds:.0f} s", file=sys.stderr, flush=True)
    table = pd.DataFrame(rows)
    pd.set_option("display.width", 200)
    for (scenario, outcome), t in table.groupby(["scenario", "outcome"], sort=False):
        print(f"\n{outcome}, {scenario}: nominal effect {t['nominal'].iloc[0]}, {args.patients} patients per registry")
        print(t[["seed", "truth", "msm", "ci_low", "ci_high", "covered", "unweighted", "crude", "weight_max"]]
              .to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        print(f"covered {int(t['covered'].sum())}/{len(t)}; mean MSM - truth {np.mean(t['msm'] - t['truth']):+.3f} "
              f"(SD of estimates {t['msm'].std():.3f}); mean unweighted - truth "
              f"{np.mean(t['unweighted'] - t['truth']):+.3f}, above truth in {int((t['unweighted'] > t['truth']).sum())}"
              f"/{len(t)}; mean crude - truth {np.mean(t['crude'] - t['truth']):+.3f}")
        for name in ("msm_1_99", "msm_untruncated"):
            print(f"  {name}: covered {int(t[name + '_covered'].sum())}/{len(t)}, mean - truth "
                  f"{np.mean(t[name] - t['truth']):+.3f} (SD {t[name].std():.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

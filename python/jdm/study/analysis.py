"""`jdm stats`: every analysis of the protocol's "Statistics" section, for
each analysis set, from the marts into marts.study_results; and the
extended analyses (jdm.study.causal: the marginal structural model over the
whole cohort; jdm.study.trajectories: mixed-effects trajectories of the
all_treated patients, whose fitted mean curves go to marts.trajectory_curves).

The thin I/O edge: it reads the marts through a read-only DuckDB connection,
hands plain values to the pure functions in jdm.study.stats, and replaces the
results table whole (re-running never appends twice).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from jdm.study import causal, stats, trajectories
from jdm.warehouse_io import replace_table

ANALYSIS_SETS = ("completers", "all_treated")
RESULTS_TABLE = "marts.study_results"
CURVES_TABLE = "marts.trajectory_curves"
# The extended analyses' rows (docs/study.md, "Causal estimate and trajectories"). analysis_set
# whole_cohort: every registered patient with person-time.
WHOLE_COHORT = "whole_cohort"
MSM_ANALYSES = {"msm": ("marginal_structural_model", "msm_gee"),
                "unweighted": ("unadjusted_comparison", "unweighted_gee"),
                "crude": ("crude_comparison", "crude_gee")}
MODEL_TESTS = ("msm_gee", "unweighted_gee", "crude_gee", "weight_distribution", "mixed_model")
PERSON_MONTH_BATCH_PATIENTS = 20_000
CURVE_COLUMN_TYPES = {
    "analysis_set": "varchar", "measure": "varchar", "month": "integer", "fitted_mean": "double",
    "ci_low": "double", "ci_high": "double", "n_patients": "integer", "n_visits": "integer",
    "computed_at": "timestamp",
}
BOOTSTRAP_SEED = 20_110_101
# The proportions off steroids are read from the Kaplan-Meier curve at these
# timepoints' target days, as this build defined them (marts.analysis_timepoints).
KM_TIMEPOINTS = ("month_12", "month_18", "month_24")
# The response rates (protocol "Extended analyses"): a proportion of the
# patients in whom the response could be determined, Wilson CI. The rows of
# one measure and timepoint share their n and are nested (a major responder
# is also a moderate and a minimal one), which is how the summary tables
# suppress them together.
RESPONSE_TEST = "response_proportion"
INACTIVE_DISEASE_ANALYSIS = "inactive_disease"
TIS_MEASURE_PREFIX = "tis_"  # a TIS variant's measure: tis_<its muscle strength measure>


def tis_response_analysis(level: str) -> str:
    """The analysis code of the rate of at least this TIS level."""
    return f"tis_response_{level}"
RESULT_COLUMN_TYPES = {
    "analysis_set": "varchar", "analysis": "varchar", "measure": "varchar", "timepoint": "varchar",
    "test": "varchar", "n": "integer", "estimate": "double", "ci_low": "double", "ci_high": "double",
    "statistic": "double", "p_value": "double", "p_holm": "double", "method": "varchar",
    "successes": "integer", "n_improved": "integer", "baseline_median": "double", "baseline_q1": "double",
    "baseline_q3": "double", "timepoint_median": "double", "timepoint_q1": "double", "timepoint_q3": "double",
    "computed_at": "timestamp",
}


@dataclass
class ResultRow:
    analysis_set: str
    analysis: str
    measure: str
    timepoint: str  # the timepoint compared with baseline (or at which a proportion is taken)
    test: str  # wilcoxon, mcnemar, proportion, pct_change, kaplan_meier, response_proportion; models: MODEL_TESTS
    n: int
    estimate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    statistic: float | None = None
    p_value: float | None = None
    p_holm: float | None = None
    method: str = ""
    successes: int | None = None
    n_improved: int | None = None
    baseline_median: float | None = None
    baseline_q1: float | None = None
    baseline_q3: float | None = None
    timepoint_median: float | None = None
    timepoint_q1: float | None = None
    timepoint_q3: float | None = None


# The (measure, timepoint) rows the analyses use: reading only these keeps
# memory small on a large registry (the whole mart is millions of rows).
ANALYSED_ROWS = [
    *((m, t) for m in ("cmas", "mmt8") for t in ("month_12", "last_follow_up")),
    ("physician_global_vas", "month_12"), ("physician_global_vas", "month_24"),
    *((m, "last_follow_up") for m in ("rash", "nailfold_abnormal", "gottrons", "calcinosis")),
    ("steroid_dose_mg_kg_day", "month_6"),
]


def read_marts(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    """The rows the analyses need, in a fixed order (the bootstrap resamples
    by position: the same rows in another order would give another
    interval). Values come twice: as text, exact as stored (decimals, for
    the Wilcoxon differences), and as floats (for counting and medians)."""
    wanted = ", ".join(f"('{m}', '{t}')" for m, t in ANALYSED_ROWS)
    return {
        "outcomes": con.execute(f"""
            select o.patient_id, o.measure, o.timepoint,
                   o.value::varchar as value_text, o.baseline_value::varchar as baseline_text,
                   o.value::double as value, o.baseline_value::double as baseline_value,
                   o.is_improved, o.pct_change_from_baseline, o.in_completers, o.in_all_treated,
                   p.has_muscle_weakness_at_baseline
            from marts.outcome_timepoints o join marts.patients p using (patient_id)
            where (o.measure, o.timepoint) in ({wanted})
            order by o.measure, o.timepoint, o.patient_id""").df(),
        "discontinuation": con.execute("""
            select patient_id, days_to_off_steroids_or_censoring, is_off_steroids, in_completers, in_all_treated
            from marts.steroid_discontinuation
            where is_in_time_to_off_steroids_analysis
            order by patient_id""").df(),
        "timepoints": con.execute("select timepoint, target_day from marts.analysis_timepoints").df(),
    }


def read_response_marts(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    """The per-patient response marts, long: one row per patient x
    timepoint x variant, with the variant's level (TIS) or flag (inactive
    disease), and the TIS levels. The variants come from the seeds the
    marts were built from (reference schema): the muscle strength measures
    of measure_ranges (marts.total_improvement_scores.response_level_<measure>)
    and the rows of inactive_disease_variants
    (marts.inactive_disease_timepoints.is_clinically_inactive_<variant>)."""
    tis_variants = [m for (m,) in con.execute(
        "select measure from reference.measure_ranges where core_set_domain = 'muscle_strength' order by measure"
    ).fetchall()]
    inactive_variants = [v for (v,) in con.execute(
        "select variant from reference.inactive_disease_variants order by variant_order").fetchall()]
    tis = " union all ".join(f"""
        select patient_id, timepoint, timepoint_order, '{v}' as variant, response_level_{v} as response_level,
               in_completers, in_all_treated
        from marts.total_improvement_scores""" for v in tis_variants)
    inactive = " union all ".join(f"""
        select patient_id, timepoint, timepoint_order, '{v}' as variant, is_clinically_inactive_{v} as is_inactive,
               in_completers, in_all_treated
        from marts.inactive_disease_timepoints""" for v in inactive_variants)
    return {
        "tis": con.execute(f"select * from ({tis}) order by variant, timepoint_order, patient_id").df(),
        "tis_levels": con.execute("""
            select level, level_order, minimum_total_score::double as minimum_total_score
            from reference.response_criteria_thresholds order by level_order""").df(),
        "inactive": con.execute(f"select * from ({inactive}) order by variant, timepoint_order, patient_id").df(),
        "inactive_variants": con.execute(
            "select variant, variant_order from reference.inactive_disease_variants order by variant_order").df(),
    }


def _response_row(analysis_set: str, analysis: str, measure: str, timepoint: str, successes: int, n: int,
                  described: str) -> ResultRow:
    p = stats.wilson_proportion(successes, n)
    return ResultRow(analysis_set, analysis, measure, timepoint, RESPONSE_TEST, p.n, estimate=p.estimate,
                     ci_low=p.ci_low, ci_high=p.ci_high, method=f"{p.method or 'no patients'}; {described}",
                     successes=successes)


def response_rows(data: dict[str, pd.DataFrame], analysis_set: str) -> list[ResultRow]:
    """Response rates of one analysis set (protocol "Extended analyses"):

    - tis_response_<level> (measure tis_<variant>, at each TIS timepoint):
      patients whose Total Improvement Score reached at least the level
      (cumulative: a major responder counts as moderate and minimal) of the
      patients with a score (a patient with a missing component has none
      and is not in n);
    - inactive_disease (measure: the variant, printo or
      printo_pga_required, at every timepoint): patients with clinically
      inactive disease of the patients in whom it is determined (true or
      false; undetermined patients are not in n)."""
    flag = f"in_{analysis_set}"
    rows: list[ResultRow] = []
    tis = data["tis"][data["tis"][flag].astype(bool)]
    levels = data["tis_levels"]
    order = dict(zip(levels["level"], levels["level_order"]))
    for (variant, _, timepoint), group in tis.groupby(["variant", "timepoint_order", "timepoint"], sort=True):
        scored = group["response_level"].dropna().map(order)
        for level in levels[levels["level_order"] > 0].itertuples():
            rows.append(_response_row(
                analysis_set, tis_response_analysis(level.level), f"{TIS_MEASURE_PREFIX}{variant}", timepoint,
                int((scored >= level.level_order).sum()), len(scored),
                f"at least {level.level} improvement (Total Improvement Score >= {level.minimum_total_score:g}) "
                f"among the patients with a score ({variant}); no score when a component is missing"))
    inactive = data["inactive"][data["inactive"][flag].astype(bool)]
    variant_order = dict(zip(data["inactive_variants"]["variant"], data["inactive_variants"]["variant_order"]))
    for (_, variant, _, timepoint), group in inactive.assign(variant_order=inactive["variant"].map(variant_order)).groupby(
            ["variant_order", "variant", "timepoint_order", "timepoint"], sort=True):
        determined = group["is_inactive"].dropna().astype(bool)
        rows.append(_response_row(
            analysis_set, INACTIVE_DISEASE_ANALYSIS, variant, timepoint, int(determined.sum()), len(determined),
            "clinically inactive disease among the patients in whom it is determined; "
            "undetermined when missing criteria could decide it"))
    return rows


def _pairs(outcomes: pd.DataFrame, measure: str, timepoint: str) -> pd.DataFrame:
    rows = outcomes[(outcomes["measure"] == measure) & (outcomes["timepoint"] == timepoint)]
    return rows[rows["baseline_value"].notna()]


def _wilcoxon_row(analysis_set: str, analysis: str, measure: str, timepoint: str, pairs: pd.DataFrame) -> ResultRow:
    result = stats.paired_wilcoxon(list(pairs["baseline_text"]), list(pairs["value_text"]))
    return ResultRow(
        analysis_set, analysis, measure, timepoint, "wilcoxon", result.n,
        estimate=result.median_after, statistic=result.statistic, p_value=result.p_value, method=result.method,
        n_improved=int(pairs["is_improved"].fillna(False).astype(bool).sum()),
        baseline_median=result.median_before, baseline_q1=result.q1_before, baseline_q3=result.q3_before,
        timepoint_median=result.median_after, timepoint_q1=result.q1_after, timepoint_q3=result.q3_after,
    )


def analyse_set(data: dict[str, pd.DataFrame], analysis_set: str) -> list[ResultRow]:
    flag = f"in_{analysis_set}"
    outcomes = data["outcomes"][data["outcomes"][flag].astype(bool)]
    rows: list[ResultRow] = []

    # Muscle: among patients weak at baseline, baseline vs 12 months and vs last follow-up.
    weak = outcomes[outcomes["has_muscle_weakness_at_baseline"].fillna(False).astype(bool)]
    for measure in ("cmas", "mmt8"):
        for timepoint in ("month_12", "last_follow_up"):
            rows.append(_wilcoxon_row(analysis_set, "muscle_in_weak_at_baseline", measure, timepoint,
                                      _pairs(weak, measure, timepoint)))

    # Global activity: physician VAS, baseline vs 12 and 24 months.
    for timepoint in ("month_12", "month_24"):
        rows.append(_wilcoxon_row(analysis_set, "physician_global", "physician_global_vas", timepoint,
                                  _pairs(outcomes, "physician_global_vas", timepoint)))

    # Skin at last follow-up: share free of the sign, and baseline vs last follow-up.
    for measure in ("rash", "nailfold_abnormal", "gottrons"):
        at_last = outcomes[(outcomes["measure"] == measure) & (outcomes["timepoint"] == "last_follow_up")]
        free = int((at_last["value"] == 0).sum())
        p = stats.wilson_proportion(free, len(at_last))
        rows.append(ResultRow(analysis_set, "skin_free_at_last_follow_up", measure, "last_follow_up", "proportion",
                              p.n, estimate=p.estimate, ci_low=p.ci_low, ci_high=p.ci_high, method=p.method,
                              successes=free))
        pairs = _pairs(outcomes, measure, "last_follow_up")
        m = stats.exact_mcnemar(list(pairs["baseline_value"] == 1), list(pairs["value"] == 1))
        rows.append(ResultRow(analysis_set, "skin_change", measure, "last_follow_up", "mcnemar", m.n,
                              statistic=float(m.yes_to_no), p_value=m.p_value,
                              method=f"{m.method}; present->absent {m.yes_to_no}, absent->present {m.no_to_yes}"))
    calcinosis = _pairs(outcomes, "calcinosis", "last_follow_up")
    had = calcinosis[calcinosis["baseline_value"] == 1]
    resolved = int((had["value"] == 0).sum())
    p = stats.wilson_proportion(resolved, len(had))
    rows.append(ResultRow(analysis_set, "calcinosis_resolved", "calcinosis", "last_follow_up", "proportion", p.n,
                          estimate=p.estimate, ci_low=p.ci_low, ci_high=p.ci_high,
                          method=f"{p.method}; among patients with calcinosis at baseline", successes=resolved))

    # Steroids: median percent change at 6 months; time to off steroids.
    change = outcomes[(outcomes["measure"] == "steroid_dose_mg_kg_day") & (outcomes["timepoint"] == "month_6")]
    pct = [float(v) for v in change["pct_change_from_baseline"].dropna()]
    median = stats.median_with_bootstrap_ci(pct, seed=BOOTSTRAP_SEED)
    rows.append(ResultRow(analysis_set, "steroid_dose_change", "steroid_dose_mg_kg_day", "month_6", "pct_change",
                          median.n, estimate=median.median, ci_low=median.ci_low, ci_high=median.ci_high,
                          method=median.method + "; patients with a non-zero baseline dose"))
    # Among the patients on oral steroids at baseline, followed after the index date.
    stops = data["discontinuation"]
    stops = stops[stops[flag].astype(bool)]
    target_days = dict(zip(data["timepoints"]["timepoint"], data["timepoints"]["target_day"]))
    km = stats.kaplan_meier(list(stops["days_to_off_steroids_or_censoring"]), list(stops["is_off_steroids"].astype(bool)),
                            at=[float(target_days[t]) for t in KM_TIMEPOINTS])
    population = "patients on oral steroids at baseline"
    rows.append(ResultRow(analysis_set, "time_to_off_steroids", "steroid_dose_mg_kg_day", "median", "kaplan_meier",
                          km.n, estimate=km.median_time,
                          method=f"{km.method}; {population}; median days from index as R's survfit; {km.events} events"))
    for timepoint, (day, (estimate, low, high)) in zip(KM_TIMEPOINTS, km.proportion_with_event.items()):
        rows.append(ResultRow(analysis_set, "time_to_off_steroids", "steroid_dose_mg_kg_day", timepoint,
                              "kaplan_meier", km.n, estimate=estimate, ci_low=low, ci_high=high,
                              method=f"{km.method}; proportion off steroids by day {int(day)}; {population}"))

    # Holm over this set's family of Wilcoxon and McNemar tests.
    family = [r for r in rows if r.test in ("wilcoxon", "mcnemar")]
    for row, adjusted in zip(family, stats.holm([r.p_value for r in family])):
        row.p_holm = adjusted
    return rows


def results_frame(data: dict[str, pd.DataFrame], computed_at: datetime) -> pd.DataFrame:
    """data: read_marts and read_response_marts together. The protocol's
    analyses first, then the response rates (extended analyses)."""
    records = []
    for analysis_set in ANALYSIS_SETS:
        for row in analyse_set(data, analysis_set):
            records.append(asdict(row))
    for analysis_set in ANALYSIS_SETS:
        for row in response_rows(data, analysis_set):
            records.append(asdict(row))
    frame = pd.DataFrame.from_records(records)
    frame["computed_at"] = computed_at
    return frame


PERSON_MONTH_COLUMNS = """
    pm.patient_id, pm.month_number, pm.is_at_risk_of_starting, pm.is_treatment_start_month,
    pm.treatment_category, pm.sex, pm.age_at_diagnosis_years, pm.disease_duration_at_diagnosis_months,
    pm.previous_physician_global_vas::double as previous_physician_global_vas,
    pm.previous_das_skin::double as previous_das_skin, pm.previous_cmas::double as previous_cmas,
    pm.outcome_das_skin::double as outcome_das_skin,
    pm.outcome_physician_global_vas::double as outcome_physician_global_vas"""


def person_month_batches(con: duckdb.DuckDBPyConnection, patient_ids: list[str]):
    """marts.person_months of these patients, prepared for the models
    (causal.prepare), one batch of PERSON_MONTH_BATCH_PATIENTS patients at
    a time (memory stays bounded on a large registry)."""
    for start in range(0, len(patient_ids), PERSON_MONTH_BATCH_PATIENTS):
        batch = pd.DataFrame({"patient_id": patient_ids[start:start + PERSON_MONTH_BATCH_PATIENTS]})
        con.register("wanted_patients", batch)
        frame = con.execute(f"""
            select {PERSON_MONTH_COLUMNS}
            from marts.person_months pm inner join wanted_patients using (patient_id)
            order by pm.patient_id, pm.month_number""").df()
        con.unregister("wanted_patients")
        yield causal.prepare(frame)


def read_person_months(con: duckdb.DuckDBPyConnection, patient_ids: list[str]) -> pd.DataFrame:
    frames = list(person_month_batches(con, patient_ids))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def marginal_structural_model(con: duckdb.DuckDBPyConnection) -> tuple[causal.MSMResult, int] | None:
    """The MSM over the registry's person-time: weight models fitted on a
    sample of patients, then weights and outcome rows batch by batch."""
    all_ids = [p for (p,) in con.execute("select distinct patient_id from marts.person_months").fetchall()]
    if not all_ids:
        return None
    models = causal.fit_weight_models(
        read_person_months(con, causal.stable_sample(all_ids, causal.MAX_WEIGHT_MODEL_PATIENTS)))
    outcome_ids = causal.stable_sample(all_ids, causal.MAX_OUTCOME_MODEL_PATIENTS)
    rows, weights, patients = [], [], 0
    for pm in person_month_batches(con, outcome_ids):
        r, w = causal.weighted_outcome_rows(pm, models)
        rows.append(r)
        weights.append(w)
        patients += pm["patient_id"].nunique()
    rows_all = pd.concat(rows, ignore_index=True)
    if not rows_all["is_started_over_12_months"].any():
        return None
    weights_all = np.concatenate(weights)
    return causal.fit_outcomes(rows_all, weights_all, models, patients, len(weights_all)), len(outcome_ids) - patients


def msm_rows(result: causal.MSMResult, left_out: int) -> list[ResultRow]:
    """The marginal structural model, the unadjusted comparisons beside it,
    and the weight distribution, as marts.study_results rows."""
    rows = []
    w = result.weights
    for e in result.effects:
        analysis, test = MSM_ANALYSES[e.model]
        what = {"msm": "marginal structural model: GEE (Gaussian, independence working correlation, clustered "
                       "by patient, robust SE) weighted by stabilised IPT weights truncated at the 0.5th/99.5th "
                       f"percentiles ({w.truncated_low:.3g}-{w.truncated_high:.3g})",
                "unweighted": "unadjusted for confounding by indication: the same GEE without weights",
                "crude": "crude: GEE of the outcome on the treatment categories only"}[e.model]
        adjusted = "" if e.model == "crude" else "; adjusted for months since diagnosis (linear spline) and " \
                                                  "age at diagnosis, sex, disease duration at diagnosis"
        rows.append(ResultRow(
            WHOLE_COHORT, analysis, e.outcome, e.category, test, e.n_patients, estimate=e.estimate,
            ci_low=e.ci_low, ci_high=e.ci_high, statistic=e.z, p_value=e.p_value,
            method=(f"{what}; mean difference, {e.category.replace('_', ' ')} minus never or not yet treated "
                    f"(negative = lower score){adjusted}; {e.n_person_months} person-months with the outcome; "
                    f"Wald 95 % CI")))
    stats_ = {"mean": w.mean, "sd": w.sd, "min": w.minimum, "p1": w.p1, "median": w.median, "p99": w.p99,
              "max": w.maximum, "truncated_below": w.truncated_low, "truncated_above": w.truncated_high,
              "share_truncated": w.truncated_share}
    models = result.weight_models
    for name, value in stats_.items():
        rows.append(ResultRow(
            WHOLE_COHORT, "msm_weights", "stabilised_weight", name, "weight_distribution", result.patients,
            estimate=value,
            method=(f"stabilised inverse-probability-of-treatment weights over {w.n_person_months} person-months "
                    "before truncation (truncated_below/above: where they were cut); weight models: pooled "
                    f"logistic over {models.at_risk_months} months at risk of {models.patients} patients, "
                    f"{models.starts} starts; {left_out} patients without complete baseline covariates left out")))
    return rows


def trajectory_parameters(con: duckdb.DuckDBPyConnection) -> tuple[list[str], tuple[int, int]]:
    """The trajectories' measures and first and last study day, as the build
    used them (vars trajectory_*, recorded in marts.study_parameters)."""
    values = dict(con.execute("""
        select parameter, value from marts.study_parameters
        where parameter in ('trajectory_measures', 'trajectory_first_day', 'trajectory_last_day')""").fetchall())
    return values["trajectory_measures"].split("; "), (int(values["trajectory_first_day"]),
                                                       int(values["trajectory_last_day"]))


def trajectory_rows(fits: list[tuple[str, trajectories.Trajectory]],
                    days: tuple[int, int]) -> tuple[list[ResultRow], pd.DataFrame]:
    rows, curves = [], []
    for analysis_set, fit in fits:
        for f in fit.fixed:
            rows.append(ResultRow(
                analysis_set, "trajectory_mixed_model", fit.measure, f.term, "mixed_model", fit.n_patients,
                estimate=f.estimate, ci_low=f.ci_low, ci_high=f.ci_high, statistic=f.z, p_value=f.p_value,
                method=(f"linear mixed model (statsmodels MixedLM, REML), fixed effect {f.term}: time since index "
                        f"piecewise linear with breaks at {', '.join(f'{b:g}' for b in trajectories.BREAKS)} "
                        f"months; random intercept and slope per patient (SD {fit.random_intercept_sd:.3g}, "
                        f"{fit.random_slope_sd:.3g}/month; residual SD {fit.residual_sd:.3g}); {fit.n_visits} visits "
                        f"from day {days[0]} to {days[1]} (vars trajectory_first_day, trajectory_last_day)"
                        + ("" if fit.converged else "; optimiser did not report convergence"))))
        curves.append(fit.curve.assign(analysis_set=analysis_set, measure=fit.measure, n_patients=fit.n_patients,
                                       n_visits=fit.n_visits))
    return rows, (pd.concat(curves, ignore_index=True) if curves else pd.DataFrame(columns=list(CURVE_COLUMN_TYPES)))


def trajectory_fits(con: duckdb.DuckDBPyConnection) -> list[tuple[str, trajectories.Trajectory]]:
    """The mixed-effects trajectories of each measure, per analysis set."""
    fits = []
    measures, _ = trajectory_parameters(con)
    observations = con.execute("""
        select patient_id, measure, study_day, value::double as value, in_completers
        from marts.trajectory_observations order by patient_id, measure, study_day""").df()
    for analysis_set in ANALYSIS_SETS:
        in_set = observations[observations[f"in_{analysis_set}"].astype(bool)] if analysis_set == "completers" \
            else observations
        ids = causal.stable_sample(in_set["patient_id"].unique(), trajectories.MAX_PATIENTS)
        in_set = in_set[in_set["patient_id"].isin(set(ids))]
        for measure in measures:
            m = in_set[in_set["measure"] == measure]
            if m["patient_id"].nunique() >= 3:
                fits.append((analysis_set, trajectories.fit_trajectory(
                    measure, m["patient_id"].to_numpy(), m["study_day"].to_numpy() / trajectories.DAYS_PER_MONTH,
                    m["value"].to_numpy())))
    return fits


def extended_analyses(con: duckdb.DuckDBPyConnection) -> tuple[list[ResultRow], pd.DataFrame]:
    """The marginal structural model and the trajectories, from the marts."""
    rows: list[ResultRow] = []
    msm = marginal_structural_model(con)
    if msm is not None:
        rows += msm_rows(*msm)
    more, curves = trajectory_rows(trajectory_fits(con), trajectory_parameters(con)[1])
    return rows + more, curves


def run_stats(db_path: Path) -> pd.DataFrame:
    computed_at = datetime.now().replace(microsecond=0)
    with duckdb.connect(str(db_path), read_only=True) as con:
        data = read_marts(con) | read_response_marts(con)
        extended, curves = extended_analyses(con)
    frame = results_frame(data, computed_at)
    extra = pd.DataFrame.from_records([asdict(r) for r in extended]).assign(computed_at=computed_at)
    frame = pd.concat([frame, extra], ignore_index=True) if len(extra) else frame
    replace_table(db_path, RESULTS_TABLE, frame, RESULT_COLUMN_TYPES)
    replace_table(db_path, CURVES_TABLE, curves.assign(computed_at=computed_at), CURVE_COLUMN_TYPES)
    return frame

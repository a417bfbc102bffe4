"""Great Expectations suites over the staging tables and the marts, defined
here in code (no generated gx/ folder), and run on DataFrames read through a
read-only DuckDB connection (GX's SQL datasource returns no rows through
duckdb-engine today; the pandas datasource works).

Most expectations here check what our models promise: a violation is a
logic error (severity error). A few check clinical plausibility of values
our models pass through from the registry (an age, a dose): those warn.
Defects of the extract itself are the dbt source checks'
(tests/generic/source_checks.sql).

Large tables are validated in chunks of rows and the counts added up; the
expectations used are all row-by-row, so the sums are exact.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from jdm.dq.results import CheckResult

CHUNK_ROWS = 1_000_000


@dataclass(frozen=True)
class Expect:
    """One expectation: a GX class name, its arguments, and its Kahn category."""

    kind: str
    kwargs: dict
    kahn_category: str
    severity: str = "error"

    @property
    def column_name(self) -> str | None:
        return self.kwargs.get("column") or self.kwargs.get("column_A")


@dataclass(frozen=True)
class Suite:
    table: str  # schema.table
    expectations: list[Expect] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.table.replace(".", "__")

    @property
    def columns(self) -> list[str]:
        names: list[str] = []
        for e in self.expectations:
            for key in ("column", "column_A", "column_B"):
                if key in e.kwargs and e.kwargs[key] not in names:
                    names.append(e.kwargs[key])
        return names


def not_null(column: str) -> Expect:
    return Expect("ExpectColumnValuesToNotBeNull", {"column": column}, "completeness")


def between(column: str, low: float | None, high: float | None, severity: str = "error") -> Expect:
    return Expect("ExpectColumnValuesToBeBetween", {"column": column, "min_value": low, "max_value": high},
                  "plausibility", severity)


def in_set(column: str, values: list) -> Expect:
    return Expect("ExpectColumnValuesToBeInSet", {"column": column, "value_set": values}, "conformance")


def not_before(later: str, earlier: str) -> Expect:
    return Expect(
        "ExpectColumnPairValuesAToBeGreaterThanB",
        {"column_A": later, "column_B": earlier, "or_equal": True, "ignore_row_if": "either_value_is_missing"},
        "plausibility",
    )


SCORE_RANGES = {
    "cmas": (0, 52), "mmt8": (0, 80), "physician_global_vas": (0, 10), "parent_global_vas": (0, 10),
    "chaq": (0, 3), "das_skin": (0, 9), "das_muscle": (0, 11), "weight_kg": (2, 150), "height_cm": (40, 210),
}
TIMEPOINTS = ["baseline", "month_6", "month_12", "month_18", "month_24", "last_follow_up"]

SUITES = [
    Suite("staging.stg_registry__patients", [
        not_null("patient_id"),
        in_set("sex", ["F", "M", "U"]),
        in_set("diagnosis", ["Definite JDM", "Probable JDM", "Possible JDM", "JDM overlap", "Juvenile polymyositis", "Other"]),
        not_before("diagnosis_date", "date_of_birth"),
        not_before("death_date", "date_of_birth"),
    ]),
    Suite("staging.stg_registry__visits", [
        not_null("visit_id"), not_null("patient_id"), not_null("visit_date"),
        *[between(column, low, high) for column, (low, high) in SCORE_RANGES.items()],
    ]),
    Suite("staging.stg_registry__medications", [
        not_null("medication_id"), not_null("start_date"),
        in_set("route", ["oral", "IV", "SC"]),
        in_set("dose_unit", ["mg", "g", "mg/kg", "mg/m2"]),
        in_set("frequency", ["once", "daily", "twice daily", "alternate days", "weekly", "monthly"]),
        between("dose", 0, None),
        not_before("stop_date", "start_date"),
    ]),
    Suite("staging.stg_registry__labs", [
        not_null("sample_date"),
        in_set("test", ["CK", "LDH", "AST", "ALT", "ALDOLASE", "ESR", "CRP"]),
        in_set("unit", ["U/L", "mm/h", "mg/L"]),
        between("value", 0, None),
    ]),
    Suite("marts.patients", [
        not_null("patient_id"), not_null("in_completers"), not_null("in_all_treated"),
        # A juvenile cohort: an older age points at a date of birth to check.
        between("age_at_index_years", 0, 25, severity="warn"),
        not_before("index_date", "date_of_birth"),
    ]),
    Suite("marts.outcome_timepoints", [
        not_null("value"), not_null("visit_date"),
        in_set("timepoint", TIMEPOINTS),
        between("study_day", -30, None),
        not_before("window_high_day", "study_day"),
        not_before("study_day", "window_low_day"),
    ]),
    Suite("marts.steroid_episodes", [
        not_null("last_dose_date"),
        not_before("last_dose_date", "start_date"),
        # Oral prednisolone above 30 mg/kg/day is not a dose a child is
        # given: the registry's dose or weight needs checking.
        between("daily_dose_mg_kg_at_start", 0, 30, severity="warn"),
    ]),
    Suite("marts.steroid_discontinuation", [
        between("days_to_off_steroids_or_censoring", 0, None),
    ]),
]


def _snake_case(class_name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in class_name).lstrip("_")


def _chunks(con: duckdb.DuckDBPyConnection, suite: Suite) -> Iterator[pd.DataFrame]:
    columns = ", ".join(f'"{c}"' for c in suite.columns)
    result = con.execute(f"select {columns} from {suite.table}")
    vectors = max(1, CHUNK_ROWS // 2048)
    while True:
        chunk = result.fetch_df_chunk(vectors)
        if len(chunk) == 0:
            return
        yield chunk


def ge_checks(con: duckdb.DuckDBPyConnection, docs_dir: Path | None = None, suites: list[Suite] = SUITES) -> list[CheckResult]:
    """Run every suite; write GX Data Docs to docs_dir (if given)."""
    import great_expectations as gx
    import great_expectations.expectations as gxe

    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    if docs_dir is not None:
        context.add_data_docs_site(
            site_name="jdm",
            site_config={
                "class_name": "SiteBuilder",
                # GX wants an absolute folder.
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir.resolve())},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
    source = context.data_sources.add_pandas(name="warehouse")
    run_at = datetime.now().replace(microsecond=0)
    checks = []
    for suite in suites:
        batch = source.add_dataframe_asset(name=suite.name).add_batch_definition_whole_dataframe("rows")
        gx_suite = context.suites.add(gx.ExpectationSuite(name=suite.name))
        for expect in suite.expectations:
            gx_suite.add_expectation(getattr(gxe, expect.kind)(**expect.kwargs))
        validation = context.validation_definitions.add(
            gx.ValidationDefinition(name=suite.name, data=batch, suite=gx_suite))
        # Data Docs are rendered once at the end, not after every chunk (the
        # whole site would be re-rendered each time).
        checkpoint = context.checkpoints.add(
            gx.Checkpoint(name=suite.name, validation_definitions=[validation], actions=[], result_format="SUMMARY"))
        totals = [[0, 0] for _ in suite.expectations]  # [unexpected, elements]
        for chunk in _chunks(con, suite):
            outcome = checkpoint.run(batch_parameters={"dataframe": chunk})
            (validation_result,) = outcome.run_results.values()
            for i, result in enumerate(validation_result.results):
                # Results come back in the suite's order; make sure.
                assert result.expectation_config.type == _snake_case(suite.expectations[i].kind), result.expectation_config.type
                totals[i][0] += int(result.result.get("unexpected_count") or 0)
                totals[i][1] += int(result.result.get("element_count") or len(chunk))
        schema, table = suite.table.split(".")
        for expect, (unexpected, elements) in zip(suite.expectations, totals):
            checks.append(CheckResult(
                check_name=f"{suite.name}.{expect.kind}({expect.column_name})",
                source="great_expectations",
                layer=schema,
                model=table,
                column_name=expect.column_name,
                kahn_category=expect.kahn_category,
                check_scope="logic",
                defect_class=None,
                severity=expect.severity,
                violated_rows=unexpected,
                denominator_rows=elements,
                threshold_pct=0.0,
                run_at=run_at,
                description=f"{expect.kind} {expect.kwargs}",
                failures_relation=None,
            ))
    if docs_dir is not None:
        context.build_data_docs(site_names=["jdm"])
    return checks

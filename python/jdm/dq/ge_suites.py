"""Great Expectations suites over the staging tables and the marts, defined
here in code (no generated gx/ folder), and run on DataFrames read through a
read-only DuckDB connection (GX's SQL datasource returns no rows through
duckdb-engine today; the pandas datasource works).

They check what the dbt tests do not, and warn (the registry's data, not a
fault of our models):
- completeness: how often each column of the data dictionary (seed
  extract_columns) is recorded, against the share it sets
  (min_completeness_pct): the registry's recording practice;
- plausibility: values our models pass through that are valid but unlikely
  for a child (an age at index, a dose, symptoms after the diagnosis).
Types, ranges, codes and keys are dbt's (the conforms_to_dictionary tests
and the models' tests); the extract's defects are counted from the
quarantine (jdm.dq.extract_checks).

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
from jdm.ingest.dictionary import EXTRACT_FILES, columns_of

CHUNK_ROWS = 1_000_000


@dataclass(frozen=True)
class Expect:
    """One expectation: a GX class name, its arguments, its Kahn category,
    and the percent of rows that may break it before it warns."""

    kind: str
    kwargs: dict
    kahn_category: str
    severity: str = "warn"
    threshold_pct: float = 0.0

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


def recorded_in(column: str, min_pct: float) -> Expect:
    """Completeness: at least min_pct % of the rows hold a value. GX counts
    every missing value as unexpected; the threshold lets 100 - min_pct %
    of them pass."""
    return Expect("ExpectColumnValuesToNotBeNull", {"column": column}, "completeness",
                  threshold_pct=100.0 - min_pct)


def between(column: str, low: float | None, high: float | None) -> Expect:
    return Expect("ExpectColumnValuesToBeBetween", {"column": column, "min_value": low, "max_value": high},
                  "plausibility")


def not_before(later: str, earlier: str) -> Expect:
    return Expect(
        "ExpectColumnPairValuesAToBeGreaterThanB",
        {"column_A": later, "column_B": earlier, "or_equal": True, "ignore_row_if": "either_value_is_missing"},
        "plausibility",
    )


def completeness_suites() -> list[Suite]:
    """One suite per staged extract file: every column the data dictionary
    expects to be recorded in a share of the records."""
    suites = []
    for spec in EXTRACT_FILES:
        expected = [recorded_in(c.staged_column, c.min_completeness_pct)
                    for c in columns_of(spec.name) if c.min_completeness_pct is not None]
        if expected:
            suites.append(Suite(f"staging.stg_registry__{spec.entity}", expected))
    return suites


PLAUSIBILITY_SUITES = [
    # Symptoms come before the diagnosis they lead to.
    Suite("staging.stg_registry__patients", [not_before("diagnosis_date", "symptom_onset_date")]),
    # A juvenile cohort: an older age points at a date of birth to check.
    Suite("marts.patients", [between("age_at_index_years", 0, 25)]),
    # Oral prednisolone above 30 mg/kg/day is not a dose a child is given:
    # the registry's dose or weight needs checking.
    Suite("marts.steroid_episodes", [between("daily_dose_mg_kg_at_start", 0, 30)]),
]


def all_suites() -> list[Suite]:
    """Every suite, one per table (completeness and plausibility of one table together)."""
    by_table: dict[str, list[Expect]] = {}
    for suite in [*completeness_suites(), *PLAUSIBILITY_SUITES]:
        by_table.setdefault(suite.table, []).extend(suite.expectations)
    return [Suite(table, expectations) for table, expectations in by_table.items()]


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


def ge_checks(con: duckdb.DuckDBPyConnection, docs_dir: Path | None = None, suites: list[Suite] | None = None) -> list[CheckResult]:
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
    for suite in suites if suites is not None else all_suites():
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
                check_scope="source",  # the registry's data (recording practice, plausibility)
                defect_class=None,
                severity=expect.severity,
                violated_rows=unexpected,
                denominator_rows=elements,
                threshold_pct=expect.threshold_pct,
                run_at=run_at,
                description=f"{expect.kind} {expect.kwargs}",
                failures_relation=None,
            ))
    if docs_dir is not None:
        context.build_data_docs(site_names=["jdm"])
    return checks

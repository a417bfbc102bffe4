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

What GX reports is kept in two forms, both for the data team (they hold
values from the registry): a sample of each expectation's unexpected rows
(up to SAMPLE_ROWS, named by the suite's row_id columns) for
audit_failures.great_expectations_samples, which the data-quality dashboard
shows; and GX's own validation results as JSON, one file per suite. GX's
Data Docs are not written: their pages load jQuery, Bootstrap, Font Awesome
and vega from public CDNs and show no results without a network (the
dashboard, one offline file, replaces them; docs/data_quality.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from jdm.dq.results import CheckResult
from jdm.ingest.dictionary import EXTRACT_FILES, columns_of

CHUNK_ROWS = 1_000_000
# Unexpected rows kept per expectation: enough to see what is wrong and
# where, few enough that a registry of a million patients gives a small page.
SAMPLE_ROWS = 20
SAMPLES_RELATION = "audit_failures.great_expectations_samples"
# audit_failures.great_expectations_samples, in order, with SQL types.
SAMPLE_COLUMN_TYPES = {
    "check_name": "varchar", "sample_order": "integer", "row_id": "varchar", "unexpected_values": "varchar",
}
STAGED_ROW_ID = ("source_file", "source_row")  # every staged row names its record in the extract


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
    row_id: tuple[str, ...] = STAGED_ROW_ID  # the columns that name a row in a sample of unexpected rows

    @property
    def name(self) -> str:
        return self.table.replace(".", "__")

    @property
    def columns(self) -> list[str]:
        """The columns read: the row id, then those the expectations check."""
        names: list[str] = list(self.row_id)
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
    Suite("marts.patients", [between("age_at_index_years", 0, 25)], row_id=("patient_id",)),
    # Oral prednisolone above 30 mg/kg/day is not a dose a child is given:
    # the registry's dose or weight needs checking.
    Suite("marts.steroid_episodes", [between("daily_dose_mg_kg_at_start", 0, 30)], row_id=("medication_id",)),
]


def all_suites() -> list[Suite]:
    """Every suite, one per table (completeness and plausibility of one table together)."""
    by_table: dict[str, Suite] = {}
    for suite in [*completeness_suites(), *PLAUSIBILITY_SUITES]:
        known = by_table.get(suite.table)
        if known is not None and known.row_id != suite.row_id:
            raise ValueError(f"{suite.table}: suites name its rows by {known.row_id} and by {suite.row_id}")
        by_table[suite.table] = Suite(suite.table, [*(known.expectations if known else []), *suite.expectations],
                                      suite.row_id)
    return list(by_table.values())


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


def check_name(suite: Suite, expect: Expect) -> str:
    return f"{suite.name}.{expect.kind}({expect.column_name})"


def _text(value) -> str | None:
    """A value of the table, as text (a date without its midnight time)."""
    if value is None or pd.isna(value):
        return None
    if isinstance(value, pd.Timestamp) and value == value.normalize():
        return value.date().isoformat()
    return str(value)


def _sample_rows(name: str, suite: Suite, expect: Expect, chunk: pd.DataFrame, reported: list, kept: int) -> list[dict]:
    """The unexpected rows GX reported in one chunk (partial_unexpected_index_list:
    their labels in the chunk's index) as rows of the samples table: the
    row's id and the values the expectation checked, read from the chunk;
    numbered on from `kept`, up to SAMPLE_ROWS in all.

    GX's own unexpected_index_column_names would name the rows too, but it
    builds a record for every unexpected row before keeping a few: 85 times
    slower on a chunk of a million rows half of them missing."""
    checked = [expect.kwargs[k] for k in ("column", "column_A", "column_B") if k in expect.kwargs]
    rows = []
    for label in reported[: max(0, SAMPLE_ROWS - kept)]:
        record = chunk.loc[label]
        rows.append({"check_name": name, "sample_order": kept + len(rows) + 1,
                     "row_id": json.dumps({c: _text(record[c]) for c in suite.row_id}),
                     "unexpected_values": json.dumps({c: _text(record[c]) for c in checked})})
    return rows


@dataclass
class GxRun:
    """What the suites found: one result per expectation, a sample of its
    unexpected rows (SAMPLE_COLUMN_TYPES), and GX's validation results as
    JSON-ready dicts, per suite one per chunk."""

    checks: list[CheckResult]
    samples: pd.DataFrame
    validation_results: dict[str, list[dict]]


def ge_checks(con: duckdb.DuckDBPyConnection, suites: list[Suite] | None = None) -> GxRun:
    """Run every suite over its table, chunk by chunk."""
    import great_expectations as gx
    import great_expectations.expectations as gxe

    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas(name="warehouse")
    run_at = datetime.now().replace(microsecond=0)
    checks, samples, validation_results = [], [], {}
    for suite in suites if suites is not None else all_suites():
        batch = source.add_dataframe_asset(name=suite.name).add_batch_definition_whole_dataframe("rows")
        gx_suite = context.suites.add(gx.ExpectationSuite(name=suite.name))
        for expect in suite.expectations:
            gx_suite.add_expectation(getattr(gxe, expect.kind)(**expect.kwargs))
        validation = context.validation_definitions.add(
            gx.ValidationDefinition(name=suite.name, data=batch, suite=gx_suite))
        # SUMMARY: counts, and where the first SAMPLE_ROWS unexpected rows of
        # each chunk are (their labels in its index).
        checkpoint = context.checkpoints.add(gx.Checkpoint(
            name=suite.name, validation_definitions=[validation], actions=[],
            result_format={"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_ROWS}))
        totals = [[0, 0] for _ in suite.expectations]  # [unexpected, elements]
        sampled: list[list[dict]] = [[] for _ in suite.expectations]
        validation_results[suite.name] = []
        for chunk in _chunks(con, suite):
            outcome = checkpoint.run(batch_parameters={"dataframe": chunk})
            (validation_result,) = outcome.run_results.values()
            validation_results[suite.name].append(validation_result.to_json_dict())
            for i, result in enumerate(validation_result.results):
                # Results come back in the suite's order; make sure.
                assert result.expectation_config.type == _snake_case(suite.expectations[i].kind), result.expectation_config.type
                totals[i][0] += int(result.result.get("unexpected_count") or 0)
                totals[i][1] += int(result.result.get("element_count") or len(chunk))
                sampled[i] += _sample_rows(check_name(suite, suite.expectations[i]), suite, suite.expectations[i],
                                           chunk, result.result.get("partial_unexpected_index_list") or [],
                                           len(sampled[i]))
        schema, table = suite.table.split(".")
        for expect, (unexpected, elements), rows in zip(suite.expectations, totals, sampled):
            samples += rows
            checks.append(CheckResult(
                check_name=check_name(suite, expect),
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
                # where a sample of the unexpected rows is (GX reports some, not all)
                failures_relation=SAMPLES_RELATION,
            ))
    return GxRun(checks, pd.DataFrame(samples, columns=list(SAMPLE_COLUMN_TYPES)), validation_results)


def write_validation_results(validation_results: dict[str, list[dict]], results_dir: Path) -> list[Path]:
    """GX's validation results, one JSON file per suite: a list with one
    result per chunk of rows validated (GX's own format, as its Data Docs
    would have read them). Files of suites no longer run are removed."""
    results_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, results in validation_results.items():
        path = results_dir / f"{name}.json"
        path.write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
        paths.append(path)
    for stale in set(results_dir.glob("*.json")) - set(paths):
        stale.unlink()
    return paths

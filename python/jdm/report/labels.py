"""The words the study report prints for the warehouse's codes, read from
the seeds (the reference schema), each from the one place it lives:

- measures: seed outcome_measures (measure_label); the Total Improvement
  Score's variants are named by their muscle measure (tis_cmas: the score
  with CMAS), the inactive-disease variants by seed inactive_disease_variants;
- timepoints: seed timepoint_windows (timepoint_label);
- exclusion reasons: seed exclusion_reasons (reason_label);
- analyses and their tests: seed analysis_labels; analysis sets: seed
  analysis_sets;
- the model rows' fixed effects, treatment categories and weight
  statistics (their `timepoint`, and the weights' `measure`): seed
  model_result_labels;
- response levels and inactive-disease criteria: seeds
  response_criteria_thresholds and inactive_disease_criteria.

A code without a label stops the report (`MissingLabel`): printing the code
instead would put words a clinician cannot read into a published page.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from jdm.study.analysis import TIS_MEASURE_PREFIX as TIS_PREFIX

# marts.study_results names the Kaplan-Meier median's row by this
# timepoint: it is a summary of the whole curve, not a timepoint.
MEDIAN_TIMEPOINT = "median"
MEDIAN_LABEL = "Median time"
TIS_NAME = "Total Improvement Score"


class MissingLabel(KeyError):
    """A code the report would print has no label in its seed."""


def _lookup(kind: str, table: dict[str, str], code: str) -> str:
    try:
        return table[code]
    except KeyError:
        raise MissingLabel(f"no label for the {kind} {code!r}: add it to its seed") from None


@dataclass(frozen=True)
class Labels:
    measures: dict[str, str]
    measure_order: dict[str, int]  # outcome_measures.listing_order (as a paper would list them)
    timepoints: dict[str, str]
    timepoint_order: dict[str, int]
    exclusion_reasons: dict[str, str]
    analyses: dict[str, str]
    analysis_order: dict[str, int]
    tests: dict[str, str]
    analysis_sets: dict[str, str]
    analysis_set_order: dict[str, int]
    analysis_set_descriptions: dict[str, str]
    inactive_variants: dict[str, str]
    model_results: dict[str, str]
    model_result_order: dict[str, int]
    response_levels: pd.DataFrame  # level, level_order, minimum_total_score, level_label
    inactive_criteria: pd.DataFrame  # criterion_order, criterion_label, is_required_in_strict_variant
    inactive_variant_rules: pd.DataFrame  # variant, variant_order, minimum_criteria_met, requires_strict_criteria

    def measure(self, code: str) -> str:
        """A measure of marts.study_results: an outcome measure, a TIS
        variant (tis_<muscle measure>) or an inactive-disease variant."""
        if code in self.measures:
            return self.measures[code]
        if code in self.inactive_variants:
            return self.inactive_variants[code]
        if code.startswith(TIS_PREFIX) and code.removeprefix(TIS_PREFIX) in self.measures:
            return f"{TIS_NAME} with {self.measures[code.removeprefix(TIS_PREFIX)]}"
        return _lookup("measure", {}, code)

    def measure_rank(self, code: str) -> int:
        """Where a measure of marts.study_results is listed: an outcome
        measure in the seed's order, a TIS variant with its muscle measure."""
        return self.measure_order.get(code, self.measure_order.get(code.removeprefix(TIS_PREFIX), 0))

    def timepoint(self, code: str) -> str:
        return MEDIAN_LABEL if code == MEDIAN_TIMEPOINT else _lookup("timepoint", self.timepoints, code)

    def exclusion_reason(self, code: str) -> str:
        return _lookup("exclusion reason", self.exclusion_reasons, code)

    def analysis(self, code: str) -> str:
        return _lookup("analysis", self.analyses, code)

    def test(self, code: str) -> str:
        return _lookup("analysis", self.tests, code)

    def analysis_set(self, code: str) -> str:
        return _lookup("analysis set", self.analysis_sets, code)

    def model_result(self, code: str) -> str:
        """A model row's fixed effect, treatment category or weight statistic."""
        return _lookup("model result", self.model_results, code)


def read_labels(con: duckdb.DuckDBPyConnection) -> Labels:
    def pairs(sql: str) -> dict:
        return dict(con.execute(sql).fetchall())

    return Labels(
        measures=pairs("select measure, measure_label from reference.outcome_measures"),
        measure_order=pairs("select measure, listing_order from reference.outcome_measures"),
        timepoints=pairs("select timepoint, timepoint_label from reference.timepoint_windows"),
        timepoint_order=pairs("select timepoint, timepoint_order from reference.timepoint_windows"),
        exclusion_reasons=pairs("select exclusion_reason, reason_label from reference.exclusion_reasons"),
        analyses=pairs("select analysis, analysis_label from reference.analysis_labels"),
        analysis_order=pairs("select analysis, analysis_order from reference.analysis_labels"),
        tests=pairs("select analysis, test_description from reference.analysis_labels"),
        analysis_sets=pairs("select analysis_set, analysis_set_label from reference.analysis_sets"),
        analysis_set_order=pairs("select analysis_set, analysis_set_order from reference.analysis_sets"),
        analysis_set_descriptions=pairs("select analysis_set, analysis_set_description from reference.analysis_sets"),
        inactive_variants=pairs("select variant, variant_label from reference.inactive_disease_variants"),
        model_results=pairs("select code, code_label from reference.model_result_labels"),
        model_result_order=pairs("select code, code_order from reference.model_result_labels"),
        response_levels=con.execute("""
            select level, level_order, minimum_total_score::double as minimum_total_score, level_label
            from reference.response_criteria_thresholds order by level_order""").df(),
        inactive_criteria=con.execute("""
            select criterion_order, criterion_label, is_required_in_strict_variant
            from reference.inactive_disease_criteria order by criterion_order""").df(),
        inactive_variant_rules=con.execute("""
            select variant, variant_order, minimum_criteria_met, requires_strict_criteria
            from reference.inactive_disease_variants order by variant_order""").df(),
    )

"""The shape of a data-quality result row, shared by both sources."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

DQ_TABLE = "marts.dq_results"
KAHN_CATEGORIES = ("conformance", "completeness", "plausibility")
# Every status a check can have (CheckResult.status), worst first: the order
# the dashboard lists and sorts them in.
STATUSES = ("fail", "error", "warn", "pass")


@dataclass(frozen=True)
class CheckResult:
    check_name: str
    source: str  # 'quarantine' (the extract's defects), 'dbt' or 'great_expectations'
    layer: str  # raw, staging, intermediate, marts, reference, audit
    model: str
    column_name: str | None
    kahn_category: str
    check_scope: str  # 'source': a defect of the extract; 'logic': our own models
    defect_class: int | None  # the extract spec's defect class a source check counts
    severity: str  # 'warn' or 'error'
    violated_rows: int | None
    denominator_rows: int | None
    threshold_pct: float
    run_at: datetime
    description: str
    failures_relation: str | None  # where dbt stored the offending rows
    outcome: str | None = None  # set when the check could not run: 'error'

    @property
    def violated_pct(self) -> float | None:
        if self.violated_rows is None or not self.denominator_rows:
            return None
        return 100.0 * self.violated_rows / self.denominator_rows

    @property
    def status(self) -> str:
        """pass, or warn/fail by severity once the percent is above the
        threshold (0 by default: any violation counts), or error."""
        if self.outcome == "error" or self.violated_rows is None:
            return "error"
        if self.violated_rows == 0 or (self.threshold_pct > 0 and (self.violated_pct or 0.0) <= self.threshold_pct):
            return "pass"
        return "warn" if self.severity == "warn" else "fail"

    def as_row(self) -> dict:
        row = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "outcome"}
        row["violated_pct"] = self.violated_pct
        row["status"] = self.status
        return row


# marts.dq_results, in order, with SQL types.
COLUMN_TYPES = {
    "check_name": "varchar", "source": "varchar", "layer": "varchar", "model": "varchar",
    "column_name": "varchar", "kahn_category": "varchar", "check_scope": "varchar", "defect_class": "integer",
    "severity": "varchar", "violated_rows": "bigint", "denominator_rows": "bigint", "violated_pct": "double",
    "threshold_pct": "double", "status": "varchar", "run_at": "timestamp", "description": "varchar",
    "failures_relation": "varchar",
}

"""The extract's own defects as data-quality results, from the quarantine.

audit.extract_checks lists every check of the extract's data the warehouse
makes (which ones apply to a column comes from the data dictionary) with the
records staging set aside or repaired for it: one marts.dq_results row each,
check_scope `source`, severity warn (the extract's defects never stop the
build; staging has dealt with them), against the file's records.
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from jdm.dq.results import CheckResult

CHECKS_RELATION = "audit.extract_checks"
QUARANTINE_RELATION = "audit.quarantine"


def extract_checks(con: duckdb.DuckDBPyConnection, run_at: datetime) -> list[CheckResult]:
    rows = con.execute(f"""
        select check_name, model, column_name, kahn_category, defect_class, violated_records, file_records,
               description
        from {CHECKS_RELATION}
        order by check_name""").fetchall()
    return [
        CheckResult(
            check_name=name,
            source="quarantine",
            layer="raw",
            model=model,
            column_name=column,
            kahn_category=category,
            check_scope="source",
            defect_class=defect_class,
            severity="warn",
            violated_rows=int(violated),
            denominator_rows=int(records),
            threshold_pct=0.0,
            run_at=run_at,
            description=description,
            failures_relation=QUARANTINE_RELATION,
        )
        for name, model, column, category, defect_class, violated, records, description in rows
    ]

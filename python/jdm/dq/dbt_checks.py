"""The dbt tests of the last build as data-quality results.

Reads dbt's own records of the build (target/run_results.json for each
test's failure count, target/manifest.json for what each test checks) and
counts each tested model's rows for the denominator, through a read-only
connection. Unit tests are not data checks and are left out.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import duckdb

from jdm.dq.results import CheckResult

def in_build_file(relation_name: str) -> str:
    """A relation as dbt names it, without its database: `schema.table`.
    dbt puts the database first on DuckDB ('"jdm"."audit_failures"."t"', the
    build file's name) and not on Spark ('audit_failures.t'); without it, the
    name is the same for both engines and reads the same table in a copied
    or renamed build file."""
    parts = re.findall(r'"((?:[^"]|"")*)"|`([^`]*)`|([^."`]+)', relation_name)
    names = [(quoted or backticked or bare).replace('""', '"') for quoted, backticked, bare in parts][-2:]
    return ".".join(n if re.fullmatch(r"[a-z_][a-z0-9_]*", n) else '"' + n.replace('"', '""') + '"' for n in names)


# Kahn category of a generic test that does not say its own in `meta`.
CATEGORY_BY_TEST = {
    "not_null": "completeness",
    "unique": "conformance",
    "unique_combination": "conformance",
    "relationships": "conformance",
    "accepted_values": "conformance",
    "value_between": "plausibility",
    "expression_is_true": "plausibility",
}


class DbtResultsMissing(RuntimeError):
    pass


def _load(target_dir: Path, name: str) -> dict:
    path = target_dir / name
    if not path.exists():
        raise DbtResultsMissing(f"{path} not found: run `dbt build` first (or set DBT_TARGET_PATH)")
    return json.loads(path.read_text(encoding="utf-8"))


def _tested_node(test: dict, nodes: dict) -> dict | None:
    """The model or seed a test is about: attached, or else its first ref."""
    attached = test.get("attached_node")
    if attached and attached in nodes:
        return nodes[attached]
    for parent in test.get("depends_on", {}).get("nodes", []):
        if parent in nodes and nodes[parent]["resource_type"] in ("model", "seed"):
            return nodes[parent]
    return None


def dbt_checks(target_dir: Path, con: duckdb.DuckDBPyConnection) -> list[CheckResult]:
    run_results = _load(target_dir, "run_results.json")
    manifest = _load(target_dir, "manifest.json")
    nodes = manifest["nodes"]
    run_at = datetime.fromisoformat(run_results["metadata"]["generated_at"].replace("Z", "+00:00")).replace(tzinfo=None)
    denominators: dict[str, int] = {}
    checks = []
    for result in run_results["results"]:
        test = nodes.get(result["unique_id"])
        if test is None or test["resource_type"] != "test":
            continue
        config = test["config"]
        meta = config.get("meta") or {}
        test_name = (test.get("test_metadata") or {}).get("name")
        tested = _tested_node(test, nodes)
        relation = in_build_file(tested["relation_name"]) if tested else None
        if relation and relation not in denominators:
            denominators[relation] = con.execute(f"select count(*) from {relation}").fetchone()[0]
        failed_to_run = result["status"] == "error" and result.get("failures") is None
        checks.append(CheckResult(
            check_name=test["name"],
            source="dbt",
            layer=tested["schema"] if tested else "unknown",
            model=tested["name"] if tested else "",
            column_name=test.get("column_name") or (test.get("test_metadata") or {}).get("kwargs", {}).get("column_name"),
            kahn_category=meta.get("kahn_category") or CATEGORY_BY_TEST.get(test_name, "plausibility"),
            check_scope=meta.get("check_scope", "logic"),
            defect_class=meta.get("defect_class"),
            severity=config.get("severity", "ERROR").lower(),
            violated_rows=None if failed_to_run else int(result.get("failures") or 0),
            denominator_rows=denominators.get(relation) if relation else None,
            threshold_pct=float(meta.get("threshold_pct", 0.0)),
            run_at=run_at,
            description=test.get("description") or (tested and f"{test_name or 'singular test'} on {tested['name']}") or "",
            failures_relation=in_build_file(test["relation_name"]) if test.get("relation_name") else None,
            outcome="error" if failed_to_run else None,
        ))
    return checks

"""Data quality over every layer, reported the OHDSI Data Quality Dashboard
way: one row per check with violated rows, denominator, percent, threshold
and status, grouped by Kahn category (conformance, completeness,
plausibility). Two sources feed it: the dbt tests of the last build
(`dbt_checks`) and Great Expectations suites defined in code (`ge_checks`);
`run_dq` writes both to marts.dq_results."""

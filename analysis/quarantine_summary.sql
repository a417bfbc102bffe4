-- How clean was the extract? Records set aside and values repaired, per file
-- and reason. Run: .venv/bin/dbt compile -s quarantine_summary, then paste
-- target/compiled/jdm_warehouse/analysis/quarantine_summary.sql into any
-- DuckDB client opened on the warehouse file (read-only).
select
    source_file,
    reason_code,
    action,
    count(*) as problems,
    count(distinct source_row) as records
from {{ ref('quarantine') }}
group by all
order by source_file, action, problems desc

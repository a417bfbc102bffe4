{#-
  Per extract file: every raw record is either staged or dropped (with its
  reason in audit.quarantine). raw_rows = staged_rows + dropped_rows is a
  test that fails the build. Merged conflicting duplicates and collapsed
  exact duplicates count as dropped. Blank lines are not records: they are
  counted separately. `parser` says which reader landed the file (`duckdb`,
  the fast strict reader, or `careful`, for files with file-level faults).
-#}
{%- set entities = ['extract_metadata', 'patients', 'visits', 'medications', 'labs'] -%}

with

{% for entity in entities -%}
raw_{{ entity }} as (
    select * from {{ ref('raw_registry__' ~ entity) }}
),
staged_{{ entity }} as (
    select * from {{ ref('stg_registry__' ~ entity) }}
),
{% endfor -%}

quarantine as (
    select * from {{ ref('quarantine') }}
),

-- How `jdm land` read each file (python/jdm/ingest/landing.py).
landing_reports as (
    select * from {{ ref('raw_registry__landing_reports') }}
),

record_counts as (
    {%- for entity in entities %}
    select
        '{{ entity }}.csv' as source_file,
        (select count(*) from raw_{{ entity }}) as raw_rows,
        (select count(*) from raw_{{ entity }} where record_status = 'bad') as bad_records,
        (select count(*) from staged_{{ entity }}) as staged_rows
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

quarantine_counts as (
    select
        source_file,
        count(distinct source_row) filter (where action = 'dropped') as dropped_rows,
        count(distinct source_row) filter (where action = 'repaired') as repaired_rows,
        count(*) filter (where action = 'repaired') as repaired_values
    from quarantine
    group by source_file
),

final as (
    select
        record_counts.source_file,
        record_counts.raw_rows,
        record_counts.staged_rows,
        coalesce(quarantine_counts.dropped_rows, 0) as dropped_rows,
        record_counts.bad_records,
        coalesce(quarantine_counts.repaired_rows, 0) as repaired_rows,
        coalesce(quarantine_counts.repaired_values, 0) as repaired_values,
        landing_reports.blank_lines,
        record_counts.raw_rows = record_counts.staged_rows + coalesce(quarantine_counts.dropped_rows, 0) as is_reconciled,
        landing_reports.parser,
        landing_reports.file_path,
        landing_reports.file_bytes,
        landing_reports.extra_columns,
        landing_reports.landed_at
    from record_counts
    left join quarantine_counts using (source_file)
    left join landing_reports using (source_file)
)

select * from final

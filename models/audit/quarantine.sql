{#-
  Every raw record staging set aside, and every value it repaired: one row
  per (record, problem). `action` is `dropped` (the record is not staged) or
  `repaired` (the record is staged with this value set to missing, or, for a
  medication stop_date after death or the extract date, clipped).
  `reason_code` is one of seed data_defects (the spec's known defects and
  the file-level ones); `is_out_of_range` tells a number outside its range
  from one that is not a number (both `invalid_numeric`). A dropped record appears once, with the first rule
  it broke:
  - records whose fields could not be told apart (raw, record_status bad);
  - records a per-record rule set aside (base_registry__<file>.drop_reason);
  - records a duplicate rule set aside (the staged row that stands for
    them lists them in duplicate_records).
  Repaired values are those of staged records (base value_repairs), and the
  measures merged visits disagreed on (stg_registry__visits).
-#}
{%- set entities = ['patients', 'visits', 'medications', 'labs'] -%}
-- depends_on: {{ ref('extract_columns') }}

with

{% for entity in ['extract_metadata'] + entities -%}
raw_{{ entity }} as (
    select * from {{ ref('raw_registry__' ~ entity) }}
),
{% endfor -%}
{% for entity in entities -%}
-- Read twice below; not materialized, so DuckDB scans it twice instead of
-- buffering every record.
checked_{{ entity }} as {{ scanned_again() }} (
    select * from {{ ref('base_registry__' ~ entity) }}
),
staged_{{ entity }} as {{ scanned_again() }} (
    select * from {{ ref('stg_registry__' ~ entity) }}
),
{% endfor -%}

-- Records whose fields could not be told apart (landing).
bad_records as (
    {%- for entity in ['extract_metadata'] + entities %}
    select
        source_file,
        source_row,
        cast(null as {{ dbt.type_string() }}) as record_id,
        cast(null as {{ dbt.type_string() }}) as column_name,
        raw_record as raw_value,
        bad_record_reason as reason_code,
        'dropped' as action,
        bad_record_detail as detail
    from raw_{{ entity }}
    where record_status = 'bad'
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

-- Well-formed records a per-record rule set aside.
records_set_aside as (
    {%- for entity in entities %}
    {%- set id_column = record_id_column(entity ~ '.csv') %}
    select
        source_file,
        source_row,
        {{ id_column if id_column else 'cast(null as ' ~ dbt.type_string() ~ ')' }} as record_id,
        drop_column as column_name,
        drop_raw_value as raw_value,
        drop_reason as reason_code,
        'dropped' as action,
        drop_detail as detail
    from checked_{{ entity }}
    where drop_reason is not null
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

-- Records a duplicate rule set aside, listed on the staged row kept instead.
duplicates_set_aside as (
    {%- for entity in entities %}
    {%- set id_column = record_id_column(entity ~ '.csv') %}
    select
        checked_{{ entity }}.source_file,
        duplicate.source_row,
        {{ 'checked_' ~ entity ~ '.' ~ id_column if id_column else 'cast(null as ' ~ dbt.type_string() ~ ')' }} as record_id,
        -- a repeated id names the id column and value; an exact duplicate the whole record
        {%- if id_column %}
        case when duplicate.reason_code = 'duplicate_id' then '{{ id_column }}' end as column_name,
        case when duplicate.reason_code = 'duplicate_id' then checked_{{ entity }}.{{ id_column }} end as raw_value,
        {%- else %}
        cast(null as {{ dbt.type_string() }}) as column_name,
        cast(null as {{ dbt.type_string() }}) as raw_value,
        {%- endif %}
        duplicate.reason_code,
        'dropped' as action,
        duplicate.detail
    from (select {{ unnest_list('duplicate_records') }} as duplicate from staged_{{ entity }})
    inner join checked_{{ entity }} on checked_{{ entity }}.source_row = duplicate.source_row
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

-- Values set to missing (or clipped) in staged records.
values_repaired as (
    {%- for entity in entities %}
    {%- set id_column = record_id_column(entity ~ '.csv') %}
    select
        source_file,
        source_row,
        {{ id_column if id_column else 'cast(null as ' ~ dbt.type_string() ~ ')' }} as record_id,
        repair.column_name,
        repair.raw_value,
        repair.reason_code,
        'repaired' as action,
        repair.detail
    from (
        select *, {{ unnest_list('value_repairs') }} as repair
        from checked_{{ entity }}
        where source_row in (select source_row from staged_{{ entity }})
    )
    union all
    {%- endfor %}
    select
        source_file,
        source_row,
        visit_id as record_id,
        conflict.column_name,
        conflict.raw_value,
        conflict.reason_code,
        'repaired' as action,
        conflict.detail
    from (
        select *, {{ unnest_list('conflicting_values') }} as conflict
        from staged_visits
    )
),

quarantined as (
    select * from bad_records
    union all
    select * from records_set_aside
    union all
    select * from duplicates_set_aside
    union all
    select * from values_repaired
),

-- A number outside its column's range is a check of its own (plausibility,
-- audit.extract_checks), apart from a value that is not a number at all:
-- classified once, here, for the summary's counts and the rows behind them.
final as (
    select
        *,
        coalesce(reason_code = 'invalid_numeric' and detail like 'outside %', false) as is_out_of_range
    from quarantined
)

select * from final

{#-
  Every raw record staging set aside, and every value it repaired: one row
  per (record, problem). `action` is `dropped` (the record is not staged) or
  `repaired` (the record is staged with this value set to missing).
  `reason_code` is one of the codes in the docs (one per spec defect class,
  plus the file-level ones). A dropped record appears once, with the first
  reason that set it aside.
-#}
{%- set checked_files = {
    'patients': {'id': 'patient_id', 'columns': ['patient_id', 'sex', 'date_of_birth', 'ethnicity', 'symptom_onset_date', 'diagnosis_date', 'diagnosis', 'recruitment_date', 'withdrawal_date', 'death_date']},
    'visits': {'id': 'visit_id', 'columns': ['visit_id', 'patient_id', 'visit_date']},
    'medications': {'id': 'medication_id', 'columns': ['medication_id', 'patient_id', 'start_date', 'stop_date']},
    'labs': {'id': none, 'columns': ['patient_id', 'sample_date']},
} -%}

with

{% for entity in ['extract_metadata', 'patients', 'visits', 'medications', 'labs'] -%}
raw_{{ entity }} as (
    select * from {{ ref('raw_registry__' ~ entity) }}
),
{% endfor %}
{% for entity in checked_files -%}
-- Read twice below; not materialized, so DuckDB scans it twice instead of
-- buffering every record.
checked_{{ entity }} as not materialized (
    select * from {{ ref('base_registry__' ~ entity) }}
),
{% endfor -%}
staged_visits as (
    select * from {{ ref('stg_registry__visits') }}
),

-- Records whose fields could not be told apart (landing).
bad_records as (
    {%- for entity in ['extract_metadata', 'patients', 'visits', 'medications', 'labs'] %}
    select
        source_file,
        source_row,
        null::varchar as record_id,
        null::varchar as column_name,
        raw_record as raw_value,
        bad_record_reason as reason_code,
        'dropped' as action,
        bad_record_detail as detail
    from raw_{{ entity }}
    where record_status = 'bad'
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

-- Well-formed records staging set aside.
records_set_aside as (
    {%- for entity, spec in checked_files.items() %}
    select
        source_file,
        source_row,
        {{ spec.id ~ '__raw' if spec.id else 'null::varchar' }} as record_id,
        drop_column as column_name,
        case drop_column
            {%- for c in spec.columns %}
            when '{{ c }}' then {{ c }}__raw
            {%- endfor %}
        end as raw_value,
        drop_reason as reason_code,
        'dropped' as action,
        drop_detail as detail
    from checked_{{ entity }}
    where drop_reason is not null
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

-- Values set to missing in staged records.
values_repaired as (
    {%- for entity, spec in checked_files.items() %}
    select
        source_file,
        source_row,
        {{ spec.id ~ '__raw' if spec.id else 'null::varchar' }} as record_id,
        repair.column_name,
        repair.raw_value,
        repair.reason_code,
        'repaired' as action,
        repair.detail
    from (
        select *, unnest(value_repairs) as repair
        from checked_{{ entity }}
        where drop_reason is null
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
        select *, unnest(conflicting_values) as conflict
        from staged_visits
    )
),

final as (
    select * from bad_records
    union all
    select * from records_set_aside
    union all
    select * from values_repaired
)

select * from final

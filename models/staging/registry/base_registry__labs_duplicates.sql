{#-
  Rule 4 of base_registry__labs, among the records rules 1-3 kept: one row
  per record with the same content (patient, date, test, value, unit and
  repaired values) as an earlier record, `exact_duplicate`. The file has no
  id; the first record (lowest source_row) is kept.
-#}
{%- set content_columns = ['patient_id', 'sample_date', 'test', 'value', 'unit', 'value_repairs'] -%}

with

-- Not materialized: read twice, and small enough to scan again.
placed_labs as not materialized (
    select * from {{ ref('base_registry__labs_checked') }}
    where drop_reason is null
),

same_content as (
    {{ rows_sharing_values('placed_labs', content_columns) }}
),

final as (
    select
        source_row,
        'exact_duplicate' as drop_reason,
        null::varchar as drop_column,
        'same content as source_row ' || first_source_row as drop_detail
    from same_content
    where first_source_row < source_row
)

select * from final

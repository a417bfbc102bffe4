{#-
  Rule 5 of base_registry__medications, among the records rules 1-4 kept:
  one row per record that repeats an earlier one (the first record, lowest
  source_row, is kept).
  - `exact_duplicate`: the same content (every field but medication_id, and
    the same repaired values) as an earlier record.
  - `duplicate_id`: the same medication_id as an earlier record, other
    content.
-#}
{%- set content_columns = [
    'patient_id', 'drug', 'route', 'dose', 'dose_unit', 'frequency', 'start_date', 'stop_date',
    'indication', 'value_repairs'] -%}

with

-- Not materialized: read several times, and small enough to scan again.
placed_medications as not materialized (
    select * from {{ ref('base_registry__medications_checked') }}
    where drop_reason is null
),

same_content as (
    {{ rows_sharing_values('placed_medications', content_columns) }}
),

same_id as (
    {{ rows_sharing_values('placed_medications', ['medication_id']) }}
),

final as (
    {{ repeated_records('same_content', 'same_id', 'medication_id') }}
)

select * from final

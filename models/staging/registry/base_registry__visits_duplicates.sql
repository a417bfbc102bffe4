{#-
  Rules 4 and 5 of base_registry__visits, among the records rules 1-3 kept:
  one row per record that repeats an earlier one, or that shares its patient
  and date with another surviving record. The first record (lowest
  source_row) of each group is the one kept.
  - `exact_duplicate`: the same content (every field but visit_id, and the
    same repaired values) as an earlier record.
  - `duplicate_id`: the same visit_id as an earlier record, other content.
  - same patient and visit_date among the records left: every record of the
    group is listed with `surviving_source_row` (the first) and
    `has_same_day_duplicates`; the later ones are `conflicting_duplicate`.
-#}
{%- set measures = [
    'weight_kg', 'height_cm', 'cmas', 'mmt8', 'physician_global_vas', 'parent_global_vas',
    'chaq', 'das_skin', 'das_muscle', 'rash', 'nailfold_abnormal', 'gottrons', 'calcinosis',
    'skin_ulceration'] -%}
{%- set content_columns = ['patient_id', 'visit_date'] + measures + ['value_repairs'] -%}

with

-- Not materialized: read several times, and small enough to scan again.
placed_visits as not materialized (
    select * from {{ ref('base_registry__visits_checked') }}
    where drop_reason is null
),

same_content as (
    {{ rows_sharing_values('placed_visits', content_columns) }}
),

same_id as (
    {{ rows_sharing_values('placed_visits', ['visit_id']) }}
),

repeats as (
    {{ repeated_records('same_content', 'same_id', 'visit_id') }}
),

surviving_visits as not materialized (
    select source_row, patient_id, visit_date
    from placed_visits
    where source_row not in (select source_row from repeats)
),

same_day as (
    {{ rows_sharing_values('surviving_visits', ['patient_id', 'visit_date']) }}
),

final as (
    select
        source_row,
        drop_reason,
        drop_column,
        drop_detail,
        null::bigint as surviving_source_row,
        null::boolean as has_same_day_duplicates
    from repeats
    union all
    select
        source_row,
        case when first_source_row < source_row then 'conflicting_duplicate' end as drop_reason,
        null::varchar as drop_column,
        case
            when first_source_row < source_row
                then 'same patient and visit_date as source_row ' || first_source_row || ': merged into it'
        end as drop_detail,
        first_source_row as surviving_source_row,
        true as has_same_day_duplicates
    from same_day
    where n_rows > 1
)

select * from final

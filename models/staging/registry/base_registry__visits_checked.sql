{#-
  visits.csv typed and checked, one row per well-formed raw record; nothing
  is removed here (`drop_reason`, `value_repairs`: see audit.quarantine).

  Rules, applied in this order (a row set aside carries the first reason):
  1. visit_id, patient_id and visit_date are required: empty, undecodable or
     (visit_date) unparseable sets the row aside.
  2. patient_id not among the staged patients: `orphan_patient`.
  3. visit_date after the extract date, before the date of birth or after
     the date of death: `implausible_event_date`.
  4. The same content as an earlier record (any visit_id): `exact_duplicate`.
     The same visit_id as an earlier record with other content: `duplicate_id`.
  5. Another visit of the same patient on the same date:
     `conflicting_duplicate`; the first record (lowest source_row) survives and
     stg_registry__visits merges the group's values into it.
  Out-of-range or non-numeric scores and unknown Y/N spellings are set to
  missing (`invalid_numeric`, `unknown_code`); `U`/`unknown` mean missing.
-#}
{%- set fields = [
    {'column': 'visit_id', 'kind': 'text', 'required': true},
    {'column': 'patient_id', 'kind': 'text', 'required': true},
    {'column': 'visit_date', 'kind': 'date', 'required': true},
    {'column': 'weight_kg', 'kind': 'decimal', 'min': 2, 'max': 150},
    {'column': 'height_cm', 'kind': 'decimal', 'min': 40, 'max': 210},
    {'column': 'cmas', 'kind': 'integer', 'min': 0, 'max': 52},
    {'column': 'mmt8', 'kind': 'integer', 'min': 0, 'max': 80},
    {'column': 'physician_global_vas', 'kind': 'decimal', 'min': 0, 'max': 10},
    {'column': 'parent_global_vas', 'kind': 'decimal', 'min': 0, 'max': 10},
    {'column': 'chaq', 'kind': 'decimal', 'min': 0, 'max': 3},
    {'column': 'das_skin', 'kind': 'integer', 'min': 0, 'max': 9},
    {'column': 'das_muscle', 'kind': 'integer', 'min': 0, 'max': 11},
    {'column': 'rash', 'kind': 'yes_no'},
    {'column': 'nailfold_abnormal', 'kind': 'yes_no'},
    {'column': 'gottrons', 'kind': 'yes_no'},
    {'column': 'calcinosis', 'kind': 'yes_no'},
    {'column': 'skin_ulceration', 'kind': 'yes_no'},
] -%}
{%- set content_columns = fields | map(attribute='column') | reject('equalto', 'visit_id') | list -%}

with

raw_visits as (
    select * from {{ ref('raw_registry__visits') }}
),

patients as (
    select patient_id, date_of_birth, death_date from {{ ref('stg_registry__patients') }}
),

extract_metadata as (
    select extract_date from {{ ref('stg_registry__extract_metadata') }}
),

values_checked as (
    {{ typed_and_checked_values('raw_visits', fields) }}
),

rows_placed as (
    select
        values_checked.*,
        {{ optional_value_repairs(fields) }} as value_repairs,
        {{ event_placement(fields, 'visit_date') }}
    from values_checked
    left join patients using (patient_id)
    cross join extract_metadata
),

duplicates_found as (
    select
        source_row,
        min(source_row) over (partition by {{ content_columns | join(', ') }}, value_repairs) as first_source_row_of_content,
        min(source_row) over (partition by visit_id) as first_source_row_of_id
    from rows_placed
    where placement_issue is null
),

conflicts_found as (
    select
        rows_placed.source_row,
        min(rows_placed.source_row) over (partition by patient_id, visit_date) as surviving_source_row,
        count(*) over (partition by patient_id, visit_date) > 1 as has_same_day_duplicates
    from rows_placed
    inner join duplicates_found using (source_row)
    where duplicates_found.first_source_row_of_content = rows_placed.source_row
        and duplicates_found.first_source_row_of_id = rows_placed.source_row
),

final as (
    select
        rows_placed.* exclude (placement_issue, placement_issue_column, placement_detail),
        case
            when placement_issue is not null then placement_issue
            when first_source_row_of_content < rows_placed.source_row then 'exact_duplicate'
            when first_source_row_of_id < rows_placed.source_row then 'duplicate_id'
            when surviving_source_row < rows_placed.source_row then 'conflicting_duplicate'
        end as drop_reason,
        case
            when placement_issue is not null then placement_issue_column
            when first_source_row_of_content < rows_placed.source_row then null
            when first_source_row_of_id < rows_placed.source_row then 'visit_id'
            when surviving_source_row < rows_placed.source_row then null
        end as drop_column,
        case
            when placement_issue is not null then placement_detail
            when first_source_row_of_content < rows_placed.source_row
                then 'same content as source_row ' || first_source_row_of_content
            when first_source_row_of_id < rows_placed.source_row
                then 'visit_id already used by source_row ' || first_source_row_of_id
            when surviving_source_row < rows_placed.source_row
                then 'same patient and visit_date as source_row ' || surviving_source_row || ': merged into it'
        end as drop_detail,
        conflicts_found.surviving_source_row,
        conflicts_found.has_same_day_duplicates
    from rows_placed
    left join duplicates_found using (source_row)
    left join conflicts_found using (source_row)
)

select * from final

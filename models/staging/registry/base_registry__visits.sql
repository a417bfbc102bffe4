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

  Rules 1-3 are applied row by row in base_registry__visits_checked, rules
  4-5 over all rows in base_registry__visits_duplicates; this view puts them
  together. A view: both are tables, and the duplicates few.
-#}
{{ config(materialized='view') }}

with

checked_visits as (
    select * from {{ ref('base_registry__visits_checked') }}
),

duplicates as (
    select * from {{ ref('base_registry__visits_duplicates') }}
),

final as (
    select
        checked_visits.* exclude (
            drop_reason, drop_column, drop_detail, visit_id__raw, patient_id__raw, visit_date__raw),
        {%- for c in ['visit_id', 'patient_id', 'visit_date'] %}
        {{ raw_text_restored('checked_visits', c) }} as {{ c }}__raw,
        {%- endfor %}
        coalesce(checked_visits.drop_reason, duplicates.drop_reason) as drop_reason,
        case
            when checked_visits.drop_reason is not null then checked_visits.drop_column
            else duplicates.drop_column
        end as drop_column,
        case
            when checked_visits.drop_reason is not null then checked_visits.drop_detail
            else duplicates.drop_detail
        end as drop_detail,
        -- For every record rules 1-4 kept: the first record of its patient
        -- and date, and whether there are others.
        case
            when checked_visits.drop_reason is null
                and coalesce(duplicates.drop_reason, 'conflicting_duplicate') = 'conflicting_duplicate'
                then coalesce(duplicates.surviving_source_row, checked_visits.source_row)
        end as surviving_source_row,
        case
            when checked_visits.drop_reason is null
                and coalesce(duplicates.drop_reason, 'conflicting_duplicate') = 'conflicting_duplicate'
                then coalesce(duplicates.has_same_day_duplicates, false)
        end as has_same_day_duplicates
    from checked_visits
    left join duplicates using (source_row)
)

select * from final

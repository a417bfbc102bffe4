{#-
  labs.csv typed and checked, one row per well-formed raw record; nothing is
  removed here (`drop_reason`, `value_repairs`: see audit.quarantine).

  Rules, applied in this order (a row set aside carries the first reason):
  1. patient_id and sample_date are required.
  2. patient_id not among the staged patients: `orphan_patient`.
  3. sample_date after the extract date, before birth or after death:
     `implausible_event_date`.
  4. The same patient, date, test, value and unit as an earlier record:
     `exact_duplicate` (the file has no id). Two different results of one
     test on one day are both kept: repeat samples happen.
  Values: `value` is a number with an optional qualifier (`<5`, `>2000`,
  `<=`, `>=`): a censored result, kept with its qualifier. A value that is
  not such a number, or has more decimal places than are kept, is set to
  missing (`invalid_numeric`). A unit not listed
  for the test in lab_unit_conversions (or no unit) makes the value missing
  (`unknown_lab_unit`); an unknown test is `unknown_code`.

  Rules 1-3 are applied row by row in base_registry__labs_checked, rule 4
  over all rows in base_registry__labs_duplicates; this view puts them
  together. A view: both are tables, and the duplicates few.
-#}
{{ config(materialized='view') }}

with

checked_labs as (
    select * from {{ ref('base_registry__labs_checked') }}
),

duplicates as (
    select * from {{ ref('base_registry__labs_duplicates') }}
),

final as (
    select
        checked_labs.* exclude (
            drop_reason, drop_column, drop_detail, patient_id__raw, sample_date__raw, value__raw),
        {%- for c in ['patient_id', 'sample_date', 'value'] %}
        {{ raw_text_restored('checked_labs', c) }} as {{ c }}__raw,
        {%- endfor %}
        coalesce(checked_labs.drop_reason, duplicates.drop_reason) as drop_reason,
        case
            when checked_labs.drop_reason is not null then checked_labs.drop_column
            else duplicates.drop_column
        end as drop_column,
        case
            when checked_labs.drop_reason is not null then checked_labs.drop_detail
            else duplicates.drop_detail
        end as drop_detail
    from checked_labs
    left join duplicates using (source_row)
)

select * from final

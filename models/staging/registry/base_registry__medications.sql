{#-
  medications.csv typed and checked, one row per well-formed raw record;
  nothing is removed here (`drop_reason`, `value_repairs`: see
  audit.quarantine).

  Rules, applied in this order (a row set aside carries the first reason):
  1. medication_id, patient_id and start_date are required.
  2. patient_id not among the staged patients: `orphan_patient`.
  3. start_date after the extract date or after the date of death, or
     before the date of birth: `implausible_event_date` (the start_date
     places the episode).
  4. stop_date before start_date: `stop_before_start`.
  5. The same content as an earlier record (any medication_id):
     `exact_duplicate`; the same medication_id with other content:
     `duplicate_id`. The first record is kept.
  Values repaired (set to missing, row kept): unknown drug, route, dose_unit
  or frequency (`unknown_code`); a dose that is not a number >= 0, or has
  more decimal places than are kept (`invalid_numeric`); unknown indication
  codes (dropped from the list, `unknown_code`); a `once` dose whose
  stop_date is after its start_date (`once_stop_date_mismatch`: set to
  missing, i.e. its own day). Two stop_date rules of the spec's "Unknown is
  unknown":
  - a non-empty stop_date that cannot be read (`invalid_date`,
    `invalid_encoding`) is set to missing with has_unknown_stop_date: the
    episode's end is unknown, which is not the same as "still taking it"
    (an empty stop_date);
  - a stop_date after the date of death or the extract date is clipped to
    that date (`implausible_event_date`, action `repaired`,
    is_stop_date_clipped), and the episode kept.

  Rules 1-4 are applied row by row in base_registry__medications_checked,
  rule 5 over all rows in base_registry__medications_duplicates; this view
  puts them together. A view: both are tables, and the duplicates few.
-#}
{{ config(materialized='view') }}

with

checked_medications as (
    select * from {{ ref('base_registry__medications_checked') }}
),

duplicates as (
    select * from {{ ref('base_registry__medications_duplicates') }}
),

final as (
    select
        checked_medications.* exclude (
            drop_reason, drop_column, drop_detail,
            medication_id__raw, patient_id__raw, start_date__raw, stop_date__raw),
        {%- for c in ['medication_id', 'patient_id', 'start_date', 'stop_date'] %}
        {{ raw_text_restored('checked_medications', c) }} as {{ c }}__raw,
        {%- endfor %}
        coalesce(checked_medications.drop_reason, duplicates.drop_reason) as drop_reason,
        case
            when checked_medications.drop_reason is not null then checked_medications.drop_column
            else duplicates.drop_column
        end as drop_column,
        case
            when checked_medications.drop_reason is not null then checked_medications.drop_detail
            else duplicates.drop_detail
        end as drop_detail
    from checked_medications
    left join duplicates using (source_row)
)

select * from final

{#-
  medications.csv typed and checked, one row per well-formed raw record;
  nothing is removed here (`drop_reason`, `value_repairs`: see
  audit.quarantine).

  Rules, applied in this order (a row set aside carries the first reason):
  1. medication_id, patient_id and start_date are required.
  2. patient_id not among the staged patients: `orphan_patient`.
  3. start_date or stop_date after the extract date, or after the date of
     death; start_date before the date of birth: `implausible_event_date`.
  4. stop_date before start_date: `stop_before_start`.
  5. The same content as an earlier record (any medication_id):
     `exact_duplicate`; the same medication_id with other content:
     `duplicate_id`. The first record is kept.
  Values repaired (set to missing, row kept): unknown drug, route, dose_unit
  or frequency (`unknown_code`); a dose that is not a number >= 0
  (`invalid_numeric`); an unparseable stop_date (`invalid_date`: the episode
  then counts as still running); unknown indication codes (dropped from the
  list, `unknown_code`); a `once` dose whose stop_date is after its
  start_date (`once_stop_date_mismatch`: set to missing, i.e. its own day).
-#}
{%- set fields = [
    {'column': 'medication_id', 'kind': 'text', 'required': true},
    {'column': 'patient_id', 'kind': 'text', 'required': true},
    {'column': 'drug', 'kind': 'drug'},
    {'column': 'route', 'kind': 'code', 'code_field': 'route'},
    {'column': 'dose', 'kind': 'decimal', 'min': 0, 'max': 999999},
    {'column': 'dose_unit', 'kind': 'code', 'code_field': 'dose_unit'},
    {'column': 'frequency', 'kind': 'code', 'code_field': 'frequency'},
    {'column': 'start_date', 'kind': 'date', 'required': true},
    {'column': 'stop_date', 'kind': 'date'},
    {'column': 'indication', 'kind': 'text'},
] -%}
{%- set content_columns = fields | map(attribute='column') | reject('equalto', 'medication_id') | list -%}

with

raw_medications as (
    select * from {{ ref('raw_registry__medications') }}
),

patients as (
    select patient_id, date_of_birth, death_date from {{ ref('stg_registry__patients') }}
),

extract_metadata as (
    select extract_date from {{ ref('stg_registry__extract_metadata') }}
),

values_checked as (
    {{ typed_and_checked_values('raw_medications', fields) }}
),

indication_codes as (
    select {{ code_map('indication') }} as indication_map
),

-- indication is a `;`-separated list of codes: keep the known ones.
indications_split as (
    select
        values_checked.*,
        indication_codes.indication_map,
        list_filter(
            list_transform(string_split(indication, ';'), lambda code: {{ code_key('trim(code)') }}),
            lambda code: code <> ''
        ) as indication_keys
    from values_checked
    cross join indication_codes
),

indications_coded as (
    select
        * exclude (indication_keys, indication_map),
        list_sort(list_distinct(list_filter(
            list_transform(indication_keys, lambda code: indication_map[code]),
            lambda code: code is not null
        ))) as indications,
        list_filter(indication_keys, lambda code: not map_contains(indication_map, code)) as unknown_indications
    from indications_split
),

-- A single dose lasts its own day: a later stop_date is an entry error.
once_stop_checked as (
    select
        * replace (
            case when frequency = 'once' and stop_date > start_date then null else stop_date end as stop_date,
            coalesce(stop_date__issue, case when frequency = 'once' and stop_date > start_date then 'once_stop_date_mismatch' end) as stop_date__issue,
            case
                when list_contains(undecodable_columns, 'indication') then 'invalid_encoding'
                when len(unknown_indications) > 0 then 'unknown_code'
            end as indication__issue
        )
    from indications_coded
),

rows_placed as (
    select
        once_stop_checked.*,
        {{ optional_value_repairs(fields) }} as value_repairs,
        case
            when {{ required_field_issue(fields) }} is not null then {{ required_field_issue(fields) }}
            when patients.patient_id is null then 'orphan_patient'
            when start_date > extract_metadata.extract_date
                or stop_date > extract_metadata.extract_date
                or start_date < patients.date_of_birth
                or start_date > patients.death_date
                or stop_date > patients.death_date then 'implausible_event_date'
            when stop_date < start_date then 'stop_before_start'
        end as placement_issue,
        case
            when {{ required_field_issue(fields) }} is not null then {{ required_field_with_issue(fields) }}
            when patients.patient_id is null then 'patient_id'
            when start_date > extract_metadata.extract_date
                or start_date < patients.date_of_birth
                or start_date > patients.death_date then 'start_date'
            when stop_date > extract_metadata.extract_date
                or stop_date > patients.death_date then 'stop_date'
            when stop_date < start_date then 'stop_date'
        end as placement_issue_column,
        case
            when {{ required_field_issue(fields) }} is not null then null
            when patients.patient_id is null then 'patient_id not in patients.csv'
            when start_date > extract_metadata.extract_date then 'start_date after the extract date ' || extract_metadata.extract_date
            when stop_date > extract_metadata.extract_date then 'stop_date after the extract date ' || extract_metadata.extract_date
            when start_date < patients.date_of_birth then 'start_date before the date of birth ' || patients.date_of_birth
            when start_date > patients.death_date then 'start_date after the date of death ' || patients.death_date
            when stop_date > patients.death_date then 'stop_date after the date of death ' || patients.death_date
            when stop_date < start_date then 'stop_date ' || stop_date || ' before start_date ' || start_date
        end as placement_detail
    from once_stop_checked
    left join patients using (patient_id)
    cross join extract_metadata
),

duplicates_found as (
    select
        source_row,
        min(source_row) over (partition by {{ content_columns | join(', ') }}, value_repairs) as first_source_row_of_content,
        min(source_row) over (partition by medication_id) as first_source_row_of_id
    from rows_placed
    where placement_issue is null
),

final as (
    select
        rows_placed.* exclude (placement_issue, placement_issue_column, placement_detail),
        case
            when placement_issue is not null then placement_issue
            when first_source_row_of_content < rows_placed.source_row then 'exact_duplicate'
            when first_source_row_of_id < rows_placed.source_row then 'duplicate_id'
        end as drop_reason,
        case
            when placement_issue is not null then placement_issue_column
            when first_source_row_of_content < rows_placed.source_row then null
            when first_source_row_of_id < rows_placed.source_row then 'medication_id'
        end as drop_column,
        case
            when placement_issue is not null then placement_detail
            when first_source_row_of_content < rows_placed.source_row
                then 'same content as source_row ' || first_source_row_of_content
            when first_source_row_of_id < rows_placed.source_row
                then 'medication_id already used by source_row ' || first_source_row_of_id
        end as drop_detail
    from rows_placed
    left join duplicates_found using (source_row)
)

select * from final

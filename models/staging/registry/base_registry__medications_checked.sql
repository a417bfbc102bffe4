{#-
  medications.csv typed and checked, one row per well-formed raw record;
  nothing is removed here. Applies rules 1-4 of base_registry__medications
  (required fields, orphans, implausible dates, stop before start) as
  `drop_reason`; the duplicate rule needs every row at once and comes after,
  in base_registry__medications_duplicates. `value_repairs`: the values set
  to missing (the repair rules are listed in base_registry__medications).
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

-- The dates a record is placed against: the patient's, and the extract's.
records_with_dates as (
    select
        once_stop_checked.*,
        patients.patient_id is not null as is_patient_known,
        patients.date_of_birth,
        patients.death_date,
        extract_metadata.extract_date
    from once_stop_checked
    left join patients using (patient_id)
    cross join extract_metadata
),

-- A stop_date after death or after the extract date is clipped to that date
-- (the start_date places the episode; spec, "Unknown is unknown"). An
-- unreadable stop_date (repaired to missing above) means an unknown end,
-- not "still taking it": has_unknown_stop_date.
stop_dates_clipped as (
    select
        * replace (
            case
                when stop_date > death_date and death_date <= extract_date then death_date
                when stop_date > extract_date then extract_date
                else stop_date
            end as stop_date,
            case
                when stop_date > extract_date or stop_date > death_date then 'implausible_event_date'
                else stop_date__issue
            end as stop_date__issue
        ),
        coalesce(stop_date > extract_date or stop_date > death_date, false) as is_stop_date_clipped,
        coalesce(stop_date__issue in ('invalid_date', 'invalid_encoding'), false) as has_unknown_stop_date,
        case
            when stop_date > death_date and death_date <= extract_date
                then 'stop_date after the date of death ' || death_date || ': clipped to it'
            when stop_date > extract_date
                then 'stop_date after the extract date ' || extract_date || ': clipped to it'
            when stop_date__issue in ('invalid_date', 'invalid_encoding')
                then 'unreadable: the episode''s end is unknown (not "still taking it")'
        end as stop_date__detail
    from records_with_dates
),

rows_placed as (
    select
        *,
        {{ optional_value_repairs(fields, details={'stop_date': 'stop_date__detail'}) }} as value_repairs,
        case
            when {{ required_field_issue(fields) }} is not null then {{ required_field_issue(fields) }}
            when not is_patient_known then 'orphan_patient'
            when start_date > extract_date
                or start_date < date_of_birth
                or start_date > death_date then 'implausible_event_date'
            when stop_date < start_date then 'stop_before_start'
        end as placement_issue,
        case
            when {{ required_field_issue(fields) }} is not null then {{ required_field_with_issue(fields) }}
            when not is_patient_known then 'patient_id'
            when start_date > extract_date
                or start_date < date_of_birth
                or start_date > death_date then 'start_date'
            when stop_date < start_date then 'stop_date'
        end as placement_issue_column,
        case
            when {{ required_field_issue(fields) }} is not null then null
            when not is_patient_known then 'patient_id not in patients.csv'
            when start_date > extract_date then 'start_date after the extract date ' || extract_date
            when start_date < date_of_birth then 'start_date before the date of birth ' || date_of_birth
            when start_date > death_date then 'start_date after the date of death ' || death_date
            when stop_date < start_date then 'stop_date ' || stop_date || ' before start_date ' || start_date
        end as placement_detail
    from stop_dates_clipped
),

final as (
    select
        source_file,
        source_row,
        medication_id,
        patient_id,
        drug,
        route,
        dose,
        dose_unit,
        frequency,
        start_date,
        stop_date,
        has_unknown_stop_date,
        is_stop_date_clipped,
        indication,
        indications,
        value_repairs,
        placement_issue as drop_reason,
        placement_issue_column as drop_column,
        placement_detail as drop_detail,
        {%- for c in ['medication_id', 'patient_id', 'start_date', 'stop_date'] %}
        {{ raw_text_if_unusable(c) }} as {{ c }}__raw{{ ',' if not loop.last }}
        {%- endfor %}
    from rows_placed
)

select * from final

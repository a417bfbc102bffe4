{#-
  medications.csv: every well-formed record typed, with the verdict of each
  rule that looks at one record; nothing is removed here
  (stg_registry__medications keeps what passes, audit.quarantine lists the
  rest and every repaired value). Values as the data dictionary says (seed
  extract_columns): an unknown drug, route, dose_unit or frequency
  (`unknown_code`), a dose that is not a number >= 0 or has more decimal
  places than are kept (`invalid_numeric`), bytes that are not UTF-8
  (`invalid_encoding`): set to missing and listed in value_repairs.
  indication is a `;`-separated list of codes: the known ones are kept, an
  unknown one is left out (`unknown_code`).

  stop_date (the spec's "Unknown is unknown"):
  - a `once` dose whose stop_date is after its start_date: set to missing,
    i.e. its own day (`once_stop_date_mismatch`);
  - a non-empty stop_date that cannot be read: set to missing with
    has_unknown_stop_date: the episode's end is unknown, which is not "still
    taking it" (an empty stop_date);
  - a stop_date after the date of death or the extract date: clipped to
    that date (`implausible_event_date`, repaired, is_stop_date_clipped).

  Rules that set a record aside, in this order (drop_reason: the first):
  1. medication_id, patient_id and start_date are required.
  2. patient_id not among the staged patients: `orphan_patient`.
  3. start_date after the extract date or the date of death, or before the
     date of birth: `implausible_event_date` (the start_date places the
     episode).
  4. stop_date before start_date: `stop_before_start`.
-#}
{{ config(post_hook="{{ describe_from_dictionary('medications.csv') }}") }}
{%- set columns = extract_columns('medications.csv') -%}
{{ dictionary_depends_on() }}

with

raw_medications as (
    select * from {{ ref('raw_registry__medications') }}
    where record_status = 'ok'
),

patients as (
    select patient_id, date_of_birth, death_date from {{ ref('stg_registry__patients') }}
),

extract_metadata as (
    select extract_date from {{ ref('stg_registry__extract_metadata') }}
),

values_as_text as (
    select source_file, source_row, undecodable_columns, {{ texts(columns) }}
    from raw_medications
),

values_typed as (
    select *, {{ typed_columns(columns) }}
    from values_as_text
),

-- indication: the known codes of the list, sorted, and the unknown ones.
indications_coded as (
    select
        values_typed.*,
        {{ list_sorted_distinct(list_where(
            list_map('indication_keys', 'code', map_value('indication_map', 'code')),
            'code', 'code is not null')) }} as indications,
        {{ list_length(list_where('indication_keys', 'code', 'not ' ~ map_has_key('indication_map', 'code'))) }} > 0
            as has_unknown_indication
    from (
        select
            *,
            {{ code_map('code_spellings.indication') }} as indication_map,
            {%- for c in columns if c.value_type == 'code_list' %}
            {{ if_decodable(c, list_where(list_map(split_text(c.column_name ~ '__text', ';'), 'code', code_key('trim(code)')),
                'code', "code <> ''")) }} as indication_keys
            {%- endfor %}
        from values_typed
    ) as values_typed
),

values_checked as (
    select
        *,
        {{ value_issues(columns | rejectattr('value_type', 'equalto', 'code_list')) }},
        {%- for c in columns if c.value_type == 'code_list' %}
        case
            when {{ is_undecodable(c) }} then 'invalid_encoding'
            when has_unknown_indication then 'unknown_code'
        end as {{ c.staged_column }}__issue
        {%- endfor %}
    from indications_coded
),

records_dated as (
    select
        values_checked.*,
        patients.patient_id is not null as is_patient_known,
        patients.date_of_birth,
        patients.death_date,
        extract_metadata.extract_date
    from values_checked
    left join patients using (patient_id)
    cross join extract_metadata
),

-- A single dose lasts its own day: a later stop_date is an entry error.
single_doses_checked as (
    select
        * except (stop_date, stop_date__issue),
        case when frequency = 'once' and stop_date > start_date then null else stop_date end as stop_date,
        coalesce(stop_date__issue, case when frequency = 'once' and stop_date > start_date then 'once_stop_date_mismatch' end)
            as stop_date__issue
    from records_dated
),

stop_dates_clipped as (
    select
        * except (stop_date, stop_date__issue),
        case
            when stop_date > death_date and death_date <= extract_date then death_date
            when stop_date > extract_date then extract_date
            else stop_date
        end as stop_date,
        case
            when stop_date > extract_date or stop_date > death_date then 'implausible_event_date'
            else stop_date__issue
        end as stop_date__issue,
        coalesce(stop_date > extract_date or stop_date > death_date, false) as is_stop_date_clipped,
        coalesce(stop_date__issue in ('invalid_date', 'invalid_encoding'), false) as has_unknown_stop_date,
        case
            when stop_date > death_date and death_date <= extract_date
                then 'stop_date after the date of death ' || death_date || ': clipped to it'
            when stop_date > extract_date
                then 'stop_date after the extract date ' || extract_date || ': clipped to it'
            when stop_date__issue in ('invalid_date', 'invalid_encoding')
                then {{ sql_text('unreadable: the episode\'s end is unknown (not "still taking it")') }}
        end as stop_date__detail
    from single_doses_checked
),

records_placed as (
    select
        *,
        case
            when {{ required_issue(columns) }} is not null then {{ required_issue(columns) }}
            when not is_patient_known then 'orphan_patient'
            when start_date > extract_date or start_date < date_of_birth or start_date > death_date
                then 'implausible_event_date'
            when stop_date < start_date then 'stop_before_start'
        end as drop_reason,
        case
            when {{ required_issue(columns) }} is not null then {{ required_issue_column(columns) }}
            when not is_patient_known then 'patient_id'
            when start_date > extract_date or start_date < date_of_birth or start_date > death_date then 'start_date'
            when stop_date < start_date then 'stop_date'
        end as drop_column,
        case
            when {{ required_issue(columns) }} is not null then {{ required_issue_text(columns) }}
            when not is_patient_known then patient_id__text
            when start_date > extract_date or start_date < date_of_birth or start_date > death_date then start_date__text
            when stop_date < start_date then stop_date__text
        end as drop_raw_value,
        case
            when {{ required_issue(columns) }} is not null then null
            when not is_patient_known then 'patient_id not in patients.csv'
            when start_date > extract_date then 'start_date after the extract date ' || extract_date
            when start_date < date_of_birth then 'start_date before the date of birth ' || date_of_birth
            when start_date > death_date then 'start_date after the date of death ' || death_date
            when stop_date < start_date then 'stop_date ' || stop_date || ' before start_date ' || start_date
        end as drop_detail
    from stop_dates_clipped
),

final as (
    select
        source_file,
        source_row,
        {%- for c in columns %}
        {{ c.staged_column }},
        {%- endfor %}
        has_unknown_stop_date,
        is_stop_date_clipped,
        {{ value_repairs(columns, details={'stop_date': 'stop_date__detail'}) }} as value_repairs,
        drop_reason,
        drop_column,
        drop_raw_value,
        drop_detail
    from records_placed
)

select * from final

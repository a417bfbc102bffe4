{#-
  visits.csv: every well-formed record typed, with the verdict of each rule
  that looks at one record; nothing is removed here. stg_registry__visits
  applies the duplicate rules and keeps what passes; audit.quarantine lists
  the rest and every repaired value.

  Values (seed extract_columns, the data dictionary): each column typed
  under its staged name; a value of the wrong type, range or code, or with
  bytes that are not UTF-8, is repaired: set to missing and listed in
  value_repairs. Y/N spellings come from seed yes_no_spellings (U and
  unknown mean missing).

  Rules that set a record aside, in this order (drop_reason: the first):
  1. visit_id, patient_id and visit_date are required: empty, undecodable
     or (the date) unparseable.
  2. patient_id not among the staged patients: `orphan_patient`.
  3. visit_date after the extract date, before birth or after death:
     `implausible_event_date`.
-#}
{{ config(post_hook="{{ describe_from_dictionary('visits.csv') }}") }}
{%- set columns = extract_columns('visits.csv') -%}
{{ dictionary_depends_on() }}

with

raw_visits as (
    select * from {{ ref('raw_registry__visits') }}
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
    from raw_visits
),

values_typed as (
    select *, {{ typed_columns(columns) }}
    from values_as_text
),

values_checked as (
    select *, {{ value_issues(columns) }}
    from values_typed
),

records_placed as (
    select
        values_checked.*,
        case
            when {{ required_issue(columns) }} is not null then {{ required_issue(columns) }}
            when patients.patient_id is null then 'orphan_patient'
            when visit_date > extract_metadata.extract_date
                or visit_date < patients.date_of_birth
                or visit_date > patients.death_date then 'implausible_event_date'
        end as drop_reason,
        case
            when {{ required_issue(columns) }} is not null then {{ required_issue_column(columns) }}
            when patients.patient_id is null then 'patient_id'
            when visit_date > extract_metadata.extract_date
                or visit_date < patients.date_of_birth
                or visit_date > patients.death_date then 'visit_date'
        end as drop_column,
        case
            when {{ required_issue(columns) }} is not null then {{ required_issue_text(columns) }}
            when patients.patient_id is null then patient_id__text
            when visit_date > extract_metadata.extract_date
                or visit_date < patients.date_of_birth
                or visit_date > patients.death_date then visit_date__text
        end as drop_raw_value,
        case
            when {{ required_issue(columns) }} is not null then null
            when patients.patient_id is null then 'patient_id not in patients.csv'
            when visit_date > extract_metadata.extract_date then 'visit_date after the extract date ' || extract_metadata.extract_date
            when visit_date < patients.date_of_birth then 'visit_date before the date of birth ' || patients.date_of_birth
            when visit_date > patients.death_date then 'visit_date after the date of death ' || patients.death_date
        end as drop_detail
    from values_checked
    left join patients using (patient_id)
    cross join extract_metadata
),

final as (
    select
        source_file,
        source_row,
        {%- for c in columns %}
        {{ c.staged_column }},
        {%- endfor %}
        {{ value_repairs(columns) }} as value_repairs,
        drop_reason,
        drop_column,
        drop_raw_value,
        drop_detail
    from records_placed
)

select * from final

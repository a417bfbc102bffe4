{#-
  labs.csv: every well-formed record typed, with the verdict of each rule
  that looks at one record; nothing is removed here (stg_registry__labs
  keeps what passes, audit.quarantine lists the rest and every repaired
  value).

  Values (seed extract_columns): `value` is a number with an optional
  qualifier (`<5`, `>2000`, `<=`, `>=`): a censored result, kept with its
  qualifier. A value that is not such a number, or has more decimal places
  than are kept, is set to missing (`invalid_numeric`). A unit not listed
  for the test in seed lab_unit_conversions (or an unknown unit) makes the
  value missing (`unknown_lab_unit`, recorded against the unit); an unknown
  test is `unknown_code`. standard_value is the value in the test's
  standard unit.

  Rules that set a record aside, in this order (drop_reason: the first):
  1. patient_id and sample_date are required.
  2. patient_id not among the staged patients: `orphan_patient`.
  3. sample_date after the extract date, before birth or after death:
     `implausible_event_date`.
-#}
{{ config(post_hook="{{ describe_from_dictionary('labs.csv') }}") }}
{%- set columns = extract_columns('labs.csv') -%}
{#- A number with an optional qualifier (`<5`, `>2000`): groups 1 and 2. -#}
{%- set censored_number_pattern = '^([<>]=?)?\\s*([0-9]+(\\.[0-9]*)?|\\.[0-9]+)$' -%}
{{ dictionary_depends_on() }}

with

raw_labs as (
    select * from {{ ref('raw_registry__labs') }}
    where record_status = 'ok'
),

patients as (
    select patient_id, date_of_birth, death_date from {{ ref('stg_registry__patients') }}
),

extract_metadata as (
    select extract_date from {{ ref('stg_registry__extract_metadata') }}
),

unit_conversions as (
    select * from {{ ref('lab_unit_conversions') }}
),

values_as_text as (
    select source_file, source_row, undecodable_columns, {{ texts(columns) }}
    from raw_labs
),

values_typed as (
    select
        *,
        {{ typed_columns(columns) }},
        -- `<5`, `>2000`: the qualifier and the number (the qualifier has no
        -- decimal point: the whole text can be tested for places).
        {%- set value_column = columns | selectattr('value_type', 'equalto', 'lab_value') | first %}
        {{ if_decodable(value_column, "nullif(" ~ regex_group('value__text', censored_number_pattern, 1) ~ ", '')") }}
            as value_qualifier,
        case
            when not {{ has_more_decimal_places_than_kept('value__text') }} and not {{ is_undecodable(value_column) }}
            then try_cast({{ regex_group('value__text', censored_number_pattern, 2) }} as {{ kept_decimal_type() }})
        end as reported_value
    from values_as_text
),

values_converted as (
    select
        values_typed.*,
        unit_conversions.standard_unit,
        values_typed.reported_value * unit_conversions.factor_to_standard as standard_value,
        unit_conversions.test is not null as is_unit_of_test
    from values_typed
    left join unit_conversions
        on values_typed.test = unit_conversions.test
        and values_typed.reported_unit = unit_conversions.unit
),

values_checked as (
    select
        * except (reported_unit__issue),
        -- An unknown unit, or one the test is not measured in, is the
        -- unit's problem (spec defect 9), recorded against it; the value
        -- it makes unusable is left out of stg_registry__labs.value.
        case
            when reported_unit__issue = 'invalid_encoding' then reported_unit__issue
            when reported_unit__issue is not null then 'unknown_lab_unit'
            when test is not null and reported_value is not null and not is_unit_of_test then 'unknown_lab_unit'
        end as reported_unit__issue
    from (select *, {{ value_issues(columns) }} from values_converted) as values_issued
),

records_placed as (
    select
        values_checked.*,
        case
            when {{ required_issue(columns) }} is not null then {{ required_issue(columns) }}
            when patients.patient_id is null then 'orphan_patient'
            when sample_date > extract_metadata.extract_date
                or sample_date < patients.date_of_birth
                or sample_date > patients.death_date then 'implausible_event_date'
        end as drop_reason,
        case
            when {{ required_issue(columns) }} is not null then {{ required_issue_column(columns) }}
            when patients.patient_id is null then 'patient_id'
            when sample_date > extract_metadata.extract_date
                or sample_date < patients.date_of_birth
                or sample_date > patients.death_date then 'sample_date'
        end as drop_column,
        case
            when {{ required_issue(columns) }} is not null then {{ required_issue_text(columns) }}
            when patients.patient_id is null then patient_id__text
            when sample_date > extract_metadata.extract_date
                or sample_date < patients.date_of_birth
                or sample_date > patients.death_date then sample_date__text
        end as drop_raw_value,
        case
            when {{ required_issue(columns) }} is not null then null
            when patients.patient_id is null then 'patient_id not in patients.csv'
            when sample_date > extract_metadata.extract_date then 'sample_date after the extract date ' || extract_metadata.extract_date
            when sample_date < patients.date_of_birth then 'sample_date before the date of birth ' || patients.date_of_birth
            when sample_date > patients.death_date then 'sample_date after the date of death ' || patients.death_date
        end as drop_detail
    from values_checked
    left join patients using (patient_id)
    cross join extract_metadata
),

final as (
    select
        source_file,
        source_row,
        patient_id,
        sample_date,
        test,
        value__text as reported_value_text,
        value_qualifier,
        reported_value,
        reported_unit,
        case when reported_value__issue is null and reported_unit__issue is null then standard_value end as standard_value,
        case when reported_value__issue is null and reported_unit__issue is null then standard_unit end as standard_unit,
        {{ value_repairs(columns, details={'value':
            "case when reported_value__issue <> 'invalid_numeric' then null when " ~ has_more_decimal_places_than_kept('value__text')
            ~ " then 'more than " ~ kept_decimal_places() ~ " decimal places: cannot be kept exactly'"
            ~ " else 'not a number, nor a censored number such as <5' end"}) }} as value_repairs,
        drop_reason,
        drop_column,
        drop_raw_value,
        drop_detail
    from records_placed
)

select * from final

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
  not such a number is set to missing (`invalid_numeric`). A unit not listed
  for the test in lab_unit_conversions (or no unit) makes the value missing
  (`unknown_lab_unit`); an unknown test is `unknown_code`.
-#}
{%- set fields = [
    {'column': 'patient_id', 'kind': 'text', 'required': true},
    {'column': 'sample_date', 'kind': 'date', 'required': true},
    {'column': 'test', 'kind': 'code', 'code_field': 'lab_test'},
    {'column': 'value', 'kind': 'text'},
    {'column': 'unit', 'kind': 'code', 'code_field': 'lab_unit'},
] -%}

with

raw_labs as (
    select * from {{ ref('raw_registry__labs') }}
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

values_checked as (
    {{ typed_and_checked_values('raw_labs', fields) }}
),

values_parsed as (
    select
        values_checked.*,
        nullif(regexp_extract(value, '^([<>]=?)?\s*([0-9]+(\.[0-9]*)?|\.[0-9]+)$', 1), '') as value_qualifier,
        try_cast(regexp_extract(value, '^([<>]=?)?\s*([0-9]+(\.[0-9]*)?|\.[0-9]+)$', 2) as decimal(18, 4)) as reported_value,
        unit_conversions.standard_unit,
        unit_conversions.factor_to_standard
    from values_checked
    left join unit_conversions
        on values_checked.test = unit_conversions.test
        and values_checked.unit = unit_conversions.unit
),

values_converted as (
    select
        * replace (
            coalesce(value__issue, case when value is not null and reported_value is null then 'invalid_numeric' end) as value__issue,
            -- An unknown unit is the unit's problem, recorded against it; the
            -- value it makes unusable is set to missing below.
            case
                when unit__issue = 'invalid_encoding' then unit__issue
                when unit__raw is not null and unit is null then 'unknown_lab_unit'
                when test is not null and reported_value is not null and factor_to_standard is null then 'unknown_lab_unit'
            end as unit__issue
        ),
        reported_value * factor_to_standard as standard_value
    from values_parsed
),

rows_placed as (
    select
        values_converted.*,
        {{ optional_value_repairs(fields) }} as value_repairs,
        {{ event_placement(fields, 'sample_date') }}
    from values_converted
    left join patients using (patient_id)
    cross join extract_metadata
),

duplicates_found as (
    select
        source_row,
        min(source_row) over (partition by patient_id, sample_date, test, value, unit, value_repairs) as first_source_row_of_content
    from rows_placed
    where placement_issue is null
),

final as (
    select
        rows_placed.* exclude (placement_issue, placement_issue_column, placement_detail),
        case
            when placement_issue is not null then placement_issue
            when first_source_row_of_content < rows_placed.source_row then 'exact_duplicate'
        end as drop_reason,
        case when placement_issue is not null then placement_issue_column end as drop_column,
        case
            when placement_issue is not null then placement_detail
            when first_source_row_of_content < rows_placed.source_row
                then 'same content as source_row ' || first_source_row_of_content
        end as drop_detail
    from rows_placed
    left join duplicates_found using (source_row)
)

select * from final

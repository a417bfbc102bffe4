{#-
  labs.csv typed and checked, one row per well-formed raw record; nothing is
  removed here. Applies rules 1-3 of base_registry__labs (required fields,
  orphans, implausible dates) as `drop_reason`; the duplicate rule needs
  every row at once and comes after, in base_registry__labs_duplicates.
  `value_repairs`: the values set to missing (the value rules are listed in
  base_registry__labs).
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
        case
            -- (the qualifier has no decimal point: the whole text can be tested)
            when not {{ has_more_decimal_places_than_kept('value') }}
            then try_cast(regexp_extract(value, '^([<>]=?)?\s*([0-9]+(\.[0-9]*)?|\.[0-9]+)$', 2) as {{ kept_decimal_type() }})
        end as reported_value,
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
        {{ optional_value_repairs(fields, details={'value':
            "case when value__issue = 'invalid_numeric' and " ~ has_more_decimal_places_than_kept('value__raw')
            ~ " then 'more than " ~ kept_decimal_places() ~ " decimal places: cannot be kept exactly' end"}) }} as value_repairs,
        {{ event_placement(fields, 'sample_date') }}
    from values_converted
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
        value,
        unit,
        value_qualifier,
        reported_value,
        standard_value,
        standard_unit,
        value__issue,
        unit__issue,
        value_repairs,
        placement_issue as drop_reason,
        placement_issue_column as drop_column,
        placement_detail as drop_detail,
        {%- for c in ['patient_id', 'sample_date', 'value'] %}
        {{ raw_text_if_unusable(c) }} as {{ c }}__raw{{ ',' if not loop.last }}
        {%- endfor %}
    from rows_placed
)

select * from final

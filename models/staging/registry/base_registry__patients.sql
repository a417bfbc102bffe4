{#-
  patients.csv: every well-formed record typed, with the verdict of each rule
  that looks at one record; nothing is removed here (stg_registry__patients
  keeps what passes, audit.quarantine lists the rest and every repaired
  value). Values as the data dictionary says (seed extract_columns): a value
  of the wrong type or code, or with bytes that are not UTF-8, is set to
  missing and listed in value_repairs.

  - patient_id is required: an empty or undecodable one sets the record
    aside (drop_reason).
  - A patient's own dates that parse but cannot be true of this child are
    set to missing (`implausible_date`), the patient stays registered: a
    date of birth after the extract date (rule `not_after_extract`); any
    other of their dates after the extract date or, when the date of birth
    is usable, before it (rule `within_life`).
-#}
{{ config(post_hook="{{ describe_from_dictionary('patients.csv') }}") }}
{%- set columns = extract_columns('patients.csv') -%}
{%- set life_dates = columns | selectattr('rule', 'in', ['not_after_extract', 'within_life']) | list -%}
{{ dictionary_depends_on() }}

with

raw_patients as (
    select * from {{ ref('raw_registry__patients') }}
    where record_status = 'ok'
),

extract_metadata as (
    select extract_date from {{ ref('stg_registry__extract_metadata') }}
),

values_as_text as (
    select source_file, source_row, undecodable_columns, {{ texts(columns) }}
    from raw_patients
),

values_typed as (
    select *, {{ typed_columns(columns) }}
    from values_as_text
),

values_checked as (
    select *, {{ value_issues(columns) }}
    from values_typed
),

-- Dates that parse but cannot be true of this child: set to missing.
life_dates_checked as (
    select
        values_checked.* except (
            {%- for c in life_dates %}
            {{ c.staged_column }}, {{ c.staged_column }}__issue{{ ',' if not loop.last }}
            {%- endfor %}
        ),
        {%- for c in life_dates %}
        {%- set implausible -%}
            {{ c.staged_column }} > extract_metadata.extract_date
            {%- if c.rule == 'within_life' %}
            or ({{ c.staged_column }} < date_of_birth and date_of_birth <= extract_metadata.extract_date)
            {%- endif %}
        {%- endset %}
        case when {{ implausible }} then null else {{ c.staged_column }} end as {{ c.staged_column }},
        coalesce({{ c.staged_column }}__issue, case when {{ implausible }} then 'implausible_date' end)
            as {{ c.staged_column }}__issue{{ ',' if not loop.last }}
        {%- endfor %}
    from values_checked
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
        {{ required_issue(columns) }} as drop_reason,
        {{ required_issue_column(columns) }} as drop_column,
        {{ required_issue_text(columns) }} as drop_raw_value,
        cast(null as {{ dbt.type_string() }}) as drop_detail
    from life_dates_checked
)

select * from final

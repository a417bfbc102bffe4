{#-
  Every study parameter (dbt var) that names a code or a label, one row per
  value, with the code list it must come from and whether it is there. A
  misspelt value would otherwise quietly find nobody (a misspelt
  eligible diagnosis excludes everyone at step 3): the test on is_known
  stops the build instead, naming the parameter and the value.
  Codes are matched exactly, as they are spelt in their seed.
-#}
{%- set overrides = var('timepoint_window_overrides') or {} -%}

with

drug_dictionary as (
    select drug as code from {{ ref('drug_dictionary') }}
),

routes as (
    select distinct code from {{ ref('code_spellings') }} where code_field = 'route'
),

diagnoses as (
    select diagnosis as code from {{ ref('diagnosis_labels') }}
),

timepoints as (
    select timepoint as code from {{ ref('timepoint_windows') }}
),

parameter_values as (
    select 'exposure_drug' as parameter, {{ sql_text(var('exposure_drug')) }} as value, 'drug_dictionary.drug' as code_list
    union all
    select 'exposure_route', {{ sql_text(var('exposure_route')) }}, 'code_spellings.code (route)'
    union all
    select 'steroid_route', {{ sql_text(var('steroid_route')) }}, 'code_spellings.code (route)'
    {%- for diagnosis in var('eligible_diagnoses') %}
    union all
    select 'eligible_diagnoses', {{ sql_text(diagnosis) }}, 'diagnosis_labels.diagnosis'
    {%- endfor %}
    {%- for timepoint in overrides %}
    union all
    select 'timepoint_window_overrides', {{ sql_text(timepoint) }}, 'timepoint_windows.timepoint'
    {%- endfor %}
    {%- for timepoint in var('response_timepoints') %}
    union all
    select 'response_timepoints', {{ sql_text(timepoint) }}, 'timepoint_windows.timepoint'
    {%- endfor %}
),

final as (
    select
        parameter,
        value,
        code_list,
        case code_list
            when 'drug_dictionary.drug' then value in (select code from drug_dictionary)
            when 'code_spellings.code (route)' then value in (select code from routes)
            when 'diagnosis_labels.diagnosis' then value in (select code from diagnoses)
            when 'timepoint_windows.timepoint' then value in (select code from timepoints)
        end as is_known
    from parameter_values
)

select * from final

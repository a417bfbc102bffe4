{#-
  The protocol parameters this build ran with, one row, from the vars in
  dbt_project.yml (override with `dbt build --vars '{...}'`). Every study
  model reads them from here, so the values a result was computed with are
  on record (marts.study_parameters) and checked before anything uses them
  (a misspelt drug, route or diagnosis fails the build instead of quietly
  finding nobody).
-#}
-- The parameters that name codes are checked first (int_study_parameter_codes):
-- its test failing skips this model and so every study model after it.
-- depends_on: {{ ref('int_study_parameter_codes') }}
with

parameters as (
    select
        {{ sql_text(var('exposure_drug')) }} as exposure_drug,
        {{ sql_text(var('exposure_route')) }} as exposure_route,
        cast({{ sql_text(var('study_period_start')) }} as date) as study_period_start,
        cast({{ sql_text(var('study_period_end')) }} as date) as study_period_end,
        {{ sql_text(var('eligible_diagnoses') | join('; ')) }} as eligible_diagnoses,
        cast({{ var('min_follow_up_days') }} as integer) as min_follow_up_days,
        cast({{ var('muscle_weakness_cmas_below') }} as integer) as muscle_weakness_cmas_below,
        {{ sql_text(var('steroid_route')) }} as steroid_route,
        {{ sql_text(var('response_timepoints') | join('; ')) }} as response_timepoints,
        cast({{ var('inactive_disease_lab_tolerance_days') }} as integer) as inactive_disease_lab_tolerance_days,
        cast({{ var('person_time_carry_forward_days') }} as integer) as person_time_carry_forward_days,
        cast({{ var('msm_started_more_than_months') }} as integer) as msm_started_more_than_months,
        {{ sql_text(var('trajectory_measures') | join('; ')) }} as trajectory_measures,
        cast({{ var('trajectory_first_day') }} as integer) as trajectory_first_day,
        cast({{ var('trajectory_last_day') }} as integer) as trajectory_last_day
)

select * from parameters

{#-
  The protocol parameters this build ran with, one row, from the vars in
  dbt_project.yml (override with `dbt build --vars '{...}'`). Every study
  model reads them from here, so the values a result was computed with are
  on record (marts.study_parameters) and checked before anything uses them
  (tests in _study__models.yml: a misspelt drug or route fails the build
  instead of quietly finding nobody).
-#}
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
        {{ sql_text(var('steroid_route')) }} as steroid_route
)

select * from parameters

{#-
  Every recorded value of the trajectory measures (CMAS, physician global
  VAS, DAS skin) of the all_treated patients from 30 days before the index
  date to 24 months (day 730) after it: the data of the mixed-effects
  trajectories (jdm.trajectories), every visit rather than the windowed
  ones. One row per patient x measure x visit with the measure.
-#}
with

observations as (
    select * from {{ ref('int_outcome_observations') }}
),

analysis_sets as (
    select * from {{ ref('int_cohort_analysis_sets') }}
),

final as (
    select
        observations.patient_id,
        observations.measure,
        observations.observation_date,
        observations.study_day,
        observations.value,
        analysis_sets.in_completers,
        analysis_sets.in_all_treated
    from observations
    inner join analysis_sets using (patient_id)
    where analysis_sets.in_all_treated
        and observations.measure in ('cmas', 'physician_global_vas', 'das_skin')
        and observations.study_day between -30 and 730
)

select * from final

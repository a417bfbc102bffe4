{#-
  Every recorded value of the trajectory measures (var trajectory_measures:
  CMAS, physician global VAS, DAS skin) of the all_treated patients from
  day trajectory_first_day (-30) to day trajectory_last_day (730, 24
  months) after the index date: the data of the mixed-effects trajectories
  (jdm.study.trajectories), every visit rather than the windowed ones. One
  row per patient x measure x visit with the measure.
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
        and observations.measure in (
            {%- for measure in var('trajectory_measures') %}{{ sql_text(measure) }}{{ ', ' if not loop.last }}{% endfor -%})
        and observations.study_day between {{ var('trajectory_first_day') | int }} and {{ var('trajectory_last_day') | int }}
)

select * from final

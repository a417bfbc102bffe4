{#-
  The oral prednisolone-equivalent steroid dose (mg/kg/day) of each
  all_treated patient on each evaluation day (int_steroid_evaluation_days);
  the rule is in macros/steroid_dose.sql. A day whose dose is unknown keeps
  its row, with the dose missing and the reason.
-#}
with

evaluation_days as (
    select * from {{ ref('int_steroid_evaluation_days') }}
),

doses as (
    select * from {{ steroid_doses_on_days(
        ref('int_steroid_evaluation_days'),
        ref('int_steroid_episodes'),
        ref('stg_registry__visits')) }} as doses
),

final as (
    select
        evaluation_days.patient_id,
        evaluation_days.timepoint,
        evaluation_days.evaluation_date,
        doses.dose_mg_kg_day,
        doses.dose_unknown_reason,
        doses.active_episode_count,
        doses.active_medication_ids,
        doses.weight_kg,
        doses.weight_date,
        doses.height_cm,
        doses.height_date
    from evaluation_days
    inner join doses using (patient_id, evaluation_date)
)

select * from final

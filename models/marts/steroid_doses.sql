{#-
  The oral steroid dose (mg/kg/day) of each all_treated patient on each
  evaluation day, one row per patient and timepoint, known or not (rule:
  macros/steroid_dose.sql, via int_steroid_doses_evaluated).
  outcome_timepoints carries the known doses only; this mart shows the
  unknown ones too, with the reason, so that a missing dose is visible.
-#}
with

doses as (
    select * from {{ ref('int_steroid_doses_evaluated') }}
),

patients as (
    select patient_id, in_completers, in_all_treated from {{ ref('patients') }}
),

final as (
    select
        doses.patient_id,
        doses.timepoint,
        doses.evaluation_date,
        doses.dose_mg_kg_day,
        doses.dose_mg_kg_day is null as is_dose_unknown,
        doses.dose_unknown_reason,
        doses.active_episode_count,
        doses.active_medication_ids,
        doses.weight_kg,
        doses.weight_date,
        doses.height_cm,
        doses.height_date,
        patients.in_completers,
        patients.in_all_treated
    from doses
    inner join patients using (patient_id)
)

select * from final

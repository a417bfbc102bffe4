{#-
  Time to off steroids, one row per all_treated patient, ready for a
  Kaplan-Meier estimate over the patients with
  is_in_time_to_off_steroids_analysis (on oral steroids at baseline, with
  follow-up): time = days_to_off_steroids_or_censoring, event =
  is_off_steroids (false: censored, censoring_reason says why). Rule:
  int_steroid_discontinuation.
-#}
with

discontinuation as (
    select * from {{ ref('int_steroid_discontinuation') }}
),

patients as (
    select patient_id, in_completers, in_all_treated from {{ ref('patients') }}
),

final as (
    select
        discontinuation.patient_id,
        discontinuation.index_date,
        discontinuation.last_visit_date,
        discontinuation.is_on_steroids_at_baseline,
        discontinuation.is_in_time_to_off_steroids_analysis,
        discontinuation.last_steroid_date,
        discontinuation.first_unknown_dose_date,
        discontinuation.off_steroids_date,
        discontinuation.censoring_date,
        discontinuation.censoring_reason,
        discontinuation.is_off_steroids,
        discontinuation.days_to_off_steroids_or_censoring,
        patients.in_completers,
        patients.in_all_treated
    from discontinuation
    inner join patients using (patient_id)
)

select * from final

{#-
  Time to off steroids, one row per all_treated patient, ready for a
  Kaplan-Meier estimate: time = days_to_off_steroids_or_censoring, event =
  is_off_steroids (false: censored at the last visit). Rule:
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
        discontinuation.is_on_steroids_at_index,
        discontinuation.last_steroid_date,
        discontinuation.off_steroids_date,
        discontinuation.is_off_steroids,
        discontinuation.days_to_off_steroids_or_censoring,
        patients.in_completers,
        patients.in_all_treated
    from discontinuation
    inner join patients using (patient_id)
)

select * from final

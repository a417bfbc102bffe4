{#-
  The eligibility flow (STROBE / OHDSI attrition): one row per step of seed
  eligibility_steps and reason it excludes for (seed exclusion_reasons), in
  order; step 1 (registered, the denominator) has one row and no reason.
  Each excluded patient counts once, at the first step they failed, under
  that step's reason (marts.patients).
  - patients_excluded: excluded at this step for this reason;
  - patients_excluded_at_step: excluded at this step, all reasons;
  - patients_remaining: left after the whole step (the same on each reason
    row of a step) = patients_remaining of the step before -
    patients_excluded_at_step.
-#}
with

patients as (
    select * from {{ ref('patients') }}
),

eligibility_steps as (
    select * from {{ ref('eligibility_steps') }}
),

exclusion_reasons as (
    select * from {{ ref('exclusion_reasons') }}
),

excluded_per_reason as (
    select exclusion_step_number as step_number, exclusion_reason, count(*) as patients_excluded
    from patients
    where exclusion_step_number is not null
    group by exclusion_step_number, exclusion_reason
),

excluded_per_step as (
    select
        eligibility_steps.step_number,
        coalesce(sum(excluded_per_reason.patients_excluded), 0) as patients_excluded_at_step
    from eligibility_steps
    left join excluded_per_reason using (step_number)
    group by eligibility_steps.step_number
),

steps_remaining as (
    select
        step_number,
        patients_excluded_at_step,
        (select count(*) from patients)
            - sum(patients_excluded_at_step) over (order by step_number
                rows between unbounded preceding and current row) as patients_remaining
    from excluded_per_step
),

final as (
    select
        eligibility_steps.step_number,
        eligibility_steps.step,
        eligibility_steps.step_description,
        exclusion_reasons.reason_order as exclusion_reason_order,
        exclusion_reasons.exclusion_reason,
        exclusion_reasons.reason_label as exclusion_reason_label,
        exclusion_reasons.reason_description as exclusion_reason_description,
        cast(coalesce(excluded_per_reason.patients_excluded, 0) as bigint) as patients_excluded,
        cast(steps_remaining.patients_excluded_at_step as bigint) as patients_excluded_at_step,
        cast(steps_remaining.patients_remaining as bigint) as patients_remaining
    from eligibility_steps
    inner join steps_remaining using (step_number)
    left join exclusion_reasons using (step)
    left join excluded_per_reason
        on eligibility_steps.step_number = excluded_per_reason.step_number
        and exclusion_reasons.exclusion_reason = excluded_per_reason.exclusion_reason
)

select * from final

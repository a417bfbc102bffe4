{#-
  The eligibility flow (STROBE / OHDSI attrition): one row per step of seed
  eligibility_steps, in order, with the patients left after the step and
  the patients it excluded (each excluded patient counts once, at the
  first step they failed). Step 1 is the denominator: registered patients.
  patients_remaining of a step = patients_remaining of the step before -
  patients_excluded.
-#}
with

patients as (
    select * from {{ ref('patients') }}
),

eligibility_steps as (
    select * from {{ ref('eligibility_steps') }}
),

excluded_per_step as (
    select exclusion_step_number as step_number, count(*) as patients_excluded
    from patients
    where exclusion_step_number is not null
    group by exclusion_step_number
),

steps_counted as (
    select
        eligibility_steps.step_number,
        eligibility_steps.step,
        eligibility_steps.step_description,
        coalesce(excluded_per_step.patients_excluded, 0) as patients_excluded,
        eligibility_steps.exclusion_reason
    from eligibility_steps
    left join excluded_per_step using (step_number)
),

final as (
    select
        steps_counted.step_number,
        steps_counted.step,
        steps_counted.step_description,
        cast((select count(*) from patients)
            - sum(steps_counted.patients_excluded) over (order by steps_counted.step_number
                rows between unbounded preceding and current row) as bigint) as patients_remaining,
        steps_counted.patients_excluded,
        steps_counted.exclusion_reason
    from steps_counted
)

select * from final

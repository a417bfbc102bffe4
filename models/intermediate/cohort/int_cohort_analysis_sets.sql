{#-
  The analysed cohort: one row per registered patient with the first
  eligibility step they failed and its reason (none: eligible) and the
  analysis sets.
  - in_completers: passes all steps (the published abstract's cohort).
  - in_all_treated: passes the steps up to and including eligible_diagnosis
    (exposed in the study period with an eligible diagnosis), analysed with
    whatever timepoints they have (the follow-up paper's cohort).
-#}
with

patients as (
    select patient_id from {{ ref('int_patients_characterised') }}
),

exclusions as (
    select * from {{ ref('int_cohort_exclusions') }}
),

eligibility_steps as (
    select * from {{ ref('eligibility_steps') }}
),

all_treated_last_step as (
    select step_number from eligibility_steps where step = 'eligible_diagnosis'
),

-- A patient fails a step for one reason: the first failed step's reason.
first_exclusions as (
    select
        patient_id,
        min(step_number) as exclusion_step_number,
        {{ arg_min_by('exclusion_reason', ['step_number']) }} as exclusion_reason
    from exclusions
    group by patient_id
),

final as (
    select
        patients.patient_id,
        first_exclusions.exclusion_step_number,
        eligibility_steps.step as exclusion_step,
        first_exclusions.exclusion_reason,
        first_exclusions.patient_id is null as in_completers,
        coalesce(first_exclusions.exclusion_step_number > all_treated_last_step.step_number, true) as in_all_treated
    from patients
    left join first_exclusions using (patient_id)
    left join eligibility_steps on first_exclusions.exclusion_step_number = eligibility_steps.step_number
    cross join all_treated_last_step
)

select * from final

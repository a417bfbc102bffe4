{#-
  The eligibility rules (protocol, "Eligibility"), one row per patient and
  rule the patient fails; a patient may fail several. The first failed step
  decides the exclusion (int_cohort_analysis_sets). Reason codes and step
  names come from seed eligibility_steps; thresholds from the vars via
  int_study_parameters.

  Step 1 (registered) excludes nobody: the denominator is the staged
  patients. Patients set aside in staging are in audit.quarantine.
-#}
with

patients as (
    select * from {{ ref('int_patients_characterised') }}
),

parameters as (
    select * from {{ ref('int_study_parameters') }}
),

eligibility_steps as (
    select * from {{ ref('eligibility_steps') }}
),

rules_failed as (
    select patient_id, 'exposed_in_study_period' as step
    from patients
    where not is_exposed_in_study_period

    union all
    select patient_id, 'eligible_diagnosis' as step
    from patients
    where not has_eligible_diagnosis

    union all
    select patient_id, 'baseline_assessment' as step
    from patients
    where baseline_assessment_date is null

    union all
    select patients.patient_id, 'minimum_follow_up' as step
    from patients
    cross join parameters
    where patients.follow_up_days is null
        or patients.follow_up_days < parameters.min_follow_up_days
),

final as (
    select
        rules_failed.patient_id,
        eligibility_steps.step_number,
        rules_failed.step,
        eligibility_steps.exclusion_reason
    from rules_failed
    inner join eligibility_steps using (step)
)

select * from final

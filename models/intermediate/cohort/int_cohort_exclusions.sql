{#-
  The eligibility rules (protocol, "Eligibility"), one row per patient and
  rule the patient fails, with the reason; a patient may fail several
  rules, each for one reason. The first failed step decides the exclusion
  (int_cohort_analysis_sets). Step names come from seed eligibility_steps,
  reason codes from seed exclusion_reasons (tested: every reason here is
  there); thresholds from the vars via int_study_parameters.

  Step 1 (registered) excludes nobody: the denominator is the staged
  patients. Patients set aside in staging are in audit.quarantine. Step 2
  fails either because the first-ever exposure date is uncertain
  (`exposure_date_uncertain`: a record that cannot be placed; the patient
  has no index date) or because it is not in the study period.
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
    select
        patient_id,
        'exposed_in_study_period' as step,
        case
            when is_first_exposure_uncertain then 'exposure_date_uncertain'
            else 'not_exposed_in_study_period'
        end as exclusion_reason
    from patients
    where not is_exposed_in_study_period

    union all
    select patient_id, 'eligible_diagnosis' as step, 'ineligible_diagnosis' as exclusion_reason
    from patients
    where not has_eligible_diagnosis

    union all
    select patient_id, 'baseline_assessment' as step, 'no_baseline_assessment' as exclusion_reason
    from patients
    where baseline_assessment_date is null

    union all
    select patients.patient_id, 'minimum_follow_up' as step, 'insufficient_follow_up' as exclusion_reason
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
        rules_failed.exclusion_reason
    from rules_failed
    inner join eligibility_steps using (step)
)

select * from final

{#-
  One row per registered patient: demographics, diagnosis, exposure and
  index date, the baseline facts the study reports, eligibility (first
  failed step and reason) and analysis-set membership.
-#}
with

patients as (
    select * from {{ ref('int_patients_characterised') }}
),

analysis_sets as (
    select * from {{ ref('int_cohort_analysis_sets') }}
),

diagnosis_groups as (
    select * from {{ ref('diagnosis_groups') }}
),

parameters as (
    select * from {{ ref('int_study_parameters') }}
),

baseline_cmas as (
    select patient_id, value as baseline_cmas
    from {{ ref('int_outcomes_windowed') }}
    where measure = 'cmas' and timepoint = 'baseline'
),

final as (
    select
        patients.patient_id,
        patients.sex,
        patients.date_of_birth,
        patients.ethnicity,
        patients.diagnosis,
        diagnosis_groups.diagnosis_group,
        patients.symptom_onset_date,
        patients.diagnosis_date,
        patients.recruitment_date,
        patients.withdrawal_date,
        patients.death_date,
        patients.first_exposure_date,
        patients.first_exposure_medication_id,
        patients.first_exposure_indications,
        patients.exposure_dose_count,
        patients.is_first_exposure_uncertain,
        patients.exposure_uncertainty,
        patients.is_exposed_in_study_period,
        patients.index_date,
        cast(round({{ days_between('patients.date_of_birth', 'patients.index_date') }} / 365.25, 1)
            as decimal(5, 1)) as age_at_index_years,
        cast(round({{ days_between('patients.symptom_onset_date', 'patients.index_date') }} / 30.4375, 1)
            as decimal(7, 1)) as months_from_symptom_onset_to_index,
        cast(round({{ days_between('patients.diagnosis_date', 'patients.index_date') }} / 30.4375, 1)
            as decimal(7, 1)) as months_from_diagnosis_to_index,
        patients.baseline_assessment_date,
        patients.last_visit_date,
        patients.follow_up_days,
        baseline_cmas.baseline_cmas,
        baseline_cmas.baseline_cmas < parameters.muscle_weakness_cmas_below as has_muscle_weakness_at_baseline,
        patients.has_eligible_diagnosis,
        analysis_sets.exclusion_step_number,
        analysis_sets.exclusion_step,
        analysis_sets.exclusion_reason,
        analysis_sets.in_completers,
        analysis_sets.in_all_treated
    from patients
    inner join analysis_sets using (patient_id)
    left join diagnosis_groups on patients.diagnosis = diagnosis_groups.diagnosis
    left join baseline_cmas using (patient_id)
    cross join parameters
)

select * from final

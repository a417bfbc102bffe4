{#-
  The cohort denominator: every registered patient (patients.csv after
  staging), with the facts the eligibility rules need:
  - exposure (int_patients_exposed): first-ever dose, whether it is
    uncertain, and the index date;
  - diagnosis, and whether it is among the var `eligible_diagnoses`;
  - the baseline assessment: the visit inside the baseline window nearest
    the index date (ties: the earlier) that records at least one measure
    marked `is_baseline_assessment` in seed outcome_measures;
  - the last visit (any staged visit; lab samples and medication dates are
    not follow-up) and the days from index date to it.
-#}
with

patients as (
    select * from {{ ref('stg_registry__patients') }}
),

visits as (
    select * from {{ ref('stg_registry__visits') }}
),

patients_exposed as (
    select * from {{ ref('int_patients_exposed') }}
),

observations as (
    select * from {{ ref('int_outcome_observations') }}
),

outcome_measures as (
    select * from {{ ref('outcome_measures') }}
),

timepoint_windows as (
    select * from {{ ref('int_timepoint_windows') }}
),

baseline_window as (
    select target_day, window_low_day, window_high_day
    from timepoint_windows
    where timepoint = 'baseline'
),

baseline_assessments as (
    select
        observations.patient_id,
        {{ arg_min_by('observations.observation_date', [
            'abs(observations.study_day - baseline_window.target_day)',
            'observations.study_day']) }} as baseline_assessment_date
    from observations
    inner join outcome_measures
        on observations.measure = outcome_measures.measure
        and outcome_measures.is_baseline_assessment
    cross join baseline_window
    where observations.study_day between baseline_window.window_low_day and baseline_window.window_high_day
    group by observations.patient_id
),

last_visits as (
    select patient_id, max(visit_date) as last_visit_date
    from visits
    group by patient_id
),

final as (
    select
        patients.patient_id,
        patients.sex,
        patients.date_of_birth,
        patients.ethnicity,
        patients.symptom_onset_date,
        patients.diagnosis_date,
        patients.diagnosis,
        coalesce(patients.diagnosis in (
            {%- for diagnosis in var('eligible_diagnoses') %}
            {{ sql_text(diagnosis) }}{{ ',' if not loop.last }}
            {%- endfor %}
        ), false) as has_eligible_diagnosis,
        patients.recruitment_date,
        patients.withdrawal_date,
        patients.death_date,
        patients_exposed.first_exposure_date,
        patients_exposed.first_exposure_medication_id,
        patients_exposed.first_exposure_indications,
        patients_exposed.exposure_dose_count,
        coalesce(patients_exposed.is_first_exposure_uncertain, false) as is_first_exposure_uncertain,
        patients_exposed.exposure_uncertainty,
        coalesce(patients_exposed.is_first_exposure_in_study_period, false) as is_exposed_in_study_period,
        patients_exposed.index_date,
        baseline_assessments.baseline_assessment_date,
        last_visits.last_visit_date,
        cast({{ days_between("patients_exposed.index_date", "last_visits.last_visit_date") }} as integer) as follow_up_days
    from patients
    left join patients_exposed using (patient_id)
    left join baseline_assessments using (patient_id)
    left join last_visits using (patient_id)
)

select * from final

{{ config(meta={'kahn_category': 'completeness', 'check_scope': 'logic'}) }}
-- Every patient with person-time has months 0 to the month of the last
-- visit in marts.person_months, each once: the activity runs of each
-- patient start at month 0, end at its last month and are together as
-- long as that range (with the mart's unique (patient_id, month_number)
-- test, no month is then missing or repeated). Both ways: a patient
-- without runs fails, and so does a run outside the patient's months.
with

patients as (
    select patient_id, last_month_number from {{ ref('int_person_time_patients') }}
),

runs_per_patient as (
    select
        patient_id,
        min(from_month_number) as first_month_number,
        max(through_month_number) as last_month_number,
        sum(through_month_number - from_month_number + 1) as months_in_runs
    from {{ ref('int_person_time_activity_runs') }}
    group by patient_id
),

compared as (
    select
        coalesce(patients.patient_id, runs_per_patient.patient_id) as patient_id,
        patients.last_month_number as patient_last_month_number,
        runs_per_patient.first_month_number,
        runs_per_patient.last_month_number,
        runs_per_patient.months_in_runs
    from patients
    full outer join runs_per_patient on patients.patient_id = runs_per_patient.patient_id
)

select *
from compared
where patient_last_month_number is null
    or first_month_number is null
    or first_month_number <> 0
    or last_month_number <> patient_last_month_number
    or months_in_runs <> patient_last_month_number + 1

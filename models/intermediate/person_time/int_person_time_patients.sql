{#-
  The patients with monthly person-time (the marginal structural model's
  data, ../shared/study-protocol.md "Extended analyses"): one row per
  registered patient with the months they are followed, the month their
  treatment starts and the baseline covariates. int_person_months repeats
  each row once per month.

  - Time origin: the diagnosis date (the registry records visits from
    diagnosis, also for children recruited later). A month is 30.4375 days
    (macros/person_time.sql). A patient without a readable diagnosis date,
    or with no visit on or after it, has no person-time.
  - End of follow-up: the month of the last visit (visits only, as the
    protocol's follow-up; withdrawal, death and the extract date end it no
    later, since no visit follows them).
  - Treatment: the first-ever dose of the exposure drug by the exposure
    route (vars exposure_drug, exposure_route; int_patients_exposed), in
    or out of the study period: the model compares treated and untreated
    time over the whole cohort. A patient whose first-ever dose is
    uncertain (a record of the drug that cannot be placed) has no
    person-time: which months were treated cannot be told.
  - Baseline covariates: sex, age at diagnosis (years), disease duration at
    diagnosis (months from symptom onset to diagnosis; missing when either
    date is).
-#}
with

patients as (
    select * from {{ ref('stg_registry__patients') }}
),

-- The last visit as the cohort models have it (one place for follow-up).
patients_characterised as (
    select patient_id, last_visit_date from {{ ref('int_patients_characterised') }}
),

exposures as (
    select * from {{ ref('int_patients_exposed') }}
),

patients_followed as (
    select
        patients.patient_id,
        patients.sex,
        patients.date_of_birth,
        patients.symptom_onset_date,
        patients.diagnosis_date,
        patients_characterised.last_visit_date,
        exposures.first_exposure_date as treatment_start_date
    from patients
    inner join patients_characterised using (patient_id)
    left join exposures using (patient_id)
    where patients.diagnosis_date is not null
        and patients_characterised.last_visit_date >= patients.diagnosis_date
        and not coalesce(exposures.is_first_exposure_uncertain, false)
),

final as (
    select
        patient_id,
        diagnosis_date,
        last_visit_date,
        {{ month_of_day(days_between('diagnosis_date', 'last_visit_date')) }} as last_month_number,
        treatment_start_date,
        {{ month_of_day(days_between('diagnosis_date', 'treatment_start_date')) }} as treatment_start_month_number,
        sex,
        -- In double from the start: Spark divides an integer by a decimal
        -- literal in decimal arithmetic, rounding to 6 places.
        cast({{ days_between('date_of_birth', 'diagnosis_date') }} as double) / 365.25 as age_at_diagnosis_years,
        cast({{ days_between('symptom_onset_date', 'diagnosis_date') }} as double) / 30.4375
            as disease_duration_at_diagnosis_months
    from patients_followed
)

select * from final

{#-
  Monthly person-time of the whole registry (the marginal structural
  model's data, ../shared/study-protocol.md "Extended analyses"): one row
  per registered patient x month, from the month of diagnosis (month 0) to
  the month of the patient's last visit, with the patient's treatment
  status that month and the baseline covariates.

  - Time origin: the diagnosis date (the registry records visits from
    diagnosis, also for children recruited later). A month is 30.4375 days
    (macros/person_time.sql). A patient without a readable diagnosis date,
    or with no visit on or after it, has no person-time.
  - End of follow-up: the last visit (visits only, as the protocol's
    follow-up; withdrawal, death and the extract date end it no later,
    since no visit follows them).
  - Treatment: the first-ever dose of the exposure drug by the exposure
    route (vars exposure_drug, exposure_route; int_patients_exposed), in
    or out of the study period: the model compares treated and untreated
    time over the whole cohort. A patient whose first-ever dose is
    uncertain (a record of the drug that cannot be placed) has no
    person-time: which months were treated cannot be told.
  - Status per month: not yet started (months before the month of the
    first dose, and every month of a never-treated patient), or started,
    with months_since_treatment_start = month - the month of the first dose
    (0 in that month).
  - Baseline covariates: sex, age at diagnosis (years), disease duration at
    diagnosis (months from symptom onset to diagnosis; missing when either
    date is).

  Set-based: each patient row is repeated once per month
  (macros/portable_sql.sql repeat_for_range), no window functions.
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
        exposures.first_exposure_date as treatment_start_date,
        {{ month_of_day(days_between('patients.diagnosis_date', 'patients_characterised.last_visit_date')) }} as last_month_number,
        {{ month_of_day(days_between('patients.diagnosis_date', 'exposures.first_exposure_date')) }}
            as treatment_start_month_number
    from patients
    inner join patients_characterised using (patient_id)
    left join exposures using (patient_id)
    where patients.diagnosis_date is not null
        and patients_characterised.last_visit_date >= patients.diagnosis_date
        and not coalesce(exposures.is_first_exposure_uncertain, false)
),

patient_months as (
    select patients_followed.*, month_number
    from patients_followed
    {{ repeat_for_range('0', 'last_month_number', 'month_number') }}
),

final as (
    select
        patient_id,
        cast(month_number as integer) as month_number,
        {{ add_days('diagnosis_date', month_start_day('month_number')) }} as month_start_date,
        {{ add_days('diagnosis_date', month_start_day('month_number + 1') ~ ' - 1') }} as month_end_date,
        diagnosis_date,
        last_visit_date,
        treatment_start_date,
        treatment_start_month_number,
        coalesce(month_number >= treatment_start_month_number, false) as has_started_treatment,
        case when month_number >= treatment_start_month_number
            then cast(month_number - treatment_start_month_number as integer) end as months_since_treatment_start,
        sex,
        -- In double from the start: Spark divides an integer by a decimal
        -- literal in decimal arithmetic, rounding to 6 places.
        cast({{ days_between('date_of_birth', 'diagnosis_date') }} as double) / 365.25 as age_at_diagnosis_years,
        cast({{ days_between('symptom_onset_date', 'diagnosis_date') }} as double) / 30.4375
            as disease_duration_at_diagnosis_months
    from patient_months
)

select * from final

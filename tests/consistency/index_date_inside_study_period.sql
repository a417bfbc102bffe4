{{ config(meta={'kahn_category': 'plausibility', 'check_scope': 'logic'}) }}
-- The index date recomputed from the staged medications with the
-- protocol's words, and compared with marts.patients both ways: the
-- first-ever dose of the exposure drug by the exposure route, unless a
-- record of the drug cannot be placed before or after it (start date
-- unreadable with that route or an unknown one; or route unknown and dated
-- on or before it), and only when inside the study period. A patient
-- whose index date differs, who has one and should not, or should and has
-- not, fails; so does an uncertainty flag or exclusion reason that
-- disagrees.
with

parameters as (
    select * from {{ ref('int_study_parameters') }}
),

records as (
    select medications.patient_id, medications.route, medications.start_date
    from {{ ref('stg_registry__medications') }} as medications
    cross join parameters
    where medications.drug = parameters.exposure_drug
),

first_doses as (
    select patient_id, min(start_date) as first_dose_date
    from records
    cross join parameters
    where records.route = parameters.exposure_route
    group by patient_id
),

unplaceable as (
    select distinct records.patient_id
    from records
    left join first_doses using (patient_id)
    where records.route is null
        and (first_doses.first_dose_date is null or records.start_date <= first_doses.first_dose_date)
    union
    select distinct undated.patient_id
    from {{ ref('stg_registry__undated_medications') }} as undated
    cross join parameters
    where undated.drug = parameters.exposure_drug
        and (undated.route = parameters.exposure_route or undated.route is null)
),

expected as (
    select
        patients.patient_id,
        unplaceable.patient_id is not null as is_uncertain,
        case
            when unplaceable.patient_id is null
                and first_doses.first_dose_date between parameters.study_period_start and parameters.study_period_end
            then first_doses.first_dose_date
        end as index_date
    from {{ ref('stg_registry__patients') }} as patients
    left join first_doses using (patient_id)
    left join unplaceable using (patient_id)
    cross join parameters
)

select
    coalesce(patients.patient_id, expected.patient_id) as patient_id,
    patients.index_date,
    expected.index_date as expected_index_date,
    patients.is_first_exposure_uncertain,
    expected.is_uncertain as expected_uncertain,
    patients.exclusion_reason
from {{ ref('patients') }} as patients
full outer join expected using (patient_id)
where patients.patient_id is null
    or expected.patient_id is null
    or patients.index_date is distinct from expected.index_date
    or patients.is_first_exposure_uncertain <> expected.is_uncertain
    or (patients.exclusion_reason = 'exposure_date_uncertain') <> expected.is_uncertain

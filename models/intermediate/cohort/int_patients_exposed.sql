{#-
  Exposure: one row per patient with a record of the exposure drug (var
  exposure_drug) that is, or may be, by the exposure route (var
  exposure_route), with the first-ever dose and the index date.

  - The candidate first-ever dose is the earliest staged record by the
    exposure route (a same-day tie takes the first record in
    medications.csv). Doses by any other known route (oral
    cyclophosphamide) do not count.
  - The first-ever dose is uncertain (protocol, "Uncertain first exposure")
    when a record of the drug cannot be placed before or after the
    candidate: its start_date could not be read (stg_registry__undated_-
    medications) and its route is the exposure route or unknown; or its
    route is unknown and it is dated on or before the candidate. With no
    candidate at all, any such record makes it uncertain: it may be the
    first-ever dose.
  - The index date is the candidate when it falls inside the study period
    and is certain. A first dose before the period makes the patient
    unexposed in it even if later doses fall inside (protocol:
    "first-ever dose").
-#}
with

medications as (
    select * from {{ ref('stg_registry__medications') }}
),

undated_medications as (
    select * from {{ ref('stg_registry__undated_medications') }}
),

parameters as (
    select * from {{ ref('int_study_parameters') }}
),

-- Staged records of the drug by the exposure route or by an unknown route.
exposure_records as (
    select medications.*
    from medications
    inner join parameters
        on medications.drug = parameters.exposure_drug
        and (medications.route = parameters.exposure_route or medications.route is null)
),

first_exposure_doses as (
    select
        patient_id,
        min(start_date) as first_exposure_date,
        {{ arg_min_by('medication_id', ['start_date', 'source_row']) }} as first_exposure_medication_id,
        {{ arg_min_by(join_list('indications', ';'), ['start_date', 'source_row']) }} as first_exposure_indications,
        count(*) as exposure_dose_count
    from exposure_records
    where route is not null
    group by patient_id
),

-- Records that may be a dose by the exposure route but cannot be placed
-- after the candidate first dose.
unplaceable_records as (
    select
        exposure_records.patient_id,
        exposure_records.source_row,
        'route unknown, start_date ' || exposure_records.start_date as uncertainty
    from exposure_records
    left join first_exposure_doses using (patient_id)
    where exposure_records.route is null
        and (first_exposure_doses.first_exposure_date is null
            or exposure_records.start_date <= first_exposure_doses.first_exposure_date)

    union all

    select
        undated_medications.patient_id,
        undated_medications.source_row,
        'start_date unreadable (' || coalesce('''' || undated_medications.start_date_text || '''', 'empty') || ')'
            || case when undated_medications.route is null then ', route unknown' else '' end as uncertainty
    from undated_medications
    inner join parameters
        on undated_medications.drug = parameters.exposure_drug
        and (undated_medications.route = parameters.exposure_route or undated_medications.route is null)
),

uncertain_exposures as (
    select
        patient_id,
        {{ ordered_string_agg("'medications.csv row ' || source_row || ': ' || uncertainty", ['source_row'], '; ') }}
            as exposure_uncertainty
    from unplaceable_records
    group by patient_id
),

exposed_patients as (
    select patient_id from first_exposure_doses
    union
    select patient_id from uncertain_exposures
),

final as (
    select
        exposed_patients.patient_id,
        first_exposure_doses.first_exposure_date,
        first_exposure_doses.first_exposure_medication_id,
        nullif(first_exposure_doses.first_exposure_indications, '') as first_exposure_indications,
        coalesce(first_exposure_doses.exposure_dose_count, 0) as exposure_dose_count,
        uncertain_exposures.patient_id is not null as is_first_exposure_uncertain,
        uncertain_exposures.exposure_uncertainty,
        coalesce(
            uncertain_exposures.patient_id is null
            and first_exposure_doses.first_exposure_date
                between parameters.study_period_start and parameters.study_period_end,
            false) as is_first_exposure_in_study_period,
        case
            when uncertain_exposures.patient_id is null
                and first_exposure_doses.first_exposure_date
                    between parameters.study_period_start and parameters.study_period_end
            then first_exposure_doses.first_exposure_date
        end as index_date
    from exposed_patients
    left join first_exposure_doses using (patient_id)
    left join uncertain_exposures using (patient_id)
    cross join parameters
)

select * from final

{#-
  Exposure: one row per patient who ever received the exposure drug by the
  exposure route (vars exposure_drug, exposure_route), with the first-ever
  such dose. The index date is that first-ever dose when it falls inside
  the study period; a first dose before the period makes the patient
  unexposed in it even if later doses fall inside (protocol: "first-ever
  dose"). Doses by any other route (oral cyclophosphamide) do not count.
  A tie on the first date (two records of one day) takes the first record
  in medications.csv.
-#}
with

medications as (
    select * from {{ ref('stg_registry__medications') }}
),

parameters as (
    select * from {{ ref('int_study_parameters') }}
),

exposure_doses as (
    select medications.*
    from medications
    inner join parameters
        on medications.drug = parameters.exposure_drug
        and medications.route = parameters.exposure_route
),

first_exposure_doses as (
    select
        patient_id,
        min(start_date) as first_exposure_date,
        {{ arg_min_by('medication_id', ['start_date', 'source_row']) }} as first_exposure_medication_id,
        {{ arg_min_by(join_list('indications', ';'), ['start_date', 'source_row']) }} as first_exposure_indications,
        count(*) as exposure_dose_count
    from exposure_doses
    group by patient_id
),

final as (
    select
        first_exposure_doses.patient_id,
        first_exposure_doses.first_exposure_date,
        first_exposure_doses.first_exposure_medication_id,
        nullif(first_exposure_doses.first_exposure_indications, '') as first_exposure_indications,
        first_exposure_doses.exposure_dose_count,
        first_exposure_doses.first_exposure_date
            between parameters.study_period_start and parameters.study_period_end
            as is_first_exposure_in_study_period,
        case
            when first_exposure_doses.first_exposure_date
                between parameters.study_period_start and parameters.study_period_end
            then first_exposure_doses.first_exposure_date
        end as index_date
    from first_exposure_doses
    cross join parameters
)

select * from final

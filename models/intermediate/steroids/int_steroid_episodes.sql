{#-
  Corticosteroid episodes that count toward the daily steroid dose: drugs
  marked is_corticosteroid in seed drug_dictionary, by the var
  `steroid_route` (oral: IV methylprednisolone pulses are not part of the
  oral dose), of the all_treated patients. One row per medication episode.

  - last_dose_date: the last day the episode is taken: stop_date
    (inclusive); a single dose (`once`) only its own day; no stop_date:
    still taken at the extract date (or until death).
  - daily_dose: dose x mg per unit x doses per day x prednisolone
    equivalence, in daily_dose_unit: mg/day (mg, g), mg/kg/day (mg/kg) or
    mg/m2/day (mg/m2). Conversion to mg/kg/day needs the weight (and height)
    of the day evaluated: int_steroid_doses_evaluated.
  - A dose, unit or frequency repaired to missing in staging leaves
    daily_dose missing (has_unknown_dose): the patient is on steroids that
    day, at an unknown dose. An episode with dose 0 is not steroid
    treatment.
-#}
with

medications as (
    select * from {{ ref('stg_registry__medications') }}
),

patients as (
    select patient_id, death_date from {{ ref('stg_registry__patients') }}
),

analysis_sets as (
    select patient_id from {{ ref('int_cohort_analysis_sets') }} where in_all_treated
),

extract_metadata as (
    select extract_date from {{ ref('stg_registry__extract_metadata') }}
),

parameters as (
    select * from {{ ref('int_study_parameters') }}
),

drug_dictionary as (
    select * from {{ ref('drug_dictionary') }}
),

dose_units as (
    select * from {{ ref('dose_units') }}
),

dose_frequencies as (
    select * from {{ ref('dose_frequencies') }}
),

corticosteroid_episodes as (
    select medications.*
    from medications
    inner join analysis_sets using (patient_id)
    inner join drug_dictionary on medications.drug = drug_dictionary.drug
    inner join parameters on medications.route = parameters.steroid_route
    where drug_dictionary.is_corticosteroid
),

final as (
    select
        corticosteroid_episodes.medication_id,
        corticosteroid_episodes.patient_id,
        corticosteroid_episodes.drug,
        corticosteroid_episodes.route,
        corticosteroid_episodes.dose,
        corticosteroid_episodes.dose_unit,
        corticosteroid_episodes.frequency,
        corticosteroid_episodes.start_date,
        corticosteroid_episodes.stop_date,
        case
            when corticosteroid_episodes.stop_date is not null then corticosteroid_episodes.stop_date
            when dose_frequencies.is_single_dose then corticosteroid_episodes.start_date
            else least(extract_metadata.extract_date, coalesce(patients.death_date, extract_metadata.extract_date))
        end as last_dose_date,
        drug_dictionary.prednisolone_equivalence,
        dose_units.dose_basis,
        cast(dose_frequencies.doses as double) / dose_frequencies.per_days as doses_per_day,
        corticosteroid_episodes.dose * dose_units.mg_per_unit
            * dose_frequencies.doses / dose_frequencies.per_days
            * drug_dictionary.prednisolone_equivalence as daily_dose,
        case dose_units.dose_basis
            when 'absolute' then 'mg/day'
            when 'per_kg_body_weight' then 'mg/kg/day'
            when 'per_m2_body_surface' then 'mg/m2/day'
        end as daily_dose_unit,
        corticosteroid_episodes.dose is null
            or dose_units.dose_unit is null
            or dose_frequencies.frequency is null as has_unknown_dose,
        corticosteroid_episodes.source_file,
        corticosteroid_episodes.source_row
    from corticosteroid_episodes
    inner join drug_dictionary on corticosteroid_episodes.drug = drug_dictionary.drug
    cross join extract_metadata
    left join patients using (patient_id)
    left join dose_units on corticosteroid_episodes.dose_unit = dose_units.dose_unit
    left join dose_frequencies on corticosteroid_episodes.frequency = dose_frequencies.frequency
)

select * from final

{{ config(meta={'kahn_category': 'completeness', 'check_scope': 'logic'}) }}
-- marts.steroid_discontinuation has one row per all_treated patient, no
-- more, no fewer, with all_treated recomputed from the protocol's steps
-- 1-3 (an index date and an eligible diagnosis), not read from the
-- analysis sets. And its analysis population is recomputed from the staged
-- medications: patients with follow-up after the index date who took an
-- oral corticosteroid (a drug of seed drug_dictionary marked
-- is_corticosteroid) at a known dose above 0 on some day of the baseline
-- window; an episode lasts to its stop date, its own day for `once` or
-- an unreadable stop date, else to the extract date or death.
with

parameters as (
    select * from {{ ref('int_study_parameters') }}
),

baseline_window as (
    select window_low_day, window_high_day from {{ ref('int_timepoint_windows') }} where timepoint = 'baseline'
),

facts as (
    select * from {{ ref('int_patients_characterised') }}
),

all_treated as (
    select facts.patient_id, facts.index_date, facts.last_visit_date
    from facts
    where facts.index_date is not null and facts.has_eligible_diagnosis
),

extract_metadata as (
    select extract_date from {{ ref('stg_registry__extract_metadata') }}
),

on_steroids_at_baseline as (
    select distinct all_treated.patient_id
    from all_treated
    cross join baseline_window
    cross join parameters
    cross join extract_metadata
    inner join {{ ref('stg_registry__medications') }} as medications using (patient_id)
    inner join {{ ref('drug_dictionary') }} as drugs on medications.drug = drugs.drug
    inner join {{ ref('stg_registry__patients') }} as registered using (patient_id)
    where drugs.is_corticosteroid
        and medications.route = parameters.steroid_route
        and medications.dose > 0
        and medications.start_date <= {{ add_days('all_treated.index_date', 'baseline_window.window_high_day') }}
        and case
                when medications.stop_date is not null then medications.stop_date
                when medications.frequency = 'once' or medications.has_unknown_stop_date then medications.start_date
                else least(extract_metadata.extract_date, coalesce(registered.death_date, extract_metadata.extract_date))
            end >= {{ add_days('all_treated.index_date', 'baseline_window.window_low_day') }}
)

select
    coalesce(all_treated.patient_id, discontinuation.patient_id) as patient_id,
    all_treated.patient_id is not null as expected_row,
    discontinuation.patient_id is not null as has_row,
    discontinuation.is_in_time_to_off_steroids_analysis
from all_treated
full outer join {{ ref('steroid_discontinuation') }} as discontinuation using (patient_id)
left join on_steroids_at_baseline on on_steroids_at_baseline.patient_id = coalesce(all_treated.patient_id, discontinuation.patient_id)
where all_treated.patient_id is null
    or discontinuation.patient_id is null
    or discontinuation.is_in_time_to_off_steroids_analysis
        <> (on_steroids_at_baseline.patient_id is not null and all_treated.last_visit_date > all_treated.index_date)

{#-
  Corticosteroid episodes that count, or may count, toward the daily
  steroid dose, of the all_treated patients: drugs marked
  is_corticosteroid in seed drug_dictionary, by the var `steroid_route`
  (oral: IV methylprednisolone pulses are not part of the oral dose) or by
  an unknown route (missing, or repaired because unrecognised: it may be
  that route). One row per medication episode. The rules are the spec's
  "Unknown is unknown":

  - last_dose_date: the last day the episode is known to be taken:
    stop_date (inclusive; already clipped to death or the extract date in
    staging); a single dose (`once`) only its own day; no stop_date: still
    taken at the extract date (or until death); an unreadable stop_date
    (has_unknown_stop_date): its start_date only.
  - unknown_dose_until_date: an unreadable stop_date leaves the dose
    unknown on every later day up to the day before the patient's next
    episode of the same drug starts (a taper goes on), or up to the extract
    date (or death) if none does. Missing when there is no such day. A
    single dose lasts its own day whatever its stop_date says.
  - daily_dose: dose x mg per unit x doses per day x prednisolone
    equivalence, in daily_dose_unit: mg/day (mg, g), mg/kg/day (mg/kg) or
    mg/m2/day (mg/m2). Conversion to mg/kg/day needs the weight (and
    height) of the day evaluated: macro steroid_doses_on_days.
  - has_unknown_dose: route, dose, unit or frequency unknown: on the days
    the episode covers, the patient's dose is unknown (daily_dose missing),
    unless the dose is 0, which is 0 whatever the rest.
  - is_on_steroids (on the days up to last_dose_date): true when the
    episode is known to be an oral steroid dose above 0, false when its
    dose is 0 (not steroid treatment), missing when it may or may not be
    (unknown dose, or unknown route). Time to off steroids reads this.
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
    select
        medications.*,
        drug_dictionary.prednisolone_equivalence,
        medications.route is null as is_route_unknown,
        least(extract_metadata.extract_date, coalesce(patients.death_date, extract_metadata.extract_date))
            as last_possible_date
    from medications
    inner join analysis_sets using (patient_id)
    inner join drug_dictionary on medications.drug = drug_dictionary.drug
    cross join parameters
    cross join extract_metadata
    left join patients using (patient_id)
    where drug_dictionary.is_corticosteroid
        and (medications.route = parameters.steroid_route or medications.route is null)
),

-- For an episode whose end is unknown: when the next episode of the same
-- drug starts (a taper goes on).
next_episode_starts as (
    select
        episodes.medication_id,
        min(later_episodes.start_date) as next_start_date
    from corticosteroid_episodes as episodes
    inner join corticosteroid_episodes as later_episodes
        on episodes.patient_id = later_episodes.patient_id
        and episodes.drug = later_episodes.drug
        and later_episodes.start_date > episodes.start_date
    where episodes.has_unknown_stop_date
    group by episodes.medication_id
),

episodes_spanned as (
    select
        corticosteroid_episodes.*,
        dose_frequencies.is_single_dose,
        case
            when corticosteroid_episodes.has_unknown_stop_date then corticosteroid_episodes.start_date
            when corticosteroid_episodes.stop_date is not null then corticosteroid_episodes.stop_date
            when dose_frequencies.is_single_dose then corticosteroid_episodes.start_date
            else corticosteroid_episodes.last_possible_date
        end as last_dose_date,
        case
            when corticosteroid_episodes.has_unknown_stop_date and not coalesce(dose_frequencies.is_single_dose, false)
            then least(
                coalesce({{ add_days('next_episode_starts.next_start_date', -1) }}, corticosteroid_episodes.last_possible_date),
                corticosteroid_episodes.last_possible_date)
        end as unknown_end_date,
        corticosteroid_episodes.route is null
            or corticosteroid_episodes.dose is null
            or dose_units.dose_unit is null
            or dose_frequencies.frequency is null as has_unknown_dose,
        dose_units.dose_basis,
        dose_units.mg_per_unit,
        dose_frequencies.doses,
        dose_frequencies.per_days
    from corticosteroid_episodes
    left join next_episode_starts using (medication_id)
    left join dose_units on corticosteroid_episodes.dose_unit = dose_units.dose_unit
    left join dose_frequencies on corticosteroid_episodes.frequency = dose_frequencies.frequency
),

final as (
    select
        medication_id,
        patient_id,
        drug,
        route,
        dose,
        dose_unit,
        frequency,
        start_date,
        stop_date,
        has_unknown_stop_date,
        is_stop_date_clipped,
        is_route_unknown,
        last_dose_date,
        case when unknown_end_date > start_date then unknown_end_date end as unknown_dose_until_date,
        prednisolone_equivalence,
        dose_basis,
        cast(doses as double) / per_days as doses_per_day,
        -- In double from the start, on both engines: in decimals, Spark
        -- rounds each episode's dose to 6 places before a day's doses are
        -- summed (22 mg over 12.1 kg: 1.818181 against 1.818182).
        case when not has_unknown_dose
            then cast(dose as double) * mg_per_unit * doses / per_days * prednisolone_equivalence
        end as daily_dose,
        case dose_basis
            when 'absolute' then 'mg/day'
            when 'per_kg_body_weight' then 'mg/kg/day'
            when 'per_m2_body_surface' then 'mg/m2/day'
        end as daily_dose_unit,
        has_unknown_dose,
        case
            when dose = 0 then false
            when dose > 0 and not is_route_unknown then true
        end as is_on_steroids,
        source_file,
        source_row
    from episodes_spanned
)

select * from final

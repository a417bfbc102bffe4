{#-
  The oral corticosteroid episodes of the all_treated patients that make up
  the daily steroid dose, and those whose route is unknown (they may be
  oral: on their days the dose is unknown), one row per episode
  (int_steroid_episodes, where the rules are), with
  the daily prednisolone-equivalent dose in its own unit and converted to
  mg/kg/day with the weight (and height) measured nearest the episode's
  start (macro nearest_body_measurements). The dose on any other day uses
  the weight nearest that day (macro steroid_doses_on_days).
-#}
with

episodes as (
    select * from {{ ref('int_steroid_episodes') }}
),

patients as (
    select patient_id, in_completers, in_all_treated from {{ ref('patients') }}
),

episode_starts as (
    select distinct patient_id, start_date as evaluation_date from episodes
),

body_measurements_at_start as (
    select * from {{ nearest_body_measurements('episode_starts', ref('stg_registry__visits')) }} as nearest
),

-- Episodes of one patient active on a common day add up.
overlapping_episodes as (
    select distinct episodes.medication_id
    from episodes
    inner join episodes as other_episodes
        on episodes.patient_id = other_episodes.patient_id
        and episodes.medication_id <> other_episodes.medication_id
        and episodes.start_date <= coalesce(other_episodes.unknown_dose_until_date, other_episodes.last_dose_date)
        and other_episodes.start_date <= coalesce(episodes.unknown_dose_until_date, episodes.last_dose_date)
),

final as (
    select
        episodes.medication_id,
        episodes.patient_id,
        episodes.drug,
        episodes.route,
        episodes.dose,
        episodes.dose_unit,
        episodes.frequency,
        episodes.start_date,
        episodes.stop_date,
        episodes.has_unknown_stop_date,
        episodes.is_stop_date_clipped,
        episodes.last_dose_date,
        episodes.unknown_dose_until_date,
        episodes.prednisolone_equivalence,
        episodes.doses_per_day,
        cast(round(episodes.daily_dose, 6) as decimal(18, 6)) as daily_dose,
        episodes.daily_dose_unit,
        case episodes.daily_dose_unit
            when 'mg/kg/day' then cast(round(episodes.daily_dose, 6) as decimal(18, 6))
            when 'mg/day' then cast(round(episodes.daily_dose / body_measurements_at_start.weight_kg, 6) as decimal(18, 6))
            when 'mg/m2/day' then cast(round(episodes.daily_dose
                * sqrt(body_measurements_at_start.height_cm * body_measurements_at_start.weight_kg / 3600.0)
                / body_measurements_at_start.weight_kg, 6) as decimal(18, 6))
        end as daily_dose_mg_kg_at_start,
        body_measurements_at_start.weight_kg as weight_kg_at_start,
        body_measurements_at_start.weight_date as weight_date_at_start,
        body_measurements_at_start.height_cm as height_cm_at_start,
        episodes.is_route_unknown,
        episodes.has_unknown_dose,
        episodes.is_on_steroids,
        overlapping_episodes.medication_id is not null as overlaps_other_episode,
        episodes.source_file,
        episodes.source_row,
        patients.in_completers,
        patients.in_all_treated
    from episodes
    inner join patients using (patient_id)
    left join body_measurements_at_start
        on episodes.patient_id = body_measurements_at_start.patient_id
        and episodes.start_date = body_measurements_at_start.evaluation_date
    left join overlapping_episodes using (medication_id)
)

select * from final

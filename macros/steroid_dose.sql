{#-
  Oral prednisolone-equivalent dose in mg/kg/day on given days (protocol,
  "Corticosteroid dose"; extract spec, "Daily dose in mg/kg/day" and
  "Unknown is unknown").

  evaluation_days: a relation with (patient_id, evaluation_date), one row
  per pair. episodes: int_steroid_episodes. visits: stg_registry__visits.
  Returns one row per evaluation day:
  - dose_mg_kg_day: the sum over the episodes active that day
    (start_date <= day <= last_dose_date, or up to unknown_dose_until_date
    for an episode whose end is unknown) of their daily dose in
    mg/kg/day; 0 when none is active. Missing (never 0) when a part is
    unknown: an active episode with an unknown route, dose, unit or
    frequency, a day after the known end of an episode whose stop_date
    could not be read, or a dose that needs a weight (or height, for mg/m2)
    the patient never had measured. An episode of dose 0 adds 0 whatever
    else is unknown about it.
  - dose_unknown_reason: why it is missing (each unknown part, with its
    medications.csv row), for a reader to trace.
  - mg/day is divided by the weight; mg/m2/day is multiplied by the
    Mosteller body-surface area sqrt(height cm x weight kg / 3600) and
    divided by the weight. Weight and height are each the measurement
    nearest the day (either side; a tie goes to the earlier measurement).
  - the episodes, weight and height used, for tracing a number back
    (weight and height: macro nearest_body_measurements).
  Usable from analysis SQL for any other days.
-#}
{% macro steroid_doses_on_days(evaluation_days, episodes, visits) -%}
    (
    with

    days_to_evaluate as (
        select distinct patient_id, evaluation_date from {{ evaluation_days }}
    ),

    nearest_body_measurements as (
        select * from {{ nearest_body_measurements('days_to_evaluate', visits) }} as nearest
    ),

    active_episodes as (
        select
            days_to_evaluate.patient_id,
            days_to_evaluate.evaluation_date,
            episodes.medication_id,
            episodes.source_row,
            episodes.dose,
            episodes.daily_dose,
            episodes.daily_dose_unit,
            episodes.has_unknown_dose,
            episodes.is_route_unknown,
            days_to_evaluate.evaluation_date > episodes.last_dose_date as is_after_known_end
        from days_to_evaluate
        inner join {{ episodes }} as episodes
            on days_to_evaluate.patient_id = episodes.patient_id
            and days_to_evaluate.evaluation_date
                between episodes.start_date and coalesce(episodes.unknown_dose_until_date, episodes.last_dose_date)
    ),

    episode_doses as (
        select
            active_episodes.*,
            nearest_body_measurements.weight_kg,
            nearest_body_measurements.height_cm,
            case
                when active_episodes.dose = 0 then 0
                when active_episodes.is_after_known_end or active_episodes.has_unknown_dose then null
                when active_episodes.daily_dose_unit = 'mg/kg/day' then active_episodes.daily_dose
                when active_episodes.daily_dose_unit = 'mg/day'
                    then active_episodes.daily_dose / nearest_body_measurements.weight_kg
                when active_episodes.daily_dose_unit = 'mg/m2/day' then active_episodes.daily_dose
                    * sqrt(nearest_body_measurements.height_cm * nearest_body_measurements.weight_kg / 3600.0)
                    / nearest_body_measurements.weight_kg
            end as dose_mg_kg_day,
            case
                when active_episodes.dose = 0 then null
                when active_episodes.is_after_known_end then 'end unknown (unreadable stop_date)'
                when active_episodes.is_route_unknown then 'route unknown'
                when active_episodes.has_unknown_dose then 'dose, unit or frequency unknown'
                when active_episodes.daily_dose_unit in ('mg/day', 'mg/m2/day') and nearest_body_measurements.weight_kg is null
                    then 'no weight recorded'
                when active_episodes.daily_dose_unit = 'mg/m2/day' and nearest_body_measurements.height_cm is null
                    then 'no height recorded'
            end as unknown_reason
        from active_episodes
        left join nearest_body_measurements using (patient_id, evaluation_date)
    ),

    day_totals as (
        select
            patient_id,
            evaluation_date,
            -- sum() skips missing values: a day with any unknown part is unknown.
            case when count(*) = count(dose_mg_kg_day) then sum(dose_mg_kg_day) end as dose_mg_kg_day,
            count(*) as active_episode_count,
            {{ ordered_string_agg('medication_id', ['medication_id'], ';') }} as active_medication_ids,
            {{ ordered_string_agg("'medications.csv row ' || source_row || ': ' || unknown_reason", ['source_row'], '; ') }}
                as dose_unknown_reason
        from episode_doses
        group by patient_id, evaluation_date
    )

    select
        days_to_evaluate.patient_id,
        days_to_evaluate.evaluation_date,
        cast(round(coalesce(day_totals.dose_mg_kg_day, case when day_totals.patient_id is null then 0 end), 6)
            as decimal(18, 6)) as dose_mg_kg_day,
        day_totals.dose_unknown_reason,
        coalesce(day_totals.active_episode_count, 0) as active_episode_count,
        day_totals.active_medication_ids,
        nearest_body_measurements.weight_kg,
        nearest_body_measurements.weight_date,
        nearest_body_measurements.height_cm,
        nearest_body_measurements.height_date
    from days_to_evaluate
    left join day_totals using (patient_id, evaluation_date)
    left join nearest_body_measurements using (patient_id, evaluation_date)
    )
{%- endmacro %}


{#-
  The weight and the height measured nearest each given day (either side;
  a tie goes to the earlier measurement, then the first record), each from
  its own nearest measurement: a visit without a weight is not a candidate
  for the weight. evaluation_days: (patient_id, evaluation_date), one row
  per pair. Returns weight_kg, weight_date, height_cm, height_date per pair
  (missing when the patient has no such measurement).
-#}
{% macro nearest_body_measurements(evaluation_days, visits) -%}
    (
    with

    body_measurements as (
        select visits.patient_id, visits.visit_date, visits.source_row, visits.weight_kg, visits.height_cm
        from {{ visits }} as visits
        where visits.patient_id in (select patient_id from {{ evaluation_days }})
            and (visits.weight_kg is not null or visits.height_cm is not null)
    )

    -- A missing value sorts last, so it is picked only when the patient has none.
    select
        evaluation_days.patient_id,
        evaluation_days.evaluation_date
        {%- for measurement in ['weight_kg', 'height_cm'] %}
        {%- set nearest_first = [
            'body_measurements.' ~ measurement ~ ' is null',
            'abs(' ~ days_between('evaluation_days.evaluation_date', 'body_measurements.visit_date') ~ ')',
            'body_measurements.visit_date', 'body_measurements.source_row'] %},
        {{ arg_min_by('body_measurements.' ~ measurement, nearest_first) }} as {{ measurement }},
        {{ arg_min_by('case when body_measurements.' ~ measurement ~ ' is not null then body_measurements.visit_date end', nearest_first) }}
            as {{ measurement.split('_')[0] }}_date
        {%- endfor %}
    from {{ evaluation_days }} as evaluation_days
    inner join body_measurements using (patient_id)
    group by evaluation_days.patient_id, evaluation_days.evaluation_date
    )
{%- endmacro %}

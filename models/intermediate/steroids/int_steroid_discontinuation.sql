{#-
  Time from index date to stopping oral steroids (protocol, "Time to off
  steroids"), one row per all_treated patient.

  What is known of a patient's steroid use on a day comes from the
  episodes active that day (int_steroid_episodes): on steroids when an
  episode is known to be an oral steroid dose above 0; unknown when an
  episode that may be one is active (unknown route or dose, or a day
  after the known end of an episode whose stop_date could not be read)
  and none is known to be; off (dose 0) otherwise. A day of unknown dose
  is never a day off steroids.

  - Analysis population: patients on oral steroids at baseline, i.e. on
    steroids on some day of the baseline window (seed timepoint_windows),
    with follow-up after the index date. is_on_steroids_at_baseline is
    missing when that is unknown (no day known on, some day unknown); the
    others are counted and reported, not analysed.
  - Follow-up runs from the index date (day 0) to the last visit.
    last_steroid_date: the last day on steroids in it.
    first_unknown_dose_date: the first day of unknown dose after that (or
    from the index date, if none).
  - Event (is_off_steroids): no day of unknown dose follows the last day
    on steroids, which is before the last visit; the event day is the day
    after it (the first day of dose 0 after which the dose stays 0 up to
    the last visit), or the index date if no day in follow-up is on
    steroids.
  - Censored: on steroids at the last visit (censored there), or with days
    of unknown dose after the last day on steroids (censored the day before
    the first of them, not before the index date).
  - No visit after the index date: no follow-up, time missing.
-#}
with

patients as (
    select * from {{ ref('int_patients_characterised') }}
),

analysis_sets as (
    select patient_id from {{ ref('int_cohort_analysis_sets') }} where in_all_treated
),

episodes as (
    select * from {{ ref('int_steroid_episodes') }}
),

baseline_window as (
    select window_low_day, window_high_day from {{ ref('int_timepoint_windows') }} where timepoint = 'baseline'
),

treated_patients as (
    select
        patients.patient_id,
        patients.index_date,
        patients.last_visit_date,
        coalesce(patients.last_visit_date > patients.index_date, false) as has_follow_up
    from patients
    inner join analysis_sets using (patient_id)
),

-- Spans of days and what is known of steroid use on them: on (true) or
-- unknown (missing). Spans of a dose-0 episode say nothing: left out.
steroid_spans as (
    select patient_id, start_date as span_start, last_dose_date as span_end, is_on_steroids
    from episodes
    where is_on_steroids is distinct from false

    union all
    select
        patient_id,
        {{ add_days('last_dose_date', 1) }} as span_start,
        unknown_dose_until_date as span_end,
        cast(null as boolean) as is_on_steroids
    from episodes
    where unknown_dose_until_date is not null and is_on_steroids is distinct from false
),

baseline_steroids as (
    select
        treated_patients.patient_id,
        coalesce(bool_or(steroid_spans.is_on_steroids), false) as has_day_on,
        count(*) filter (where steroid_spans.is_on_steroids is null) > 0 as has_day_unknown
    from treated_patients
    cross join baseline_window
    inner join steroid_spans
        on treated_patients.patient_id = steroid_spans.patient_id
        and steroid_spans.span_start <= {{ add_days('treated_patients.index_date', 'baseline_window.window_high_day') }}
        and steroid_spans.span_end >= {{ add_days('treated_patients.index_date', 'baseline_window.window_low_day') }}
    group by treated_patients.patient_id
),

last_days_on as (
    select
        treated_patients.patient_id,
        max(least(steroid_spans.span_end, treated_patients.last_visit_date)) as last_steroid_date
    from treated_patients
    inner join steroid_spans
        on treated_patients.patient_id = steroid_spans.patient_id
        and steroid_spans.is_on_steroids
        and steroid_spans.span_start <= treated_patients.last_visit_date
        and steroid_spans.span_end >= treated_patients.index_date
    where treated_patients.has_follow_up
    group by treated_patients.patient_id
),

-- The first day of unknown dose after the last day on steroids (after the
-- index date when there is none), up to the last visit.
after_last_day_on as (
    select
        treated_patients.*,
        last_days_on.last_steroid_date,
        coalesce({{ add_days('last_days_on.last_steroid_date', 1) }}, treated_patients.index_date) as watched_from_date
    from treated_patients
    left join last_days_on using (patient_id)
    where treated_patients.has_follow_up
),

first_unknown_days as (
    select
        after_last_day_on.patient_id,
        min(greatest(steroid_spans.span_start, after_last_day_on.watched_from_date)) as first_unknown_dose_date
    from after_last_day_on
    inner join steroid_spans
        on after_last_day_on.patient_id = steroid_spans.patient_id
        and steroid_spans.is_on_steroids is null
        and steroid_spans.span_end >= after_last_day_on.watched_from_date
        and steroid_spans.span_start <= after_last_day_on.last_visit_date
    where after_last_day_on.watched_from_date <= after_last_day_on.last_visit_date
    group by after_last_day_on.patient_id
),

outcomes as (
    select
        treated_patients.patient_id,
        last_days_on.last_steroid_date,
        first_unknown_days.first_unknown_dose_date,
        case
            when not treated_patients.has_follow_up then null
            when first_unknown_days.first_unknown_dose_date is not null then false
            else coalesce(last_days_on.last_steroid_date < treated_patients.last_visit_date, true)
        end as is_off_steroids
    from treated_patients
    left join last_days_on using (patient_id)
    left join first_unknown_days using (patient_id)
),

discontinuation as (
    select
        treated_patients.patient_id,
        treated_patients.index_date,
        treated_patients.last_visit_date,
        case
            when baseline_steroids.has_day_on then true
            when baseline_steroids.has_day_unknown then null
            else false
        end as is_on_steroids_at_baseline,
        coalesce(baseline_steroids.has_day_on, false) and treated_patients.has_follow_up
            as is_in_time_to_off_steroids_analysis,
        outcomes.last_steroid_date,
        outcomes.first_unknown_dose_date,
        case
            when outcomes.is_off_steroids
            then coalesce({{ add_days('outcomes.last_steroid_date', 1) }}, treated_patients.index_date)
        end as off_steroids_date,
        outcomes.is_off_steroids,
        case
            when outcomes.is_off_steroids is null or outcomes.is_off_steroids then null
            when outcomes.first_unknown_dose_date is not null
                then greatest({{ add_days('outcomes.first_unknown_dose_date', -1) }}, treated_patients.index_date)
            else treated_patients.last_visit_date
        end as censoring_date,
        case
            when outcomes.is_off_steroids is null or outcomes.is_off_steroids then null
            when outcomes.first_unknown_dose_date is not null then 'dose unknown from ' || outcomes.first_unknown_dose_date
            else 'on steroids at the last visit'
        end as censoring_reason
    from treated_patients
    left join baseline_steroids using (patient_id)
    left join outcomes using (patient_id)
),

final as (
    select
        *,
        cast({{ days_between('index_date', 'coalesce(off_steroids_date, censoring_date)') }} as integer)
            as days_to_off_steroids_or_censoring
    from discontinuation
)

select * from final

{#-
  Time from index date to stopping steroids (protocol, "Time to off
  steroids"), one row per all_treated patient.

  Follow-up runs from the index date to the last visit. The patient is on
  steroids on a day when an episode of int_steroid_episodes with a dose
  other than 0 (a missing dose counts as on) is active. The event day is
  the first day with dose 0 after which the dose stays 0 up to the last
  visit: the day after the last steroid day up to the last visit, or the
  index date itself if no episode is active from then on. A patient still
  on steroids at the last visit is censored there. A patient with no visit
  after the index date has no follow-up (time missing).
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
    where daily_dose is null or daily_dose > 0
),

treated_patients as (
    select patients.patient_id, patients.index_date, patients.last_visit_date
    from patients
    inner join analysis_sets using (patient_id)
),

-- Episodes overlapping the follow-up, clipped to it.
steroid_days_in_follow_up as (
    select
        treated_patients.patient_id,
        max(least(episodes.last_dose_date, treated_patients.last_visit_date)) as last_steroid_date,
        count(*) filter (where episodes.start_date <= treated_patients.index_date) > 0 as is_on_steroids_at_index
    from treated_patients
    inner join episodes
        on treated_patients.patient_id = episodes.patient_id
        and episodes.start_date <= treated_patients.last_visit_date
        and episodes.last_dose_date >= treated_patients.index_date
    group by treated_patients.patient_id
),

final as (
    select
        treated_patients.patient_id,
        treated_patients.index_date,
        treated_patients.last_visit_date,
        coalesce(steroid_days_in_follow_up.is_on_steroids_at_index, false) as is_on_steroids_at_index,
        steroid_days_in_follow_up.last_steroid_date,
        case
            when treated_patients.last_visit_date <= treated_patients.index_date then null
            when steroid_days_in_follow_up.last_steroid_date is null then treated_patients.index_date
            when steroid_days_in_follow_up.last_steroid_date < treated_patients.last_visit_date
                then {{ add_days('steroid_days_in_follow_up.last_steroid_date', 1) }}
        end as off_steroids_date,
        case
            when treated_patients.last_visit_date <= treated_patients.index_date then null
            else coalesce(steroid_days_in_follow_up.last_steroid_date, treated_patients.index_date)
                < treated_patients.last_visit_date
        end as is_off_steroids,
        cast(case
            when treated_patients.last_visit_date <= treated_patients.index_date then null
            when steroid_days_in_follow_up.last_steroid_date is null then 0
            when steroid_days_in_follow_up.last_steroid_date < treated_patients.last_visit_date
                then {{ days_between('treated_patients.index_date', 'steroid_days_in_follow_up.last_steroid_date') }} + 1
            else {{ days_between('treated_patients.index_date', 'treated_patients.last_visit_date') }}
        end as integer) as days_to_off_steroids_or_censoring
    from treated_patients
    left join steroid_days_in_follow_up using (patient_id)
)

select * from final

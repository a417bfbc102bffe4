{#-
  The days on which each all_treated patient's steroid dose is evaluated,
  one per timepoint:
  - nearest_to_target timepoints: the target day itself (index date +
    target_day), if the patient was still followed then (on or before the
    last visit; the index date always counts);
  - latest (last follow-up): the last visit, if it is on or after
    window_low_day.
-#}
with

patients as (
    select * from {{ ref('int_patients_characterised') }}
),

analysis_sets as (
    select patient_id from {{ ref('int_cohort_analysis_sets') }} where in_all_treated
),

timepoint_windows as (
    select * from {{ ref('int_timepoint_windows') }}
),

treated_patients as (
    select patients.patient_id, patients.index_date, patients.last_visit_date, patients.follow_up_days
    from patients
    inner join analysis_sets using (patient_id)
),

target_days as (
    select
        treated_patients.patient_id,
        timepoint_windows.timepoint,
        {{ add_days('treated_patients.index_date', 'timepoint_windows.target_day') }} as evaluation_date
    from treated_patients
    cross join timepoint_windows
    where timepoint_windows.selection = 'nearest_to_target'
        and (timepoint_windows.target_day <= 0
            or timepoint_windows.target_day <= treated_patients.follow_up_days)
),

last_follow_up_days as (
    select
        treated_patients.patient_id,
        timepoint_windows.timepoint,
        treated_patients.last_visit_date as evaluation_date
    from treated_patients
    cross join timepoint_windows
    where timepoint_windows.selection = 'latest'
        and treated_patients.follow_up_days >= timepoint_windows.window_low_day
),

final as (
    select * from target_days
    union all
    select * from last_follow_up_days
)

select * from final

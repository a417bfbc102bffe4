-- The study abstract's headline numbers, in plain SQL over the marts, for
-- the `completers` analysis set (the significance tests are in `jdm stats`).
-- Each row: what was counted, the count (numerator) and its denominator.
-- Run: .venv/bin/dbt show -s headline_counts --limit 50
with

attrition as (
    select * from {{ ref('attrition') }}
),

cohort as (
    select * from {{ ref('patients') }} where in_completers
),

outcomes as (
    select * from {{ ref('outcome_timepoints') }} where in_completers
),

-- The time to off steroids analyses the patients on oral steroids at baseline.
steroid_stops as (
    select * from {{ ref('steroid_discontinuation') }}
    where in_completers and is_in_time_to_off_steroids_analysis
),

target_days as (
    select
        max(target_day) filter (where timepoint = 'month_18') as month_18,
        max(target_day) filter (where timepoint = 'month_24') as month_24
    from {{ ref('analysis_timepoints') }}
),

headline as (
    select 1 as row_order, 'Treated with the exposure drug in the study period' as finding,
        (select max(patients_remaining) from attrition where step = 'exposed_in_study_period') as n,
        (select max(patients_remaining) from attrition where step = 'registered') as denominator
    union all
    select 2, 'Excluded for incomplete data or short follow-up (after the diagnosis step)',
        (select max(patients_remaining) from attrition where step = 'eligible_diagnosis')
            - (select max(patients_remaining) from attrition where step_number = (select max(step_number) from attrition)),
        (select max(patients_remaining) from attrition where step = 'eligible_diagnosis')
    union all
    select 3, 'Analysed (completers)', (select count(*) from cohort), null
    union all
    select 4, 'Muscle weakness at baseline (CMAS below threshold)',
        (select count(*) from cohort where has_muscle_weakness_at_baseline), (select count(*) from cohort)
    union all
    select 5, 'Weak at baseline: CMAS improved at 12 months',
        count(*) filter (where is_improved), count(is_improved)
    from outcomes
    inner join cohort using (patient_id)
    where cohort.has_muscle_weakness_at_baseline and measure = 'cmas' and timepoint = 'month_12'
    union all
    select 6, 'Weak at baseline: CMAS improved at last follow-up',
        count(*) filter (where is_improved), count(is_improved)
    from outcomes
    inner join cohort using (patient_id)
    where cohort.has_muscle_weakness_at_baseline and measure = 'cmas' and timepoint = 'last_follow_up'
    union all
    select 7, 'Physician global VAS recorded at baseline',
        count(*), (select count(*) from cohort)
    from outcomes where measure = 'physician_global_vas' and timepoint = 'baseline'
    union all
    select 8, 'Physician global VAS improved at 12 months',
        count(*) filter (where is_improved), count(is_improved)
    from outcomes where measure = 'physician_global_vas' and timepoint = 'month_12'
    union all
    select 9, 'Physician global VAS improved at 24 months',
        count(*) filter (where is_improved), count(is_improved)
    from outcomes where measure = 'physician_global_vas' and timepoint = 'month_24'
    union all
    select 10, 'No rash at last follow-up', count(*) filter (where value = 0), count(*)
    from outcomes where measure = 'rash' and timepoint = 'last_follow_up'
    union all
    select 11, 'Normal nailfolds at last follow-up', count(*) filter (where value = 0), count(*)
    from outcomes where measure = 'nailfold_abnormal' and timepoint = 'last_follow_up'
    union all
    select 12, 'No Gottron''s papules at last follow-up', count(*) filter (where value = 0), count(*)
    from outcomes where measure = 'gottrons' and timepoint = 'last_follow_up'
    union all
    select 13, 'Calcinosis resolved (present at baseline, absent at last follow-up)',
        count(*) filter (where value = 0), count(*)
    from outcomes where measure = 'calcinosis' and timepoint = 'last_follow_up' and baseline_value = 1
    union all
    select 14, 'Off steroids by 18 months (crude, among those followed that long or stopped before)',
        count(*) filter (where is_off_steroids and days_to_off_steroids_or_censoring <= month_18),
        count(*) filter (where days_to_off_steroids_or_censoring >= month_18
            or is_off_steroids and days_to_off_steroids_or_censoring <= month_18)
    from steroid_stops cross join target_days
    union all
    select 15, 'Off steroids by 24 months (crude, as above)',
        count(*) filter (where is_off_steroids and days_to_off_steroids_or_censoring <= month_24),
        count(*) filter (where days_to_off_steroids_or_censoring >= month_24
            or is_off_steroids and days_to_off_steroids_or_censoring <= month_24)
    from steroid_stops cross join target_days
)

select
    finding,
    n,
    denominator,
    round(100.0 * n / nullif(denominator, 0), 1) as percent
from headline
union all
select
    'Median % change in steroid dose at 6 months',
    null,
    count(pct_change_from_baseline),
    round(median(pct_change_from_baseline), 1)
from outcomes
where measure = 'steroid_dose_mg_kg_day' and timepoint = 'month_6'

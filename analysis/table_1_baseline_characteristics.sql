-- Table 1: baseline characteristics of the analysed cohort (analysis set
-- `completers`; for the other set, replace in_completers by in_all_treated).
-- Continuous: median (IQR) over patients with a value; counts: n (% of those
-- with a value). `patients_with_data` says how many had the item.
-- Run: .venv/bin/dbt show -s table_1_baseline_characteristics --limit 100
with

cohort as (
    select * from {{ ref('patients') }} where in_completers
),

baseline as (
    select outcome_timepoints.*
    from {{ ref('outcome_timepoints') }} as outcome_timepoints
    inner join cohort using (patient_id)
    where outcome_timepoints.timepoint = 'baseline'
),

continuous_items as (
    select 1 as row_order, 'Age at first IV CYC, years' as characteristic, age_at_index_years::double as value from cohort
    union all
    select 2, 'Months from symptom onset to first IV CYC', months_from_symptom_onset_to_index::double from cohort
    union all
    select 3, 'Months from diagnosis to first IV CYC', months_from_diagnosis_to_index::double from cohort
    union all
    select 10 + timepoint_order, 'Baseline ' || measure_label || ' (' || unit || ')', value::double
    from baseline
    where value_type in ('score', 'dose', 'lab')
),

continuous_rows as (
    select
        min(row_order) as row_order,
        characteristic,
        count(value) as patients_with_data,
        printf('%.1f (%.1f-%.1f)',
            quantile_cont(value, 0.5), quantile_cont(value, 0.25), quantile_cont(value, 0.75)) as summary
    from continuous_items
    where value is not null
    group by characteristic
),

count_items as (
    select 0 as row_order, 'Patients' as characteristic, true as is_yes from cohort
    union all
    select 4, 'Female', sex = 'F' from cohort
    union all
    select 5, 'Diagnosis ' || diagnosis, true from cohort
    union all
    select 6, 'Muscle weakness at baseline (CMAS below threshold)', has_muscle_weakness_at_baseline from cohort
    union all
    select 50, 'Baseline ' || measure_label || ' present', value = 1
    from baseline
    where value_type = 'binary'
),

count_rows as (
    select
        min(row_order) as row_order,
        characteristic,
        case
            when characteristic like 'Diagnosis %' then (select count(diagnosis) from cohort)
            else count(is_yes)
        end as patients_with_data,
        case
            when characteristic = 'Patients' then cast(count(*) as varchar)
            when characteristic like 'Diagnosis %' then
                printf('%d (%.0f%%)', count(*), 100.0 * count(*) / (select count(*) from cohort))
            else printf('%d (%.0f%%)', count(*) filter (where is_yes), 100.0 * count(*) filter (where is_yes) / count(is_yes))
        end as summary
    from count_items
    group by characteristic
)

select characteristic, summary, patients_with_data
from (select * from count_rows union all select * from continuous_rows)
order by row_order, characteristic

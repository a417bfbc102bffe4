{{ config(meta={'kahn_category': 'completeness', 'check_scope': 'logic'}) }}
-- Eligibility step 4 recomputed from the staged visits with the protocol's
-- words: "a visit in the baseline window with at least one of cmas, mmt8,
-- physician_global_vas, parent_global_vas, chaq, das_skin, das_muscle
-- recorded" (labs are not assessments). Both ways, among the patients
-- who reach step 4 (all_treated): passing step 4 in marts.patients must
-- mean such a visit exists, and failing it that none does. And every
-- completer has a baseline row of one of those measures in
-- marts.outcome_timepoints.
with

patients as (
    select * from {{ ref('patients') }}
),

baseline_window as (
    select window_low_day, window_high_day from {{ ref('int_timepoint_windows') }} where timepoint = 'baseline'
),

assessed_at_baseline as (
    select distinct visits.patient_id
    from {{ ref('stg_registry__visits') }} as visits
    inner join patients using (patient_id)
    cross join baseline_window
    where {{ days_between('patients.index_date', 'visits.visit_date') }}
            between baseline_window.window_low_day and baseline_window.window_high_day
        and coalesce(visits.cmas, visits.mmt8, visits.physician_global_vas, visits.parent_global_vas,
                     visits.chaq, visits.das_skin, visits.das_muscle) is not null
),

step_4_disagreements as (
    select patients.patient_id, 'step 4 disagrees with the staged visits' as problem
    from patients
    left join assessed_at_baseline using (patient_id)
    where patients.in_all_treated
        and (coalesce(patients.exclusion_step_number, 99) > 4) <> (assessed_at_baseline.patient_id is not null)
),

completers_without_a_baseline_row as (
    select patients.patient_id, 'completer without a baseline assessment row' as problem
    from patients
    where patients.in_completers
        and not exists (
            select 1
            from {{ ref('outcome_timepoints') }} as outcome_timepoints
            where outcome_timepoints.patient_id = patients.patient_id
                and outcome_timepoints.timepoint = 'baseline'
                and outcome_timepoints.measure in (
                    'cmas', 'mmt8', 'physician_global_vas', 'parent_global_vas', 'chaq', 'das_skin', 'das_muscle')
        )
)

select * from step_4_disagreements
union all
select * from completers_without_a_baseline_row

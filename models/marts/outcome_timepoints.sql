{#-
  The analysis dataset, long (CDISC ADaM BDS style): one row per
  all_treated patient x outcome measure x timepoint that has a value. A
  patient with no value at a timepoint has no row there (no imputation).

  - Visit and lab measures: the windowed value (int_outcomes_windowed);
    visit_date is the visit's date (for labs, the sample date).
  - steroid_dose_mg_kg_day: the dose on the target day itself
    (days_from_target 0) while the patient is followed, and on the last
    visit for last_follow_up (int_steroid_doses_evaluated).
  - study_day: days from the index date (day 0). days_from_target:
    study_day - target_day (missing for last_follow_up, which has no
    target).
  - baseline_value: the patient's value of the measure at the baseline
    timepoint; change_from_baseline = value - baseline_value (missing on the
    baseline row itself, as in ADaM); pct_change_from_baseline = 100 x
    change / baseline_value (missing when baseline is 0, and for binary
    measures).
  - is_improved: strictly better than baseline in the measure's
    better_direction (seed outcome_measures); missing on the baseline row
    and without a baseline value.
-#}
with

windowed_outcomes as (
    select * from {{ ref('int_outcomes_windowed') }}
),

steroid_doses as (
    select * from {{ ref('int_steroid_doses_evaluated') }}
),

patients as (
    select patient_id, in_completers, in_all_treated from {{ ref('patients') }}
),

timepoint_windows as (
    select * from {{ ref('int_timepoint_windows') }}
),

outcome_measures as (
    select * from {{ ref('outcome_measures') }}
),

patients_indexed as (
    select patient_id, index_date from {{ ref('int_patients_characterised') }} where index_date is not null
),

steroid_values as (
    select
        steroid_doses.patient_id,
        outcome_measures.measure,
        steroid_doses.timepoint,
        steroid_doses.evaluation_date as observation_date,
        cast({{ days_between('patients_indexed.index_date', 'steroid_doses.evaluation_date') }} as integer) as study_day,
        steroid_doses.dose_mg_kg_day as value,
        cast(null as {{ dbt.type_string() }}) as value_qualifier,
        steroid_doses.active_medication_ids as source_record_id,
        'medications.csv' as source_file,
        cast(null as bigint) as source_row
    from steroid_doses
    inner join patients_indexed using (patient_id)
    inner join outcome_measures on outcome_measures.source = 'steroid_dose'
    where steroid_doses.dose_mg_kg_day is not null
),

all_values as (
    select * from windowed_outcomes
    union all
    select * from steroid_values
),

baseline_values as (
    select patient_id, measure, value as baseline_value
    from all_values
    where timepoint = 'baseline'
),

final as (
    select
        all_values.patient_id,
        all_values.measure,
        outcome_measures.measure_label,
        outcome_measures.domain,
        outcome_measures.value_type,
        outcome_measures.unit,
        all_values.timepoint,
        timepoint_windows.timepoint_order,
        timepoint_windows.timepoint_label,
        timepoint_windows.target_day,
        timepoint_windows.window_low_day,
        timepoint_windows.window_high_day,
        all_values.observation_date as visit_date,
        all_values.study_day,
        cast(all_values.study_day - timepoint_windows.target_day as integer) as days_from_target,
        all_values.value,
        all_values.value_qualifier,
        baseline_values.baseline_value,
        case when all_values.timepoint <> 'baseline'
            then cast(all_values.value - baseline_values.baseline_value as decimal(18, 6))
        end as change_from_baseline,
        case when all_values.timepoint <> 'baseline'
                and outcome_measures.value_type <> 'binary'
                and baseline_values.baseline_value <> 0
            then 100.0 * cast(all_values.value - baseline_values.baseline_value as double) / cast(baseline_values.baseline_value as double)
        end as pct_change_from_baseline,
        case when all_values.timepoint <> 'baseline' then
            case outcome_measures.better_direction
                when 'higher' then all_values.value > baseline_values.baseline_value
                when 'lower' then all_values.value < baseline_values.baseline_value
            end
        end as is_improved,
        all_values.source_record_id,
        all_values.source_file,
        all_values.source_row,
        patients.in_completers,
        patients.in_all_treated
    from all_values
    inner join outcome_measures using (measure)
    inner join timepoint_windows using (timepoint)
    inner join patients using (patient_id)
    left join baseline_values using (patient_id, measure)
)

select * from final

{{ config(meta={'kahn_category': 'completeness', 'check_scope': 'logic'}) }}
-- Every analysed patient passed the baseline-assessment step, so has at
-- least one baseline value of a baseline assessment measure.
select patients.patient_id
from {{ ref('patients') }} as patients
where patients.in_completers
    and not exists (
        select 1
        from {{ ref('outcome_timepoints') }} as outcome_timepoints
        inner join {{ ref('outcome_measures') }} as outcome_measures using (measure)
        where outcome_timepoints.patient_id = patients.patient_id
            and outcome_timepoints.timepoint = 'baseline'
            and outcome_measures.is_baseline_assessment
    )

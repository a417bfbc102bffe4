{#-
  PRINTO clinically inactive disease per all_treated patient and analysis
  timepoint (baseline, 6, 12, 18, 24 months, last follow-up): the four
  criteria read from the windowed values of marts.outcome_timepoints (per
  measure, as every outcome of the study: they may come from different
  visits of the window, up to the window's width apart, which
  assessment_span_days shows) and both flags, three-valued (rules:
  int_inactive_disease_criteria, int_inactive_disease_flags). Every patient
  has a row at every timepoint; a patient with no values there is
  undetermined.
-#}
with

assessments as (
    select * from {{ ref('int_inactive_disease_assessments') }} where assessment_type = 'timepoint'
),

patients as (
    select patient_id, in_completers, in_all_treated from {{ ref('patients') }}
),

timepoint_windows as (
    select timepoint, timepoint_order, timepoint_label from {{ ref('int_timepoint_windows') }}
),

spans as (
    select
        patient_id,
        timepoint,
        {%- set days = ['ck_study_day', 'cmas_study_day', 'mmt8_study_day', 'physician_global_vas_study_day'] %}
        greatest({{ days | join(', ') }}) - least({{ days | join(', ') }}) as assessment_span_days
    from assessments
),

final as (
    select
        assessments.patient_id,
        assessments.timepoint,
        timepoint_windows.timepoint_order,
        timepoint_windows.timepoint_label,
        assessments.ck,
        assessments.ck_qualifier,
        assessments.ck_study_day,
        assessments.cmas,
        assessments.cmas_study_day,
        assessments.mmt8,
        assessments.mmt8_study_day,
        assessments.physician_global_vas,
        assessments.physician_global_vas_study_day,
        cast(spans.assessment_span_days as integer) as assessment_span_days,
        assessments.is_ck_criterion_met,
        assessments.is_cmas_criterion_met,
        assessments.is_mmt8_criterion_met,
        assessments.is_physician_global_criterion_met,
        cast(assessments.n_criteria_met as integer) as n_criteria_met,
        cast(assessments.n_criteria_unknown as integer) as n_criteria_unknown,
        assessments.undetermined_criteria,
        assessments.is_clinically_inactive_printo,
        assessments.is_clinically_inactive_printo_pga_required,
        patients.in_completers,
        patients.in_all_treated
    from assessments
    inner join patients using (patient_id)
    inner join timepoint_windows using (timepoint)
    inner join spans using (patient_id, timepoint)
)

select * from final

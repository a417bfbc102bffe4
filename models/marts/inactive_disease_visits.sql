{#-
  PRINTO clinically inactive disease at every visit of the all_treated
  patients: the four criteria (CMAS, MMT8 and physician global VAS of the
  visit itself; CK on the visit day or the nearest within var
  inactive_disease_lab_tolerance_days, the earlier at equal distance) and
  both flags, three-valued (rules: int_inactive_disease_criteria,
  int_inactive_disease_flags).
-#}
with

assessments as (
    select * from {{ ref('int_inactive_disease_assessments') }} where assessment_type = 'visit'
),

patients as (
    select patient_id, in_completers, in_all_treated from {{ ref('patients') }}
),

final as (
    select
        assessments.patient_id,
        assessments.source_record_id,
        assessments.visit_date,
        assessments.study_day,
        assessments.ck,
        assessments.ck_qualifier,
        assessments.ck_sample_date,
        cast(assessments.ck_study_day - assessments.study_day as integer) as ck_days_from_visit,
        assessments.cmas,
        assessments.mmt8,
        assessments.physician_global_vas,
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
)

select * from final

{#-
  The PRINTO criteria of clinically inactive disease (Lazarevic et al., Ann
  Rheum Dis 2013; seed inactive_disease_criteria: CK <= 150 U/L, CMAS >= 48,
  MMT8 >= 78, physician global VAS <= 0.2 cm), each evaluated per
  assessment: one row per assessment x criterion, every criterion present.
  Two kinds of assessment, for the all_treated patients:

  - visit: every visit. The visit measures are the visit's own values (as
    int_outcome_observations reads them: macro visit_measure_value). A lab
    criterion (CK) takes the sample on the visit day, or else the nearest
    within var inactive_disease_lab_tolerance_days days either side; at equal
    distance the earlier sample (bloods are drawn before clinic), on one
    day the first record. Beyond the tolerance the CK is missing: a sample
    weeks away belongs to another assessment.
  - timepoint: every analysis timepoint (baseline, 6, 12, 18, 24 months,
    last follow-up), each criterion's windowed value from
    marts.outcome_timepoints, as every outcome of the study is windowed (per
    measure: the values may come from different visits of the window; the
    marts show how far apart).

  is_met is three-valued: true or false, or null when the value is missing
  or a censored lab result leaves it open. A censored result's true value
  lies below (`<x`, `<=x`) or above (`>x`, `>=x`) its number: CK `<100` meets
  CK <= 150, CK `>2000` fails it, CK `>100` or `<200` could do either.

  The visit values are read from the visit rows themselves, and only lab
  values from int_outcome_observations: joining every visit to its long
  observations (~40 M rows at a million patients) took three quarters of
  this model's time.
-#}
-- depends_on: {{ ref('extract_columns') }}
with

visits as (
    select * from {{ ref('stg_registry__visits') }}
),

patients as (
    select patient_id, index_date from {{ ref('patients') }} where in_all_treated
),

observations as (
    select * from {{ ref('int_outcome_observations') }}
),

outcome_timepoints as (
    select patient_id, measure, timepoint, value, value_qualifier, visit_date, study_day
    from {{ ref('outcome_timepoints') }}
),

timepoint_windows as (
    select timepoint from {{ ref('int_timepoint_windows') }}
),

inactive_disease_criteria as (
    select * from {{ ref('inactive_disease_criteria') }}
),

outcome_measures as (
    select measure, source, source_field from {{ ref('outcome_measures') }}
),

parameters as (
    select inactive_disease_lab_tolerance_days from {{ ref('int_study_parameters') }}
),

criteria as (
    select
        inactive_disease_criteria.*,
        outcome_measures.source as measure_source,
        outcome_measures.source_field
    from inactive_disease_criteria
    inner join outcome_measures using (measure)
),

visits_of_patients as (
    select
        visits.*,
        patients.index_date,
        cast({{ days_between('patients.index_date', 'visits.visit_date') }} as integer) as study_day
    from visits
    inner join patients using (patient_id)
),

lab_observations as (
    select observations.*
    from observations
    inner join criteria
        on observations.measure = criteria.measure
        and criteria.measure_source = 'lab'
),

-- Visit criteria read the visit's own value (its observation of the measure).
visit_measure_values_or_missing as (
    select
        visits_of_patients.visit_id,
        criteria.criterion,
        {{ visit_measure_value('criteria.source_field') }} as value,
        cast(null as {{ dbt.type_string() }}) as value_qualifier,
        visits_of_patients.visit_date as observation_date
    from visits_of_patients
    inner join criteria on criteria.measure_source = 'visit'
),

visit_measure_values as (
    select * from visit_measure_values_or_missing where value is not null
),

lab_samples_near_visits as (
    select
        visits_of_patients.visit_id,
        criteria.criterion,
        observations.value,
        observations.value_qualifier,
        observations.observation_date,
        observations.source_row,
        cast({{ days_between('visits_of_patients.visit_date', 'observations.observation_date') }} as integer)
            as days_from_visit
    from visits_of_patients
    inner join criteria on criteria.measure_source = 'lab'
    cross join parameters
    inner join lab_observations as observations
        on observations.patient_id = visits_of_patients.patient_id
        and observations.measure = criteria.measure
        and observations.observation_date
            between {{ add_days('visits_of_patients.visit_date', '-parameters.inactive_disease_lab_tolerance_days') }}
            and {{ add_days('visits_of_patients.visit_date', 'parameters.inactive_disease_lab_tolerance_days') }}
),

{%- set nearest = ['abs(days_from_visit)', 'days_from_visit', 'source_row'] %}

lab_values_nearest as (
    select
        visit_id,
        criterion,
        {{ arg_min_by('value', nearest) }} as value,
        {{ arg_min_by('value_qualifier', nearest) }} as value_qualifier,
        {{ arg_min_by('observation_date', nearest) }} as observation_date
    from lab_samples_near_visits
    group by visit_id, criterion
),

visit_criterion_values as (
    select * from visit_measure_values
    union all
    select * from lab_values_nearest
),

visit_assessments as (
    select
        'visit' as assessment_type,
        visits_of_patients.patient_id,
        visits_of_patients.visit_id as source_record_id,
        visits_of_patients.visit_date,
        visits_of_patients.study_day,
        cast(null as {{ dbt.type_string() }}) as timepoint,
        criteria.criterion,
        criteria.measure,
        visit_criterion_values.value,
        visit_criterion_values.value_qualifier,
        visit_criterion_values.observation_date,
        cast({{ days_between('visits_of_patients.index_date', 'visit_criterion_values.observation_date') }}
            as integer) as observation_study_day
    from visits_of_patients
    cross join criteria
    left join visit_criterion_values
        on visit_criterion_values.visit_id = visits_of_patients.visit_id
        and visit_criterion_values.criterion = criteria.criterion
),

timepoint_assessments as (
    select
        'timepoint' as assessment_type,
        patients.patient_id,
        cast(null as {{ dbt.type_string() }}) as source_record_id,
        cast(null as date) as visit_date,
        cast(null as integer) as study_day,
        timepoint_windows.timepoint,
        criteria.criterion,
        criteria.measure,
        outcome_timepoints.value,
        outcome_timepoints.value_qualifier,
        outcome_timepoints.visit_date as observation_date,
        outcome_timepoints.study_day as observation_study_day
    from patients
    cross join timepoint_windows
    cross join criteria
    left join outcome_timepoints
        on outcome_timepoints.patient_id = patients.patient_id
        and outcome_timepoints.timepoint = timepoint_windows.timepoint
        and outcome_timepoints.measure = criteria.measure
),

assessments as (
    select * from visit_assessments
    union all
    select * from timepoint_assessments
),

-- The comparison on the reported number, kept only where a censored
-- result's true value cannot turn it.
criteria_evaluated as (
    select
        assessments.*,
        criteria.comparison,
        criteria.threshold,
        criteria.is_required_in_strict_variant,
        case criteria.comparison
            when '<=' then
                case
                    when assessments.value_qualifier is null then assessments.value <= criteria.threshold
                    when assessments.value_qualifier in ('<', '<=') and assessments.value <= criteria.threshold then true
                    when assessments.value_qualifier = '>' and assessments.value >= criteria.threshold then false
                    when assessments.value_qualifier = '>=' and assessments.value > criteria.threshold then false
                end
            when '>=' then
                case
                    when assessments.value_qualifier is null then assessments.value >= criteria.threshold
                    when assessments.value_qualifier in ('>', '>=') and assessments.value >= criteria.threshold then true
                    when assessments.value_qualifier = '<' and assessments.value <= criteria.threshold then false
                    when assessments.value_qualifier = '<=' and assessments.value < criteria.threshold then false
                end
        end as is_met
    from assessments
    inner join criteria using (criterion)
),

final as (
    select
        assessment_type,
        patient_id,
        source_record_id,
        visit_date,
        study_day,
        timepoint,
        criterion,
        measure,
        value,
        value_qualifier,
        observation_date,
        observation_study_day,
        is_required_in_strict_variant,
        is_met
    from criteria_evaluated
)

select * from final

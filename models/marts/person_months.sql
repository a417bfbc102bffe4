{#-
  Monthly person-time of the whole registry for the causal estimate (a
  marginal structural model, docs/study.md): one row per
  registered patient x month from diagnosis to the last visit, with the
  treatment status that month, the activity carried into it, the outcomes
  measured in it and the baseline covariates. Rules: the headers of
  int_person_time_patients, int_person_time_activity_runs and
  int_person_months.

  treatment_category, the model's contrast (var msm_started_more_than_months, 12):
  - not_yet_or_never: the exposure drug not started by this month (or never);
  - started_up_to_12_months: started 0 to 12 months earlier (month of the first dose = 0);
  - started_over_12_months: started more than 12 months earlier (13 or more).
-#}
{%- set after = var('msm_started_more_than_months') | int -%}
with

person_months as (
    select * from {{ ref('int_person_months') }}
),

final as (
    select
        person_months.patient_id,
        person_months.month_number,
        person_months.month_start_date,
        person_months.month_end_date,
        person_months.has_started_treatment,
        coalesce(person_months.month_number = person_months.treatment_start_month_number, false)
            as is_treatment_start_month,
        coalesce(person_months.month_number <= person_months.treatment_start_month_number, true)
            as is_at_risk_of_starting,
        person_months.months_since_treatment_start,
        case
            when not person_months.has_started_treatment then 'not_yet_or_never'
            when person_months.months_since_treatment_start <= {{ after }} then 'started_up_to_{{ after }}_months'
            else 'started_over_{{ after }}_months'
        end as treatment_category,
        person_months.sex,
        person_months.age_at_diagnosis_years,
        person_months.disease_duration_at_diagnosis_months,
        cast(person_months.previous_physician_global_vas as decimal(18, 6)) as previous_physician_global_vas,
        cast(person_months.previous_das_skin as integer) as previous_das_skin,
        cast(person_months.previous_cmas as integer) as previous_cmas,
        cast(person_months.outcome_physician_global_vas as decimal(18, 6)) as outcome_physician_global_vas,
        cast(person_months.outcome_das_skin as integer) as outcome_das_skin,
        cast(person_months.outcome_cmas as integer) as outcome_cmas
    from person_months
)

select * from final

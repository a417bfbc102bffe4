{#-
  Monthly person-time of the whole registry: one row per patient with
  person-time x month, from the month of diagnosis (month 0) to the month
  of the last visit (int_person_time_patients), with the treatment status
  that month and the activity carried into it and measured in it
  (int_person_time_activity_runs, whose header gives the rules).

  - Month m runs from day floor(m x 30.4375) after the diagnosis date to
    the day before month m + 1 starts (macros/person_time.sql).
  - Status per month: not yet started (months before the month of the
    first dose, and every month of a never-treated patient), or started,
    with months_since_treatment_start = month - the month of the first dose
    (0 in that month).
  - Previous activity: the run's value while the month is within its
    limit (previous_<measure>_through_month_number), else missing.

  A view: marts.person_months is its only reader, and at a million patients
  its ~64 M rows would otherwise be written twice. Set-based: each run is
  repeated once per month (macros/portable_sql.sql repeat_for_range).
-#}
{{ config(materialized='view') }}
{%- set measures = ['physician_global_vas', 'das_skin', 'cmas'] -%}

with

patients as (
    select * from {{ ref('int_person_time_patients') }}
),

activity_runs as (
    select * from {{ ref('int_person_time_activity_runs') }}
),

runs_of_patients as (
    select
        activity_runs.*,
        patients.diagnosis_date,
        patients.last_visit_date,
        patients.treatment_start_date,
        patients.treatment_start_month_number,
        patients.sex,
        patients.age_at_diagnosis_years,
        patients.disease_duration_at_diagnosis_months
    from activity_runs
    inner join patients using (patient_id)
),

months as (
    select runs_of_patients.*, month_number
    from runs_of_patients
    {{ repeat_for_range('from_month_number', 'through_month_number', 'month_number') }}
),

final as (
    select
        patient_id,
        cast(month_number as integer) as month_number,
        {{ add_days('diagnosis_date', month_start_day('month_number')) }} as month_start_date,
        {{ add_days('diagnosis_date', month_start_day('month_number + 1') ~ ' - 1') }} as month_end_date,
        diagnosis_date,
        last_visit_date,
        treatment_start_date,
        treatment_start_month_number,
        coalesce(month_number >= treatment_start_month_number, false) as has_started_treatment,
        case when month_number >= treatment_start_month_number
            then cast(month_number - treatment_start_month_number as integer) end as months_since_treatment_start,
        sex,
        age_at_diagnosis_years,
        disease_duration_at_diagnosis_months,
        {%- for m in measures %}
        case when month_number <= previous_{{ m }}_through_month_number then previous_{{ m }} end as previous_{{ m }},
        {%- endfor %}
        {%- for m in measures %}
        outcome_{{ m }}{{ ',' if not loop.last }}
        {%- endfor %}
    from months
)

select * from final

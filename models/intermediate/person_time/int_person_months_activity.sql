{#-
  Per patient x month of int_person_months: the disease activity carried
  into the month (what the treatment decision that month can have seen)
  and the outcomes measured in it.

  - Previous activity, per measure (physician global VAS, DAS skin, CMAS):
    the value of the patient's latest visit with the measure recorded
    BEFORE the month starts, at most var person_time_carry_forward_days
    (183) days before its first day; older or none: missing (last
    observation carried forward inside a limit, never beyond it). A visit
    before the diagnosis date counts like any other.
  - Outcome, per measure (physician global VAS, DAS skin, CMAS): the value
    of the latest visit inside the month that records it (ties on a day:
    the later record in visits.csv); missing when no visit of the month
    records it.

  Set-based and bounded: each visit is repeated once for every month whose
  first day lies in the carry-forward window after it (at most 7), then
  one arg_max per patient x month picks the latest value; no window
  functions, no sort of the whole person-time.
-#}
{%- set measures = ['physician_global_vas', 'das_skin', 'cmas'] -%}
{%- set limit_days = var('person_time_carry_forward_days') -%}

with

person_months as (
    select patient_id, month_number, diagnosis_date from {{ ref('int_person_months') }}
),

visits as (
    select * from {{ ref('stg_registry__visits') }}
),

patients as (
    select distinct patient_id, diagnosis_date from person_months
),

visits_timed as (
    select
        visits.patient_id,
        visits.visit_date,
        visits.source_row,
        {{ days_between('patients.diagnosis_date', 'visits.visit_date') }} as visit_day,
        {%- for m in measures %}
        visits.{{ m }},
        {%- endfor %}
        {{ month_of_day(days_between('patients.diagnosis_date', 'visits.visit_date')) }} as visit_month_number
    from visits
    inner join patients using (patient_id)
    where visits.physician_global_vas is not null or visits.das_skin is not null or visits.cmas is not null
),

-- Each visit with every month it can inform: months starting 1 to
-- `limit_days` days after it.
visits_carried as (
    select visits_timed.*, month_number
    from visits_timed
    {{ repeat_for_range('visit_month_number + 1', month_of_day('visit_day + ' ~ limit_days), 'month_number') }}
),

previous_activity as (
    select
        patient_id,
        month_number,
        {%- for m in measures %}
        {{ arg_max_by(m, ['visit_date', 'source_row']) }} filter (where {{ m }} is not null)
            as previous_{{ m }}{{ ',' if not loop.last }}
        {%- endfor %}
    from visits_carried
    where month_number >= 0
    group by patient_id, month_number
),

outcomes as (
    select
        patient_id,
        visit_month_number as month_number,
        {%- for m in measures %}
        {{ arg_max_by(m, ['visit_date', 'source_row']) }} filter (where {{ m }} is not null)
            as outcome_{{ m }}{{ ',' if not loop.last }}
        {%- endfor %}
    from visits_timed
    where visit_month_number >= 0
    group by patient_id, visit_month_number
),

final as (
    select
        person_months.patient_id,
        person_months.month_number,
        {%- for m in measures %}
        previous_activity.previous_{{ m }},
        {%- endfor %}
        {%- for m in measures %}
        outcomes.outcome_{{ m }}{{ ',' if not loop.last }}
        {%- endfor %}
    from person_months
    left join previous_activity using (patient_id, month_number)
    left join outcomes using (patient_id, month_number)
)

select * from final

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

  One ordered pass instead of a repeat: per patient, the months' first days
  and the visits in day order (a visit on a month's first day after that
  month's row, so it is inside the month, not before it), each month taking
  the latest value recorded before it (macro last_value_ignoring_nulls).
  Repeating every visit into each month it may inform (about 7) and picking
  the latest per patient x month grouped ~130 M rows into ~64 M groups at a
  million patients and spilled: 318 s.
-#}
{%- set measures = ['physician_global_vas', 'das_skin', 'cmas'] -%}
{%- set limit_days = var('person_time_carry_forward_days') | int -%}

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

-- The visits and the months' first days, in one timeline per patient (the
-- visits first: their columns give the union its types).
timeline as (
    select
        patient_id,
        cast(null as integer) as month_number,
        visit_day as day,
        1 as is_visit,
        source_row
        {%- for m in measures %},
        {{ m }}
        {%- endfor %}
    from visits_timed
    union all
    select
        patient_id,
        month_number,
        {{ month_start_day('month_number') }} as day,
        0 as is_visit,
        null as source_row
        {%- for m in measures %},
        null as {{ m }}
        {%- endfor %}
    from person_months
),

-- At each row, the latest value (and its day) of each measure strictly
-- before it: a visit on the same day as a month's start sorts after it.
{%- set before_this_row = 'over (partition by patient_id order by day, is_visit, source_row
        rows between unbounded preceding and 1 preceding)' %}
timeline_carried as (
    select
        patient_id,
        month_number,
        day,
        is_visit
        {%- for m in measures %},
        {{ last_value_ignoring_nulls(m) }} {{ before_this_row }} as latest_{{ m }},
        {{ last_value_ignoring_nulls('case when ' ~ m ~ ' is not null then day end') }} {{ before_this_row }}
            as latest_{{ m }}_day
        {%- endfor %}
    from timeline
),

previous_activity as (
    select
        patient_id,
        month_number,
        {%- for m in measures %}
        case when latest_{{ m }}_day >= day - {{ limit_days }} then latest_{{ m }} end
            as previous_{{ m }}{{ ',' if not loop.last }}
        {%- endfor %}
    from timeline_carried
    where is_visit = 0
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

-- previous_activity has every person-month (each month's row of the timeline).
final as (
    select
        previous_activity.patient_id,
        previous_activity.month_number,
        {%- for m in measures %}
        previous_activity.previous_{{ m }},
        {%- endfor %}
        {%- for m in measures %}
        outcomes.outcome_{{ m }}{{ ',' if not loop.last }}
        {%- endfor %}
    from previous_activity
    left join outcomes using (patient_id, month_number)
)

select * from final

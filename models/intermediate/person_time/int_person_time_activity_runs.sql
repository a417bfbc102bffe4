{#-
  The disease activity of each patient's person-time, as runs of months
  that share it. int_person_months repeats each run once per month.

  The activity of a person-month, per measure (physician global VAS, DAS
  skin, CMAS):
  - previous: the value of the patient's latest visit with the measure
    recorded BEFORE the month starts, at most var
    person_time_carry_forward_days (183) days before its first day; older
    or none: missing (last observation carried forward inside a limit,
    never beyond it). A visit before the diagnosis date counts like any
    other.
  - outcome: the value of the latest visit inside the month that records
    it (staging keeps one visit per patient and day); missing when no
    visit of the month records it.

  Both change only at a month with a visit, so a patient's months from 0
  to the last fall into runs:
  - a month with a visit: a run of its own, carrying the values recorded
    before the month, with the month's outcomes;
  - the months after it up to the next month with a visit: one run,
    carrying the values recorded up to the end of that month, no outcome;
  - the months before the first month with a visit: one run, nothing
    carried, no outcome.
  Each run gives, per measure, the value carried, the day it was recorded
  and the last month it may be carried into (previous_<measure>_through_month_number:
  the month holding that day + 183, whose first day is at most 183 days
  after it); int_person_months drops the value after that month.

  Why runs: at a million patients (~64 M person-months) an ordered pass over
  every month and visit sorted ~100 M rows (127 s alone, 190-310 s in the
  two-thread build); the window here runs over the months with a visit
  only, and the runs are fewer than the months.
-#}
{%- set measures = ['physician_global_vas', 'das_skin', 'cmas'] -%}
{%- set limit_days = var('person_time_carry_forward_days') | int -%}
{%- set in_month_order = 'partition by patient_id order by visit_month_number' -%}
{%- set before_this_row = 'over (' ~ in_month_order ~ ' rows between unbounded preceding and 1 preceding)' -%}

with

patients as (
    select * from {{ ref('int_person_time_patients') }}
),

visits as (
    select * from {{ ref('stg_registry__visits') }}
),

visits_timed as (
    select
        visits.patient_id,
        {{ days_between('patients.diagnosis_date', 'visits.visit_date') }} as visit_day,
        {{ month_of_day(days_between('patients.diagnosis_date', 'visits.visit_date')) }} as visit_month_number,
        {%- for m in measures %}
        visits.{{ m }}{{ ',' if not loop.last }}
        {%- endfor %}
    from visits
    inner join patients using (patient_id)
    where {% for m in measures %}visits.{{ m }} is not null{{ ' or ' if not loop.last }}{% endfor %}
),

-- Per month with a visit (also before diagnosis): each measure's latest
-- value in the month and the day it was recorded. The day orders a
-- patient's visits: staging keeps one visit per patient and day (tested
-- there: unique patient_id, visit_date).
visit_months as (
    select
        patient_id,
        visit_month_number,
        {%- for m in measures %}
        {{ arg_max_by(m, ['visit_day']) }} filter (where {{ m }} is not null) as month_{{ m }},
        max(visit_day) filter (where {{ m }} is not null) as month_{{ m }}_day,
        {%- endfor %}
        min(visit_month_number) over (partition by patient_id) as first_visit_month_number
    from visits_timed
    group by patient_id, visit_month_number
),

-- The latest value of each measure recorded in the months before this one
-- (a value and its day are missing together), and the next month with a visit.
visit_months_carried as (
    select
        *,
        {%- for m in measures %}
        {{ last_value_ignoring_nulls('month_' ~ m) }} {{ before_this_row }} as before_{{ m }},
        {{ last_value_ignoring_nulls('month_' ~ m ~ '_day') }} {{ before_this_row }} as before_{{ m }}_day,
        {%- endfor %}
        lead(visit_month_number) over ({{ in_month_order }}) as next_visit_month_number
    from visit_months
),

runs as (
    -- A month with a visit: the values from before it, its own outcomes.
    select
        patient_id,
        visit_month_number as from_month_number,
        visit_month_number as through_month_number,
        {%- for m in measures %}
        before_{{ m }} as previous_{{ m }},
        before_{{ m }}_day as previous_{{ m }}_day,
        month_{{ m }} as outcome_{{ m }}{{ ',' if not loop.last }}
        {%- endfor %}
    from visit_months_carried
    union all
    -- The months after it, up to the next month with a visit: its values
    -- where it records the measure, else those from before it.
    select
        patient_id,
        visit_month_number + 1,
        next_visit_month_number - 1,
        {%- for m in measures %}
        coalesce(month_{{ m }}, before_{{ m }}),
        coalesce(month_{{ m }}_day, before_{{ m }}_day),
        null{{ ',' if not loop.last }}
        {%- endfor %}
    from visit_months_carried
    union all
    -- The months before the first month with a visit (every month of a
    -- patient without one): nothing carried.
    select
        patients.patient_id,
        0,
        first_visit_months.first_visit_month_number - 1,
        {%- for m in measures %}
        null,
        null,
        null{{ ',' if not loop.last }}
        {%- endfor %}
    from patients
    left join (select distinct patient_id, first_visit_month_number from visit_months) as first_visit_months
        using (patient_id)
),

-- Within the patient's months: from month 0 (visits before diagnosis
-- carry into it) to the month of the last visit.
runs_followed as (
    select
        runs.*,
        greatest(runs.from_month_number, 0) as followed_from_month_number,
        least(coalesce(runs.through_month_number, patients.last_month_number), patients.last_month_number)
            as followed_through_month_number
    from runs
    inner join patients using (patient_id)
),

final as (
    select
        patient_id,
        cast(followed_from_month_number as integer) as from_month_number,
        cast(followed_through_month_number as integer) as through_month_number,
        {%- for m in measures %}
        previous_{{ m }},
        previous_{{ m }}_day,
        {{ month_of_day('previous_' ~ m ~ '_day + ' ~ limit_days) }} as previous_{{ m }}_through_month_number,
        {%- endfor %}
        {%- for m in measures %}
        outcome_{{ m }}{{ ',' if not loop.last }}
        {%- endfor %}
    from runs_followed
    where followed_from_month_number <= followed_through_month_number
)

select * from final

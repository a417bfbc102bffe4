{#-
  Each person-month of int_person_months (its columns as they are), with
  the disease activity carried into the month (what the treatment decision
  that month can have seen) and the outcomes measured in it.

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

  One ordered pass per patient, no join of person-months: one timeline of
  the visits, one outcome row per month with a visit, and the months' own
  rows, in day order. A month's row sorts right after its outcome row and
  before the visits on its first day (those are inside the month). Each
  month row takes the latest value recorded before it (macro
  last_value_ignoring_nulls) and, from the row just before it, its outcome
  row's values (lag). The month rows carry int_person_months's columns
  through the pass, so marts.person_months needs no join. At a million
  patients (~64 M person-months) the activity and the mart's join of two
  such tables took 221 s + 173 s of a two-thread build; this pass takes
  130 s alone, 190-310 s beside another model (the two share DuckDB's
  memory limit and the sort of ~100 M timeline rows spills).
-#}
{%- set measures = ['physician_global_vas', 'das_skin', 'cmas'] -%}
{%- set limit_days = var('person_time_carry_forward_days') | int -%}
{#- int_person_months's columns, carried through the timeline on the month rows. -#}
{%- set person_month_columns = [
    'month_number', 'month_start_date', 'month_end_date', 'diagnosis_date', 'last_visit_date',
    'treatment_start_date', 'treatment_start_month_number', 'has_started_treatment',
    'months_since_treatment_start', 'sex', 'age_at_diagnosis_years', 'disease_duration_at_diagnosis_months',
] -%}
{#- The timeline's row kinds, in their order on a day. -#}
{%- set outcome_row, month_row, visit_row = -1, 0, 1 -%}

with

person_months as (
    select * from {{ ref('int_person_months') }}
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

-- The month rows first: their columns give the union its types.
timeline as (
    select
        patient_id,
        {{ month_start_day('month_number') }} as day,
        {{ month_row }} as row_kind,
        cast(null as bigint) as source_row,
        {%- for m in measures %}
        null as {{ m }},
        null as outcome_{{ m }},
        {%- endfor %}
        {{ person_month_columns | join(', ') }}
    from person_months
    union all
    select
        patient_id,
        {{ month_start_day('month_number') }} as day,
        {{ outcome_row }} as row_kind,
        null as source_row,
        {%- for m in measures %}
        null as {{ m }},
        outcome_{{ m }},
        {%- endfor %}
        {%- for c in person_month_columns %}
        null{{ ',' if not loop.last }}
        {%- endfor %}
    from outcomes
    union all
    select
        patient_id,
        visit_day as day,
        {{ visit_row }} as row_kind,
        source_row,
        {%- for m in measures %}
        {{ m }},
        null as outcome_{{ m }},
        {%- endfor %}
        {%- for c in person_month_columns %}
        null{{ ',' if not loop.last }}
        {%- endfor %}
    from visits_timed
),

-- At each row, the latest value (and its day) of each measure up to it (a
-- month row records none itself, so on a month row: strictly before the
-- month), and the row just before it.
{%- set in_day_order = 'partition by patient_id order by day, row_kind, source_row' %}
{%- set up_to_this_row = 'over (' ~ in_day_order ~ ' rows between unbounded preceding and current row)' %}
timeline_carried as (
    select
        *,
        {%- for m in measures %}
        {{ last_value_ignoring_nulls(m) }} {{ up_to_this_row }} as latest_{{ m }},
        {{ last_value_ignoring_nulls('case when ' ~ m ~ ' is not null then day end') }} {{ up_to_this_row }}
            as latest_{{ m }}_day,
        lag(outcome_{{ m }}) over ({{ in_day_order }}) as row_before_outcome_{{ m }},
        {%- endfor %}
        lag(row_kind) over ({{ in_day_order }}) as row_before_kind
    from timeline
),

final as (
    select
        patient_id,
        {{ person_month_columns | join(',\n        ') }},
        {%- for m in measures %}
        case when latest_{{ m }}_day >= day - {{ limit_days }} then latest_{{ m }} end as previous_{{ m }},
        {%- endfor %}
        {%- for m in measures %}
        case when row_before_kind = {{ outcome_row }} then row_before_outcome_{{ m }} end
            as outcome_{{ m }}{{ ',' if not loop.last }}
        {%- endfor %}
    from timeline_carried
    where row_kind = {{ month_row }}
)

select * from final

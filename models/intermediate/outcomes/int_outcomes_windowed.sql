{#-
  Visit and lab measures windowed to the analysis timepoints, for the
  all_treated patients (completers are a subset): one row per patient x
  measure x timepoint that has a value. The selection, per measure (a
  visit lacking the measure is not a candidate for it):
  - nearest_to_target: among values with window_low_day <= study_day <=
    window_high_day (edges inclusive), the one nearest target_day; a tie in
    distance goes to the earlier day; the same day twice (two lab samples)
    goes to the first record in the file.
  - latest: the latest value with study_day >= window_low_day (last
    follow-up: day 365 by default); same-day ties as above.
  One set-based pick per group (arg_min of the row over a sort key), not a
  sort of every visit.

  Visit measures are picked from the visit rows as they are (wide), one
  pick per measure column and patient x timepoint, and only then turned
  long: at a million patients that groups ~0.8 M patient x timepoint pairs
  instead of ~40 M long values by ~9 M patient x measure x timepoint, and
  keeps the build within its memory limit (the long form spilled to disk:
  63 s against ~6 s). Values, study days and the selection are those of
  int_outcome_observations (macros visit_measure_fields, visit_measure_value); lab measures are
  picked from it as they are.
-#}
{%- set visit_fields = visit_measure_fields() %}
{%- set sort_key = ['selection_rank', 'study_day', 'source_row'] %}
-- depends_on: {{ ref('extract_columns') }}

with

visits as (
    select * from {{ ref('stg_registry__visits') }}
),

observations as (
    select * from {{ ref('int_outcome_observations') }}
),

outcome_measures as (
    select * from {{ ref('outcome_measures') }}
),

patients_indexed as (
    select patient_id, index_date
    from {{ ref('int_patients_exposed') }}
    where index_date is not null
),

analysis_sets as (
    select patient_id from {{ ref('int_cohort_analysis_sets') }} where in_all_treated
),

timepoint_windows as (
    select * from {{ ref('int_timepoint_windows') }}
),

visit_measures as (
    select measure, source_field from outcome_measures where source = 'visit'
),

lab_measures as (
    select measure from outcome_measures where source = 'lab'
),

visits_of_treated_patients as (
    select
        visits.*,
        cast({{ days_between("patients_indexed.index_date", "visits.visit_date") }} as integer) as study_day
    from visits
    inner join patients_indexed using (patient_id)
    inner join analysis_sets using (patient_id)
),

lab_observations as (
    select observations.*
    from observations
    inner join lab_measures using (measure)
    inner join analysis_sets using (patient_id)
),


visit_candidates as (
    {{ in_timepoint_windows('visits_of_treated_patients', 'timepoint_windows') }}
),

lab_candidates as (
    {{ in_timepoint_windows('lab_observations', 'timepoint_windows') }}
),

-- Per patient and timepoint, for each measure column, the visit picked
-- among those that have it (source_row: unique per visit).
visit_picks_wide as (
    select
        patient_id,
        timepoint
        {%- for field, expression in visit_fields.items() %},
        {{ arg_min_by('source_row', sort_key) }} filter (where ({{ expression }}) is not null) as {{ field }}
        {%- endfor %}
    from visit_candidates
    group by patient_id, timepoint
),

visit_picks as (
    select
        visit_picks_wide.patient_id,
        visit_measures.measure,
        visit_picks_wide.timepoint,
        case visit_measures.source_field
            {%- for field in visit_fields %}
            when '{{ field }}' then visit_picks_wide.{{ field }}
            {%- endfor %}
        end as source_row
    from visit_picks_wide
    cross join visit_measures
),

visit_values_picked as (
    select
        visit_picks.patient_id,
        visit_picks.measure,
        visit_picks.timepoint,
        visits_of_treated_patients.visit_date as observation_date,
        visits_of_treated_patients.study_day,
        {{ visit_measure_value('visit_measures.source_field') }} as value,
        cast(null as {{ dbt.type_string() }}) as value_qualifier,
        visits_of_treated_patients.visit_id as source_record_id,
        visits_of_treated_patients.source_file,
        visits_of_treated_patients.source_row
    from visit_picks
    inner join visit_measures using (measure)
    inner join visits_of_treated_patients
        on visit_picks.source_row = visits_of_treated_patients.source_row
),

-- One pick per group, every column taken from the same row: the sort key
-- ends in source_row, unique per patient and measure.
{%- set picked_columns = ['observation_date', 'study_day', 'value', 'value_qualifier',
                          'source_record_id', 'source_file', 'source_row'] %}
lab_picks as (
    select
        patient_id,
        measure,
        timepoint,
        {{ arg_min_row(picked_columns, sort_key) }} as picked
    from lab_candidates
    group by patient_id, measure, timepoint
),

lab_values_picked as (
    select
        patient_id,
        measure,
        timepoint
        {%- for column in picked_columns %},
        picked.{{ column }}
        {%- endfor %}
    from lab_picks
),

final as (
    select * from visit_values_picked
    union all
    select * from lab_values_picked
)

select * from final

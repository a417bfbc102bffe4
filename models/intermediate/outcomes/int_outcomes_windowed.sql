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
-#}
with

observations as (
    select * from {{ ref('int_outcome_observations') }}
),

analysis_sets as (
    select patient_id from {{ ref('int_cohort_analysis_sets') }} where in_all_treated
),

timepoint_windows as (
    select * from {{ ref('int_timepoint_windows') }}
),

candidates as (
    select
        observations.*,
        timepoint_windows.timepoint,
        case timepoint_windows.selection
            when 'nearest_to_target' then abs(observations.study_day - timepoint_windows.target_day)
            when 'latest' then -observations.study_day
        end as selection_rank
    from observations
    inner join analysis_sets using (patient_id)
    inner join timepoint_windows
        on observations.study_day >= timepoint_windows.window_low_day
        -- No upper edge (last follow-up): an open range, kept a plain range
        -- condition so the engine can use a range join.
        and observations.study_day <= coalesce(timepoint_windows.window_high_day, 2147483647)
),

-- One pick per group, every column taken from the same row: the sort key
-- ends in source_row, unique per patient and measure.
{%- set picked_columns = ['observation_date', 'study_day', 'value', 'value_qualifier',
                          'source_record_id', 'source_file', 'source_row'] %}
picks as (
    select
        patient_id,
        measure,
        timepoint,
        {{ arg_min_row(picked_columns, ['selection_rank', 'study_day', 'source_row']) }} as picked
    from candidates
    group by patient_id, measure, timepoint
),

final as (
    select
        patient_id,
        measure,
        timepoint
        {%- for column in picked_columns %},
        picked.{{ column }}
        {%- endfor %}
    from picks
)

select * from final

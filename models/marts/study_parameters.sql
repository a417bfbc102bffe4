{#-
  The parameters this warehouse was built with, one row per parameter, so
  a reader can tell which protocol choices every number in the marts
  reflects: the vars (int_study_parameters) and the timepoint windows
  (seed timepoint_windows with any overrides).
-#}
with

parameters as (
    select * from {{ ref('int_study_parameters') }}
),

timepoint_windows as (
    select * from {{ ref('int_timepoint_windows') }}
),

var_values as (
    {%- set parameter_columns = [
        ('exposure_drug', 'Exposure drug (index date: its first-ever dose by the exposure route)'),
        ('exposure_route', 'Exposure route'),
        ('study_period_start', 'First exposure dose on or after this date'),
        ('study_period_end', 'First exposure dose on or before this date'),
        ('eligible_diagnoses', 'Diagnoses eligible at step 3'),
        ('min_follow_up_days', 'Minimum days from index date to last visit (step 5)'),
        ('muscle_weakness_cmas_below', 'Muscle weakness at baseline: baseline CMAS below this'),
        ('steroid_route', 'Route of the corticosteroid episodes summed into the daily dose'),
        ('response_timepoints', 'Timepoints at which the ACR/EULAR Total Improvement Score is computed (against baseline)'),
        ('inactive_disease_lab_tolerance_days', 'PRINTO inactive disease at a visit: CK on the visit day or the nearest within this many days'),
        ('person_time_carry_forward_days', 'Causal estimate: a score is carried into a later month for at most this many days'),
        ('msm_started_more_than_months', 'Causal estimate: the headline contrast, months more than this many months after the first dose against months never or not yet treated'),
        ('trajectory_measures', 'Mixed-effects trajectories: the measures modelled'),
        ('trajectory_first_day', 'Mixed-effects trajectories: the first day (from the index date) of the visits used'),
        ('trajectory_last_day', 'Mixed-effects trajectories: the last day (from the index date) of the visits used'),
    ] %}
    {%- for column, description in parameter_columns %}
    select
        '{{ column }}' as parameter,
        cast({{ column }} as {{ dbt.type_string() }}) as value,
        '{{ description }}' as description,
        'var' as defined_by
    from parameters
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

window_values as (
    select
        'timepoint_window.' || timepoint as parameter,
        case selection
            when 'nearest_to_target' then
                'target day ' || target_day || ', window ' || window_low_day || ' to ' || window_high_day
            when 'latest' then 'latest value on or after day ' || window_low_day
        end as value,
        timepoint_label || ' (days from index date; edges inclusive)' as description,
        case when is_overridden then 'var timepoint_window_overrides' else 'seed timepoint_windows' end as defined_by
    from timepoint_windows
),

final as (
    select * from var_values
    union all
    select * from window_values
)

select * from final

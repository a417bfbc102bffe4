{#-
  The components of the 2016 ACR/EULAR juvenile DM Total Improvement Score
  (TIS; Rider et al., Arthritis Rheumatol 2017;69:911-923, Table 3): one
  row per all_treated patient x response timepoint (var
  response_timepoints) x core set measure (seed measure_ranges: physician
  and parent global VAS, CMAS, MMT8, CHAQ, DAS total, and muscle_enzyme),
  every row present, scored or not. Sources, and the rules below worked by
  hand, are in CRITERIA_NOTES.md and python/tests/response_criteria_cases.py.

  - Values: each measure's windowed value at baseline and at the timepoint
    (marts.outcome_timepoints; windowing is per measure, so two components
    may come from different visits of one window).
  - Improvement, signed toward better (outcome_measures.better_direction),
    in the measure's units: `improvement_units`. Its percentage is of the
    measure's range (absolute percent change, as seed measure_ranges says;
    the range is the data dictionary's, int_measure_ranges) or, for the
    enzyme, of its baseline value (relative change).
  - Band: the row of seed response_criteria_points whose edges hold the
    percentage, each edge inclusive or not as the seed says ("worsening to
    5 %" includes 5 %). Compared without dividing, in exact decimals:
    improvement_units x 100 against edge x denominator. A division would
    give a binary float, and 15.000000000000002 is not 15.
  - Worsening, however large, is in band 1 (0 points): never abs().
  - The enzyme: among the enzymes with a limit in seed muscle_enzyme_limits
    and a baseline value, the most abnormal is the highest baseline value /
    upper limit of normal (compared by cross-multiplying, exact); a tie goes
    to the lower tie_break_order. The same enzyme is scored at the
    timepoint; if it has no value there the component is missing (no switch
    to another enzyme). A baseline of 0 leaves the relative change undefined:
    missing.
  - Censored lab results (`<x`, `<=x`, `>x`, `>=x`; staging keeps the
    qualifier): the true value lies below or above the number. For the
    choice of enzyme the number is used as the value, and the choice stands
    only if no other enzyme could be more abnormal whatever the censored
    results really are (else missing, `enzyme_choice_uncertain`). For the
    change, the number gives a bound on the improvement: a follow-up `<x` or
    a baseline `>x` means at least the improvement computed on the numbers,
    a follow-up `>x` or a baseline `<x` at most; both ways at once is
    unbounded. The component is scored only when every value past the bound
    stays in the bound's band: at least, in the open top band (> 40 %); at
    most, in band 1 (worsening to 5 %). Otherwise it is missing
    (`censored_band_unknown`), never guessed.
  - missing_reason (null when scored): no_baseline_value, no_timepoint_value,
    enzyme_choice_uncertain, baseline_value_zero, censored_band_unknown.
    A TIS needs every one of its six components (marts.total_improvement_scores).
-#}
with

outcome_timepoints as (
    select patient_id, measure, timepoint, value, value_qualifier, study_day
    from {{ ref('outcome_timepoints') }}
),

patients as (
    select patient_id from {{ ref('patients') }} where in_all_treated
),

measure_ranges as (
    select * from {{ ref('measure_ranges') }}
),

-- The range of each measure, from the data dictionary (seed extract_columns).
dictionary_ranges as (
    select * from {{ ref('int_measure_ranges') }}
),

response_criteria_points as (
    select * from {{ ref('response_criteria_points') }}
),

muscle_enzyme_limits as (
    select * from {{ ref('muscle_enzyme_limits') }}
),

outcome_measures as (
    select * from {{ ref('outcome_measures') }}
),

response_timepoints as (
    {%- for timepoint in var('response_timepoints') %}
    select {{ sql_text(timepoint) }} as timepoint
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

-- The enzymes the TIS can score: lab measures whose staged test has an
-- upper limit of normal.
enzymes as (
    select
        outcome_measures.measure as enzyme,
        outcome_measures.better_direction,
        muscle_enzyme_limits.upper_limit_of_normal,
        muscle_enzyme_limits.tie_break_order
    from outcome_measures
    inner join muscle_enzyme_limits
        on outcome_measures.source = 'lab' and outcome_measures.source_field = muscle_enzyme_limits.test
),

-- Each enzyme's baseline result with the interval its true value lies in
-- (value_high null: no upper limit).
baseline_enzymes as (
    select
        outcome_timepoints.patient_id,
        enzymes.enzyme,
        enzymes.upper_limit_of_normal,
        enzymes.tie_break_order,
        outcome_timepoints.value,
        outcome_timepoints.value_qualifier,
        case when outcome_timepoints.value_qualifier like '<%' then 0 else outcome_timepoints.value end as value_low,
        case when outcome_timepoints.value_qualifier like '>%' then null else outcome_timepoints.value end as value_high
    from outcome_timepoints
    inner join enzymes on outcome_timepoints.measure = enzymes.enzyme
    where outcome_timepoints.timepoint = 'baseline'
),

-- a/ua > b/ub  <=>  a x ub > b x ua (limits are positive): exact, no division.
enzymes_outranked as (
    select
        candidate.patient_id,
        candidate.enzyme,
        count(rival.enzyme) as n_more_abnormal
    from baseline_enzymes as candidate
    left join baseline_enzymes as rival
        on rival.patient_id = candidate.patient_id
        and rival.enzyme <> candidate.enzyme
        and (
            rival.value * candidate.upper_limit_of_normal > candidate.value * rival.upper_limit_of_normal
            or (rival.value * candidate.upper_limit_of_normal = candidate.value * rival.upper_limit_of_normal
                and rival.tie_break_order < candidate.tie_break_order)
        )
    group by candidate.patient_id, candidate.enzyme
),

most_abnormal_enzymes as (
    select baseline_enzymes.*
    from baseline_enzymes
    inner join enzymes_outranked using (patient_id, enzyme)
    where enzymes_outranked.n_more_abnormal = 0
),

-- Could a censored result hide a more abnormal enzyme? Another enzyme's
-- highest possible ratio reaching the chosen one's lowest possible ratio.
enzyme_choices_checked as (
    select
        chosen.patient_id,
        chosen.enzyme,
        count(other.enzyme) = 0 as is_enzyme_choice_certain
    from most_abnormal_enzymes as chosen
    left join baseline_enzymes as other
        on other.patient_id = chosen.patient_id
        and other.enzyme <> chosen.enzyme
        and (
            other.value_high is null
            or other.value_high * chosen.upper_limit_of_normal > chosen.value_low * other.upper_limit_of_normal
            or (other.value_high * chosen.upper_limit_of_normal = chosen.value_low * other.upper_limit_of_normal
                and other.tie_break_order < chosen.tie_break_order)
        )
    group by chosen.patient_id, chosen.enzyme
),

-- Every all_treated patient x response timepoint x core set measure.
component_grid as (
    select
        patients.patient_id,
        response_timepoints.timepoint,
        measure_ranges.measure,
        measure_ranges.core_set_domain,
        measure_ranges.percent_change_type,
        dictionary_ranges.range_min,
        dictionary_ranges.range_max,
        measure_ranges.in_cmas_variant,
        measure_ranges.in_mmt8_variant
    from patients
    cross join response_timepoints
    cross join measure_ranges
    left join dictionary_ranges on dictionary_ranges.measure = measure_ranges.measure
),

-- Which outcome measure each component reads: itself, or the patient's
-- most abnormal enzyme.
components_sourced as (
    select
        component_grid.*,
        case when component_grid.measure = 'muscle_enzyme' then most_abnormal_enzymes.enzyme
            else component_grid.measure end as source_measure,
        case when component_grid.measure = 'muscle_enzyme' then most_abnormal_enzymes.upper_limit_of_normal
            end as upper_limit_of_normal,
        enzyme_choices_checked.is_enzyme_choice_certain
    from component_grid
    left join most_abnormal_enzymes
        on component_grid.measure = 'muscle_enzyme'
        and most_abnormal_enzymes.patient_id = component_grid.patient_id
    left join enzyme_choices_checked
        on component_grid.measure = 'muscle_enzyme'
        and enzyme_choices_checked.patient_id = component_grid.patient_id
),

components_valued as (
    select
        components_sourced.*,
        outcome_measures.better_direction,
        baseline_values.value as baseline_value,
        baseline_values.value_qualifier as baseline_qualifier,
        timepoint_values.value,
        timepoint_values.value_qualifier,
        timepoint_values.study_day
    from components_sourced
    left join outcome_measures
        on outcome_measures.measure = components_sourced.source_measure
    left join outcome_timepoints as baseline_values
        on baseline_values.patient_id = components_sourced.patient_id
        and baseline_values.measure = components_sourced.source_measure
        and baseline_values.timepoint = 'baseline'
    left join outcome_timepoints as timepoint_values
        on timepoint_values.patient_id = components_sourced.patient_id
        and timepoint_values.measure = components_sourced.source_measure
        and timepoint_values.timepoint = components_sourced.timepoint
),

-- Signed improvement in units, what it is a percentage of, and which way a
-- censored value can move it (+1: at least this, -1: at most this, 0: exact,
-- null: either way). A higher baseline or a lower follow-up means more
-- improvement when lower is better, and the reverse when higher is better.
components_measured as (
    select
        components_valued.*,
        case better_direction
            when 'higher' then value - baseline_value
            when 'lower' then baseline_value - value
        end as improvement_units,
        case percent_change_type
            when 'absolute_of_range' then range_max - range_min
            when 'relative_to_baseline' then baseline_value
        end as denominator,
        case when better_direction = 'lower' then 1 else -1 end
            * case when baseline_qualifier like '>%' then 1 when baseline_qualifier like '<%' then -1 else 0 end
            as baseline_bound_direction,
        case when better_direction = 'lower' then -1 else 1 end
            * case when value_qualifier like '>%' then 1 when value_qualifier like '<%' then -1 else 0 end
            as value_bound_direction
    from components_valued
),

components_bounded as (
    select
        components_measured.*,
        case
            when baseline_bound_direction = 0 then value_bound_direction
            when value_bound_direction = 0 or value_bound_direction = baseline_bound_direction
                then baseline_bound_direction
        end as improvement_bound_direction
    from components_measured
),

components_banded as (
    select
        components_bounded.*,
        response_criteria_points.band_order,
        response_criteria_points.points as band_points,
        response_criteria_points.lower_bound_pct is null as is_band_open_below,
        response_criteria_points.upper_bound_pct is null as is_band_open_above
    from components_bounded
    left join response_criteria_points
        on response_criteria_points.measure = components_bounded.measure
        and components_bounded.denominator > 0
        and (
            response_criteria_points.lower_bound_pct is null
            or components_bounded.improvement_units * 100
                > response_criteria_points.lower_bound_pct * components_bounded.denominator
            or (response_criteria_points.lower_bound_inclusive
                and components_bounded.improvement_units * 100
                    = response_criteria_points.lower_bound_pct * components_bounded.denominator)
        )
        and (
            response_criteria_points.upper_bound_pct is null
            or components_bounded.improvement_units * 100
                < response_criteria_points.upper_bound_pct * components_bounded.denominator
            or (response_criteria_points.upper_bound_inclusive
                and components_bounded.improvement_units * 100
                    = response_criteria_points.upper_bound_pct * components_bounded.denominator)
        )
),

components_scored as (
    select
        components_banded.*,
        case
            when baseline_value is null then 'no_baseline_value'
            when not is_enzyme_choice_certain then 'enzyme_choice_uncertain'
            when value is null then 'no_timepoint_value'
            when denominator = 0 then 'baseline_value_zero'
            when improvement_bound_direction is null
                or (improvement_bound_direction = 1 and not is_band_open_above)
                or (improvement_bound_direction = -1 and not is_band_open_below)
                then 'censored_band_unknown'
        end as missing_reason
    from components_banded
),

final as (
    select
        patient_id,
        timepoint,
        measure,
        core_set_domain,
        in_cmas_variant,
        in_mmt8_variant,
        case when measure = 'muscle_enzyme' then source_measure end as enzyme,
        case when measure = 'muscle_enzyme' and baseline_value is not null
            then cast(baseline_value as double) / cast(upper_limit_of_normal as double)
        end as enzyme_baseline_ratio_to_uln,
        baseline_value,
        baseline_qualifier,
        value,
        value_qualifier,
        study_day,
        percent_change_type,
        improvement_units,
        case when denominator > 0
            then 100.0 * cast(improvement_units as double) / cast(denominator as double)
        end as improvement_pct,
        case when improvement_units is not null then
            case improvement_bound_direction when 0 then 'exact' when 1 then 'at_least' when -1 then 'at_most'
                else 'unbounded' end
        end as improvement_bound,
        case when missing_reason is null then band_order end as band_order,
        case when missing_reason is null then band_points end as points,
        missing_reason
    from components_scored
)

select * from final

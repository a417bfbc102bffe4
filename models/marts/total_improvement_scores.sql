{#-
  The 2016 ACR/EULAR juvenile DM Total Improvement Score (TIS, 0-100) and
  its response level: one row per all_treated patient x response timepoint
  (var response_timepoints), two scores each: with CMAS as the muscle
  strength measure (the primary score) and with MMT8 in its place. Points
  per component: int_response_components.

  - A score is the sum of its six components' points (seed measure_ranges,
    in_cmas_variant / in_mmt8_variant). If any of the six is missing there
    is no score and no level (null), and missing_components_<variant> names
    them: a patient is counted as not scored, never as a non-responder, and
    the present components are not rescaled (five components of 67.5 could
    be anything from moderate to major).
  - Level: the row of seed response_criteria_thresholds with the highest
    level_order whose minimum_total_score <= TIS (">= 30" includes 30).
    Levels are cumulative: a major responder has also reached moderate and
    minimal.
-#}
with

components as (
    select * from {{ ref('int_response_components') }}
),

patients as (
    select patient_id, in_completers, in_all_treated from {{ ref('patients') }} where in_all_treated
),

thresholds as (
    select * from {{ ref('response_criteria_thresholds') }}
),

timepoint_windows as (
    select timepoint, timepoint_order, timepoint_label from {{ ref('int_timepoint_windows') }}
),

-- Each score's six components, long: variant = its muscle strength measure.
variant_components as (
    select 'cmas' as variant, components.* from components where in_cmas_variant
    union all
    select 'mmt8' as variant, components.* from components where in_mmt8_variant
),

variant_scores as (
    select
        patient_id,
        timepoint,
        variant,
        case when count(points) = count(*) then sum(points) end as total_improvement_score,
        {{ ordered_string_agg("case when points is null then measure end", ['measure'], ';') }}
            as missing_components
    from variant_components
    group by patient_id, timepoint, variant
),

variant_levels as (
    select
        variant_scores.patient_id,
        variant_scores.timepoint,
        variant_scores.variant,
        {{ arg_min_by('thresholds.level', ['-thresholds.level_order']) }} as response_level
    from variant_scores
    inner join thresholds on thresholds.minimum_total_score <= variant_scores.total_improvement_score
    group by variant_scores.patient_id, variant_scores.timepoint, variant_scores.variant
),

variant_results as (
    select variant_scores.*, variant_levels.response_level
    from variant_scores
    left join variant_levels using (patient_id, timepoint, variant)
),

enzymes_chosen as (
    select
        patient_id,
        timepoint,
        enzyme as muscle_enzyme,
        enzyme_baseline_ratio_to_uln <= 1 as is_muscle_enzyme_normal_at_baseline
    from components
    where measure = 'muscle_enzyme'
),

scores_side_by_side as (
    select
        patient_id,
        timepoint,
        max(case when variant = 'cmas' then total_improvement_score end) as tis_cmas,
        max(case when variant = 'cmas' then response_level end) as response_level_cmas,
        max(case when variant = 'cmas' then missing_components end) as missing_components_cmas,
        max(case when variant = 'mmt8' then total_improvement_score end) as tis_mmt8,
        max(case when variant = 'mmt8' then response_level end) as response_level_mmt8,
        max(case when variant = 'mmt8' then missing_components end) as missing_components_mmt8
    from variant_results
    group by patient_id, timepoint
),

final as (
    select
        scores_side_by_side.patient_id,
        scores_side_by_side.timepoint,
        timepoint_windows.timepoint_order,
        timepoint_windows.timepoint_label,
        cast(scores_side_by_side.tis_cmas as decimal(5, 1)) as tis_cmas,
        scores_side_by_side.response_level_cmas,
        scores_side_by_side.missing_components_cmas,
        cast(scores_side_by_side.tis_mmt8 as decimal(5, 1)) as tis_mmt8,
        scores_side_by_side.response_level_mmt8,
        scores_side_by_side.missing_components_mmt8,
        enzymes_chosen.muscle_enzyme,
        enzymes_chosen.is_muscle_enzyme_normal_at_baseline,
        patients.in_completers,
        patients.in_all_treated
    from scores_side_by_side
    inner join patients using (patient_id)
    inner join timepoint_windows using (timepoint)
    left join enzymes_chosen using (patient_id, timepoint)
)

select * from final

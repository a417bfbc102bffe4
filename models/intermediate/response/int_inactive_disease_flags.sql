{#-
  Clinically inactive disease per assessment (int_inactive_disease_criteria)
  and variant (seed inactive_disease_variants): one row per assessment x
  variant.

  - printo (Lazarevic et al. 2013): at least minimum_criteria_met (3) of the
    four criteria met.
  - printo_pga_required (Almeida et al. 2015, on the UK JDM cohort): the
    same, and every criterion flagged is_required_in_strict_variant
    (physician global <= 0.2) among those met.

  Three-valued, never guessing a missing criterion: true when enough are met
  already; false when even the missing ones could not bring the count to
  the minimum, or a required criterion is known to fail; null (undetermined)
  otherwise. The strict flag is the standard one AND the required criteria,
  in SQL's three-valued logic (false and null is false; true and null is
  null).
-#}
with

criteria as (
    select * from {{ ref('int_inactive_disease_criteria') }}
),

variants as (
    select * from {{ ref('inactive_disease_variants') }}
),

criteria_counted as (
    select
        assessment_type,
        patient_id,
        source_record_id,
        timepoint,
        sum(case when is_met then 1 else 0 end) as n_criteria_met,
        sum(case when is_met is null then 1 else 0 end) as n_criteria_unknown,
        sum(case when is_required_in_strict_variant and not is_met then 1 else 0 end) as n_required_failed,
        sum(case when is_required_in_strict_variant and is_met is null then 1 else 0 end) as n_required_unknown
    from criteria
    group by assessment_type, patient_id, source_record_id, timepoint
),

flags as (
    select
        criteria_counted.*,
        variants.variant,
        variants.minimum_criteria_met,
        case
            when criteria_counted.n_criteria_met >= variants.minimum_criteria_met then true
            when criteria_counted.n_criteria_met + criteria_counted.n_criteria_unknown < variants.minimum_criteria_met
                then false
        end as has_enough_criteria_met,
        case
            when not variants.requires_strict_criteria then true
            when criteria_counted.n_required_failed > 0 then false
            when criteria_counted.n_required_unknown > 0 then null
            else true
        end as has_required_criteria_met
    from criteria_counted
    cross join variants
),

final as (
    select
        assessment_type,
        patient_id,
        source_record_id,
        timepoint,
        variant,
        n_criteria_met,
        n_criteria_unknown,
        has_enough_criteria_met,
        has_required_criteria_met,
        has_enough_criteria_met and has_required_criteria_met as is_inactive
    from flags
)

select * from final

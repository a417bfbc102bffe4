{#-
  One row per inactive-disease assessment (a visit, or a patient x
  timepoint) with its four criteria side by side (values, whether each is
  met) and both flags: the wide shape the two marts share
  (inactive_disease_visits, inactive_disease_timepoints). The columns are
  named after the criteria's measures and the variants; the seed tests pin
  those codes (inactive_disease_criteria.measure,
  inactive_disease_variants.variant), so a criterion or variant added to a
  seed fails the build until it has its columns here.
-#}
with

criteria as (
    select * from {{ ref('int_inactive_disease_criteria') }}
),

flags as (
    select * from {{ ref('int_inactive_disease_flags') }}
),

{%- set assessment_key = ['assessment_type', 'patient_id', 'source_record_id', 'timepoint'] %}

criteria_side_by_side as (
    select
        assessment_type,
        patient_id,
        source_record_id,
        timepoint,
        max(visit_date) as visit_date,
        max(study_day) as study_day,
        {%- for measure in ['ck', 'cmas', 'mmt8', 'physician_global_vas'] %}
        max(case when measure = '{{ measure }}' then value end) as {{ measure }},
        max(case when measure = '{{ measure }}' then observation_study_day end) as {{ measure }}_study_day,
        {%- endfor %}
        max(case when measure = 'ck' then value_qualifier end) as ck_qualifier,
        max(case when measure = 'ck' then observation_date end) as ck_sample_date,
        {%- for measure, name in [('ck', 'ck'), ('cmas', 'cmas'), ('mmt8', 'mmt8'), ('physician_global_vas', 'physician_global')] %}
        {#- bool_or over the one row of the criterion: three-valued, as is_met. #}
        bool_or(case when measure = '{{ measure }}' then is_met end) as is_{{ name }}_criterion_met,
        {%- endfor %}
        {#- The codes of the criteria left open, sorted: one per measure, then
            sorted as a list. An ordered string aggregate over the ~16 M
            criteria rows took 45 s of this model's 70 at a million patients. #}
        {%- set open_criteria = [] %}
        {%- for measure in ['ck', 'cmas', 'mmt8', 'physician_global_vas'] %}
        {%- do open_criteria.append("max(case when measure = '" ~ measure ~ "' and is_met is null then criterion end)") %}
        {%- endfor %}
        nullif({{ join_list(list_sorted_distinct(list_of(open_criteria)), ';') }}, '') as undetermined_criteria
    from criteria
    group by {{ assessment_key | join(', ') }}
),

flags_side_by_side as (
    select
        assessment_type,
        patient_id,
        source_record_id,
        timepoint,
        max(n_criteria_met) as n_criteria_met,
        max(n_criteria_unknown) as n_criteria_unknown,
        bool_or(case when variant = 'printo' then is_inactive end) as is_clinically_inactive_printo,
        bool_or(case when variant = 'printo_pga_required' then is_inactive end)
            as is_clinically_inactive_printo_pga_required
    from flags
    group by {{ assessment_key | join(', ') }}
),

final as (
    select
        criteria_side_by_side.*,
        flags_side_by_side.n_criteria_met,
        flags_side_by_side.n_criteria_unknown,
        flags_side_by_side.is_clinically_inactive_printo,
        flags_side_by_side.is_clinically_inactive_printo_pga_required
    from criteria_side_by_side
    inner join flags_side_by_side
        on flags_side_by_side.assessment_type = criteria_side_by_side.assessment_type
        and flags_side_by_side.patient_id = criteria_side_by_side.patient_id
        and flags_side_by_side.source_record_id is not distinct from criteria_side_by_side.source_record_id
        and flags_side_by_side.timepoint is not distinct from criteria_side_by_side.timepoint
)

select * from final

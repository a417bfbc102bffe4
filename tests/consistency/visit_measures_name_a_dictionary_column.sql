{{ config(meta={'kahn_category': 'conformance', 'check_scope': 'logic'}) }}
-- Every outcome measure read from the visits (seed outcome_measures,
-- source 'visit') names a number or Y/N column of visits.csv in the data
-- dictionary (seed extract_columns, staged name) or a composite measure
-- (macro composite_visit_fields). int_outcome_observations reads the
-- value through that name: one it does not know would give the measure no
-- value at all, and no row would say why.
with

visit_measures as (
    select measure, source_field from {{ ref('outcome_measures') }} where source = 'visit'
),

known_fields as (
    select staged_column as source_field
    from {{ ref('extract_columns') }}
    where source_file = 'visits.csv'
        and value_type in ({% for t in measure_value_types() %}'{{ t }}'{{ ', ' if not loop.last }}{% endfor %})
    {%- for field in composite_visit_fields() %}
    union all
    select '{{ field }}'
    {%- endfor %}
)

select visit_measures.measure, visit_measures.source_field
from visit_measures
where visit_measures.source_field not in (select source_field from known_fields)

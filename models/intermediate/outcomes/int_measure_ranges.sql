{#-
  Each outcome measure's range, as the data dictionary states it: one row
  per visit measure of seed outcome_measures whose column has a min_value
  and max_value in seed extract_columns (visits.csv). A composite measure
  (macro composite_visit_fields: das_total = das_skin + das_muscle) spans
  the sum of its parts' ranges, and has one only if every part has one.

  Why a model: the ranges are facts of the extract specification, and
  extract_columns is the one place they live (staging checks values
  against them). The Total Improvement Score takes a change as a
  percentage of this range (int_response_components); restating CMAS's
  range in a response seed would let the two drift apart.
-#}
{%- set composites = composite_visit_fields() %}

with

outcome_measures as (
    select * from {{ ref('outcome_measures') }}
),

extract_columns as (
    select * from {{ ref('extract_columns') }}
),

visit_columns as (
    select staged_column, min_value, max_value
    from extract_columns
    where source_file = 'visits.csv'
),

-- The dictionary columns each visit measure reads: its own, or its parts.
measure_columns as (
    select measure, source_field as staged_column
    from outcome_measures
    where source = 'visit'
    {%- if composites %}
        and source_field not in ({% for field in composites %}{{ sql_text(field) }}{{ ', ' if not loop.last }}{% endfor %})
    {%- endif %}
    {%- for field, parts in composites.items() %}
        {%- for part in parts %}
    union all
    select measure, {{ sql_text(part) }} as staged_column
    from outcome_measures
    where source = 'visit' and source_field = {{ sql_text(field) }}
        {%- endfor %}
    {%- endfor %}
),

measure_ranges_summed as (
    select
        measure_columns.measure,
        count(*) as n_columns,
        count(visit_columns.min_value) as n_min_values,
        count(visit_columns.max_value) as n_max_values,
        sum(visit_columns.min_value) as range_min,
        sum(visit_columns.max_value) as range_max
    from measure_columns
    left join visit_columns on visit_columns.staged_column = measure_columns.staged_column
    group by measure_columns.measure
),

final as (
    select
        measure,
        cast(range_min as decimal(18, 6)) as range_min,
        cast(range_max as decimal(18, 6)) as range_max
    from measure_ranges_summed
    where n_min_values = n_columns and n_max_values = n_columns
)

select * from final

{#-
  Outcome measures that are not a column of the extract but the sum of
  several (staged visit columns): the one place that says what das_total
  is. int_outcome_observations adds the parts' values on one visit;
  int_measure_ranges adds their ranges from the data dictionary.
-#}
{% macro composite_visit_fields() %}
    {{ return({'das_total': ['das_skin', 'das_muscle']}) }}
{% endmacro %}

{#- The data dictionary's value types a visit outcome measure can be read
    from: numbers as they are, Y/N as 1/0 (int_outcome_observations; the
    consistency test visit_measures_name_a_dictionary_column). -#}
{% macro measure_value_types() %}
    {{ return({'integer': 'number', 'decimal': 'number', 'yes_no': 'yes_no'}) }}
{% endmacro %}

{#- What each visit measure's value is, by the staged visit column or
    composite a seed row of outcome_measures names as its `source_field`:
    {source_field: SQL expression over a staged visit row}. The number and
    Y/N columns of visits.csv come from the data dictionary (a number as it
    is, Y/N as 1/0), then the composites, the sum of their parts (missing if
    any part is). int_outcomes_windowed picks per column with it; the value
    itself is macro visit_measure_value. -#}
{% macro visit_measure_fields() %}
    {%- set fields = {} %}
    {%- for column in extract_columns('visits.csv') %}
        {%- set name = column.staged_column %}
        {%- set kind = measure_value_types().get(column.value_type) %}
        {%- if kind == 'number' %}
            {%- do fields.update({name: name}) %}
        {%- elif kind == 'yes_no' %}
            {%- do fields.update({name: 'case when ' ~ name ~ ' then 1 when not ' ~ name ~ ' then 0 end'}) %}
        {%- endif %}
    {%- endfor %}
    {%- for field, parts in composite_visit_fields().items() %}
        {%- do fields.update({field: parts | join(' + ')}) %}
    {%- endfor %}
    {{ return(fields) }}
{% endmacro %}

{#- The value, as an exact decimal, of the visit measure whose source_field
    is in column `source_field` (a seed outcome_measures row joined to a
    staged visit row): missing when the visit does not record it. Read by
    int_outcome_observations, int_outcomes_windowed and
    int_inactive_disease_criteria, so a visit value is read one way. -#}
{% macro visit_measure_value(source_field) -%}
    cast(case {{ source_field }}
        {%- for field, expression in visit_measure_fields().items() %}
        when '{{ field }}' then {{ expression }}
        {%- endfor %}
    end as decimal(18, 6))
{%- endmacro %}

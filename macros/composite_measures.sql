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

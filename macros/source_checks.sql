{#- Shared by the source checks in tests/generic/source_checks.sql. -#}

{#- The records of `model` whose readable, non-empty `column_name` text
    fails `condition` (an expression over `value`, the trimmed text). -#}
{% macro source_values_failing(model, column_name, condition) %}
select source_row, {{ column_name }} as raw_value
from (
    select source_row, {{ column_name }}, {{ raw_text(column_name) }} as value
    from {{ model }}
    where record_status = 'ok'
        and not list_contains(undecodable_columns, '{{ column_name }}')
) as readable
where value is not null
    and not ({{ condition }})
{% endmacro %}

{#- No two rows share the same values in all of `columns` (dbt_utils'
    unique_combination_of_columns, written here: the package hub is out of
    reach). -#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n_rows
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}

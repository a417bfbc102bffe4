{#- The column is a key: present and unique, in one pass over the model (one
    aggregate instead of a not_null and a unique test reading it twice). -#}
{% test key(model, column_name) %}
select {{ column_name }}, count(*) as n_records
from {{ model }}
group by {{ column_name }}
having {{ column_name }} is null or count(*) > 1
{% endtest %}

{#-
  The few SQL constructs that differ between engines, behind one name each,
  so the study models could run on another warehouse (Spark) by adding its
  implementation here. DuckDB is the default.
-#}

{#- The value of `expression` from the row with the smallest `order_by`
    (a list of expressions compared left to right): set-based "pick one row
    per group" without sorting every row. The last expression must make the
    order unique, or the pick can change between runs. A missing value is
    the picked row's value like any other: several columns picked by one
    order all come from the same row (DuckDB's arg_min would skip rows whose
    value is missing and take the value from another row). -#}
{% macro arg_min_by(expression, order_by) -%}
    {{ return(adapter.dispatch('arg_min_by', 'jdm_warehouse')(expression, order_by)) }}
{%- endmacro %}

{% macro default__arg_min_by(expression, order_by) -%}
    arg_min_null({{ expression }}, row({{ order_by | join(', ') }}))
{%- endmacro %}

{% macro spark__arg_min_by(expression, order_by) -%}
    min_by({{ expression }}, struct({{ order_by | join(', ') }}))
{%- endmacro %}

{#- Whole days from `start_date` to `end_date` (negative if end is earlier). -#}
{% macro days_between(start_date, end_date) -%}
    {{ return(adapter.dispatch('days_between', 'jdm_warehouse')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__days_between(start_date, end_date) -%}
    ({{ end_date }} - {{ start_date }})
{%- endmacro %}

{% macro spark__days_between(start_date, end_date) -%}
    datediff({{ end_date }}, {{ start_date }})
{%- endmacro %}

{#- `a_date` plus a whole number of days, as a date. -#}
{% macro add_days(a_date, days) -%}
    {{ return(adapter.dispatch('add_days', 'jdm_warehouse')(a_date, days)) }}
{%- endmacro %}

{% macro default__add_days(a_date, days) -%}
    ({{ a_date }} + cast({{ days }} as integer))
{%- endmacro %}

{% macro spark__add_days(a_date, days) -%}
    date_add({{ a_date }}, cast({{ days }} as int))
{%- endmacro %}

{#- A Jinja value (a var) as a SQL string literal. -#}
{% macro sql_text(value) -%}
    '{{ (value | string).replace("'", "''") }}'
{%- endmacro %}

{#- The elements of a list of text joined by `separator`. -#}
{% macro join_list(list_expression, separator) -%}
    {{ return(adapter.dispatch('join_list', 'jdm_warehouse')(list_expression, separator)) }}
{%- endmacro %}

{% macro default__join_list(list_expression, separator) -%}
    array_to_string({{ list_expression }}, {{ sql_text(separator) }})
{%- endmacro %}

{% macro spark__join_list(list_expression, separator) -%}
    array_join({{ list_expression }}, {{ sql_text(separator) }})
{%- endmacro %}

{#- The value of `expression` from the row with the largest `order_by`
    (see arg_min_by: the last expression must make the order unique). -#}
{% macro arg_max_by(expression, order_by) -%}
    {{ return(adapter.dispatch('arg_max_by', 'jdm_warehouse')(expression, order_by)) }}
{%- endmacro %}

{% macro default__arg_max_by(expression, order_by) -%}
    arg_max_null({{ expression }}, row({{ order_by | join(', ') }}))
{%- endmacro %}

{% macro spark__arg_max_by(expression, order_by) -%}
    max_by({{ expression }}, struct({{ order_by | join(', ') }}))
{%- endmacro %}

{#- A FROM-clause item that repeats each row of the relation before it once
    per whole number from `low` to `high` (inclusive), named `column`
    (no row when high < low). -#}
{% macro repeat_for_range(low, high, column) -%}
    {{ return(adapter.dispatch('repeat_for_range', 'jdm_warehouse')(low, high, column)) }}
{%- endmacro %}

{% macro default__repeat_for_range(low, high, column) -%}
    cross join unnest(range(cast({{ low }} as bigint), cast({{ high }} as bigint) + 1)) as {{ column }}_range({{ column }})
{%- endmacro %}

{% macro spark__repeat_for_range(low, high, column) -%}
    lateral view explode(
        case when {{ high }} >= {{ low }} then sequence(cast({{ low }} as bigint), cast({{ high }} as bigint))
        else array() end) {{ column }}_range as {{ column }}
{%- endmacro %}

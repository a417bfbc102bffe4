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

{#- Whether the text `list_text`, elements joined by `separator` (as
    join_list writes them), has `element` as one of its elements (a whole
    element, not a substring). Null when list_text is null. -#}
{% macro text_list_contains(list_text, separator, element) -%}
    {{ return(adapter.dispatch('text_list_contains', 'jdm_warehouse')(list_text, separator, element)) }}
{%- endmacro %}

{% macro default__text_list_contains(list_text, separator, element) -%}
    list_contains(string_split({{ list_text }}, {{ sql_text(separator) }}), {{ element }})
{%- endmacro %}

{% macro spark__text_list_contains(list_text, separator, element) -%}
    array_contains(split({{ list_text }}, {{ sql_text(separator) }}), {{ element }})
{%- endmacro %}

{#- An aggregate: the group's non-null values of `expression` (text) joined
    by `separator`, in the order of `order_by` (a list of expressions that
    makes the order unique); null when the group has none. -#}
{% macro ordered_string_agg(expression, order_by, separator) -%}
    {{ return(adapter.dispatch('ordered_string_agg', 'jdm_warehouse')(expression, order_by, separator)) }}
{%- endmacro %}

{% macro default__ordered_string_agg(expression, order_by, separator) -%}
    string_agg({{ expression }}, {{ sql_text(separator) }} order by {{ order_by | join(', ') }})
{%- endmacro %}

{% macro spark__ordered_string_agg(expression, order_by, separator) -%}
    nullif(array_join(transform(array_sort(collect_list(
        case when {{ expression }} is not null then
            named_struct('sort_key', struct({{ order_by | join(', ') }}), 'element', {{ expression }})
        end)), item -> item.element), {{ sql_text(separator) }}), '')
{%- endmacro %}

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
    value is missing and take the value from another row). A single
    expression is compared as it is, not as a struct of one field, which
    costs DuckDB several times more (the visit months of a million patients:
    29 s of CPU against 8 s); a row whose single key is missing is then
    skipped, so pass a key that is never missing. -#}
{% macro arg_min_by(expression, order_by) -%}
    {{ return(adapter.dispatch('arg_min_by', 'jdm_warehouse')(expression, order_by)) }}
{%- endmacro %}

{% macro default__arg_min_by(expression, order_by) -%}
    arg_min_null({{ expression }}, {{ sort_key(order_by) }})
{%- endmacro %}

{#- The key arg_min_by and arg_max_by compare: one expression as it is,
    several as a struct compared field by field. -#}
{% macro sort_key(order_by) -%}
    {{ order_by[0] if order_by | length == 1 else 'row(' ~ order_by | join(', ') ~ ')' }}
{%- endmacro %}

{% macro spark__arg_min_by(expression, order_by) -%}
    min_by({{ expression }}, struct({{ order_by | join(', ') }}))
{%- endmacro %}

{#- Several columns of the row with the smallest `order_by`, as one struct
    (`picked.<column>`): one aggregate instead of one arg_min per column, about
    twice as fast over tens of millions of rows, and a struct is never
    missing, so a missing value is picked like any other. `columns`: names of
    the relation's columns. -#}
{% macro arg_min_row(columns, order_by) -%}
    {{ return(adapter.dispatch('arg_min_row', 'jdm_warehouse')(columns, order_by)) }}
{%- endmacro %}

{% macro default__arg_min_row(columns, order_by) -%}
    arg_min({{ struct_of(named_columns(columns)) }}, row({{ order_by | join(', ') }}))
{%- endmacro %}

{% macro spark__arg_min_row(columns, order_by) -%}
    min_by({{ struct_of(named_columns(columns)) }}, struct({{ order_by | join(', ') }}))
{%- endmacro %}

{#- (name, name) pairs: a struct of columns under their own names. -#}
{% macro named_columns(columns) -%}
    {%- set pairs = [] -%}
    {%- for column in columns -%}{%- do pairs.append((column, column)) -%}{%- endfor -%}
    {{ return(pairs) }}
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
    {{ return(adapter.dispatch('sql_text', 'jdm_warehouse')(value)) }}
{%- endmacro %}

{% macro default__sql_text(value) -%}
    '{{ (value | string).replace("'", "''") }}'
{%- endmacro %}

{#- Spark reads backslash escapes in string literals (and '' as two
    literals next to each other). -#}
{% macro spark__sql_text(value) -%}
    '{{ (value | string).replace("\\", "\\\\").replace("'", "\\'") }}'
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

{#- ------------------------------------------------------------------------
  Staging's engine-specific constructs. Lists, structs and maps are how a
  record carries its repaired values and the records it stands for; DuckDB
  and Spark both have them, under different names and lambda syntax.
------------------------------------------------------------------------ -#}

{#- A regular expression as a SQL string literal. Spark's parser reads
    backslash escapes in string literals, so each backslash is doubled. -#}
{% macro regex_literal(pattern) -%}
    {{ return(adapter.dispatch('regex_literal', 'jdm_warehouse')(pattern)) }}
{%- endmacro %}

{% macro default__regex_literal(pattern) -%}
    '{{ pattern.replace("'", "''") }}'
{%- endmacro %}

{% macro spark__regex_literal(pattern) -%}
    '{{ pattern.replace("\\", "\\\\").replace("'", "\\'") }}'
{%- endmacro %}

{#- Whether the whole of `text` matches `pattern` (a Python string). -#}
{% macro regex_full_match(text, pattern) -%}
    {{ return(adapter.dispatch('regex_full_match', 'jdm_warehouse')(text, pattern)) }}
{%- endmacro %}

{% macro default__regex_full_match(text, pattern) -%}
    regexp_full_match({{ text }}, {{ regex_literal(pattern) }})
{%- endmacro %}

{% macro spark__regex_full_match(text, pattern) -%}
    ({{ text }} rlike {{ regex_literal('^(?:' ~ pattern ~ ')$') }})
{%- endmacro %}

{#- Aggregate: a map from `key` to `value` over the rows. -#}
{% macro map_aggregate(key, value) -%}
    {{ return(adapter.dispatch('map_aggregate', 'jdm_warehouse')(key, value)) }}
{%- endmacro %}

{% macro default__map_aggregate(key, value) -%}
    map_from_entries(list(({{ key }}, {{ value }})))
{%- endmacro %}

{% macro spark__map_aggregate(key, value) -%}
    map_from_entries(collect_list(struct({{ key }}, {{ value }})))
{%- endmacro %}

{#- The value of `key` in `map`, missing when the map does not hold it. -#}
{% macro map_value(map, key) -%}
    {{ return(adapter.dispatch('map_value', 'jdm_warehouse')(map, key)) }}
{%- endmacro %}

{% macro default__map_value(map, key) -%}
    {{ map }}[{{ key }}]
{%- endmacro %}

{% macro spark__map_value(map, key) -%}
    try_element_at({{ map }}, {{ key }})
{%- endmacro %}

{% macro map_has_key(map, key) -%}
    {{ return(adapter.dispatch('map_has_key', 'jdm_warehouse')(map, key)) }}
{%- endmacro %}

{% macro default__map_has_key(map, key) -%}
    map_contains({{ map }}, {{ key }})
{%- endmacro %}

{% macro spark__map_has_key(map, key) -%}
    map_contains_key({{ map }}, {{ key }})
{%- endmacro %}

{#- A list literal of SQL expressions. -#}
{% macro list_of(items) -%}
    {{ return(adapter.dispatch('list_of', 'jdm_warehouse')(items)) }}
{%- endmacro %}

{% macro default__list_of(items) -%}
    [{{ items | join(', ') }}]
{%- endmacro %}

{% macro spark__list_of(items) -%}
    array({{ items | join(', ') }})
{%- endmacro %}

{#- A struct literal from (name, expression) pairs, in that order. -#}
{% macro struct_of(fields) -%}
    {{ return(adapter.dispatch('struct_of', 'jdm_warehouse')(fields)) }}
{%- endmacro %}

{% macro default__struct_of(fields) -%}
    { {%- for name, expression in fields %}'{{ name }}': {{ expression }}{{ ', ' if not loop.last }}{% endfor -%} }
{%- endmacro %}

{% macro spark__struct_of(fields) -%}
    named_struct({%- for name, expression in fields %}'{{ name }}', {{ expression }}{{ ', ' if not loop.last }}{% endfor -%})
{%- endmacro %}

{#- An empty list of structs with the (name, type) fields given; types are
    `text`, `bigint`. -#}
{% macro empty_list_of(fields) -%}
    {{ return(adapter.dispatch('empty_list_of', 'jdm_warehouse')(fields)) }}
{%- endmacro %}

{% macro default__empty_list_of(fields) -%}
    cast([] as struct({%- for name, type in fields %}{{ name }} {{ 'varchar' if type == 'text' else type }}{{ ', ' if not loop.last }}{% endfor -%})[])
{%- endmacro %}

{% macro spark__empty_list_of(fields) -%}
    cast(array() as array<struct<{%- for name, type in fields %}{{ name }}: {{ 'string' if type == 'text' else type }}{{ ', ' if not loop.last }}{% endfor -%}>>)
{%- endmacro %}

{#- The elements of `list` for which `condition` (over `element`) holds. -#}
{% macro list_where(list, element, condition) -%}
    {{ return(adapter.dispatch('list_where', 'jdm_warehouse')(list, element, condition)) }}
{%- endmacro %}

{% macro default__list_where(list, element, condition) -%}
    list_filter({{ list }}, lambda {{ element }}: {{ condition }})
{%- endmacro %}

{% macro spark__list_where(list, element, condition) -%}
    filter({{ list }}, {{ element }} -> {{ condition }})
{%- endmacro %}

{#- `expression` (over `element`) of every element of `list`. -#}
{% macro list_map(list, element, expression) -%}
    {{ return(adapter.dispatch('list_map', 'jdm_warehouse')(list, element, expression)) }}
{%- endmacro %}

{% macro default__list_map(list, element, expression) -%}
    list_transform({{ list }}, lambda {{ element }}: {{ expression }})
{%- endmacro %}

{% macro spark__list_map(list, element, expression) -%}
    transform({{ list }}, {{ element }} -> {{ expression }})
{%- endmacro %}

{#- The distinct elements of a list without missing ones, sorted. -#}
{% macro list_sorted_distinct(list) -%}
    {{ return(adapter.dispatch('list_sorted_distinct', 'jdm_warehouse')(list)) }}
{%- endmacro %}

{% macro default__list_sorted_distinct(list) -%}
    list_sort(list_distinct({{ list }}))
{%- endmacro %}

{% macro spark__list_sorted_distinct(list) -%}
    array_sort(array_distinct(array_compact({{ list }})))
{%- endmacro %}

{% macro list_has(list, value) -%}
    {{ return(adapter.dispatch('list_has', 'jdm_warehouse')(list, value)) }}
{%- endmacro %}

{% macro default__list_has(list, value) -%}
    list_contains({{ list }}, {{ value }})
{%- endmacro %}

{% macro spark__list_has(list, value) -%}
    array_contains({{ list }}, {{ value }})
{%- endmacro %}

{% macro list_length(list) -%}
    {{ return(adapter.dispatch('list_length', 'jdm_warehouse')(list)) }}
{%- endmacro %}

{% macro default__list_length(list) -%}
    len({{ list }})
{%- endmacro %}

{% macro spark__list_length(list) -%}
    size({{ list }})
{%- endmacro %}

{#- `text` split at each `separator` (a plain character, not a pattern). -#}
{% macro split_text(text, separator) -%}
    {{ return(adapter.dispatch('split_text', 'jdm_warehouse')(text, separator)) }}
{%- endmacro %}

{% macro default__split_text(text, separator) -%}
    string_split({{ text }}, {{ sql_text(separator) }})
{%- endmacro %}

{% macro spark__split_text(text, separator) -%}
    split({{ text }}, {{ regex_literal('\\Q' ~ separator ~ '\\E') }})
{%- endmacro %}

{#- Aggregate: the values of `expression` as a list in the order of
    `order_by` (unique within the group). -#}
{% macro ordered_list(expression, order_by) -%}
    {{ return(adapter.dispatch('ordered_list', 'jdm_warehouse')(expression, order_by)) }}
{%- endmacro %}

{% macro default__ordered_list(expression, order_by) -%}
    list({{ expression }} order by {{ order_by }})
{%- endmacro %}

{% macro spark__ordered_list(expression, order_by) -%}
    transform(array_sort(collect_list(struct({{ order_by }} as sort_key, {{ expression }} as element))), e -> e.element)
{%- endmacro %}

{#- Aggregate: the distinct present values of `expression`, as text, sorted. -#}
{% macro sorted_distinct_texts(expression) -%}
    {{ return(adapter.dispatch('sorted_distinct_texts', 'jdm_warehouse')(expression)) }}
{%- endmacro %}

{% macro default__sorted_distinct_texts(expression) -%}
    list_sort(list(distinct cast({{ expression }} as varchar)) filter (where {{ expression }} is not null))
{%- endmacro %}

{% macro spark__sorted_distinct_texts(expression) -%}
    array_sort(collect_set(cast({{ expression }} as string)))
{%- endmacro %}

{#- One row per element of a list column (in a select list). -#}
{% macro unnest_list(list) -%}
    {{ return(adapter.dispatch('unnest_list', 'jdm_warehouse')(list)) }}
{%- endmacro %}

{% macro default__unnest_list(list) -%}
    unnest({{ list }})
{%- endmacro %}

{% macro spark__unnest_list(list) -%}
    explode({{ list }})
{%- endmacro %}

{#- A hash of several columns (null hashes like any value). -#}
{% macro row_hash(columns) -%}
    {{ return(adapter.dispatch('row_hash', 'jdm_warehouse')(columns)) }}
{%- endmacro %}

{% macro default__row_hash(columns) -%}
    hash({{ columns | join(', ') }})
{%- endmacro %}

{% macro spark__row_hash(columns) -%}
    xxhash64({{ columns | join(', ') }})
{%- endmacro %}

{#- Stops the query with `message` (a text expression) when evaluated. -#}
{% macro fail_query(message) -%}
    {{ return(adapter.dispatch('fail_query', 'jdm_warehouse')(message)) }}
{%- endmacro %}

{% macro default__fail_query(message) -%}
    error({{ message }})
{%- endmacro %}

{% macro spark__fail_query(message) -%}
    raise_error({{ message }})
{%- endmacro %}

{#- A CTE read more than once that the engine should scan again rather than
    buffer whole: DuckDB would otherwise hold every row of a large table in
    memory (`as not materialized`); Spark never buffers a CTE. -#}
{% macro scanned_again() -%}
    {{ return(adapter.dispatch('scanned_again', 'jdm_warehouse')()) }}
{%- endmacro %}

{% macro default__scanned_again() -%}not materialized{%- endmacro %}

{% macro spark__scanned_again() -%}{%- endmacro %}

{#- Whether some part of `text` matches `pattern`. -#}
{% macro regex_contains(text, pattern) -%}
    {{ return(adapter.dispatch('regex_contains', 'jdm_warehouse')(text, pattern)) }}
{%- endmacro %}

{% macro default__regex_contains(text, pattern) -%}
    regexp_matches({{ text }}, {{ regex_literal(pattern) }})
{%- endmacro %}

{% macro spark__regex_contains(text, pattern) -%}
    ({{ text }} rlike {{ regex_literal(pattern) }})
{%- endmacro %}

{#- `text` with every match of `pattern` replaced. -#}
{% macro regex_replace_all(text, pattern, replacement) -%}
    {{ return(adapter.dispatch('regex_replace_all', 'jdm_warehouse')(text, pattern, replacement)) }}
{%- endmacro %}

{% macro default__regex_replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, {{ regex_literal(pattern) }}, {{ sql_text(replacement) }}, 'g')
{%- endmacro %}

{% macro spark__regex_replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, {{ regex_literal(pattern) }}, {{ sql_text(replacement) }})
{%- endmacro %}

{#- Group `group` of the first match of `pattern` in `text` (empty text when
    the group did not take part, as both engines do). -#}
{% macro regex_group(text, pattern, group) -%}
    regexp_extract({{ text }}, {{ regex_literal(pattern) }}, {{ group }})
{%- endmacro %}

{#- Whether the text `list_text`, elements joined by `separator` (as
    join_list writes them), has `element` as one of its elements (a whole
    element, not a substring). Null when list_text is null. -#}
{% macro text_list_contains(list_text, separator, element) -%}
    {{ list_has(split_text(list_text, separator), element) }}
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

{#- The value of `expression` from the row with the largest `order_by`
    (see arg_min_by: the last expression must make the order unique). -#}
{% macro arg_max_by(expression, order_by) -%}
    {{ return(adapter.dispatch('arg_max_by', 'jdm_warehouse')(expression, order_by)) }}
{%- endmacro %}

{% macro default__arg_max_by(expression, order_by) -%}
    arg_max_null({{ expression }}, {{ sort_key(order_by) }})
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

{#- The last non-missing value of `expression` in a window frame (append
    the OVER clause): last observation carried forward. -#}
{% macro last_value_ignoring_nulls(expression) -%}
    {{ return(adapter.dispatch('last_value_ignoring_nulls', 'jdm_warehouse')(expression)) }}
{%- endmacro %}

{% macro default__last_value_ignoring_nulls(expression) -%}
    last_value({{ expression }} ignore nulls)
{%- endmacro %}

{% macro spark__last_value_ignoring_nulls(expression) -%}
    last({{ expression }}, true)
{%- endmacro %}

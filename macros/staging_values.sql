{#-
  Typing and checking raw text values, one field at a time.

  A staging base model declares its fields as a list of dicts:
    {'column': 'cmas', 'kind': 'integer', 'min': 0, 'max': 52}
  kinds: text, date, integer, decimal, code (needs 'code_field'), yes_no,
  diagnosis, drug. 'required': true marks a field whose problem sets the whole
  row aside instead of repairing the value.

  The raw landing keeps each value as text plus `undecodable_columns`; these
  macros expect a CTE with `<column>__raw` (trimmed text, empty = null) and
  `undecodable_columns`.
-#}

{#- The exact type every decimal value of the extract is kept in, and its
    number of decimal places. A value with more places (a non-zero digit
    beyond them) cannot be kept exactly: it is repaired (`invalid_numeric`,
    with that detail), never silently rounded. Six places keep a dose of
    0.0125 g, or a microgram, exactly. -#}
{% macro kept_decimal_places() -%}6{%- endmacro %}

{% macro kept_decimal_type() -%}decimal(18, {{ kept_decimal_places() }}){%- endmacro %}

{% macro has_more_decimal_places_than_kept(text) -%}
    regexp_matches({{ text }}, '\.[0-9]{ {{- kept_decimal_places() -}} }[0-9]*[1-9]')
{%- endmacro %}

{#- Trimmed text, empty = missing. -#}
{% macro raw_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{#- Lookup key of a code or label: lower case, inner spaces collapsed. -#}
{% macro code_key(expression) -%}
    lower(regexp_replace({{ expression }}, '\s+', ' ', 'g'))
{%- endmacro %}

{#- A MAP from lookup key to canonical code for one coded field (computed
    once per query: the subquery is uncorrelated). -#}
{% macro code_map(field) -%}
    {%- if field == 'yes_no' -%}
    (select map_from_entries(list((spelling, value))) from {{ ref('yes_no_spellings') }})
    {%- elif field == 'diagnosis' -%}
    (select map_from_entries(list((spelling, diagnosis))) from {{ ref('diagnosis_labels') }})
    {%- elif field == 'drug' -%}
    (select map_from_entries(list((lower(drug), drug))) from {{ ref('drug_dictionary') }})
    {%- else -%}
    (select map_from_entries(list((spelling, code))) from {{ ref('code_spellings') }} where code_field = '{{ field }}')
    {%- endif -%}
{%- endmacro %}

{#- YYYY-MM-DD, a real date from 1900 on. (A glob, not a regular expression:
    same test, several times faster over millions of values.) -#}
{% macro parse_date(expression) -%}
    case
        when {{ expression }} glob '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
            and try_cast({{ expression }} as date) >= date '1900-01-01'
        then try_cast({{ expression }} as date)
    end
{%- endmacro %}

{#- The typed value of a field, or null when it is missing or unusable.
    The undecodable check wraps the typing instead of feeding it, so it runs
    once per value rather than at each use of the text (a third faster for a
    numeric field over millions of records). -#}
{% macro typed_value(field) -%}
    case
        when list_contains(undecodable_columns, '{{ field.column }}') then null
        else {{ typed_text(field) }}
    end
{%- endmacro %}

{#- The typed value of a field's trimmed text (`<column>__raw`). -#}
{% macro typed_text(field) -%}
    {%- set c = field.column -%}
    {%- set v = c ~ '__raw' -%}
    {%- if field.kind == 'text' -%}
        {{ v }}
    {%- elif field.kind == 'date' -%}
        {{ parse_date(v) }}
    {%- elif field.kind == 'integer' -%}
        case
            when regexp_full_match({{ v }}, '[+-]?\d+(\.0*)?')
                and try_cast({{ v }} as decimal(18, 3)) between {{ field.min }} and {{ field.max }}
            then try_cast({{ v }} as decimal(18, 3))::integer
        end
    {%- elif field.kind == 'decimal' -%}
        case
            when regexp_full_match({{ v }}, '[+-]?(\d+(\.\d*)?|\.\d+)')
                and not {{ has_more_decimal_places_than_kept(v) }}
                and try_cast({{ v }} as {{ kept_decimal_type() }}) between {{ field.min }} and {{ field.max }}
            then try_cast({{ v }} as {{ kept_decimal_type() }})
        end
    {%- elif field.kind == 'yes_no' -%}
        ({{ code_map('yes_no') }}[{{ code_key(v) }}] = 'Y')
    {%- elif field.kind == 'code' -%}
        {{ code_map(field.code_field) }}[{{ code_key(v) }}]
    {%- elif field.kind in ('diagnosis', 'drug') -%}
        {{ code_map(field.kind) }}[{{ code_key(v) }}]
    {%- else -%}
        {{ exceptions.raise_compiler_error("unknown field kind " ~ field.kind ~ " for " ~ c) }}
    {%- endif -%}
{%- endmacro %}

{#- Why the value could not be used, or null. Needs the typed value in a
    column named like the field. -#}
{% macro value_issue(field) -%}
    {%- set c = field.column -%}
    {%- set reason = {
        'text': none, 'date': 'invalid_date', 'integer': 'invalid_numeric',
        'decimal': 'invalid_numeric', 'yes_no': 'unknown_code', 'code': 'unknown_code',
        'diagnosis': 'unknown_code', 'drug': 'unknown_code'}[field.kind] -%}
    case
        when list_contains(undecodable_columns, '{{ c }}') then 'invalid_encoding'
        when {{ c }}__raw is null then {{ "'missing_required_value'" if field.required else 'null' }}
        {%- if field.kind == 'yes_no' %}
        when not map_contains({{ code_map('yes_no') }}, {{ code_key(c ~ '__raw') }}) then 'unknown_code'
        {%- elif reason is not none %}
        when {{ c }} is null then '{{ reason }}'
        {%- endif %}
    end
{%- endmacro %}

{#- Selects `<column>__raw` for every field (first CTE of a base model). -#}
{% macro select_raw_texts(fields) -%}
    {%- for field in fields %}
    {{ raw_text(field.column) }} as {{ field.column }}__raw{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- Selects the typed value of every field under its own name. -#}
{% macro select_typed_values(fields) -%}
    {%- for field in fields %}
    {{ typed_value(field) }} as {{ field.column }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- Selects `<column>__issue` for every field. -#}
{% macro select_value_issues(fields) -%}
    {%- for field in fields %}
    {{ value_issue(field) }} as {{ field.column }}__issue{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- The first problem among the required fields: it sets the row aside. -#}
{% macro required_field_issue(fields) -%}
    coalesce(
    {%- for field in fields if field.required %}
        {{ field.column }}__issue{{ ',' if not loop.last }}
    {%- endfor %}
    )
{%- endmacro %}

{#- The first required field with a problem (for the quarantine row). -#}
{% macro required_field_with_issue(fields) -%}
    case
    {%- for field in fields if field.required %}
        when {{ field.column }}__issue is not null then '{{ field.column }}'
    {%- endfor %}
    end
{%- endmacro %}

{#- The repairs of the optional fields: a list of
    {column_name, raw_value, reason_code, detail} for values set to missing
    (or, where a model says so in its rules, clipped). `details`: an SQL
    expression per column for the detail (default: none, but a decimal
    with more places than kept says so). -#}
{% macro optional_value_repairs(fields, details={}) -%}
    {%- set optional = fields | rejectattr('required') | list -%}
    -- Most records need no repair: skip building their list.
    case
        when coalesce({% for field in optional %}{{ field.column }}__issue{{ ', ' if not loop.last }}{% endfor %}) is null
            then []::struct(column_name varchar, raw_value varchar, reason_code varchar, detail varchar)[]
        else list_filter([
        {%- for field in optional %}
            {%- if field.column in details %}
            {%- set detail = details[field.column] %}
            {%- elif field.kind == 'decimal' %}
            {%- set detail = "case when " ~ field.column ~ "__issue = 'invalid_numeric' and "
                ~ has_more_decimal_places_than_kept(field.column ~ '__raw')
                ~ " then 'more than " ~ kept_decimal_places() ~ " decimal places: cannot be kept exactly' end" %}
            {%- else %}
            {%- set detail = 'null' %}
            {%- endif %}
            {'column_name': '{{ field.column }}', 'raw_value': {{ field.column }}__raw, 'reason_code': {{ field.column }}__issue, 'detail': ({{ detail }})::varchar}{{ ',' if not loop.last }}
        {%- endfor %}
        ], lambda repair: repair.reason_code is not null)
    end
{%- endmacro %}

{#- The first steps of every base model: each field's trimmed text
    (`<column>__raw`), its typed value (`<column>`) and its problem
    (`<column>__issue`), for the well-formed records of `raw_relation`. -#}
{% macro typed_and_checked_values(raw_relation, fields) -%}
    select *, {{ select_value_issues(fields) }}
    from (
        select *, {{ select_typed_values(fields) }}
        from (
            select source_file, source_row, undecodable_columns, {{ select_raw_texts(fields) }}
            from {{ raw_relation }}
            where record_status = 'ok'
        )
    )
{%- endmacro %}

{#- Whether a dated event can be placed in the patient's record: the first
    of (a required field's problem, `orphan_patient`, `implausible_event_date`)
    as `placement_issue`, with `placement_issue_column` and
    `placement_detail`. Needs `patients` (patient_id, date_of_birth,
    death_date) left-joined and `extract_metadata` cross-joined. -#}
{% macro event_placement(fields, event_date) -%}
    case
        when {{ required_field_issue(fields) }} is not null then {{ required_field_issue(fields) }}
        when patients.patient_id is null then 'orphan_patient'
        when {{ event_date }} > extract_metadata.extract_date
            or {{ event_date }} < patients.date_of_birth
            or {{ event_date }} > patients.death_date then 'implausible_event_date'
    end as placement_issue,
    case
        when {{ required_field_issue(fields) }} is not null then {{ required_field_with_issue(fields) }}
        when patients.patient_id is null then 'patient_id'
        when {{ event_date }} > extract_metadata.extract_date
            or {{ event_date }} < patients.date_of_birth
            or {{ event_date }} > patients.death_date then '{{ event_date }}'
    end as placement_issue_column,
    case
        when {{ required_field_issue(fields) }} is not null then null
        when patients.patient_id is null then 'patient_id not in patients.csv'
        when {{ event_date }} > extract_metadata.extract_date then '{{ event_date }} after the extract date ' || extract_metadata.extract_date
        when {{ event_date }} < patients.date_of_birth then '{{ event_date }} before the date of birth ' || patients.date_of_birth
        when {{ event_date }} > patients.death_date then '{{ event_date }} after the date of death ' || patients.death_date
    end as placement_detail
{%- endmacro %}

{#- Rows of `relation` (filtered by `where`) that share their values in all
    of `columns` with another row, null counting as equal to null (as in
    `partition by`): each with `first_source_row`, the lowest source_row of
    its group, and `n_rows`, the group's size. Rows with unique values are
    absent.

    Why not one window over every row: partitioning millions of rows by a
    dozen columns sorts them all. Here one cheap aggregate over a hash of the
    columns finds the few candidate groups, and the exact comparison (the
    window) runs only on their rows, so a hash collision cannot merge rows
    whose values differ. `relation` is read twice: pass a table, or a CTE
    declared `not materialized` (DuckDB would otherwise buffer all of it). -#}
{% macro rows_sharing_values(relation, columns, where='true') -%}
    select
        source_row,
        min(source_row) over (partition by {{ columns | join(', ') }}) as first_source_row,
        count(*) over (partition by {{ columns | join(', ') }}) as n_rows
    from {{ relation }}
    where ({{ where }})
        and {{ values_hash(columns) }} in (
            select {{ values_hash(columns) }}
            from {{ relation }}
            where ({{ where }})
            group by 1
            having count(*) > 1
        )
{%- endmacro %}

{#- One 64-bit hash of several values (null hashes to a fixed value). -#}
{% macro values_hash(columns) -%}
    hash({{ columns | join(', ') }})
{%- endmacro %}

{#- A field's raw text, stored only where its typed value is missing. Where
    the value is usable its raw text is the typed value's text (trimmed text
    is the value; a date passed as YYYY-MM-DD), so storing it again for every
    record would only cost time: `raw_text_restored` gives it back. -#}
{% macro raw_text_if_unusable(column) -%}
    case when {{ column }} is null then {{ column }}__raw end
{%- endmacro %}

{% macro raw_text_restored(relation, column) -%}
    coalesce({{ relation }}.{{ column }}__raw, {{ relation }}.{{ column }}::varchar)
{%- endmacro %}

{#- The records that repeat an earlier one, given `same_content` and
    `same_id` (each a rows_sharing_values result): `exact_duplicate` when
    the content repeats (whatever the id), else `duplicate_id` when only the
    id does. One row per such record: source_row, drop_reason, drop_column,
    drop_detail. -#}
{% macro repeated_records(same_content, same_id, id_column) -%}
    select
        source_row,
        case
            when {{ same_content }}.first_source_row < source_row then 'exact_duplicate'
            when {{ same_id }}.first_source_row < source_row then 'duplicate_id'
        end as drop_reason,
        case
            when {{ same_content }}.first_source_row < source_row then null
            when {{ same_id }}.first_source_row < source_row then '{{ id_column }}'
        end as drop_column,
        case
            when {{ same_content }}.first_source_row < source_row
                then 'same content as source_row ' || {{ same_content }}.first_source_row
            when {{ same_id }}.first_source_row < source_row
                then '{{ id_column }} already used by source_row ' || {{ same_id }}.first_source_row
        end as drop_detail
    from {{ same_content }}
    full join {{ same_id }} using (source_row)
    where {{ same_content }}.first_source_row < source_row
        or {{ same_id }}.first_source_row < source_row
{%- endmacro %}

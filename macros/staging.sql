{#-
  Staging from the data dictionary (seed extract_columns): every rule about
  one value lives in the seed, and these macros turn its rows into SQL.

  A base model reads its file's dictionary rows with extract_columns(), then
  in two steps: `texts` (each value trimmed, empty = missing) and
  `values_typed` (each column typed under its staged name, with
  `<staged>__issue`: why a present value could not be used, or null).
-#}

{#- The dictionary rows of one extract file, in column order, as dicts. Read
    when the model runs: the model names the seed in a depends_on comment,
    so dbt builds the seed first. -#}
{% macro extract_columns(source_file) -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set rows = run_query("select * from " ~ ref('extract_columns') ~ " where source_file = '"
        ~ source_file ~ "' order by column_order") -%}
    {%- set columns = [] -%}
    {%- for row in rows.rows -%}
        {%- set column = {} -%}
        {%- for name in rows.column_names -%}{%- do column.update({name: row[name]}) -%}{%- endfor -%}
        {%- do columns.append(column) -%}
    {%- endfor -%}
    {%- if not columns -%}
        {{ exceptions.raise_compiler_error("seed extract_columns has no column of " ~ source_file) }}
    {%- endif -%}
    {{ return(columns) }}
{%- endmacro %}

{#- The seeds the dictionary-driven SQL reads, named where dbt can see them
    when it parses a model (the dictionary itself is read only when the model
    runs): `-- depends_on` them at the top of every model that types values
    or tests them. -#}
{% macro dictionary_depends_on() -%}
    -- depends_on: {{ ref('extract_columns') }}, {{ ref('code_spellings') }}, {{ ref('yes_no_spellings') }}, {{ ref('diagnosis_labels') }}, {{ ref('drug_dictionary') }}
{%- endmacro %}

{#- The exact type every decimal of the extract is kept in, and its places.
    A value with more places (a non-zero digit beyond them) cannot be kept
    exactly: it is repaired (`invalid_numeric`), never rounded. Six places
    keep a dose of 0.0125 g, or a microgram, exactly. -#}
{% macro kept_decimal_places() -%}6{%- endmacro %}

{% macro kept_decimal_type() -%}decimal(18, {{ kept_decimal_places() }}){%- endmacro %}

{#- A non-zero digit beyond the kept places after the decimal point. -#}
{% macro has_more_decimal_places_than_kept(text) -%}
    (instr({{ text }}, '.') > 0
        and length(trim(trailing '0' from {{ text }})) - instr({{ text }}, '.') > {{ kept_decimal_places() }})
{%- endmacro %}

{#- A plain decimal number: an optional sign, digits with at most one decimal
    point, at least one digit (no exponent, no separators, no spaces), i.e.
    the pattern [+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+). Written with a cast and
    string functions instead of a regular expression: at a million patients
    the regular expressions were most of the cost of typing a file. The cast
    rejects what the character test lets through (`1.2.3`, `+-1`, `.`). -#}
{% macro is_plain_number(text) -%}
    (try_cast({{ text }} as decimal(38, {{ kept_decimal_places() }})) is not null
        and trim(leading '+-0123456789.' from {{ text }}) = '')
{%- endmacro %}

{#- A plain number that is whole: digits before any decimal point, and only
    zeros after it ([+-]?[0-9]+(\.0*)?). -#}
{% macro is_whole_number(text) -%}
    ({{ is_plain_number(text) }}
        and trim(leading '+-' from {{ text }}) not like '.%'
        and (instr({{ text }}, '.') = 0 or trim(trailing '0' from {{ text }}) like '%.'))
{%- endmacro %}

{#- The fields of a repaired value (value_repairs, conflicting_values) and of
    a record set aside by a duplicate rule (duplicate_records). -#}
{% macro value_repair_fields() -%}
    {{ return([('column_name', 'text'), ('raw_value', 'text'), ('reason_code', 'text'), ('detail', 'text')]) }}
{%- endmacro %}

{% macro duplicate_record_fields() -%}
    {{ return([('source_row', 'bigint'), ('reason_code', 'text'), ('detail', 'text')]) }}
{%- endmacro %}

{#- Lookup key of a code or label: lower case, inner spaces collapsed. -#}
{% macro code_key(expression) -%}
    lower({{ regex_replace_all(expression, '\\s+', ' ') }})
{%- endmacro %}

{#- The canonical code of a spelling in a code list of the dictionary
    (`code_spellings.<field>`, `yes_no_spellings`, `diagnosis_labels`,
    `drug_dictionary`), missing when the list does not know it. The map is
    built once per query (an uncorrelated subquery). -#}
{% macro code_map(code_list) -%}
    {%- if code_list == 'yes_no_spellings' -%}
    (select {{ map_aggregate('spelling', 'value') }} from {{ ref('yes_no_spellings') }})
    {%- elif code_list == 'diagnosis_labels' -%}
    (select {{ map_aggregate('spelling', 'diagnosis') }} from {{ ref('diagnosis_labels') }})
    {%- elif code_list == 'drug_dictionary' -%}
    (select {{ map_aggregate('lower(drug)', 'drug') }} from {{ ref('drug_dictionary') }})
    {%- elif code_list.startswith('code_spellings.') -%}
    (select {{ map_aggregate('spelling', 'code') }} from {{ ref('code_spellings') }}
     where code_field = '{{ code_list.split('.')[1] }}')
    {%- else -%}
    {{ exceptions.raise_compiler_error("unknown code list " ~ code_list) }}
    {%- endif -%}
{%- endmacro %}

{#- `<name>__text` for every column: the trimmed text, empty = missing. -#}
{% macro texts(columns) -%}
    {%- for c in columns %}
    nullif(trim({{ c.column_name }}), '') as {{ c.column_name }}__text{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- A number of the dictionary's range, or null when the text is not a plain
    decimal number (no exponent, no separators), has more places than are
    kept, or lies outside min_value..max_value. -#}
{% macro number_in_range(c, text, integer) -%}
    case
        when {{ is_whole_number(text) if integer else is_plain_number(text) }}
            and not {{ has_more_decimal_places_than_kept(text) }}
            {%- if c.min_value is not none %}
            and try_cast({{ text }} as {{ kept_decimal_type() }}) >= {{ c.min_value }}
            {%- endif %}
            {%- if c.max_value is not none %}
            and try_cast({{ text }} as {{ kept_decimal_type() }}) <= {{ c.max_value }}
            {%- endif %}
        then {% if integer %}cast(try_cast({{ text }} as {{ kept_decimal_type() }}) as integer){% else %}try_cast({{ text }} as {{ kept_decimal_type() }}){% endif %}
    end
{%- endmacro %}

{#- The typed value of one column, from its text. Lab values (a number
    with an optional qualifier) and code lists are typed in their model. -#}
{% macro typed_value(c) -%}
    {%- set text = c.column_name ~ '__text' -%}
    {%- if c.value_type in ('id', 'text') -%}
        {{ text }}
    {%- elif c.value_type == 'date' -%}
        case
            when {{ text }} like '____-__-__' and try_cast({{ text }} as date) >= date '1900-01-01'
            then try_cast({{ text }} as date)
        end
    {%- elif c.value_type == 'integer' -%}
        {{ number_in_range(c, text, true) }}
    {%- elif c.value_type == 'decimal' -%}
        {{ number_in_range(c, text, false) }}
    {%- elif c.value_type == 'code' -%}
        {{ map_value(code_map(c.code_list), code_key(text)) }}
    {%- elif c.value_type == 'yes_no' -%}
        ({{ map_value(code_map(c.code_list), code_key(text)) }} = 'Y')
    {%- else -%}
        {{ exceptions.raise_compiler_error("typed_value: " ~ c.value_type ~ " is typed in its model (" ~ c.column_name ~ ")") }}
    {%- endif -%}
{%- endmacro %}

{#- Why a column's value cannot be used, or null: undecodable bytes
    (`invalid_encoding`), a required value missing, or a present value of
    the wrong type, range or code. Needs the typed value under its staged
    name. -#}
{% macro value_issue(c) -%}
    {%- set text = c.column_name ~ '__text' -%}
    {%- set type_issue = {'date': 'invalid_date', 'integer': 'invalid_numeric', 'decimal': 'invalid_numeric',
                          'code': 'unknown_code', 'yes_no': 'unknown_code', 'lab_value': 'invalid_numeric'} -%}
    case
        when {{ is_undecodable(c) }} then 'invalid_encoding'
        when {{ text }} is null then {{ "'missing_required_value'" if c.is_required else 'null' }}
        {%- if c.value_type == 'yes_no' %}
        -- U and unknown are known spellings of "missing": not an issue
        when not {{ map_has_key(code_map(c.code_list), code_key(text)) }} then 'unknown_code'
        {%- elif c.value_type in type_issue %}
        when {{ c.staged_column }} is null then '{{ type_issue[c.value_type] }}'
        {%- endif %}
    end
{%- endmacro %}

{#- The typed value of every column typed here, under its staged name. -#}
{% macro typed_columns(columns) -%}
    {%- for c in columns if c.value_type not in ('lab_value', 'code_list') %}
    {{ if_decodable(c, typed_value(c)) }} as {{ c.staged_column }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- Whether the column's bytes in this record were not UTF-8 (landing lists
    such columns in undecodable_columns; the text is what a lenient decoding
    made of them). -#}
{% macro is_undecodable(c) -%}
    coalesce({{ list_has('undecodable_columns', "'" ~ c.column_name ~ "'") }}, false)
{%- endmacro %}

{#- `expression` (a value typed from the column's text), or missing when the
    text was not decodable: a value read from broken bytes is never used,
    even when it would parse. -#}
{% macro if_decodable(c, expression) -%}
    case when not {{ is_undecodable(c) }} then {{ expression }} end
{%- endmacro %}

{% macro value_issues(columns) -%}
    {%- for c in columns %}
    {{ value_issue(c) }} as {{ c.staged_column }}__issue{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- A bound of the dictionary as written there (10, not 10.000000), or
    nothing. -#}
{% macro bound_text(value) -%}
    {%- if value is not none -%}
        {%- set text = value | string -%}
        {{ text.rstrip('0').rstrip('.') if '.' in text else text }}
    {%- endif -%}
{%- endmacro %}

{#- What a quarantine row says about a repaired value beyond its reason: a
    number's range or precision. -#}
{% macro value_detail(c) -%}
    {%- set text = c.column_name ~ '__text' -%}
    {%- if c.value_type in ('integer', 'decimal') -%}
    case
        when {{ c.staged_column }}__issue <> 'invalid_numeric' then null
        when not {{ is_plain_number(text) }} then 'not a number'
        when {{ has_more_decimal_places_than_kept(text) }} then 'more than {{ kept_decimal_places() }} decimal places: cannot be kept exactly'
        {%- if c.value_type == 'integer' %}
        when not {{ is_whole_number(text) }} then 'not a whole number'
        {%- endif %}
        else 'outside {{ bound_text(c.min_value) }} to {{ bound_text(c.max_value) }}'
    end
    {%- else -%}
    null
    {%- endif -%}
{%- endmacro %}

{#- The values of the optional columns a record keeps set to missing (or, where
    its model says so, clipped): a list of {column_name, raw_value,
    reason_code, detail}, empty for most records. `details`: a column's
    detail expression, where its model has one. -#}
{% macro value_repairs(columns, details={}) -%}
    {%- set optional = columns | rejectattr('is_required') | list -%}
    {%- set repairs = [] -%}
    {%- for c in optional -%}
        {%- do repairs.append(struct_of([
            ('column_name', "'" ~ c.column_name ~ "'"),
            ('raw_value', c.column_name ~ '__text'),
            ('reason_code', c.staged_column ~ '__issue'),
            ('detail', 'cast((' ~ details.get(c.column_name, value_detail(c)) ~ ') as ' ~ dbt.type_string() ~ ')'),
        ])) -%}
    {%- endfor %}
    case
        when coalesce({% for c in optional %}{{ c.staged_column }}__issue{{ ', ' if not loop.last }}{% endfor %}) is null
            then {{ empty_list_of(value_repair_fields()) }}
        else {{ list_where(list_of(repairs), 'repair', 'repair.reason_code is not null') }}
    end
{%- endmacro %}

{#- The first required column with an issue (it sets the record aside), as
    (reason, column, raw text). -#}
{% macro required_issue(columns) -%}
    coalesce({% for c in columns if c.is_required %}{{ c.staged_column }}__issue{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}

{% macro required_issue_column(columns) -%}
    case
    {%- for c in columns if c.is_required %}
        when {{ c.staged_column }}__issue is not null then '{{ c.column_name }}'
    {%- endfor %}
    end
{%- endmacro %}

{% macro required_issue_text(columns) -%}
    case
    {%- for c in columns if c.is_required %}
        when {{ c.staged_column }}__issue is not null then {{ c.column_name }}__text
    {%- endfor %}
    end
{%- endmacro %}

{#- Rows of `relation` (filtered by `where`) that share their values in all
    of `columns` with another row, null counting as equal to null: each with
    `first_source_row`, the lowest source_row of its group, and `n_rows`.
    Rows with unique values are absent.

    Why not one window over every row: partitioning millions of rows by a
    dozen columns sorts them all. One cheap aggregate over a hash of the
    columns finds the few candidate groups, and the exact comparison (the
    window) runs only on their rows, so a hash collision cannot merge rows
    whose values differ. `relation` is read twice: pass a table, or a CTE
    declared `as scanned_again()` (DuckDB would otherwise buffer all of it). -#}
{% macro rows_sharing_values(relation, columns, where='true') -%}
    select
        source_row,
        min(source_row) over (partition by {{ columns | join(', ') }}) as first_source_row,
        count(*) over (partition by {{ columns | join(', ') }}) as n_rows
    -- Explicit aliases: Spark, whose keywords are not reserved, reads
    -- `from t where (...)` as t aliased `where` with a column list.
    from {{ relation }} as rows_compared
    where ({{ where }})
        and {{ row_hash(columns) }} in (
            select {{ row_hash(columns) }}
            from {{ relation }} as rows_hashed
            where ({{ where }})
            group by 1
            having count(*) > 1
        )
{%- endmacro %}

{#- The records of `relation` that repeat an earlier one, one row each:
    (source_row, reason_code, detail, kept_source_row).
    - `exact_duplicate`: the same values in all of `content_columns` as an
      earlier record (whatever its id);
    - `duplicate_id` (with `id_column`): among the records left, the same id
      as an earlier record with other content.
    The first record of each group is kept. kept_source_row is the record
    that stays: when an exact copy's first record is itself a duplicate id,
    the copy goes to where that record went. `relation`: a table or a CTE
    declared `as scanned_again()` (rows_sharing_values reads it twice). -#}
{% macro repeated_records(relation, content_columns, id_column=none) -%}
    (
    with

    same_content as (
        {{ rows_sharing_values(relation, content_columns) }}
    ),

    exact_copies as (
        select source_row, first_source_row as kept_source_row
        from same_content
        where first_source_row < source_row
    ),

    {%- if id_column %}

    distinct_contents as {{ scanned_again() }} (
        select * from {{ relation }}
        where source_row not in (select source_row from exact_copies)
    ),

    same_id as (
        {{ rows_sharing_values('distinct_contents', [id_column]) }}
    ),

    id_copies as (
        select source_row, first_source_row as kept_source_row
        from same_id
        where first_source_row < source_row
    ),
    {%- endif %}

    repeats as (
        select
            exact_copies.source_row,
            'exact_duplicate' as reason_code,
            'same content as source_row ' || exact_copies.kept_source_row as detail,
            {%- if id_column %}
            coalesce(id_copies.kept_source_row, exact_copies.kept_source_row) as kept_source_row
        from exact_copies
        left join id_copies on exact_copies.kept_source_row = id_copies.source_row
        union all
        select
            source_row,
            'duplicate_id' as reason_code,
            '{{ id_column }} already used by source_row ' || kept_source_row as detail,
            kept_source_row
        from id_copies
            {%- else %}
            exact_copies.kept_source_row
        from exact_copies
            {%- endif %}
    )

    select * from repeats
    )
{%- endmacro %}

{#- The records each staged row stands for besides its own, from a relation
    of (source_row, reason_code, detail, kept_source_row): a list of
    {source_row, reason_code, detail} per kept_source_row, for
    audit.quarantine. -#}
{% macro records_set_aside(repeats) -%}
    select
        kept_source_row as source_row,
        {{ ordered_list(struct_of([('source_row', 'source_row'), ('reason_code', 'reason_code'), ('detail', 'detail')]),
            'source_row') }} as duplicate_records
    from {{ repeats }}
    group by kept_source_row
{%- endmacro %}

{#- The record's own id column of an extract file (an id column that does not
    point at another file), or none. -#}
{% macro record_id_column(source_file) -%}
    {%- for c in extract_columns(source_file) if c.value_type == 'id' and c.rule is none -%}
        {%- if loop.first -%}{{ return(c.column_name) }}{%- endif -%}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}

{#- The canonical codes of a code list of the dictionary, as a query with
    one column `code`. -#}
{% macro canonical_codes(code_list) -%}
    {%- if code_list == 'yes_no_spellings' -%}
    select distinct value as code from {{ ref('yes_no_spellings') }}
    {%- elif code_list == 'diagnosis_labels' -%}
    select distinct diagnosis as code from {{ ref('diagnosis_labels') }}
    {%- elif code_list == 'drug_dictionary' -%}
    select drug as code from {{ ref('drug_dictionary') }}
    {%- elif code_list.startswith('code_spellings.') -%}
    select distinct code from {{ ref('code_spellings') }} where code_field = '{{ code_list.split('.')[1] }}'
    {%- else -%}
    {{ exceptions.raise_compiler_error("unknown code list " ~ code_list) }}
    {%- endif -%}
{%- endmacro %}

{#- The staged columns' documentation, from the dictionary: a post-hook of
    every base and stg model writes each column's description, with the
    extract column it comes from, its type, range and unit, whether it is
    required and what a bad value gets, as a database comment. `make docs`
    shows these comments in the dbt docs site (jdm.serve.docs_site), and
    any SQL client shows them too, so the YAML does not restate them. -#}
{% macro describe_from_dictionary(source_file) -%}
    {{ return(adapter.dispatch('describe_from_dictionary', 'jdm_warehouse')(source_file)) }}
{%- endmacro %}

{% macro dictionary_column_text(source_file, c) -%}
    {%- set facts = [c.value_type] -%}
    {%- set low = bound_text(c.min_value) -%}
    {%- set high = bound_text(c.max_value) -%}
    {#- A unit naming another column of the file: the value's unit is there. -#}
    {%- set unit = ('unit in column ' ~ c.unit) if c.unit in ['unit', 'dose_unit'] else c.unit -%}
    {%- set range = (low ~ '–' ~ high) if low and high else ('≥ ' ~ low) if low else ('≤ ' ~ high) if high else '' -%}
    {%- set measure = [range, unit] | select | join(' ') -%}
    {%- if measure -%}{%- do facts.append(measure) -%}{%- endif -%}
    {%- if c.code_list -%}{%- do facts.append('codes: ' ~ c.code_list) -%}{%- endif -%}
    {%- do facts.append('required' if c.is_required else 'optional') -%}
    {%- do facts.append('a bad value: ' ~ c.bad_value_action | replace('_', ' ')) -%}
    {%- if c.rule -%}{%- do facts.append('rule: ' ~ c.rule) -%}{%- endif -%}
    {{- c.description }} From {{ source_file }} column {{ c.column_name }} ({{ facts | join('; ') }}).
{%- endmacro %}

{#- Spark: no comments. dbt-spark writes a model as a Parquet data-source
    table, whose schema the Hive metastore keeps as a placeholder when a
    column's type has no Hive twin, and Spark then refuses ALTER COLUMN ...
    COMMENT on it. The descriptions stay in the dictionary: the docs site of a
    DuckDB build shows them, and the served file takes its comments from
    dbt's manifest on both engines, so it is the same either way. -#}
{% macro spark__describe_from_dictionary(source_file) -%}
{%- endmacro %}

{% macro default__describe_from_dictionary(source_file) -%}
    {%- if execute -%}
        {%- set present = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
        {%- for c in extract_columns(source_file) if c.staged_column in present %}
    comment on column {{ this }}.{{ adapter.quote(c.staged_column) }} is '{{ dictionary_column_text(source_file, c) | replace("'", "''") }}';
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}

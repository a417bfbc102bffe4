{#-
  A staged model keeps the promises the data dictionary (seed
  extract_columns) makes for its file, read when the test runs, so the
  ranges and code lists live only in the seeds. One scan of the model per
  test; each failing row names its failing columns.
  - `required`: a required column is never missing;
  - `range`: a number lies within min_value..max_value;
  - `codes`: a coded column holds only canonical codes of its code list.
  Staging repairs or sets aside whatever breaks these: a failure is a fault
  in our models (severity error).
-#}
{% test conforms_to_dictionary(model, source_file, rule) %}
{%- set columns = extract_columns(source_file) -%}
{%- if rule == 'required' -%}
    {%- set checked = columns | selectattr('is_required') | list -%}
{%- elif rule == 'range' -%}
    {%- set checked = columns | selectattr('value_type', 'in', ['integer', 'decimal', 'lab_value']) | list -%}
{%- elif rule == 'codes' -%}
    {%- set checked = columns | selectattr('value_type', 'equalto', 'code') | list -%}
{%- else -%}
    {{ exceptions.raise_compiler_error("conforms_to_dictionary: unknown rule " ~ rule) }}
{%- endif -%}
{%- set conditions = [] -%}
{%- for c in checked -%}
    {%- if rule == 'required' -%}
        {%- do conditions.append((c.staged_column, c.staged_column ~ ' is null')) -%}
    {%- elif rule == 'range' and (c.min_value is not none or c.max_value is not none) -%}
        {%- do conditions.append((c.staged_column,
            ([c.staged_column ~ ' < ' ~ c.min_value] if c.min_value is not none else [])
            | join(' or ') ~ (' or ' if c.min_value is not none and c.max_value is not none else '')
            ~ ([c.staged_column ~ ' > ' ~ c.max_value] if c.max_value is not none else []) | join(' or '))) -%}
    {%- elif rule == 'codes' -%}
        {%- do conditions.append((c.staged_column, c.staged_column ~ ' not in (select code from ('
            ~ canonical_codes(c.code_list) ~ '))')) -%}
    {%- endif -%}
{%- endfor %}
{{ dictionary_depends_on() }}
select
    source_row,
    concat_ws(', '
    {%- for column, condition in conditions %},
        case when {{ condition }} then '{{ column }}' end
    {%- endfor %}
    ) as failed_columns
from {{ model }}
where false
{%- for column, condition in conditions %}
    or ({{ condition }})
{%- endfor %}
{% endtest %}

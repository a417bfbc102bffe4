{#-
  Seeds on Spark. dbt-spark 1.11's session connection puts each seed value
  into the INSERT as '<value>' without escaping, so a value with an
  apostrophe ("Gottron's papules") breaks the statement, and an empty cell
  arrives as the text 'None'. This writes the values as SQL literals itself:
  empty -> null, numbers and booleans as they are, text quoted with Spark's
  backslash escapes. Otherwise dbt-spark's own macro (same batching, same
  column_types). Used through the dispatch config in dbt_project.yml.
-#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set batch_size = get_batch_size() %}
    {%- set column_override = model['config'].get('column_types', {}) %}
    {%- set statements = [] %}
    {%- for chunk in agate_table.rows | batch(batch_size) %}
        {%- set sql %}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for col_name in agate_table.column_names -%}
                    {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
                    {%- set type = column_override.get(col_name, inferred_type) -%}
                    cast({{ spark_seed_literal(row[loop.index0]) }} as {{ type }})
                    {%- if not loop.last %},{% endif %}
                {%- endfor -%})
                {%- if not loop.last %},{% endif %}
            {%- endfor %}
        {%- endset %}
        {%- do adapter.add_query(sql, abridge_sql_log=True) %}
        {%- if loop.index0 == 0 %}{% do statements.append(sql) %}{% endif %}
    {%- endfor %}
    {{ return(statements[0]) }}
{% endmacro %}

{% macro spark_seed_literal(value) -%}
    {%- if value is none -%}
        null
    {%- elif value is boolean -%}
        {{ 'true' if value else 'false' }}
    {%- elif value is number -%}
        {{ value }}
    {%- else -%}
        '{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}'
    {%- endif -%}
{%- endmacro %}

{#-
  A model contract's not_null constraints on Spark. dbt-spark sets them with
  ALTER TABLE ... CHANGE COLUMN ... SET NOT NULL, which only Delta tables
  accept; the project's tables are Parquet (no Delta on a machine without
  its jars), and Spark refuses the statement. DuckDB enforces NOT NULL when
  it writes the table; here the same promise is checked just after the table
  is written: a null in a not_null column fails the model, naming the
  column and the count. Used through the dispatch config in dbt_project.yml.
-#}
{% macro spark__alter_column_set_constraints(relation, column_dict) %}
    {%- for column_name in column_dict %}
        {%- for constraint in column_dict[column_name]['constraints'] if constraint.type == 'not_null' %}
            {%- set quoted = adapter.quote(column_name) if column_dict[column_name]['quote'] else column_name %}
            {%- set nulls = run_query('select count(*) from ' ~ relation ~ ' where ' ~ quoted ~ ' is null').columns[0].values()[0] %}
            {%- if nulls > 0 %}
                {{ exceptions.raise_compiler_error('Contract of ' ~ relation ~ ': column ' ~ column_name ~ ' is not_null, and ' ~ nulls ~ ' rows hold null') }}
            {%- endif %}
        {%- endfor %}
    {%- endfor %}
{% endmacro %}

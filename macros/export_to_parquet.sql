{#-
  Every table and view of the build, written as Parquet files under
  `directory`/<schema>/<table>/ (Spark writes a folder of part files per
  table). A Spark build ends with this: `jdm import-build` then makes from
  these files the same DuckDB build file a DuckDB build writes, which the
  study steps (jdm dq, stats, report, publish) read. Run with
      dbt run-operation export_to_parquet --args '{directory: /abs/path}'
  The folder is replaced table by table (INSERT OVERWRITE DIRECTORY).
-#}
{% macro export_to_parquet(directory) %}
    {%- set schemas = run_query('show schemas').columns[0].values() | reject('equalto', 'default') | list %}
    {%- for schema in schemas | sort %}
        {%- for table in run_query('show tables in ' ~ schema).columns[1].values() | sort %}
            {%- do run_query("insert overwrite directory '" ~ directory ~ "/" ~ schema ~ "/" ~ table
                ~ "' using parquet select * from " ~ schema ~ "." ~ table) %}
        {%- endfor %}
        {{ log('exported schema ' ~ schema ~ ' to ' ~ directory ~ '/' ~ schema, info=true) }}
    {%- endfor %}
{% endmacro %}

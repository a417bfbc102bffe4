{#-
  Where `jdm land` put the extract as Parquet files (python/jdm/ingest/
  landing.py), and how each engine reads one. JDM_LANDING_DIR, or beside the
  build file: `<JDM_DB without .duckdb>.landing` (the same rule as
  jdm.config.landing_dir). `make` and the tests give an absolute path, so the
  raw views still read it when the build file is opened from elsewhere.
-#}
{% macro landing_dir() -%}
    {%- set db = env_var('JDM_DB', 'warehouse/jdm.duckdb') -%}
    {{- env_var('JDM_LANDING_DIR', (db[:-7] if db.endswith('.duckdb') else db) ~ '.landing') -}}
{%- endmacro %}

{#- A landed file as a relation, `landed_file('visits')`, with each record's
    `source_row`: its position in the file (the landing writes the records
    in the extract file's order; row 1 = the first data record). Both
    engines' Parquet readers know a row's position without a sort.
    `numbered=false` for a file that is not an extract file (the landing
    report). -#}
{% macro landed_file(name, numbered=true) -%}
    {{ return(adapter.dispatch('landed_file', 'jdm_warehouse')(name, numbered)) }}
{%- endmacro %}

{% macro default__landed_file(name, numbered) -%}
    {%- if not numbered %}
    read_parquet('{{ landing_dir() }}/{{ name }}.parquet')
    {%- else %}
    (
        select * exclude (file_row_number), file_row_number + 1 as source_row
        from read_parquet('{{ landing_dir() }}/{{ name }}.parquet', file_row_number = true)
    ) as landed_{{ name }}
    {%- endif %}
{%- endmacro %}

{% macro spark__landed_file(name, numbered) -%}
    {%- if not numbered %}
    parquet.`{{ landing_dir() }}/{{ name }}.parquet`
    {%- else %}
    (
        select *, _metadata.row_index + 1 as source_row
        from parquet.`{{ landing_dir() }}/{{ name }}.parquet`
    ) as landed_{{ name }}
    {%- endif %}
{%- endmacro %}

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

{#- A landed file as a relation: `landed_file('visits')`. -#}
{% macro landed_file(name) -%}
    {{ return(adapter.dispatch('landed_file', 'jdm_warehouse')(name)) }}
{%- endmacro %}

{% macro default__landed_file(name) -%}
    read_parquet('{{ landing_dir() }}/{{ name }}.parquet')
{%- endmacro %}

{% macro spark__landed_file(name) -%}
    parquet.`{{ landing_dir() }}/{{ name }}.parquet`
{%- endmacro %}

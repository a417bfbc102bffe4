{#-
  Schemas are named exactly as configured (`staging`, `audit`, `marts`, ...)
  instead of dbt's default `<target schema>_<custom schema>`: analysts and BI
  tools address them by these names.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}

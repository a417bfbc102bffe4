{#-
  The extract's one metadata row, typed as the data dictionary says. Its
  extract_date bounds every event, so a missing or unreadable one stops the
  build with a message naming the file (bad_value_action stop_build in seed
  extract_columns); so does a file without exactly one record.
-#}
{{ config(post_hook="{{ describe_from_dictionary('extract_metadata.csv') }}") }}
{%- set columns = extract_columns('extract_metadata.csv') -%}
{{ dictionary_depends_on() }}

{%- set not_one_record -%}
    'extract_metadata.csv must hold exactly one record; it holds ' || cast(n_records as {{ dbt.type_string() }})
{%- endset -%}
{%- set no_extract_date -%}
    'extract_metadata.csv: extract_date is missing or not a YYYY-MM-DD date (found '
        || coalesce(chr(39) || extract_date__text || chr(39), 'nothing') || ')'
{%- endset %}

with

raw_metadata as (
    select * from {{ ref('raw_registry__extract_metadata') }}
),

values_typed as (
    select source_file, source_row, record_status, extract_date__text, {{ typed_columns(columns) }}
    from (select *, {{ texts(columns) }} from raw_metadata)
),

record_count as (
    select count(*) as n_records from values_typed
),

-- A left join on true keeps one row even for an empty file, so that an empty
-- file stops the build too instead of silently staging every event as late.
checked as (
    select values_typed.*, record_count.n_records
    from record_count
    left join values_typed on true
),

final as (
    select
        registry,
        case
            when n_records <> 1 then {{ fail_query(not_one_record) }}
            when record_status <> 'ok' or extract_date is null then {{ fail_query(no_extract_date) }}
            else extract_date
        end as extract_date,
        spec_version,
        source_file,
        source_row
    from checked
)

select * from final

{#-
  The extract's one metadata row. Its extract_date bounds every event, so a
  missing or unreadable one stops the build with a message naming the file.
-#}
with

raw_metadata as (
    select * from {{ ref('raw_registry__extract_metadata') }}
),

metadata_typed as (
    select
        source_file,
        source_row,
        record_status,
        {{ raw_text('registry') }} as registry,
        {{ parse_date(raw_text('extract_date')) }} as extract_date,
        {{ raw_text('extract_date') }} as extract_date__raw,
        {{ raw_text('spec_version') }} as spec_version
    from raw_metadata
),

record_count as (
    select count(*) as n_records from metadata_typed
),

-- A left join on true keeps one row even for an empty file, so that an empty
-- file stops the build too instead of silently staging every event as late.
checked as (
    select metadata_typed.*, record_count.n_records
    from record_count
    left join metadata_typed on true
),

final as (
    select
        registry,
        case
            when n_records <> 1
                then error('extract_metadata.csv must hold exactly one record; it holds ' || n_records::varchar)
            when record_status <> 'ok' or extract_date is null
                then error('extract_metadata.csv: extract_date is missing or not a YYYY-MM-DD date (found ' || coalesce('''' || extract_date__raw || '''', 'nothing') || ')')
            else extract_date
        end as extract_date,
        spec_version,
        source_file,
        source_row
    from checked
)

select * from final

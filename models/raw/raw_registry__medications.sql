{#- medications.csv as landed by `jdm land` (python/jdm/ingest/landing.py): one row per
    record, every value as text, with source_file and source_row; records
    whose fields cannot be told apart have record_status 'bad' and their
    reason. A view over the landed Parquet file: not written again. -#}
select * from {{ landed_file('medications') }}

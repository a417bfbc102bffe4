{#-
  The quarantine counted (in the spirit of the Tuva Project's data-quality
  summaries): one row per extract file, column, reason and action, with the
  spec's defect class, the Kahn category, the records and values concerned,
  and the file's records (audit.reconciliation) to read them against.

  Kahn category: the reason's (seed data_defects), except a number outside
  its column's range, whose category is the column's (seed extract_columns:
  plausibility); a value that is not a number is conformance.
-#}
with

quarantine as (
    select * from {{ ref('quarantine') }}
),

data_defects as (
    select * from {{ ref('data_defects') }}
),

extract_columns as (
    select * from {{ ref('extract_columns') }}
),

reconciliation as (
    select source_file, raw_rows from {{ ref('reconciliation') }}
),

final as (
    select
        quarantine.source_file,
        quarantine.column_name,
        quarantine.reason_code,
        quarantine.is_out_of_range,
        quarantine.action,
        data_defects.defect_class,
        case
            when quarantine.is_out_of_range then extract_columns.kahn_category
            else data_defects.kahn_category
        end as kahn_category,
        count(distinct quarantine.source_row) as records,
        count(*) as quarantine_rows,
        reconciliation.raw_rows
    from quarantine
    inner join data_defects using (reason_code)
    inner join reconciliation using (source_file)
    left join extract_columns
        on quarantine.source_file = extract_columns.source_file
        and quarantine.column_name = extract_columns.column_name
    group by all
)

select * from final

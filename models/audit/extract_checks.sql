{#-
  Every check of the extract's own data the warehouse makes, one row each,
  with the records that failed it: the data dictionary (seed
  extract_columns) says which checks apply to each column (by its type,
  whether it is required, and its rule), and every file gets the
  record-level ones (fields that cannot be told apart, duplicates). The
  counts come from audit.quarantine_summary, so they are the records
  staging actually set aside or repaired, counted once: `jdm dq` reports
  them in marts.dq_results (check_scope `source`, severity warn: the
  extract's defects never stop the build).

  Conflicting duplicate visits count once per record merged away (the
  measures they disagreed on are repaired on the kept visit: listed in the
  quarantine and its summary, not counted again here).
-#}
with

extract_columns as (
    select * from {{ ref('extract_columns') }}
    where source_file <> 'extract_metadata.csv'
),

data_defects as (
    select * from {{ ref('data_defects') }}
),

summary as (
    select * from {{ ref('quarantine_summary') }}
),

reconciliation as (
    select source_file, raw_rows from {{ ref('reconciliation') }}
),

-- The checks each column's dictionary row calls for.
column_checks as (
    select source_file, column_name, 'invalid_encoding' as reason_code, false as is_out_of_range from extract_columns
    union all
    select source_file, column_name, 'missing_required_value', false from extract_columns where is_required
    union all
    select source_file, column_name, 'invalid_date', false from extract_columns where value_type = 'date'
    union all
    select source_file, column_name, 'implausible_event_date', false from extract_columns
    where rule in ('places_event', 'episode_end')
    union all
    select source_file, column_name, reason_code, false from extract_columns
    cross join (values ('stop_before_start'), ('once_stop_date_mismatch')) as episode_end_rules(reason_code)
    where rule = 'episode_end'
    union all
    select source_file, column_name, 'implausible_date', false from extract_columns
    where rule in ('within_life', 'not_after_extract')
    union all
    select source_file, column_name, 'invalid_numeric', false from extract_columns
    where value_type in ('integer', 'decimal', 'lab_value')
    union all
    select source_file, column_name, 'invalid_numeric', true from extract_columns
    where value_type in ('integer', 'decimal') and (min_value is not null or max_value is not null)
    union all
    select source_file, column_name, 'unknown_code', false from extract_columns
    where value_type in ('code', 'yes_no', 'code_list') and rule is distinct from 'lab_unit_of_test'
    union all
    select source_file, column_name, 'unknown_lab_unit', false from extract_columns where rule = 'lab_unit_of_test'
    union all
    select source_file, column_name, 'orphan_patient', false from extract_columns where rule = 'patient'
),

-- The checks of whole records: fields that cannot be told apart, and the
-- duplicate rules of staging (a repeated id where the file has its own id;
-- same-day assessments in visits.csv).
record_checks as (
    select distinct source_file, cast(null as {{ dbt.type_string() }}) as column_name, reason_code, false as is_out_of_range
    from extract_columns
    cross join (values ('malformed_record'), ('broken_quote'), ('exact_duplicate')) as record_rules(reason_code)
    union all
    select distinct source_file, null, 'duplicate_id', false
    from extract_columns
    where value_type = 'id' and rule is null
    union all
    select 'visits.csv', null, 'conflicting_duplicate', false
),

checks as (
    select * from column_checks
    union all
    select * from record_checks
),

-- Records per check (a merged conflicting duplicate: the records merged away).
violations as (
    select source_file, column_name, reason_code, is_out_of_range, cast(sum(records) as bigint) as records
    from summary
    where not (reason_code = 'conflicting_duplicate' and action = 'repaired')
    group by all
),

final as (
    select
        'extract__' || replace(checks.source_file, '.csv', '') || '__' || coalesce(checks.column_name, 'record')
            || '__' || checks.reason_code || case when checks.is_out_of_range then '__out_of_range' else '' end
            as check_name,
        checks.source_file,
        'raw_registry__' || replace(checks.source_file, '.csv', '') as model,
        checks.column_name,
        checks.reason_code,
        checks.is_out_of_range,
        data_defects.defect_class,
        case
            when checks.is_out_of_range then extract_columns.kahn_category
            else data_defects.kahn_category
        end as kahn_category,
        coalesce(violations.records, 0) as violated_records,
        reconciliation.raw_rows as file_records,
        case
            when checks.is_out_of_range
                then checks.source_file || ': ' || checks.column_name || ' outside its range (seed extract_columns)'
            else checks.source_file || coalesce(': ' || checks.column_name, ': records') || ': ' || data_defects.description
        end as description
    from checks
    inner join data_defects using (reason_code)
    inner join reconciliation using (source_file)
    left join extract_columns
        on checks.source_file = extract_columns.source_file
        and checks.column_name = extract_columns.column_name
    left join violations
        on checks.source_file = violations.source_file
        and checks.column_name is not distinct from violations.column_name
        and checks.reason_code = violations.reason_code
        and checks.is_out_of_range = violations.is_out_of_range
)

select * from final

{#-
  Laboratory results, one row per result, converted to the test's standard
  unit (enzymes U/L, ESR mm/h, CRP mg/L; seed lab_unit_conversions), from
  the records base_registry__labs keeps. A censored result (`<5`) keeps its
  qualifier. The same patient, date, test, value and unit as an earlier
  record is an `exact_duplicate` (the file has no id): the first record is
  kept and lists the others in duplicate_records. Two different results of
  one test on one day are both kept: repeat samples happen.

  The extract has no result id: `lab_result_id` is built from the record's
  position in labs.csv, so it is stable for one extract and traceable to
  its row.
-#}
{{ config(post_hook="{{ describe_from_dictionary('labs.csv') }}") }}
-- depends_on: {{ ref('extract_columns') }} (the post-hook reads the dictionary)
with

-- Read several times by the duplicate search: scanned again, not buffered.
checked_labs as {{ scanned_again() }} (
    select * from {{ ref('base_registry__labs') }}
    where drop_reason is null
),

repeated_labs as (
    {{ repeated_records('checked_labs',
        ['patient_id', 'sample_date', 'test', 'reported_value_text', 'reported_unit', 'value_repairs']) }}
),

duplicate_records as (
    {{ records_set_aside('repeated_labs') }}
),

final as (
    select
        'labs.csv:' || checked_labs.source_row as lab_result_id,
        checked_labs.patient_id,
        checked_labs.sample_date,
        checked_labs.test,
        checked_labs.standard_value as value,
        checked_labs.standard_unit as unit,
        checked_labs.value_qualifier,
        checked_labs.value_qualifier is not null as is_censored,
        checked_labs.reported_value_text,
        checked_labs.reported_value,
        checked_labs.reported_unit,
        coalesce(duplicate_records.duplicate_records,
            {{ empty_list_of(duplicate_record_fields()) }}) as duplicate_records,
        checked_labs.source_file,
        checked_labs.source_row
    from checked_labs
    left join duplicate_records using (source_row)
    where checked_labs.source_row not in (select source_row from repeated_labs)
)

select * from final

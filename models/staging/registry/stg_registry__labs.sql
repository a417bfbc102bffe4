{#- Laboratory results, one row per result, converted to the test's standard
    unit (enzymes U/L, ESR mm/h, CRP mg/L). A censored result (`<5`) keeps
    its qualifier. The extract has no result id: `lab_result_id` is built
    from the record's position in labs.csv, so it is stable for one extract
    and traceable to its row. -#}
with

checked_labs as (
    select * from {{ ref('base_registry__labs') }}
),

final as (
    select
        'labs.csv:' || source_row as lab_result_id,
        patient_id,
        sample_date,
        test,
        case when unit__issue is null and value__issue is null then standard_value end as value,
        case when unit__issue is null and value__issue is null then standard_unit end as unit,
        value_qualifier,
        value_qualifier is not null as is_censored,
        value__raw as reported_value_text,
        reported_value,
        unit as reported_unit,
        source_file,
        source_row
    from checked_labs
    where drop_reason is null
)

select * from final

{#- Prescription episodes and infusions, typed and normalised; doses keep
    their unit (conversion to mg/kg/day needs weight and height at the time,
    done downstream). Rows set aside and repaired values: audit.quarantine. -#}
with

checked_medications as (
    select * from {{ ref('base_registry__medications') }}
),

final as (
    select
        medication_id,
        patient_id,
        drug,
        route,
        dose,
        dose_unit,
        frequency,
        start_date,
        stop_date,
        indications,
        source_file,
        source_row
    from checked_medications
    where drop_reason is null
)

select * from final

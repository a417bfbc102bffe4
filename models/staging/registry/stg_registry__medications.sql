{#- Prescription episodes and infusions, typed and normalised; doses keep
    their unit (conversion to mg/kg/day needs weight and height at the time,
    done downstream). Rows set aside and repaired values: audit.quarantine.
    An empty stop_date means still taking it at the extract date; an
    unreadable one means an unknown end (has_unknown_stop_date: stop_date is
    then missing too); a stop_date after death or the extract date was
    clipped to it (is_stop_date_clipped). -#}
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
        has_unknown_stop_date,
        is_stop_date_clipped,
        indications,
        source_file,
        source_row
    from checked_medications
    where drop_reason is null
)

select * from final

{#- Registered patients: one row per patient_id, typed and normalised.
    Rows set aside and values repaired are in audit.quarantine. -#}
with

checked_patients as (
    select * from {{ ref('base_registry__patients') }}
),

final as (
    select
        patient_id,
        sex,
        date_of_birth,
        ethnicity,
        symptom_onset_date,
        diagnosis_date,
        diagnosis,
        recruitment_date,
        withdrawal_date,
        death_date,
        source_file,
        source_row
    from checked_patients
    where drop_reason is null
)

select * from final

{#-
  Medication records set aside because their start_date cannot be read
  (missing, unparseable or undecodable: base_registry__medications rule 1),
  of registered patients. They are not events (no day can be given to
  them) and are not staged, but each is evidence that the patient took the
  drug on some unknown day (spec, "Unknown is unknown"): the exposure step
  reads them (protocol, "Uncertain first exposure"). One row per record;
  the records themselves are in audit.quarantine.
-#}
{{ config(post_hook="{{ describe_from_dictionary('medications.csv') }}") }}
-- depends_on: {{ ref('extract_columns') }} (the post-hook reads the dictionary)
with

checked_medications as (
    select * from {{ ref('base_registry__medications') }}
),

raw_medications as (
    select source_row, start_date from {{ ref('raw_registry__medications') }}
),

patients as (
    select patient_id from {{ ref('stg_registry__patients') }}
),

final as (
    select
        checked_medications.source_file,
        checked_medications.source_row,
        checked_medications.medication_id,
        checked_medications.patient_id,
        checked_medications.drug,
        checked_medications.route,
        nullif(trim(raw_medications.start_date), '') as start_date_text
    from checked_medications
    inner join patients using (patient_id)
    inner join raw_medications using (source_row)
    where checked_medications.start_date is null
)

select * from final

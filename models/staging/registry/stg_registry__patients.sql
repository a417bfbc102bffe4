{#-
  Registered patients: one row per patient_id, typed and normalised, from
  the records base_registry__patients keeps. The same patient_id twice: the
  later record is an `exact_duplicate` when its content is the same,
  otherwise a `duplicate_id`; the first record (lowest source_row) is kept
  either way, and lists the others in duplicate_records (audit.quarantine
  reads them).
-#}
{{ config(post_hook="{{ describe_from_dictionary('patients.csv') }}") }}
{%- set columns = extract_columns('patients.csv') -%}
{{ dictionary_depends_on() }}

with

-- Read several times by the duplicate search: scanned again, not buffered.
checked_patients as {{ scanned_again() }} (
    select * from {{ ref('base_registry__patients') }}
    where drop_reason is null
),

repeated_patients as (
    {{ repeated_records('checked_patients', columns | map(attribute='staged_column') | list + ['value_repairs'], 'patient_id') }}
),

duplicate_records as (
    {{ records_set_aside('repeated_patients') }}
),

final as (
    select
        {%- for c in columns %}
        checked_patients.{{ c.staged_column }},
        {%- endfor %}
        coalesce(duplicate_records.duplicate_records,
            {{ empty_list_of(duplicate_record_fields()) }}) as duplicate_records,
        checked_patients.source_file,
        checked_patients.source_row
    from checked_patients
    left join duplicate_records using (source_row)
    where checked_patients.source_row not in (select source_row from repeated_patients)
)

select * from final

{#-
  Prescription episodes and infusions, typed and normalised, from the
  records base_registry__medications keeps; doses keep their unit
  (conversion to mg/kg/day needs weight and height at the time, done
  downstream). The same content as an earlier record (whatever its
  medication_id) is an `exact_duplicate`; among the records left, the same
  medication_id with other content a `duplicate_id`; the first record is
  kept either way and lists the others in duplicate_records
  (audit.quarantine reads them).

  An empty stop_date means still taking it at the extract date; an
  unreadable one an unknown end (has_unknown_stop_date, stop_date missing);
  one after death or the extract date was clipped to it
  (is_stop_date_clipped).
-#}
{{ config(post_hook="{{ describe_from_dictionary('medications.csv') }}") }}
{%- set columns = extract_columns('medications.csv') -%}
{%- set content = columns | rejectattr('column_name', 'equalto', 'medication_id') | map(attribute='staged_column') | list -%}
{{ dictionary_depends_on() }}

with

-- Read several times by the duplicate search: scanned again, not buffered.
checked_medications as {{ scanned_again() }} (
    select * from {{ ref('base_registry__medications') }}
    where drop_reason is null
),

repeated_medications as (
    {{ repeated_records('checked_medications', content + ['value_repairs'], 'medication_id') }}
),

duplicate_records as (
    {{ records_set_aside('repeated_medications') }}
),

final as (
    select
        {%- for c in columns %}
        checked_medications.{{ c.staged_column }},
        {%- endfor %}
        checked_medications.has_unknown_stop_date,
        checked_medications.is_stop_date_clipped,
        coalesce(duplicate_records.duplicate_records,
            {{ empty_list_of(duplicate_record_fields()) }}) as duplicate_records,
        checked_medications.source_file,
        checked_medications.source_row
    from checked_medications
    left join duplicate_records using (source_row)
    where checked_medications.source_row not in (select source_row from repeated_medications)
)

select * from final

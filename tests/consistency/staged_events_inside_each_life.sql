{{ config(meta={'kahn_category': 'plausibility', 'check_scope': 'logic'}) }}
-- Staging sets aside events before birth, after death or after the extract
-- date: none may reach the staged tables.
with

patients as (
    select patient_id, date_of_birth, death_date from {{ ref('stg_registry__patients') }}
),

extract_metadata as (
    select extract_date from {{ ref('stg_registry__extract_metadata') }}
),

events as (
    select 'visits' as source, source_row, patient_id, visit_date as event_date, visit_date as start_date
    from {{ ref('stg_registry__visits') }}
    union all
    select 'medications', source_row, patient_id, coalesce(stop_date, start_date), start_date
    from {{ ref('stg_registry__medications') }}
    union all
    select 'labs', source_row, patient_id, sample_date, sample_date
    from {{ ref('stg_registry__labs') }}
)

select events.*
from events
inner join patients using (patient_id)
cross join extract_metadata
where events.start_date < patients.date_of_birth
    or events.event_date > patients.death_date
    or events.event_date > extract_metadata.extract_date

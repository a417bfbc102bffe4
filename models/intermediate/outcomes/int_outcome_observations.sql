{#-
  Every recorded value of every outcome measure (seed outcome_measures) of
  the patients with an index date, long: one row per patient x measure x
  visit (or lab sample), with its day relative to the index date (study_day:
  the index date is day 0, the day before is -1). Missing values have no
  row: windowing then finds, per measure, the nearest visit that has the
  measure, even if a nearer visit lacks it.

  - Visit measures: the staged visit column named by `source_field` (the
    data dictionary's number and Y/N columns of visits.csv); Y/N fields as
    1 (Y) / 0 (N); a composite measure is the sum of its parts on
    the same visit, missing if any part is (macro visit_measure_value;
    composite_visit_fields: das_total = das_skin + das_muscle).
  - Lab measures: staged results of test `source_field`, in the test's
    standard unit; a censored result keeps its number and its qualifier.
  Values are exact decimals (as recorded), so differences from baseline
  are exact too.

  A view: at a million patients this is ~40 M rows that the models reading
  it each read once, cheaper to compute again than to write.
-#}
{{ config(materialized='view') }}
-- depends_on: {{ ref('extract_columns') }}

with

visits as (
    select * from {{ ref('stg_registry__visits') }}
),

labs as (
    select * from {{ ref('stg_registry__labs') }}
),

outcome_measures as (
    select * from {{ ref('outcome_measures') }}
),

patients_indexed as (
    select patient_id, index_date
    from {{ ref('int_patients_exposed') }}
    where index_date is not null
),

visit_measures as (
    select measure, source_field from outcome_measures where source = 'visit'
),

lab_measures as (
    select measure, source_field from outcome_measures where source = 'lab'
),

visits_of_indexed_patients as (
    select visits.*, patients_indexed.index_date
    from visits
    inner join patients_indexed using (patient_id)
),

-- One pass over the visits: each visit paired with each visit measure.
visit_values as (
    select
        visits_of_indexed_patients.patient_id,
        visit_measures.measure,
        visits_of_indexed_patients.visit_date as observation_date,
        visits_of_indexed_patients.index_date,
        {{ visit_measure_value('visit_measures.source_field') }} as value,
        cast(null as {{ dbt.type_string() }}) as value_qualifier,
        visits_of_indexed_patients.visit_id as source_record_id,
        visits_of_indexed_patients.source_file,
        visits_of_indexed_patients.source_row
    from visits_of_indexed_patients
    cross join visit_measures
),

lab_values as (
    select
        labs.patient_id,
        lab_measures.measure,
        labs.sample_date as observation_date,
        patients_indexed.index_date,
        cast(labs.value as decimal(18, 6)) as value,
        labs.value_qualifier,
        labs.lab_result_id as source_record_id,
        labs.source_file,
        labs.source_row
    from labs
    inner join lab_measures on labs.test = lab_measures.source_field
    inner join patients_indexed using (patient_id)
),

observations as (
    select * from visit_values
    union all
    select * from lab_values
),

final as (
    select
        patient_id,
        measure,
        observation_date,
        cast({{ days_between("index_date", "observation_date") }} as integer) as study_day,
        value,
        value_qualifier,
        source_record_id,
        source_file,
        source_row
    from observations
    where value is not null
)

select * from final

{#-
  patients.csv typed and checked, one row per well-formed raw record.
  Rows are never removed here: `drop_reason` says which rows staging sets
  aside, `value_repairs` which values it set to missing (audit.quarantine
  reads both).

  Rules:
  - patient_id is required; an empty or undecodable one sets the row aside.
  - The same patient_id twice: the later record is an `exact_duplicate` when
    its content is the same, otherwise a `duplicate_id`; the first record
    (lowest source_row) is kept either way.
  - An optional date that does not parse is set to missing (`invalid_date`);
    so is a date after the extract date, or (other than date_of_birth) before
    the date of birth (`implausible_date`): the patient stays registered.
-#}
{%- set fields = [
    {'column': 'patient_id', 'kind': 'text', 'required': true},
    {'column': 'sex', 'kind': 'code', 'code_field': 'sex'},
    {'column': 'date_of_birth', 'kind': 'date'},
    {'column': 'ethnicity', 'kind': 'text'},
    {'column': 'symptom_onset_date', 'kind': 'date'},
    {'column': 'diagnosis_date', 'kind': 'date'},
    {'column': 'diagnosis', 'kind': 'diagnosis'},
    {'column': 'recruitment_date', 'kind': 'date'},
    {'column': 'withdrawal_date', 'kind': 'date'},
    {'column': 'death_date', 'kind': 'date'},
] -%}
{%- set life_dates = ['symptom_onset_date', 'diagnosis_date', 'recruitment_date', 'withdrawal_date', 'death_date'] -%}

with

raw_patients as (
    select * from {{ ref('raw_registry__patients') }}
),

extract_metadata as (
    select extract_date from {{ ref('stg_registry__extract_metadata') }}
),

values_checked as (
    {{ typed_and_checked_values('raw_patients', fields) }}
),

-- Dates that parse but cannot be true of this child.
dates_checked as (
    select
        values_checked.* replace (
            case when date_of_birth > extract_metadata.extract_date then null else date_of_birth end as date_of_birth,
            {%- for d in life_dates %}
            case
                when {{ d }} > extract_metadata.extract_date then null
                when {{ d }} < date_of_birth and date_of_birth <= extract_metadata.extract_date then null
                else {{ d }}
            end as {{ d }},
            {%- endfor %}
            coalesce(date_of_birth__issue, case when date_of_birth > extract_metadata.extract_date then 'implausible_date' end) as date_of_birth__issue,
            {%- for d in life_dates %}
            coalesce({{ d }}__issue, case
                when {{ d }} > extract_metadata.extract_date then 'implausible_date'
                when {{ d }} < date_of_birth and date_of_birth <= extract_metadata.extract_date then 'implausible_date'
            end) as {{ d }}__issue{{ ',' if not loop.last }}
            {%- endfor %}
        )
    from values_checked
    cross join extract_metadata
),

usable_rows as (
    select
        *,
        {{ required_field_issue(fields) }} as required_issue,
        {{ required_field_with_issue(fields) }} as required_issue_column,
        {{ optional_value_repairs(fields) }} as value_repairs
    from dates_checked
),

-- Among rows with a usable id, the first record of each patient_id, and
-- whether a later record repeats its content exactly.
first_of_each_id as (
    select
        *,
        min(source_row) over (partition by patient_id) as first_source_row_of_id,
        min(source_row) over (
            partition by patient_id, sex, date_of_birth, ethnicity, symptom_onset_date,
                diagnosis_date, diagnosis, recruitment_date, withdrawal_date, death_date, value_repairs
        ) as first_source_row_of_content
    from usable_rows
    where required_issue is null
),

final as (
    select
        usable_rows.* exclude (required_issue, required_issue_column),
        case
            when usable_rows.required_issue is not null then usable_rows.required_issue
            when ids.first_source_row_of_content < usable_rows.source_row then 'exact_duplicate'
            when ids.first_source_row_of_id < usable_rows.source_row then 'duplicate_id'
        end as drop_reason,
        case
            when usable_rows.required_issue is not null then usable_rows.required_issue_column
            when ids.first_source_row_of_content < usable_rows.source_row then null
            when ids.first_source_row_of_id < usable_rows.source_row then 'patient_id'
        end as drop_column,
        case
            when ids.first_source_row_of_content < usable_rows.source_row
                then 'same content as source_row ' || ids.first_source_row_of_content
            when ids.first_source_row_of_id < usable_rows.source_row
                then 'patient_id already used by source_row ' || ids.first_source_row_of_id
        end as drop_detail
    from usable_rows
    left join first_of_each_id as ids using (source_row)
)

select * from final

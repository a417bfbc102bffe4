{#-
  visits.csv typed and checked, one row per well-formed raw record; nothing
  is removed here. Applies rules 1-3 of base_registry__visits (required
  fields, orphans, implausible dates) as `drop_reason`; the duplicate rules
  need every row at once and come after, in base_registry__visits_duplicates.
  `value_repairs`: the values set to missing.
-#}
{%- set fields = [
    {'column': 'visit_id', 'kind': 'text', 'required': true},
    {'column': 'patient_id', 'kind': 'text', 'required': true},
    {'column': 'visit_date', 'kind': 'date', 'required': true},
    {'column': 'weight_kg', 'kind': 'decimal', 'min': 2, 'max': 150},
    {'column': 'height_cm', 'kind': 'decimal', 'min': 40, 'max': 210},
    {'column': 'cmas', 'kind': 'integer', 'min': 0, 'max': 52},
    {'column': 'mmt8', 'kind': 'integer', 'min': 0, 'max': 80},
    {'column': 'physician_global_vas', 'kind': 'decimal', 'min': 0, 'max': 10},
    {'column': 'parent_global_vas', 'kind': 'decimal', 'min': 0, 'max': 10},
    {'column': 'chaq', 'kind': 'decimal', 'min': 0, 'max': 3},
    {'column': 'das_skin', 'kind': 'integer', 'min': 0, 'max': 9},
    {'column': 'das_muscle', 'kind': 'integer', 'min': 0, 'max': 11},
    {'column': 'rash', 'kind': 'yes_no'},
    {'column': 'nailfold_abnormal', 'kind': 'yes_no'},
    {'column': 'gottrons', 'kind': 'yes_no'},
    {'column': 'calcinosis', 'kind': 'yes_no'},
    {'column': 'skin_ulceration', 'kind': 'yes_no'},
] -%}
{%- set measures = fields | map(attribute='column') | reject('in', ['visit_id', 'patient_id', 'visit_date']) | list -%}

with

raw_visits as (
    select * from {{ ref('raw_registry__visits') }}
),

patients as (
    select patient_id, date_of_birth, death_date from {{ ref('stg_registry__patients') }}
),

extract_metadata as (
    select extract_date from {{ ref('stg_registry__extract_metadata') }}
),

values_checked as (
    {{ typed_and_checked_values('raw_visits', fields) }}
),

rows_placed as (
    select
        values_checked.*,
        {{ optional_value_repairs(fields) }} as value_repairs,
        {{ event_placement(fields, 'visit_date') }}
    from values_checked
    left join patients using (patient_id)
    cross join extract_metadata
),

final as (
    select
        source_file,
        source_row,
        visit_id,
        patient_id,
        visit_date,
        {%- for m in measures %}
        {{ m }},
        {%- endfor %}
        value_repairs,
        placement_issue as drop_reason,
        placement_issue_column as drop_column,
        placement_detail as drop_detail,
        {%- for c in ['visit_id', 'patient_id', 'visit_date'] %}
        {{ raw_text_if_unusable(c) }} as {{ c }}__raw{{ ',' if not loop.last }}
        {%- endfor %}
    from rows_placed
)

select * from final

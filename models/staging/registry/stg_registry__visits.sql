{#-
  Clinical assessments: one row per patient and visit date, typed, Y/N
  fields as booleans. Rows set aside and repaired values: audit.quarantine.

  Conflicting duplicates (two records of one patient on one date) are merged
  into the first record (its visit_id and source_row): each measure takes the
  value the records agree on (ignoring missing ones); where they disagree the
  measure is set to missing and listed in `conflicting_values`, because no
  rule can tell which entry was right.
-#}
{%- set measures = [
    'weight_kg', 'height_cm', 'cmas', 'mmt8', 'physician_global_vas', 'parent_global_vas',
    'chaq', 'das_skin', 'das_muscle', 'rash', 'nailfold_abnormal', 'gottrons', 'calcinosis',
    'skin_ulceration'] -%}

with

-- Read twice below; not materialized, so DuckDB scans it twice instead of
-- buffering every record.
checked_visits as not materialized (
    select * from {{ ref('base_registry__visits') }}
),

-- Most visits have no same-day duplicate: they pass through as they are.
single_visits as (
    select
        *,
        [source_row] as merged_source_rows,
        []::struct(column_name varchar, raw_value varchar, reason_code varchar, detail varchar)[] as conflicting_values
    from checked_visits
    where drop_reason is null and not has_same_day_duplicates
),

-- Same-day duplicates: the kept row and the rows merged into it.
visits_to_merge as (
    select * from checked_visits
    where has_same_day_duplicates
        and (drop_reason is null or drop_reason = 'conflicting_duplicate')
),

visits_merged as (
    select
        surviving_source_row as source_row,
        arg_min(visit_id, source_row) as visit_id,
        any_value(patient_id) as patient_id,
        any_value(visit_date) as visit_date,
        any_value(source_file) as source_file,
        list(source_row order by source_row) as merged_source_rows,
        {%- for m in measures %}
        case when count(distinct {{ m }}) > 1 then null else max({{ m }}) end as {{ m }},
        {%- endfor %}
        list_filter([
        {%- for m in measures %}
            case when count(distinct {{ m }}) > 1 then {
                'column_name': '{{ m }}',
                'raw_value': array_to_string(list_sort(list(distinct {{ m }}::varchar) filter (where {{ m }} is not null)), ' | '),
                'reason_code': 'conflicting_duplicate',
                'detail': 'records ' || array_to_string(list(source_row order by source_row), ', ') || ' of one patient and date disagree'
            } end{{ ',' if not loop.last }}
        {%- endfor %}
        ], lambda conflict: conflict is not null) as conflicting_values
    from visits_to_merge
    group by surviving_source_row
),

visits_staged as (
    select * from single_visits
    union all by name
    select * from visits_merged
),

final as (
    select
        visit_id,
        patient_id,
        visit_date,
        weight_kg,
        height_cm,
        cmas,
        mmt8,
        physician_global_vas,
        parent_global_vas,
        chaq,
        das_skin,
        das_muscle,
        rash as has_rash,
        nailfold_abnormal as has_abnormal_nailfolds,
        gottrons as has_gottrons_papules,
        calcinosis as has_calcinosis,
        skin_ulceration as has_skin_ulceration,
        conflicting_values,
        source_file,
        source_row,
        merged_source_rows
    from visits_staged
)

select * from final

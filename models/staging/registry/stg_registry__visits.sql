{#-
  Clinical assessments: one row per patient and visit date, typed, Y/N
  fields as booleans, from the records base_registry__visits keeps (rules
  1-3 there). The duplicate rules, in this order:
  4. `exact_duplicate`: the same content (every value but visit_id, as
     typed, and the same repaired texts) as an earlier record: the first is
     kept. `duplicate_id`: among the records left, the same visit_id as an
     earlier record with other content: the first is kept.
  5. `conflicting_duplicate`: another visit of the same patient on the same
     date among the records left: merged into the first (its visit_id and
     source_row). Each measure takes the value the records agree on
     (ignoring missing ones); where they disagree it is set to missing and
     listed in conflicting_values, because no rule can tell which entry was
     right.
  duplicate_records lists, on each staged visit, the records it stands for
  besides its own (merged or repeated), with the rule: audit.quarantine
  reads them.
-#}
{{ config(post_hook="{{ describe_from_dictionary('visits.csv') }}") }}
{%- set columns = extract_columns('visits.csv') -%}
{%- set measure_columns = columns | rejectattr('column_name', 'in', ['visit_id', 'patient_id', 'visit_date']) | list -%}
{%- set measures = measure_columns | map(attribute='staged_column') | list -%}
{{ dictionary_depends_on() }}

with

-- Read several times below (the duplicate searches read it twice each);
-- not materialized, so DuckDB scans the table again instead of buffering it.
checked_visits as not materialized (
    select * from {{ ref('base_registry__visits') }}
    where drop_reason is null
),

repeated_visits as (
    {{ repeated_records('checked_visits', ['patient_id', 'visit_date'] + measures + ['value_repairs'], 'visit_id') }}
),

distinct_visits as not materialized (
    select * from checked_visits
    where source_row not in (select source_row from repeated_visits)
),

same_day_visits as (
    {{ rows_sharing_values('distinct_visits', ['patient_id', 'visit_date']) }}
),

-- Every record set aside by rules 4 and 5, with the staged visit that
-- stands for it (a repeat of a record that is itself merged goes there too).
set_aside as (
    select
        repeated_visits.source_row,
        repeated_visits.reason_code,
        repeated_visits.detail,
        coalesce(same_day_visits.first_source_row, repeated_visits.kept_source_row) as kept_source_row
    from repeated_visits
    left join same_day_visits on repeated_visits.kept_source_row = same_day_visits.source_row
    union all
    select
        source_row,
        'conflicting_duplicate' as reason_code,
        'same patient and visit_date as source_row ' || first_source_row || ': merged into it' as detail,
        first_source_row as kept_source_row
    from same_day_visits
    where first_source_row < source_row
),

duplicate_records as (
    {{ records_set_aside('set_aside') }}
),

-- Most visits have no same-day duplicate: they pass through as they are.
single_visits as (
    select
        *,
        [source_row] as merged_source_rows,
        []::struct(column_name varchar, raw_value varchar, reason_code varchar, detail varchar)[] as conflicting_values
    from distinct_visits
    where source_row not in (select source_row from same_day_visits)
),

visits_merged as (
    select
        same_day_visits.first_source_row as source_row,
        arg_min(distinct_visits.visit_id, distinct_visits.source_row) as visit_id,
        any_value(distinct_visits.patient_id) as patient_id,
        any_value(distinct_visits.visit_date) as visit_date,
        any_value(distinct_visits.source_file) as source_file,
        list(distinct_visits.source_row order by distinct_visits.source_row) as merged_source_rows,
        {%- for m in measures %}
        case when count(distinct distinct_visits.{{ m }}) > 1 then null else max(distinct_visits.{{ m }}) end as {{ m }},
        {%- endfor %}
        list_filter([
        {%- for c in measure_columns %}
        {%- set m = c.staged_column %}
            case when count(distinct distinct_visits.{{ m }}) > 1 then {
                'column_name': '{{ c.column_name }}',
                'raw_value': array_to_string(list_sort(list(distinct distinct_visits.{{ m }}::varchar)
                    filter (where distinct_visits.{{ m }} is not null)), ' | '),
                'reason_code': 'conflicting_duplicate',
                'detail': 'records ' || array_to_string(list(distinct_visits.source_row order by distinct_visits.source_row), ', ')
                    || ' of one patient and date disagree'
            } end{{ ',' if not loop.last }}
        {%- endfor %}
        ], lambda conflict: conflict is not null) as conflicting_values
    from distinct_visits
    inner join same_day_visits using (source_row)
    group by same_day_visits.first_source_row
),

visits_staged as (
    select * from single_visits
    union all by name
    select * from visits_merged
),

final as (
    select
        visits_staged.visit_id,
        visits_staged.patient_id,
        visits_staged.visit_date,
        {%- for m in measures %}
        visits_staged.{{ m }},
        {%- endfor %}
        visits_staged.conflicting_values,
        coalesce(duplicate_records.duplicate_records,
            []::struct(source_row bigint, reason_code varchar, detail varchar)[]) as duplicate_records,
        visits_staged.source_file,
        visits_staged.source_row,
        visits_staged.merged_source_rows
    from visits_staged
    left join duplicate_records using (source_row)
)

select * from final

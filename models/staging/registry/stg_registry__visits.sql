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
checked_visits as {{ scanned_again() }} (
    select * from {{ ref('base_registry__visits') }}
    where drop_reason is null
),

repeated_visits as (
    {{ repeated_records('checked_visits', ['patient_id', 'visit_date'] + measures + ['value_repairs'], 'visit_id') }}
),

distinct_visits as {{ scanned_again() }} (
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
        {{ list_of(['source_row']) }} as merged_source_rows,
        {{ empty_list_of(value_repair_fields()) }} as conflicting_values
    from distinct_visits
    where source_row not in (select source_row from same_day_visits)
),

visits_merged as (
    select
        same_day_visits.first_source_row as source_row,
        {{ arg_min_by('distinct_visits.visit_id', ['distinct_visits.source_row']) }} as visit_id,
        any_value(distinct_visits.patient_id) as patient_id,
        any_value(distinct_visits.visit_date) as visit_date,
        any_value(distinct_visits.source_file) as source_file,
        {{ ordered_list('distinct_visits.source_row', 'distinct_visits.source_row') }} as merged_source_rows,
        {%- for m in measures %}
        case when count(distinct distinct_visits.{{ m }}) > 1 then null else max(distinct_visits.{{ m }}) end as {{ m }},
        {%- endfor %}
        {%- set conflicts = [] %}
        {%- for c in measure_columns %}
        {%- set m = 'distinct_visits.' ~ c.staged_column %}
        {%- do conflicts.append('case when count(distinct ' ~ m ~ ') > 1 then ' ~ struct_of([
            ('column_name', "'" ~ c.column_name ~ "'"),
            ('raw_value', join_list(sorted_distinct_texts(m), ' | ')),
            ('reason_code', "'conflicting_duplicate'"),
            ('detail', "'records ' || " ~ join_list(ordered_list('cast(distinct_visits.source_row as ' ~ dbt.type_string() ~ ')',
                'distinct_visits.source_row'), ', ') ~ " || ' of one patient and date disagree'"),
        ]) ~ ' end') %}
        {%- endfor %}
        {{ list_where(list_of(conflicts), 'conflict', 'conflict is not null') }} as conflicting_values
    from distinct_visits
    inner join same_day_visits using (source_row)
    group by same_day_visits.first_source_row
),

visits_staged as (
    {%- set staged_columns = ['source_file', 'source_row', 'visit_id', 'patient_id', 'visit_date'] + measures
        + ['merged_source_rows', 'conflicting_values'] %}
    select {{ staged_columns | join(', ') }} from single_visits
    union all
    select {{ staged_columns | join(', ') }} from visits_merged
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
            {{ empty_list_of(duplicate_record_fields()) }}) as duplicate_records,
        visits_staged.source_file,
        visits_staged.source_row,
        visits_staged.merged_source_rows
    from visits_staged
    left join duplicate_records using (source_row)
)

select * from final

{#-
  Source checks: what arrived in the extract, read from the raw layer (every
  value as text, one row per record; records whose fields could not be told
  apart are left to audit.quarantine). Each returns one row per offending
  record, so its failure count is the number of records with the defect.

  They describe the registry's data, not our models: severity warn (the
  build goes on; staging repairs or sets the records aside). Each carries
  its Kahn category and the extract spec's defect class in `meta`, which
  `jdm dq` reports in marts.dq_results.
-#}

{#- A date that does not parse as YYYY-MM-DD (spec defect 1). -#}
{% test source_date_conforms(model, column_name) %}
{{ config(severity='warn', meta={'kahn_category': 'conformance', 'defect_class': 1, 'check_scope': 'source'}) }}
{{ source_values_failing(model, column_name, parse_date('value') ~ ' is not null') }}
{% endtest %}

{#- A number that is not a number (spec defect 2: `n/a`, `>40`); for an
    integer field, one with decimals. -#}
{% test source_number_conforms(model, column_name, integer=false) %}
{{ config(severity='warn', meta={'kahn_category': 'conformance', 'defect_class': 2, 'check_scope': 'source'}) }}
{{ source_values_failing(model, column_name, "regexp_full_match(value, '" ~ ('[+-]?\\d+(\\.0*)?' if integer else '[+-]?(\\d+(\\.\\d*)?|\\.\\d+)') ~ "')") }}
{% endtest %}

{#- A number outside its range (spec defect 2: `cmas` 61, a negative VAS). -#}
{% test source_number_in_range(model, column_name, min_value, max_value) %}
{{ config(severity='warn', meta={'kahn_category': 'plausibility', 'defect_class': 2, 'check_scope': 'source'}) }}
{{ source_values_failing(model, column_name, "not regexp_full_match(value, '[+-]?(\\d+(\\.\\d*)?|\\.\\d+)') or try_cast(value as double) between " ~ min_value ~ " and " ~ max_value) }}
{% endtest %}

{#- A code no seed knows, in any spelling (spec defect 8). `code_field` as
    in macro code_map: sex, route, dose_unit, frequency, drug, yes_no, ... -#}
{% test source_code_known(model, column_name, code_field) %}
{{ config(severity='warn', meta={'kahn_category': 'conformance', 'defect_class': 8, 'check_scope': 'source'}) }}
{{ source_values_failing(model, column_name, 'map_contains(' ~ code_map(code_field) ~ ', ' ~ code_key('value') ~ ')') }}
{% endtest %}

{#- A lab result in a unit not listed for its test (spec defect 9). -#}
{% test source_lab_unit_known(model, column_name) %}
{{ config(severity='warn', meta={'kahn_category': 'conformance', 'defect_class': 9, 'check_scope': 'source'}) }}
select labs.source_row, labs.{{ column_name }} as raw_value
from {{ model }} as labs
left join {{ ref('lab_unit_conversions') }} as conversions
    on {{ code_map('lab_test') }}[{{ code_key(raw_text('labs.test')) }}] = conversions.test
    and {{ code_map('lab_unit') }}[{{ code_key(raw_text('labs.' ~ column_name)) }}] = conversions.unit
where labs.record_status = 'ok'
    and {{ raw_text('labs.' ~ column_name) }} is not null
    and {{ raw_text('labs.value') }} is not null
    and conversions.test is null
{% endtest %}

{#- A patient_id that patients.csv does not have (spec defect 5). -#}
{% test source_patient_known(model, column_name, patients) %}
{{ config(severity='warn', meta={'kahn_category': 'conformance', 'defect_class': 5, 'check_scope': 'source'}) }}
select events.source_row, events.{{ column_name }} as raw_value
from {{ model }} as events
where events.record_status = 'ok'
    and {{ raw_text('events.' ~ column_name) }} is not null
    and not exists (
        select 1 from {{ patients }} as patients
        where patients.record_status = 'ok'
            and {{ raw_text('patients.patient_id') }} = {{ raw_text('events.' ~ column_name) }})
{% endtest %}

{#- A record repeating an earlier record's content, ids aside (spec defect
    3): each repeat counts once. Hash-grouped first, so only records that
    may repeat are compared exactly (a full window over millions of wide
    records would dominate the build). -#}
{% test source_record_not_repeated(model, content_columns) %}
{{ config(severity='warn', meta={'kahn_category': 'plausibility', 'defect_class': 3, 'check_scope': 'source'}) }}
{%- set content = [] %}
{%- for c in content_columns %}{% do content.append(raw_text(c)) %}{% endfor %}
select source_row
from ({{ rows_sharing_values(model, content, where="record_status = 'ok'") }}) as repeated
where source_row > first_source_row
{% endtest %}

{#- Several different assessments of one patient on one date (spec defect
    4): each content beyond the first counts once; exact repeats are
    source_record_not_repeated's. Only patient-days with more than one
    record are compared in full. -#}
{% test source_one_assessment_per_day(model, content_columns) %}
{{ config(severity='warn', meta={'kahn_category': 'plausibility', 'defect_class': 4, 'check_scope': 'source'}) }}
with

-- Read straight from the model twice (a CTE read twice would be buffered
-- whole): once narrow, to find the patient-days with several records.
shared_days as (
    select
        {{ raw_text('patient_id') }} as day_patient_id,
        {{ parse_date(raw_text('visit_date')) }} as day_date
    from {{ model }}
    where record_status = 'ok'
    group by 1, 2
    having count(*) > 1 and day_date is not null
),

distinct_contents as (
    select shared_days.day_patient_id, shared_days.day_date, min(records.source_row) as source_row
    from {{ model }} as records
    inner join shared_days
        on {{ raw_text('records.patient_id') }} = shared_days.day_patient_id
        and {{ parse_date(raw_text('records.visit_date')) }} = shared_days.day_date
    where records.record_status = 'ok'
    group by shared_days.day_patient_id, shared_days.day_date
        {%- for c in content_columns %}, {{ raw_text('records.' ~ c) }}{% endfor %}
),

ranked as (
    select source_row, row_number() over (partition by day_patient_id, day_date order by source_row) as content_number
    from distinct_contents
)

select source_row from ranked where content_number > 1
{% endtest %}

{#- An event dated after the extract, before the patient's birth or after
    their death (spec defect 6). `date_columns`: the record's event dates;
    `start_column`: the one that must not precede birth. -#}
{% test source_event_date_plausible(model, date_columns, start_column, patients, extract_metadata) %}
{{ config(severity='warn', meta={'kahn_category': 'plausibility', 'defect_class': 6, 'check_scope': 'source'}) }}
with patient_dates as (
    select
        {{ raw_text('patient_id') }} as patient_id,
        min({{ parse_date(raw_text('date_of_birth')) }}) as date_of_birth,
        min({{ parse_date(raw_text('death_date')) }}) as death_date
    from {{ patients }}
    where record_status = 'ok'
    group by 1
),
extract_dates as (
    select min({{ parse_date(raw_text('extract_date')) }}) as extract_date from {{ extract_metadata }}
),
events as (
    select
        events.source_row,
        {%- for c in date_columns %}
        {{ parse_date(raw_text('events.' ~ c)) }} as {{ c }},
        {%- endfor %}
        patient_dates.date_of_birth,
        patient_dates.death_date,
        extract_dates.extract_date
    from {{ model }} as events
    inner join patient_dates on {{ raw_text('events.patient_id') }} = patient_dates.patient_id
    cross join extract_dates
    where events.record_status = 'ok'
)
select source_row
from events
where {{ start_column }} < date_of_birth
    {%- for c in date_columns %}
    or {{ c }} > extract_date
    or {{ c }} > death_date
    {%- endfor %}
{% endtest %}

{#- A medication stopped before it started (spec defect 7). -#}
{% test source_stop_not_before_start(model, start_column, stop_column) %}
{{ config(severity='warn', meta={'kahn_category': 'plausibility', 'defect_class': 7, 'check_scope': 'source'}) }}
select source_row
from {{ model }}
where record_status = 'ok'
    and {{ parse_date(raw_text(stop_column)) }} < {{ parse_date(raw_text(start_column)) }}
{% endtest %}

{#- A lab value that is neither a number nor a censored number such as
    `<5` or `>2000` (spec defects 2 and 9: censored values are valid). -#}
{% test source_lab_value_conforms(model, column_name) %}
{{ config(severity='warn', meta={'kahn_category': 'conformance', 'defect_class': 2, 'check_scope': 'source'}) }}
{{ source_values_failing(model, column_name, "regexp_full_match(value, '([<>]=?)?\\s*([0-9]+(\\.[0-9]*)?|\\.[0-9]+)')") }}
{% endtest %}

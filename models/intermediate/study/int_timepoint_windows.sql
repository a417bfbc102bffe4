{#-
  The analysis timepoints and their windows (seed timepoint_windows), with
  any overrides from the var `timepoint_window_overrides`, e.g.
    {month_12: {window_low_day: 305, window_high_day: 425}}
  An override naming a timepoint the seed lacks yields a row without a
  `selection`, which fails this model's not_null test.
-#}
{%- set overrides = var('timepoint_window_overrides') or {} -%}
{%- set overridable = ['target_day', 'window_low_day', 'window_high_day'] -%}

with

seeded_windows as (
    select * from {{ ref('timepoint_windows') }}
),

window_overrides as (
    {%- for timepoint, fields in overrides.items() %}
    {%- for field in fields if field not in overridable %}
    {{ exceptions.raise_compiler_error("timepoint_window_overrides." ~ timepoint ~ ": '" ~ field ~ "' cannot be overridden (only " ~ overridable | join(', ') ~ ")") }}
    {%- endfor %}
    select
        {{ sql_text(timepoint) }} as timepoint,
        {%- for field in overridable %}
        cast({{ fields.get(field, 'null') }} as integer) as {{ field }}{{ ',' if not loop.last }}
        {%- endfor %}
    {{ 'union all' if not loop.last }}
    {%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as timepoint,
        {%- for field in overridable %}
        cast(null as integer) as {{ field }}{{ ',' if not loop.last }}
        {%- endfor %}
    where false
    {%- endfor %}
),

final as (
    select
        coalesce(seeded_windows.timepoint, window_overrides.timepoint) as timepoint,
        seeded_windows.timepoint_order,
        seeded_windows.timepoint_label,
        seeded_windows.selection,
        {%- for field in overridable %}
        coalesce(window_overrides.{{ field }}, seeded_windows.{{ field }}) as {{ field }},
        {%- endfor %}
        window_overrides.timepoint is not null as is_overridden
    from seeded_windows
    full outer join window_overrides
        on seeded_windows.timepoint = window_overrides.timepoint
)

select * from final

{#- The rows of `relation` (each with a study_day) paired with every
    timepoint window of `windows` (int_timepoint_windows) they fall in, as
    `timepoint`, ranked for the window's selection rule as `selection_rank`
    (smaller is better): nearest_to_target, the distance to the target day;
    latest, the later the better. int_outcomes_windowed ranks its visits and
    its lab values with it, so both follow one rule. -#}
{% macro in_timepoint_windows(relation, windows) -%}
    select
        {{ relation }}.*,
        {{ windows }}.timepoint,
        case {{ windows }}.selection
            when 'nearest_to_target' then abs({{ relation }}.study_day - {{ windows }}.target_day)
            when 'latest' then -{{ relation }}.study_day
        end as selection_rank
    from {{ relation }}
    inner join {{ windows }}
        on {{ relation }}.study_day >= {{ windows }}.window_low_day
        -- No upper edge (last follow-up): an open range, kept a plain range
        -- condition so the engine can use a range join.
        and {{ relation }}.study_day <= coalesce({{ windows }}.window_high_day, 2147483647)
{%- endmacro %}

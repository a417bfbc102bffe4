{#-
  The analysis timepoints of this build (seed timepoint_windows with the
  var timepoint_window_overrides applied), one row each: the one place the
  Python layer reads target days from (e.g. the Kaplan-Meier proportions
  off steroids at 12, 18 and 24 months are read at these days).
-#}
with

timepoint_windows as (
    select * from {{ ref('int_timepoint_windows') }}
),

final as (
    select
        timepoint,
        timepoint_order,
        timepoint_label,
        selection,
        target_day,
        window_low_day,
        window_high_day,
        is_overridden
    from timepoint_windows
)

select * from final

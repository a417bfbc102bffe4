-- Copy me: median (IQR) and n of every outcome measure at every timepoint,
-- for one analysis set. Windowed values only (a patient without a value at
-- a timepoint has no row, so n varies). Change the filter to
-- `in_all_treated` for the all-treated analysis set, or add
-- `and measure = 'cmas'` to look at one measure.
-- Run: .venv/bin/dbt show -s outcome_medians_by_timepoint --limit 200
select
    measure,
    measure_label,
    timepoint,
    count(*) as n,
    quantile_cont(value, 0.5) as median,
    quantile_cont(value, 0.25) as q1,
    quantile_cont(value, 0.75) as q3,
    quantile_cont(change_from_baseline, 0.5) as median_change_from_baseline,
    count(*) filter (where is_improved) as n_improved,
    count(is_improved) as n_with_baseline
from {{ ref('outcome_timepoints') }}
where in_completers
group by measure, measure_label, timepoint, timepoint_order
order by measure, timepoint_order

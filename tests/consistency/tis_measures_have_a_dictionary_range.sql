{{ config(meta={'kahn_category': 'conformance', 'check_scope': 'logic'}) }}
-- Every measure the Total Improvement Score takes as a percentage of its
-- range (seed measure_ranges, absolute_of_range) has a range in the data
-- dictionary (int_measure_ranges, from seed extract_columns), and a range
-- wider than nothing. Without one the component could never be banded and
-- every score would be missing for a reason no row names.
with

measure_ranges as (
    select * from {{ ref('measure_ranges') }}
),

dictionary_ranges as (
    select * from {{ ref('int_measure_ranges') }}
)

select measure_ranges.measure, dictionary_ranges.range_min, dictionary_ranges.range_max
from measure_ranges
left join dictionary_ranges on dictionary_ranges.measure = measure_ranges.measure
where measure_ranges.percent_change_type = 'absolute_of_range'
    and (dictionary_ranges.measure is null or not dictionary_ranges.range_max > dictionary_ranges.range_min)

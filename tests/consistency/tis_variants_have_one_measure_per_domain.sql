{{ config(meta={'kahn_category': 'conformance', 'check_scope': 'logic'}) }}
-- Each Total Improvement Score (tis_cmas, tis_mmt8 in
-- marts.total_improvement_scores) sums one measure per core set domain of
-- seed measure_ranges: six domains, six components. A second measure in a
-- domain, or a domain left out, would add or drop a row of Rider et al.'s
-- Table 3 and move every score.
with

measure_ranges as (
    select * from {{ ref('measure_ranges') }}
),

variant_components as (
    select 'cmas' as variant, measure, core_set_domain from measure_ranges where in_cmas_variant
    union all
    select 'mmt8' as variant, measure, core_set_domain from measure_ranges where in_mmt8_variant
),

domains as (
    select count(distinct core_set_domain) as n_domains from measure_ranges
),

variant_shapes as (
    select
        variant,
        count(*) as n_components,
        count(distinct core_set_domain) as n_domains_covered
    from variant_components
    group by variant
)

select variant_shapes.*, domains.n_domains
from variant_shapes
cross join domains
where variant_shapes.n_components <> domains.n_domains
    or variant_shapes.n_domains_covered <> domains.n_domains

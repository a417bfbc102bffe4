{{ config(meta={'kahn_category': 'conformance', 'check_scope': 'logic'}) }}
-- The indication codes staging accepts (code_spellings, code_field
-- indication) and the codes that have a label (indication_labels) are the
-- same list: a code without a label would be counted under its bare code in
-- the report, a label without a code would be a row no record can reach.
with

staged_codes as (
    select distinct code as indication from {{ ref('code_spellings') }} where code_field = 'indication'
),

labelled_codes as (
    select indication from {{ ref('indication_labels') }}
),

codes_without_label as (
    select indication, 'staged indication code without a label' as problem
    from staged_codes
    where indication not in (select indication from labelled_codes)
),

labels_without_code as (
    select indication, 'label for a code staging does not accept' as problem
    from labelled_codes
    where indication not in (select indication from staged_codes)
)

select * from codes_without_label
union all
select * from labels_without_code

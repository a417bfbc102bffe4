{{ config(meta={'kahn_category': 'plausibility', 'check_scope': 'logic'}) }}
-- marts.attrition and marts.patients tell the same story: each step's
-- excluded count is the patients whose first failed step it is, and the
-- patients left after the last step are the completers.
with

attrition as (
    select * from {{ ref('attrition') }}
),

patients as (
    select * from {{ ref('patients') }}
),

excluded_by_step as (
    select exclusion_step_number as step_number, count(*) as patients_excluded
    from patients
    where exclusion_step_number is not null
    group by 1
),

step_mismatches as (
    select attrition.step_number
    from attrition
    left join excluded_by_step using (step_number)
    where attrition.patients_excluded <> coalesce(excluded_by_step.patients_excluded, 0)
),

completer_mismatch as (
    select -1 as step_number
    from attrition
    where step_number = (select max(step_number) from attrition)
        and patients_remaining <> (select count(*) from patients where in_completers)
)

select * from step_mismatches
union all
select * from completer_mismatch

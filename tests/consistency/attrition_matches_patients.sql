{{ config(meta={'kahn_category': 'plausibility', 'check_scope': 'logic'}) }}
-- marts.attrition recomputed without the first-failure logic it is built
-- from: the patients left after step k are those meeting every rule up to
-- k, each rule read straight from the facts (int_patients_characterised);
-- those excluded at step k for a reason meet the rules before k and fail
-- k for that reason. Compared both ways: a row in attrition that is not
-- expected, or an expected count attrition lacks or gets wrong, fails.
with

facts as (
    select * from {{ ref('int_patients_characterised') }}
),

parameters as (
    select * from {{ ref('int_study_parameters') }}
),

-- Which protocol rules each patient meets (null diagnosis or follow-up: not met).
rules_met as (
    select
        facts.patient_id,
        facts.is_first_exposure_uncertain,
        facts.index_date is not null as meets_exposure,
        coalesce(facts.has_eligible_diagnosis, false) as meets_diagnosis,
        facts.baseline_assessment_date is not null as meets_baseline,
        coalesce(facts.follow_up_days >= parameters.min_follow_up_days, false) as meets_follow_up
    from facts
    cross join parameters
),

expected as (
    select 1 as step_number, cast(null as {{ dbt.type_string() }}) as exclusion_reason, 0 as patients_excluded,
        count(*) as patients_remaining
    from rules_met
    union all
    select 2, 'not_exposed_in_study_period',
        count(*) filter (where not meets_exposure and not is_first_exposure_uncertain),
        count(*) filter (where meets_exposure)
    from rules_met
    union all
    select 2, 'exposure_date_uncertain',
        count(*) filter (where not meets_exposure and is_first_exposure_uncertain),
        count(*) filter (where meets_exposure)
    from rules_met
    union all
    select 3, 'ineligible_diagnosis',
        count(*) filter (where meets_exposure and not meets_diagnosis),
        count(*) filter (where meets_exposure and meets_diagnosis)
    from rules_met
    union all
    select 4, 'no_baseline_assessment',
        count(*) filter (where meets_exposure and meets_diagnosis and not meets_baseline),
        count(*) filter (where meets_exposure and meets_diagnosis and meets_baseline)
    from rules_met
    union all
    select 5, 'insufficient_follow_up',
        count(*) filter (where meets_exposure and meets_diagnosis and meets_baseline and not meets_follow_up),
        count(*) filter (where meets_exposure and meets_diagnosis and meets_baseline and meets_follow_up)
    from rules_met
),

attrition as (
    select * from {{ ref('attrition') }}
),

completers as (
    select count(*) as patients from {{ ref('patients') }} where in_completers
)

select
    coalesce(attrition.step_number, expected.step_number) as step_number,
    coalesce(attrition.exclusion_reason, expected.exclusion_reason) as exclusion_reason,
    attrition.patients_excluded,
    expected.patients_excluded as expected_patients_excluded,
    attrition.patients_remaining,
    expected.patients_remaining as expected_patients_remaining
from attrition
full outer join expected
    on attrition.step_number = expected.step_number
    and attrition.exclusion_reason is not distinct from expected.exclusion_reason
where attrition.step_number is null
    or expected.step_number is null
    or attrition.patients_excluded <> expected.patients_excluded
    or attrition.patients_remaining <> expected.patients_remaining

union all

-- The last step leaves exactly the completers of marts.patients.
select 5, 'completers', null, null, attrition.patients_remaining, completers.patients
from {{ ref('attrition') }} as attrition
cross join completers
where attrition.step_number = 5 and attrition.patients_remaining <> completers.patients

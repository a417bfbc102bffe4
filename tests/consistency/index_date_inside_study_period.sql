{{ config(meta={'kahn_category': 'plausibility', 'check_scope': 'logic'}) }}
-- An index date exists only for a first exposure inside the study period.
select patients.patient_id, patients.index_date
from {{ ref('patients') }} as patients
cross join {{ ref('int_study_parameters') }} as parameters
where patients.index_date is not null
    and (patients.index_date < parameters.study_period_start
        or patients.index_date > parameters.study_period_end
        or patients.index_date <> patients.first_exposure_date)

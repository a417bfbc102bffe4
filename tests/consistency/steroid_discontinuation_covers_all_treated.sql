{{ config(meta={'kahn_category': 'completeness', 'check_scope': 'logic'}) }}
-- One time-to-event row per all_treated patient, no more, no fewer.
select patients.patient_id
from {{ ref('patients') }} as patients
full outer join {{ ref('steroid_discontinuation') }} as discontinuation using (patient_id)
where coalesce(patients.in_all_treated, false) <> (discontinuation.patient_id is not null)

{#-
  Table 1's indications for the exposure drug: one row per analysis set x
  indication code (seed indication_labels), with the patients whose first
  exposure record lists that indication (marts.patients.first_exposure_indications,
  the spec's `;`-separated codes). A patient is counted under each of
  their indications, so the rows of a set add up to more than the set.
  One more row per set, with indication null, counts the patients whose
  first exposure record lists none (empty, or only codes staging did not
  recognise). Every code has a row, 0 included. Percentages are of the
  whole analysis set.
-#}
with

patients as (
    select patient_id, first_exposure_indications, in_completers, in_all_treated
    from {{ ref('patients') }}
),

indication_labels as (
    select * from {{ ref('indication_labels') }}
),

-- The two analysis sets, long: a completer is in both.
analysis_set_members as (
    select 'completers' as analysis_set, patient_id, first_exposure_indications from patients where in_completers
    union all
    select 'all_treated' as analysis_set, patient_id, first_exposure_indications from patients where in_all_treated
),

analysis_set_sizes as (
    select analysis_set, count(*) as n_in_analysis_set
    from analysis_set_members
    group by analysis_set
),

patients_per_indication as (
    select
        analysis_set_members.analysis_set,
        indication_labels.indication,
        count(*) as n_patients
    from analysis_set_members
    inner join indication_labels
        on {{ text_list_contains('analysis_set_members.first_exposure_indications', ';', 'indication_labels.indication') }}
    group by analysis_set_members.analysis_set, indication_labels.indication
),

patients_without_indication as (
    select analysis_set, count(*) as n_patients
    from analysis_set_members
    where not exists (
        select 1
        from indication_labels
        where {{ text_list_contains('analysis_set_members.first_exposure_indications', ';', 'indication_labels.indication') }}
    )
    group by analysis_set
),

indication_rows as (
    select
        analysis_set_sizes.analysis_set,
        indication_labels.indication,
        indication_labels.indication_label,
        indication_labels.indication_order,
        coalesce(patients_per_indication.n_patients, 0) as n_patients,
        analysis_set_sizes.n_in_analysis_set
    from analysis_set_sizes
    cross join indication_labels
    left join patients_per_indication
        on patients_per_indication.analysis_set = analysis_set_sizes.analysis_set
        and patients_per_indication.indication = indication_labels.indication
),

not_recorded_rows as (
    select
        analysis_set_sizes.analysis_set,
        cast(null as {{ dbt.type_string() }}) as indication,
        cast(null as {{ dbt.type_string() }}) as indication_label,
        cast(null as integer) as indication_order,
        coalesce(patients_without_indication.n_patients, 0) as n_patients,
        analysis_set_sizes.n_in_analysis_set
    from analysis_set_sizes
    left join patients_without_indication using (analysis_set)
),

final as (
    select
        analysis_set,
        indication,
        indication_label,
        indication_order,
        cast(n_patients as integer) as n_patients,
        cast(n_in_analysis_set as integer) as n_in_analysis_set,
        cast(100.0 * n_patients / n_in_analysis_set as double) as pct_of_analysis_set
    from (
        select * from indication_rows
        union all
        select * from not_recorded_rows
    ) as counted
)

select * from final

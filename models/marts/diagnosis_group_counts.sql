{#-
  Table 1's diagnosis groups: one row per analysis set x Bohan and Peter
  diagnosis group (seed diagnosis_groups), with the patients of the set in
  that group. Every group of the seed has a row (0 for a group none of
  whose diagnoses is eligible); a patient whose diagnosis has no group
  (unknown diagnosis) would be counted in a row with the group null, which
  only appears when there is such a patient. A group is ordered by its
  first diagnosis label (seed diagnosis_labels.sort_order). Percentages are
  of the whole analysis set.
-#}
with

patients as (
    select patient_id, diagnosis_group, in_completers, in_all_treated
    from {{ ref('patients') }}
),

diagnosis_groups as (
    select * from {{ ref('diagnosis_groups') }}
),

diagnosis_labels as (
    select * from {{ ref('diagnosis_labels') }}
),

analysis_set_members as (
    select 'completers' as analysis_set, patient_id, diagnosis_group from patients where in_completers
    union all
    select 'all_treated' as analysis_set, patient_id, diagnosis_group from patients where in_all_treated
),

analysis_set_sizes as (
    select analysis_set, count(*) as n_in_analysis_set
    from analysis_set_members
    group by analysis_set
),

group_orders as (
    select diagnosis_groups.diagnosis_group, min(diagnosis_labels.sort_order) as diagnosis_group_order
    from diagnosis_groups
    inner join diagnosis_labels using (diagnosis)
    group by diagnosis_groups.diagnosis_group
),

patients_per_group as (
    select analysis_set, diagnosis_group, count(*) as n_patients
    from analysis_set_members
    group by analysis_set, diagnosis_group
),

every_group_of_every_set as (
    select analysis_set_sizes.analysis_set, group_orders.diagnosis_group, group_orders.diagnosis_group_order
    from analysis_set_sizes
    cross join group_orders
),

final as (
    select
        coalesce(every_group_of_every_set.analysis_set, patients_per_group.analysis_set) as analysis_set,
        coalesce(every_group_of_every_set.diagnosis_group, patients_per_group.diagnosis_group) as diagnosis_group,
        every_group_of_every_set.diagnosis_group_order,
        cast(coalesce(patients_per_group.n_patients, 0) as integer) as n_patients,
        cast(analysis_set_sizes.n_in_analysis_set as integer) as n_in_analysis_set,
        cast(100.0 * coalesce(patients_per_group.n_patients, 0) / analysis_set_sizes.n_in_analysis_set as double)
            as pct_of_analysis_set
    from every_group_of_every_set
    full outer join patients_per_group
        on patients_per_group.analysis_set = every_group_of_every_set.analysis_set
        and patients_per_group.diagnosis_group = every_group_of_every_set.diagnosis_group
    inner join analysis_set_sizes
        on analysis_set_sizes.analysis_set = coalesce(every_group_of_every_set.analysis_set, patients_per_group.analysis_set)
)

select * from final

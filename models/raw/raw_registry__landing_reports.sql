{#- How `jdm land` read each extract file: the reader (`duckdb`, the fast
    strict one, or `careful`, for files with file-level faults), the
    file's path and size, its extra columns and blank lines. -#}
select * from {{ landed_file('landing_report', numbered=false) }}

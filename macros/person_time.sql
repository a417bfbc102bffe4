{#-
  Months of person-time, counted from a time origin (the diagnosis date):
  month m runs from day floor(m x 30.4375) after the origin to the day
  before month m + 1 starts. 30.4375 = 365.25 / 12 = 487 / 16, so the
  arithmetic is in whole numbers and agrees with the synthetic generator's
  (jdm.generator.treatment.month_start / month_of) to the day.
-#}

{#- First day of month `month_number`, in days after the origin. -#}
{% macro month_start_day(month_number) -%}
    cast(floor(487 * ({{ month_number }}) / 16.0) as integer)
{%- endmacro %}

{#- The month that day `days` after the origin falls in (negative before it). -#}
{% macro month_of_day(days) -%}
    cast(floor((16 * (({{ days }}) + 1) - 1) / 487.0) as integer)
{%- endmacro %}

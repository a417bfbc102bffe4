"""Reading the registry extract: the data dictionary (the extract contract as
data, seeds/extract_columns.csv), the careful CSV reader and the landing of
each file as text."""

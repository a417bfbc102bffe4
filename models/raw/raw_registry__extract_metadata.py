"""Lands extract_metadata.csv from the extract folder (JDM_EXTRACT_DIR), every value as text.

See python/jdm/landing.py for how records are read and numbered."""


def model(dbt, session):
    from jdm.ingest.landing import land_registry_file, write_landing_report

    relation, report = land_registry_file(session, dbt.config.get("extract_dir"), "extract_metadata.csv")
    write_landing_report(session, dbt.this.schema, report)
    return relation

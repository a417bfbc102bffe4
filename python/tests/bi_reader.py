"""A BI tool's reader, run as its own process by test_serving.py: it connects
the way Superset does (SQLAlchemy + duckdb-engine, NullPool, the locked-down
URL) and queries the served file in a loop until a stop file appears,
writing one JSON line per query: the snapshot it saw, or the error.

    python bi_reader.py SERVED_DB LOG STOP_FILE fresh|held

`fresh` opens a new connection for every query (what NullPool does);
`held` keeps the one connection it opened first (a dashboard mid-query)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from jdm.serve.reader import sqlalchemy_url

# One statement over several marts: a consistent snapshot gives numbers that
# all belong to the same publication.
SNAPSHOT_QUERY = """
select
    (select publication_id from serving.publication) as publication_id,
    (select count(*) from marts.patients) as patients,
    (select count(*) from marts.outcome_timepoints) as outcome_rows,
    (select sum(patients_remaining) from marts.attrition) as attrition_total,
    (select count(*) from marts.study_results) as study_results,
    (select string_agg(patient_pseudonym, ',' order by patient_pseudonym)
     from (select patient_pseudonym from marts.patients order by patient_pseudonym limit 5)) as first_pseudonyms
"""


def main(served_db: str, log_path: str, stop_file: str, mode: str) -> None:
    engine = create_engine(sqlalchemy_url(Path(served_db)), poolclass=NullPool)
    held = engine.connect() if mode == "held" else None
    with open(log_path, "a", buffering=1) as log:
        while not Path(stop_file).exists():
            try:
                if held is not None:
                    row = held.execute(text(SNAPSHOT_QUERY)).one()
                else:
                    with engine.connect() as con:
                        row = con.execute(text(SNAPSHOT_QUERY)).one()
                log.write(json.dumps({"at": time.time(), "snapshot": list(row)}) + "\n")
            except Exception as error:  # every failure is a finding: record it, go on
                log.write(json.dumps({"at": time.time(), "error": repr(error)}) + "\n")
            time.sleep(0.05)
    if held is not None:
        held.close()


if __name__ == "__main__":
    main(*sys.argv[1:5])

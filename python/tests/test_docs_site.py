"""The dbt docs site takes a staged column's description from its database
comment (written from the data dictionary) where the YAML gives none, and
never overrides the YAML."""

from __future__ import annotations

from jdm.serve.docs_site import described_from_comments


def test_comments_fill_missing_descriptions_only() -> None:
    manifest = {"nodes": {
        "model.p.stg": {"columns": {
            "cmas": {"name": "cmas", "description": ""},             # YAML lists it, no text
            "source_row": {"name": "source_row", "description": "The record."},  # YAML text wins
        }},
        "model.p.other": {"columns": {}},
    }}
    catalog = {"nodes": {
        "model.p.stg": {"columns": {
            "cmas": {"comment": "CMAS. From visits.csv column cmas (integer; 0–52 points)."},
            "source_row": {"comment": "a database comment"},
            "mmt8": {"comment": "MMT8."},                            # not in the YAML at all
            "has_rash": {"comment": None},                           # no comment: left out
        }},
        "model.p.gone": {"columns": {"x": {"comment": "not in the manifest"}}},
    }}
    # cmas and mmt8 filled: 2
    assert described_from_comments(manifest, catalog) == 2
    columns = manifest["nodes"]["model.p.stg"]["columns"]
    assert columns["cmas"]["description"] == "CMAS. From visits.csv column cmas (integer; 0–52 points)."
    assert columns["source_row"]["description"] == "The record."
    assert columns["mmt8"]["description"] == "MMT8." and columns["mmt8"]["name"] == "mmt8"
    assert set(columns) == {"cmas", "source_row", "mmt8"}
    assert manifest["nodes"]["model.p.other"] == {"columns": {}} and "model.p.gone" not in manifest["nodes"]

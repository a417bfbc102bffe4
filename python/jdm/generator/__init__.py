"""Synthetic registry extracts in the format of shared/registry-extract-spec.md.

`generate_extract(out_dir, patients, seed, defect_rate, progress)` writes the
five spec files (and, with defects, defect_manifest.csv) and returns an
`ExtractSummary`. Modules, one concern each:

- codes: the spec's code lists and the extract's calendar
- cohort: patients, their timeline, who gets cyclophosphamide
- course: latent disease activity over time
- growth: weight and height for age
- visits, medications, labs: the three event files
- defects: the spec's known defects, injected and listed in a manifest
- writer: CSV formatting (DuckDB) and chunked appending
- extract: the chunk loop
"""

from jdm.generator.extract import ExtractSummary, generate_extract

__all__ = ["ExtractSummary", "generate_extract"]

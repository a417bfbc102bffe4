"""The dbt docs site as one offline HTML file, with the staged columns'
documentation taken from the data dictionary.

The staged columns are described once, in the data dictionary (seed
`extract_columns`); a post-hook of every staging model writes each
description as a database comment (macro `describe_from_dictionary`), and
`dbt docs generate` reads the comments into `catalog.json`. The docs site
shows a column's description from the manifest only (the YAML), so this
fills a column's description from its database comment where the YAML
gives none, then inlines manifest and catalog into dbt's page as
`dbt docs generate --static` does.

The page must load nothing from another host. dbt's page does that itself
in one case: when the manifest says `send_anonymous_usage_stats`, it loads
a Snowplow tracker (sp.js from a CloudFront host) and reports page views.
`make` turns the statistics off (DBT_SEND_ANONYMOUS_USAGE_STATS=false), but
a `dbt docs generate` run by hand would not; so the inlined manifest always
says false.

Usage: python -m jdm.serve.docs_site TARGET_DIR OUTPUT_HTML
(TARGET_DIR: where `dbt docs generate` wrote manifest.json and catalog.json.)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import dbt.task.docs


def described_from_comments(manifest: dict, catalog: dict) -> int:
    """Fill, in place, every model column's empty description from the
    catalog's comment on it; return how many were filled."""
    filled = 0
    for unique_id, entry in catalog.get("nodes", {}).items():
        node = manifest["nodes"].get(unique_id)
        if node is None:
            continue
        for name, column in entry["columns"].items():
            comment = column.get("comment")
            if not comment:
                continue
            documented = node["columns"].setdefault(name, {
                "name": name, "description": "", "meta": {}, "data_type": None,
                "constraints": [], "quote": None, "tags": [],
            })
            if not documented.get("description"):
                documented["description"] = comment
                filled += 1
    return filled


def write_docs_site(target_dir: Path, output_html: Path) -> int:
    manifest = json.loads((target_dir / "manifest.json").read_text(encoding="utf-8"))
    catalog_text = (target_dir / "catalog.json").read_text(encoding="utf-8")
    filled = described_from_comments(manifest, json.loads(catalog_text))
    manifest.setdefault("metadata", {})["send_anonymous_usage_stats"] = False  # no tracker (see above)
    page = (Path(dbt.task.docs.__file__).parent / "index.html").read_text(encoding="utf-8")
    page = page.replace('"MANIFEST.JSON INLINE DATA"', json.dumps(manifest))
    page = page.replace('"CATALOG.JSON INLINE DATA"', catalog_text)
    output_html.parent.mkdir(parents=True, exist_ok=True)
    output_html.write_text(page, encoding="utf-8")
    return filled


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print(__doc__.strip().splitlines()[-3], file=sys.stderr)
        return 2
    filled = write_docs_site(Path(args[0]), Path(args[1]))
    print(f"dbt docs: {args[1]} ({filled} column descriptions from the data dictionary)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

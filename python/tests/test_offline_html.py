"""The two probes of "no page loads anything from another host" find what
they should, on pages written by hand (the HTML files the project writes
are checked with them in test_serving, after `make run`)."""

from __future__ import annotations

import json
from pathlib import Path

import dbt.task.docs

from headless import needs_chromium, page_requests
from jdm.serve.docs_site import write_docs_site
from offline_html import outside_loads

REACHES_OUT = """<!DOCTYPE html><html><head>
<meta http-equiv="refresh" content="5; url=https://elsewhere.example/">
<script src="https://cdn.example/lib.js"></script>
<link rel="stylesheet" href="https://cdn.example/site.css">
<link rel="icon" href="//cdn.example/favicon.ico">
<style>@import "https://fonts.example/a.css"; body { background: url('https://img.example/bg.png'); }</style>
</head><body>
<img src="HTTPS://img.example/logo.png" srcset="small.png 1x, https://img.example/big.png 2x">
<video poster="http://img.example/poster.jpg"></video>
<iframe src="https://frame.example/"></iframe>
<div style="background-image:url(//img.example/tile.png)"></div>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">
<image href="https://img.example/chart.png"/><use xlink:href="https://img.example/sprite.svg#a"/></svg>
</body></html>"""

STAYS_HOME = """<!DOCTYPE html><html><head><style>td { color: red } .x { background: url(data:image/png;base64,AA==) }</style>
<link rel="canonical" href="/overview/"></head><body>
<p>See https://example.org/ for more.</p>
<a href="https://example.org/docs">a link a reader may click</a><map><area href="https://example.org/"></map>
<img src="data:image/png;base64,AA==" alt=""><img src="local.png">
<svg xmlns="http://www.w3.org/2000/svg"><a xlink:href="#rows-x"><rect/></a><use href="#m1"/></svg>
<script>var s = '<img src="https://img.example/in-a-string.png">';</script>
</body></html>"""


def test_the_parser_finds_every_kind_of_load_from_another_host_and_nothing_else() -> None:
    found = sorted((f.tag, f.attribute, f.url) for f in outside_loads(REACHES_OUT))
    assert found == sorted([
        ("meta", "content", "https://elsewhere.example/"),
        ("script", "src", "https://cdn.example/lib.js"),
        ("link", "href", "https://cdn.example/site.css"),
        ("link", "href", "//cdn.example/favicon.ico"),
        ("style", "css", "https://fonts.example/a.css"),
        ("style", "css", "https://img.example/bg.png"),
        ("img", "src", "HTTPS://img.example/logo.png"),
        ("img", "srcset", "https://img.example/big.png"),
        ("video", "poster", "http://img.example/poster.jpg"),
        ("iframe", "src", "https://frame.example/"),
        ("div", "css", "//img.example/tile.png"),
        ("image", "href", "https://img.example/chart.png"),
        ("use", "xlink:href", "https://img.example/sprite.svg#a"),
    ])
    assert outside_loads(STAYS_HOME) == []


@needs_chromium
def test_the_browser_sees_a_page_reach_outside(tmp_path: Path) -> None:
    (tmp_path / "out.html").write_text(REACHES_OUT, encoding="utf-8")
    (tmp_path / "home.html").write_text(STAYS_HOME, encoding="utf-8")
    requested = page_requests(tmp_path / "out.html", tmp_path)
    assert "https://cdn.example/lib.js" in requested and "https://cdn.example/site.css" in requested
    assert all("example" in url for url in requested)  # the page's own requests, not the browser's
    assert page_requests(tmp_path / "home.html", tmp_path) == []


def test_the_docs_site_never_turns_dbt_usage_tracking_on(tmp_path: Path) -> None:
    """dbt's page loads a tracker from a CloudFront host when the manifest
    says send_anonymous_usage_stats: the page written says false whatever
    the manifest given says."""
    (tmp_path / "manifest.json").write_text(json.dumps(
        {"metadata": {"send_anonymous_usage_stats": True, "project_id": "p"}, "nodes": {}}), encoding="utf-8")
    (tmp_path / "catalog.json").write_text(json.dumps({"nodes": {}}), encoding="utf-8")
    assert '"MANIFEST.JSON INLINE DATA"' in (Path(dbt.task.docs.__file__).parent / "index.html").read_text()
    write_docs_site(tmp_path, tmp_path / "docs.html")
    page = (tmp_path / "docs.html").read_text(encoding="utf-8")
    assert '"send_anonymous_usage_stats": false' in page and '"send_anonymous_usage_stats": true' not in page
    assert '"project_id": "p"' in page  # the rest of the manifest as given

"""Opening the project's HTML files in headless Chromium with no network:
the page's DOM after a script has driven it, the requests the page itself
made, and screenshots. Tests that need it skip when no Chromium is
installed.

No network: every host name resolves to nothing and every proxied request
goes to a closed port, so a page that reaches outside shows what it shows
without its assets, as in a secure environment.
"""

from __future__ import annotations

import contextlib
import functools
import html
import http.server
import json
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = next((p for p in map(shutil.which, ["chromium", "chromium-browser", "google-chrome"]) if p), None)
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium to open pages with")

OFFLINE_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    # (the loopback address stays reachable: page_requests serves pages on it)
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--proxy-server=127.0.0.1:9",
    # Let the page's scripts run to the end before the DOM or picture is taken.
    "--virtual-time-budget=5000",
]
RESULTS_ID = "test-results"


def _chromium(args: list[str], url: str) -> str:
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run([CHROMIUM, *OFFLINE_FLAGS, f"--user-data-dir={profile}", *args, url],
                              capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def run_script(page: Path, script: str, work_dir: Path) -> dict:
    """Open a copy of `page` with `script` run after the page's own scripts;
    the script leaves its findings as JSON in an element with id RESULTS_ID,
    which this returns (read back from the DOM Chromium dumps)."""
    text = page.read_text(encoding="utf-8")
    assert text.count("</body>") == 1
    copy = work_dir / f"driven_{page.name}"
    copy.write_text(text.replace("</body>", f"<script>{script}</script></body>"), encoding="utf-8")
    dom = _chromium(["--dump-dom"], copy.resolve().as_uri())
    start = dom.find(f'<pre id="{RESULTS_ID}">')
    assert start >= 0, "the script left no results (did it fail?)"
    end = dom.index("</pre>", start)
    return json.loads(html.unescape(dom[start + len(f'<pre id="{RESULTS_ID}">'):end]))


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002 (the base class's name)
        pass


@contextlib.contextmanager
def served(folder: Path) -> Iterator[str]:
    """`folder` over HTTP on the loopback interface (as a web server in the
    secure environment would serve it): yields its base address."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def page_requests(page: Path, work_dir: Path) -> list[str]:
    """Every address on another host that the page asked for while it loaded
    and its scripts ran (from Chromium's network log). The page is served
    over HTTP from the loopback address, so that an address without a
    scheme (//host/x.js) means another host, as it would on a web server;
    the browser's own background requests are told apart by their site,
    which is not the page's."""
    log = work_dir / f"netlog_{page.stem}.json"
    with served(page.parent) as base:
        _chromium([f"--log-net-log={log}", "--dump-dom"], f"{base}/{page.name}")
    text = log.read_text(encoding="utf-8")
    try:
        events = json.loads(text)
    except json.JSONDecodeError:  # a log cut short at exit lacks its closing brackets
        events = json.loads(text.rstrip().rstrip(",") + "]}")
    types = {number: name for name, number in events["constants"]["logEventTypes"].items()}
    requests = []
    for event in events["events"]:
        params = event.get("params") or {}
        if types.get(event["type"]) != "URL_REQUEST_START_JOB" or "url" not in params:
            continue
        from_page = "site=http://127.0.0.1" in str(params.get("site_for_cookies", ""))
        if from_page and not params["url"].startswith(("http://127.0.0.1:", "data:", "about:", "blob:")):
            requests.append(params["url"])
    return requests


def screenshot(page: Path, png: Path, width: int = 1400, height: int = 4000) -> Path:
    _chromium(["--hide-scrollbars", f"--window-size={width},{height}", f"--screenshot={png}"],
              page.resolve().as_uri())
    assert png.exists() and png.stat().st_size > 0
    return png

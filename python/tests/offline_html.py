"""Does an HTML file make the browser fetch anything from another host?

Read with the standard library's HTML parser (script and style contents are
text to it, as to a browser): every attribute that makes a browser load a
resource (src, srcset, poster, data, background; href on <link> and on
SVG <image>, <use>, <feImage>, <script>; a meta refresh), and every CSS
url(...) and @import in <style> elements and style attributes, that points
at an http(s):// or protocol-relative (//host) address. A link a reader
clicks (<a href>, <area href>) is not a load and is allowed.

What a script would fetch when it runs is not visible here; the headless
browser test (headless.page_requests) sees that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

OUTSIDE = re.compile(r"^\s*(?:https?:)?//", re.IGNORECASE)
CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)""", re.IGNORECASE | re.DOTALL)
CSS_IMPORT = re.compile(r"""@import\s+(?:url\(\s*)?(['"]?)([^'")\s;]+)""", re.IGNORECASE)
LOADING_ATTRIBUTES = {"src", "poster", "data", "background", "lowsrc", "dynsrc"}
# Elements whose href (or xlink:href) loads what it points at.
LOADING_HREF_TAGS = {"link", "image", "use", "feimage", "script"}
CLICKED_HREF_TAGS = {"a", "area"}


@dataclass(frozen=True)
class OutsideLoad:
    tag: str
    attribute: str  # or "css"
    url: str


def css_loads(css: str) -> list[str]:
    """The outside addresses CSS text loads (url(...) and @import)."""
    urls = [m.group(2) for m in CSS_URL.finditer(css)] + [m.group(2) for m in CSS_IMPORT.finditer(css)]
    return list(dict.fromkeys(u for u in urls if OUTSIDE.match(u)))


class _Finder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[OutsideLoad] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        tag = tag.lower()
        self._in_style = tag == "style"
        values = {name.lower(): value or "" for name, value in attrs}
        for name, value in values.items():
            if name in LOADING_ATTRIBUTES and OUTSIDE.match(value):
                self.found.append(OutsideLoad(tag, name, value))
            elif name in ("srcset", "imagesrcset"):
                for candidate in value.split(","):
                    url = candidate.strip().split(" ")[0]
                    if OUTSIDE.match(url):
                        self.found.append(OutsideLoad(tag, name, url))
            elif name in ("href", "xlink:href") and tag in LOADING_HREF_TAGS and OUTSIDE.match(value):
                self.found.append(OutsideLoad(tag, name, value))
            elif name == "style":
                self.found += [OutsideLoad(tag, "css", u) for u in css_loads(value)]
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            target = re.sub(r"^[^;]*;\s*url\s*=\s*", "", values.get("content", ""), flags=re.IGNORECASE)
            if OUTSIDE.match(target.strip("'\"")):
                self.found.append(OutsideLoad(tag, "content", target))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self._in_style = False

    def handle_endtag(self, tag: str) -> None:
        if tag.lower() == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.found += [OutsideLoad("style", "css", u) for u in css_loads(data)]


def outside_loads(html_text: str) -> list[OutsideLoad]:
    finder = _Finder()
    finder.feed(html_text)
    finder.close()
    return finder.found

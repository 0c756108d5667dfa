"""Find reStructuredText markup left as text in the built site: ``python raw_markup.py site``.

A docstring's reST that did not become Markdown (rest_markup.py) shows on its page as text:
a role as ``:class:`` before the name in code (Markdown took the backquotes), or with its
backquotes still around the name; a literal block's introduction as a paragraph ending in
``::``. Each one found is printed with its page, the heading above it and the text around it,
and the exit status is 1. Text inside ``<code>``, ``<pre>``, ``<kbd>``, ``<samp>``,
``<script>`` and ``<style>`` is what a page shows as code on purpose, and is not looked at.
``nox -s docs`` runs this after ``mkdocs build --strict``.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

# Where text is code on purpose.
_VERBATIM = frozenset({"code", "pre", "kbd", "samp", "script", "style"})
# The elements whose text is one paragraph, for "::" at a paragraph's end.
_PARAGRAPHS = frozenset({"p", "li", "dd", "dt", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6"})
# An element without an end tag: it never encloses text.
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta"})
_VOID |= {"source", "track", "wbr"}

# A role (":class:", ":py:meth:") whose name Markdown made code: the text ends with the role
# just before a <code> element starts. Or a role whose backquotes survived (`name`).
_ROLE_BEFORE_CODE = re.compile(r"(?:^|[^\w:]):(?:[a-z]+:)?[a-z]+:$")
_ROLE_WITH_BACKQUOTES = re.compile(r"(?:^|[^\w:]):(?:[a-z]+:)?[a-z]+:`[^`\s]")
_CONTEXT = 60  # characters of text shown before a finding


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    page: Path
    heading: str  # the id of the nearest heading above, "" at the top of a page
    what: str
    text: str

    def __str__(self) -> str:
        where = f"{self.page}#{self.heading}" if self.heading else str(self.page)
        return f"{where}: {self.what}: {self.text!r}"


class _PageScanner(HTMLParser):
    def __init__(self, page: Path) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.findings: list[Finding] = []
        self._verbatim = 0  # depth of elements whose text is code
        self._heading = ""
        self._text = ""  # the text since the last verbatim element, for a role before <code>
        # The text of each open paragraph element, in pieces: (text, whether it is code).
        self._paragraphs: list[list[tuple[str, bool]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            return
        if tag in _VERBATIM:
            if self._verbatim == 0 and tag == "code" and _ROLE_BEFORE_CODE.search(self._text):
                self._report("a role before its name", self._text)
            self._verbatim += 1
        elif tag in _PARAGRAPHS:
            self._paragraphs.append([])
            self._text = ""
        if tag[:1] == "h" and tag[1:].isdigit():
            self._heading = dict(attrs).get("id") or self._heading

    def handle_endtag(self, tag: str) -> None:
        if tag in _VERBATIM:
            self._verbatim = max(0, self._verbatim - 1)
            self._text = ""
        elif tag in _PARAGRAPHS and self._paragraphs:
            pieces = [piece for piece in self._paragraphs.pop() if piece[0].strip()]
            if pieces and not pieces[-1][1] and pieces[-1][0].rstrip().endswith("::"):
                self._report("a paragraph ending in '::'", "".join(text for text, _ in pieces))

    def handle_data(self, data: str) -> None:
        if self._paragraphs:
            self._paragraphs[-1].append((data, self._verbatim > 0))
        if self._verbatim:
            return
        self._text += data
        if _ROLE_WITH_BACKQUOTES.search(data):
            self._report("a role with its backquotes", data)

    def _report(self, what: str, text: str) -> None:
        shown = " ".join(text.split())[-_CONTEXT:]
        self.findings.append(Finding(page=self.page, heading=self._heading, what=what, text=shown))


def scan_page(html: str, page: Path) -> list[Finding]:
    """The raw reST of one built page."""
    scanner = _PageScanner(page)
    scanner.feed(html)
    scanner.close()
    return scanner.findings


def scan_site(site: Path) -> list[Finding]:
    """The raw reST of every page of a built site."""
    return [
        finding
        for page in sorted(site.rglob("*.html"))
        for finding in scan_page(page.read_text(encoding="utf-8"), page.relative_to(site))
    ]


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: raw_markup.py SITE_DIRECTORY", file=sys.stderr)
        return 2
    site = Path(argv[0])
    if not (site / "index.html").is_file():
        print(f"{site} is not a built site (no index.html): run mkdocs build", file=sys.stderr)
        return 2
    findings = scan_site(site)
    for finding in findings:
        print(finding, file=sys.stderr)
    if findings:
        print(
            f"{len(findings)} piece(s) of reST shown as text: the docstring's markup is one "
            "that docs/_tools/rest_markup.py does not render (or a page's own Markdown)",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

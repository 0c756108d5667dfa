"""Run every ```python block of the documentation, as a reader would paste it.

The pages read: ``README.md``, ``packages/*/README.md`` and ``docs/*.md``. The convention
(docs/contributing.md):

- each ```python block is a complete program on its own: it imports what it uses and defines
  the application it configures;
- it runs in a fresh interpreter, in an empty temporary directory, with ``CLIENT_SESSION_KEYS``
  set to a newly generated key (and nothing else the reader would not have);
- it runs as an imported module, not as ``__main__``: code under
  ``if __name__ == "__main__":`` (where a Tornado program starts its server) is skipped;
- it never starts a server or opens a network connection: a serve command goes in a ```sh
  block. A block still running after ``TIMEOUT`` seconds fails.

Code that is not Python, or that a reader should not run as it is (a shell session, a
``Set-Cookie`` header, a config file), is fenced with its own language (``sh``, ``text``,
``toml``...), never ``python``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from client_session_core import DEFAULT_KEYS_ENV, generate_key

ROOT = Path(__file__).resolve().parents[2]
PAGES = ("README.md", "packages/*/README.md", "docs/*.md")
TIMEOUT = 60.0  # seconds; the slowest block today imports a framework and builds one app

# An opening fence: up to three spaces of indentation (more inside a list item, which MkDocs
# allows), three or more backticks, and the info string's first word.
_FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,})(?P<language>[\w+-]*)")


# The block runs as a module named "snippet", so that its `if __name__ == "__main__":` part,
# which a reader runs with `python app.py`, does not start a server here.
_RUN_AS_MODULE = "import runpy, sys; runpy.run_path(sys.argv[1], run_name='snippet')"


@dataclass(frozen=True, slots=True, kw_only=True)
class Snippet:
    page: Path  # relative to the repository root
    line: int  # of the opening fence, 1-based
    code: str

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"


def python_blocks(page: Path) -> list[Snippet]:
    """Every block of ``page`` fenced as ```python, with the fence's indentation removed."""
    snippets = []
    lines = page.read_text(encoding="utf-8").splitlines()
    number = 0
    while number < len(lines):
        opening = _FENCE.match(lines[number])
        number += 1
        if opening is None:
            continue
        indent, fence = opening["indent"], opening["fence"]
        start = number
        body = []
        while number < len(lines) and not lines[number].strip().startswith(fence):
            body.append(lines[number].removeprefix(indent))
            number += 1
        number += 1  # the closing fence
        if opening["language"] == "python":
            code = "\n".join(body) + "\n"
            snippets.append(Snippet(page=page.relative_to(ROOT), line=start, code=code))
    return snippets


def collect() -> list[Snippet]:
    pages = sorted({page for pattern in PAGES for page in ROOT.glob(pattern)})
    return [snippet for page in pages for snippet in python_blocks(page)]


SNIPPETS = collect()


def test_the_pages_have_snippets() -> None:
    # A collector that silently finds nothing would pass every run.
    assert len(SNIPPETS) >= 10, [snippet.id for snippet in SNIPPETS]


@pytest.mark.parametrize("snippet", SNIPPETS, ids=[snippet.id for snippet in SNIPPETS])
def test_snippet_runs_as_written(snippet: Snippet, tmp_path: Path) -> None:
    script = tmp_path / "snippet.py"
    script.write_text(snippet.code, encoding="utf-8")
    environment = {
        name: value
        for name, value in os.environ.items()
        # Only the key a reader was told to set; nothing from this repository's checkout.
        if not name.startswith(("CLIENT_SESSION", "PYTHON", "SECRET_KEY", "DJANGO"))
    }
    environment[DEFAULT_KEYS_ENV] = generate_key()
    try:
        result = subprocess.run(
            [sys.executable, "-c", _RUN_AS_MODULE, str(script)],
            cwd=tmp_path,
            env=environment,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{snippet.id} still ran after {TIMEOUT:.0f} s: does it start a server?")
    if result.returncode != 0:
        pytest.fail(
            f"{snippet.id} failed (exit status {result.returncode}):\n"
            f"{snippet.code}\n--- stderr ---\n{result.stderr}",
            pytrace=False,
        )

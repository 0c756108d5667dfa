"""Run every ```python block of the documentation, as a reader would paste it.

The pages read: ``README.md``, ``packages/*/README.md``, ``conformance/README.md`` and every
page of ``docs/`` (but for those in ``NOT_RUN``, each with its reason); a README elsewhere
with a Python block fails the run until it is added here. A block fenced
as ```py, ```python3 or with tildes (~~~python) is Python too. The convention
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
PAGES = ("README.md", "packages/*/README.md", "conformance/README.md", "docs/**/*.md")
# Pages whose Python blocks are not run, and why. The convention wants every block complete,
# so each entry is a page to fix (its fragments fenced as text, or made whole programs).
NOT_RUN = {
    "conformance/README.md": "fragments of an adapter's own test suite and harness, which "
    "import the reader's modules (my_adapter_harness) and call functions defined elsewhere",
}
TIMEOUT = 60.0  # seconds; the slowest block today imports a framework and builds one app

# An opening fence: up to three spaces of indentation (more inside a list item, which MkDocs
# allows), three or more backticks or tildes, and the info string's first word.
_FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})\s*(?P<language>[\w+-]*)")
# What a reader's renderer highlights as Python (pycon, an interpreter session, is not a program).
PYTHON = frozenset({"python", "py", "python3", "py3"})


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


def python_blocks(page: Path, text: str | None = None) -> list[Snippet]:
    """Every block of ``page`` fenced as Python, with the fence's indentation removed."""
    snippets = []
    lines = (page.read_text(encoding="utf-8") if text is None else text).splitlines()
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
        if opening["language"].lower() in PYTHON:
            code = "\n".join(body) + "\n"
            shown = page.relative_to(ROOT) if page.is_absolute() else page
            snippets.append(Snippet(page=shown, line=start, code=code))
    return snippets


def pages() -> list[Path]:
    """The pages whose Python blocks run: PAGES, less NOT_RUN."""
    found = {page for pattern in PAGES for page in ROOT.glob(pattern)}
    return sorted(page for page in found if page.relative_to(ROOT).as_posix() not in NOT_RUN)


def collect() -> list[Snippet]:
    return [snippet for page in pages() for snippet in python_blocks(page)]


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


def _readmes_and_docs() -> list[str]:
    """Every README and page of docs/ in the repository (git's files: no virtualenv's)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "*README.md", "docs"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    names = [name for name in listed.stdout.splitlines() if name.endswith(".md")]
    return sorted(name for name in names if (ROOT / name).is_file())


def test_every_page_with_python_blocks_is_run_or_says_why_not() -> None:
    with_python = {
        name
        for name in _readmes_and_docs()
        if python_blocks(Path(name), (ROOT / name).read_text(encoding="utf-8"))
    }
    run = {page.relative_to(ROOT).as_posix() for page in pages()}
    assert with_python - run - NOT_RUN.keys() == set(), "add these pages to PAGES"
    # An entry whose page is gone, or has no Python block left, goes.
    assert set(NOT_RUN) <= with_python, "remove these from NOT_RUN: they have no Python block"


@pytest.mark.parametrize(
    "fence", ["```python", "```py", "```python3", "~~~python", "````python", '```python title="a"']
)
def test_a_block_fenced_as_python_is_collected(fence: str) -> None:
    closing = fence.split("python")[0].split("py")[0]
    page = f"Text.\n\n- An item:\n\n    {fence}\n    x = 1\n    {closing}\n"
    (snippet,) = python_blocks(Path("page.md"), page)
    assert (snippet.line, snippet.code) == (5, "x = 1\n")


@pytest.mark.parametrize("fence", ["```sh", "```text", "```pycon", "```"])
def test_a_block_fenced_otherwise_is_not_run(fence: str) -> None:
    assert python_blocks(Path("page.md"), f"{fence}\npython app.py\n```\n") == []


def test_a_block_that_raises_fails_the_run(tmp_path: Path) -> None:
    snippet = Snippet(page=Path("page.md"), line=3, code="import nothing_of_that_name\n")
    with pytest.raises(pytest.fail.Exception, match=r"page\.md:3 failed \(exit status 1\)"):
        test_snippet_runs_as_written(snippet, tmp_path)


def test_a_block_that_runs_passes(tmp_path: Path) -> None:
    code = "import os\n\nassert os.environ['CLIENT_SESSION_KEYS']\n"
    test_snippet_runs_as_written(Snippet(page=Path("page.md"), line=3, code=code), tmp_path)

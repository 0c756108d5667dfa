"""Make a new adapter from the template: ``python3 packages/_template/rename.py NAME``.

Copies this directory to ``packages/client-session-NAME`` (beside it) and renames every form
of "template" in the copy: the directory ``src/client_session_template``, the distribution
``client-session-template``, the module ``client_session_template``, the class names
(``TemplateHarness``, ``TestTemplateConformance``), the harness's (and so the entry point's)
name ``"template"`` and any ``TEMPLATE`` constant. The README's instructions, between the
``<!-- rename: keep -->`` and ``<!-- rename: end -->`` comments, are copied as they are; the
comment at the top of ``pyproject.toml``, about the template, is not copied. This script and
its own test stay behind. Standard library only, so any Python 3.10+ runs it.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

TEMPLATE_DIR = Path(__file__).resolve().parent
LEFT_BEHIND = frozenset({"rename.py", "tests/test_rename.py"})
KEEP_START = "<!-- rename: keep -->"
KEEP_END = "<!-- rename: end -->"
NAME_PATTERN = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")


def _forms(name: str) -> list[tuple[re.Pattern[str], str]]:
    """The replacements for ``name``, most specific first."""
    snake = name.replace("-", "_")
    camel = "".join(part.capitalize() for part in name.split("-"))
    return [
        (re.compile(r"client_session_template"), f"client_session_{snake}"),
        (re.compile(r"client-session-template"), f"client-session-{name}"),
        # Template inside a CamelCase identifier: TemplateHarness, TestTemplateConformance.
        (re.compile(r"(?<=[A-Za-z0-9_])Template|Template(?=[A-Z0-9_])"), camel),
        (re.compile(r"TEMPLATE"), snake.upper()),
        # The harness's name, which is also its entry point's name.
        (re.compile(r"(?<=[\"'])template(?=[-\"'])"), name),
    ]


def rename_text(text: str, name: str) -> str:
    """``text`` with every form of "template" replaced, outside the kept blocks."""
    pieces = re.split(f"({re.escape(KEEP_START)}.*?{re.escape(KEEP_END)})", text, flags=re.S)
    for index in range(0, len(pieces), 2):  # the odd pieces are the kept blocks
        for pattern, replacement in _forms(name):
            pieces[index] = pattern.sub(replacement, pieces[index])
    return "".join(pieces)


def _without_leading_comment(text: str) -> str:
    lines = text.splitlines(keepends=True)
    while lines and lines[0].startswith("#"):
        del lines[0]
    return "".join(lines)


def make_adapter(name: str, template: Path = TEMPLATE_DIR) -> Path:
    """Copy ``template`` to ``client-session-NAME`` beside it, renamed; return the copy."""
    if not NAME_PATTERN.fullmatch(name):
        raise SystemExit(
            f"rename.py: {name!r} is not a name: lower-case letters and digits, words "
            "separated by '-', starting with a letter (for example 'litestar')"
        )
    target = template.parent / f"client-session-{name}"
    if target.exists():
        raise SystemExit(f"rename.py: {target} exists already")
    for source in sorted(template.rglob("*")):
        relative = source.relative_to(template)
        if "__pycache__" in relative.parts or relative.as_posix() in LEFT_BEHIND:
            continue
        destination = target / Path(*(rename_text(part, name) for part in relative.parts))
        if source.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            text = source.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            shutil.copy2(source, destination)
        else:
            if relative.as_posix() == "pyproject.toml":
                text = _without_leading_comment(text)
            destination.write_text(rename_text(text, name), encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", help="the adapter's name, such as 'litestar'")
    arguments = parser.parse_args(argv)
    target = make_adapter(arguments.name)
    print(f"created {target}; next: its README.md, 'Then, in this order'")
    return 0


if __name__ == "__main__":
    sys.exit(main())

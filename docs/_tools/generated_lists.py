"""Write the lists that name every package or harness from the packages' metadata.

``python docs/_tools/generated_lists.py`` (``nox -s generate``) rewrites each list between
``<!-- generated: NAME -->`` and ``<!-- end generated -->`` in the files of ``FILES``, from the
``pyproject.toml`` of each ``packages/client-session-*`` and of ``conformance/``; ``--check``
(``nox -s lint``) changes nothing, prints each list that differs and exits with status 1. A
list may be a block of lines or a few words inside a sentence. Each list of ``GENERATORS``
must be found at least once, so that removing its markers is an error too.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # nox's own interpreter runs this, and nox needs tomli before 3.11
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

ROOT = Path(__file__).resolve().parents[2]
HARNESS_GROUP = "client_session_conformance.harnesses"
FILES = ("docs/index.md", "conformance/README.md")
_BLOCK = re.compile(
    r"(?P<start><!-- generated: (?P<name>[a-z-]+) -->)(?P<body>.*?)(?P<end><!-- end generated -->)",
    re.S,
)


@dataclass(frozen=True)
class Distribution:
    """What the lists need of one distribution's ``pyproject.toml``."""

    name: str  # client-session-asgi
    module: str  # client_session_asgi
    description: str
    harnesses: dict[str, str]  # entry point name -> "module:Class"

    @classmethod
    def read(cls, directory: Path) -> Distribution:
        data: dict[str, Any] = tomllib.loads((directory / "pyproject.toml").read_text("utf-8"))
        project = data["project"]
        (package,) = data["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
        group = project.get("entry-points", {}).get(HARNESS_GROUP, {})
        return cls(project["name"], Path(package).name, project["description"], dict(group))


def distributions(root: Path = ROOT) -> list[Distribution]:
    """The core, then the adapters by name, then the conformance suite."""
    adapters = sorted(
        path.parent
        for path in (root / "packages").glob("client-session-*/pyproject.toml")
        if path.parent.name != "client-session-core"
    )
    directories = [root / "packages" / "client-session-core", *adapters, root / "conformance"]
    return [Distribution.read(directory) for directory in directories]


def _words(items: list[str]) -> str:
    """```a`, `b` and `c``."""
    quoted = [f"`{item}`" for item in items]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _what_it_is(description: str) -> str:
    """A description without its "Encrypted ... cookie sessions for X:" opening."""
    opening, colon, rest = description.rstrip(".").partition(": ")
    return rest if colon and opening.startswith("Encrypted") else opening


def packages_table(dists: list[Distribution]) -> str:
    """The table of every distribution: its name, its import name, its description."""
    rows = ["| distribution | import | what it is |", "| --- | --- | --- |"]
    rows += [f"| `{d.name}` | `{d.module}` | {_what_it_is(d.description)} |" for d in dists]
    return "\n\n" + "\n".join(rows) + "\n\n"


def _adapter_harnesses(dists: list[Distribution]) -> dict[str, str]:
    harnesses: dict[str, str] = {}
    for dist in dists:
        harnesses |= {
            name: target
            for name, target in dist.harnesses.items()
            if ".harnesses." in target  # the adapters' harnesses, not the reference
        }
    return harnesses


def harness_names(dists: list[Distribution]) -> str:
    """The entry point names of the adapters' harnesses, in their registration order."""
    return _words(list(_adapter_harnesses(dists)))


def harness_modules(dists: list[Distribution]) -> str:
    """The modules of the adapters' harnesses, once each, in their registration order."""
    modules = [
        target.split(":")[0].rsplit(".", 1)[1] for target in _adapter_harnesses(dists).values()
    ]
    return ", ".join(f"`{module}.py`" for module in dict.fromkeys(modules))


GENERATORS: dict[str, Callable[[list[Distribution]], str]] = {
    "packages": packages_table,
    "harness-names": harness_names,
    "harness-modules": harness_modules,
}


def regenerate(text: str, dists: list[Distribution], found: set[str]) -> str:
    """``text`` with every generated list written again; adds each list's name to ``found``."""

    def write(match: re.Match[str]) -> str:
        name = match["name"]
        if name not in GENERATORS:
            raise ValueError(f"no generated list {name!r}; the lists are {sorted(GENERATORS)}")
        found.add(name)
        return match["start"] + GENERATORS[name](dists) + match["end"]

    return _BLOCK.sub(write, text)


def run(root: Path, *, check: bool) -> list[str]:
    """Write (or with ``check``, compare) every file; return the problems found."""
    dists = distributions(root)
    found: set[str] = set()
    problems = []
    for relative in FILES:
        path = root / relative
        text = path.read_text(encoding="utf-8")
        new = regenerate(text, dists, found)
        if new == text:
            continue
        if check:
            problems.append(f"{relative}: a generated list differs (run `nox -s generate`)")
        else:
            path.write_text(new, encoding="utf-8")
    problems += [
        f"no file has the generated list {name!r} of {FILES}" for name in GENERATORS.keys() - found
    ]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; fail on a drift")
    arguments = parser.parse_args(argv)
    problems = run(ROOT, check=arguments.check)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

"""The two builds of client-session-core a run compares: compiled by mypyc, and pure Python.

Users get the compiled build from a wheel built with ``CLIENT_SESSION_CORE_COMPILE=1`` (the
one ``nox -s bench`` installs) and the pure build everywhere else. One run measures both: a
process measuring the compiled build imports the installed core; one measuring the pure build
finds the core's sources (``packages/client-session-core/src``) first on ``PYTHONPATH``, the
same modules, not compiled. Every such process checks ``client_session_core.COMPILED``
before it measures anything, so a build is never reported under the other's name.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "BUILD_NAMES",
    "COMPILED_BUILD",
    "CORE_SOURCES",
    "PURE_BUILD",
    "CoreBuild",
    "WrongBuild",
    "build_named",
    "check_core_build",
    "usable_builds",
]

_PACKAGE_ROOT = Path(__file__).resolve().parent.parent
CORE_SOURCES = _PACKAGE_ROOT.parent / "packages" / "client-session-core" / "src"
"""The core's sources: on ``PYTHONPATH`` first, they are the pure build."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CoreBuild:
    """One build of the core, and the environment of a process that runs it."""

    name: str
    label: str
    compiled: bool

    def env(self) -> dict[str, str]:
        """This process's environment, with ``PYTHONPATH`` set for this build (sessionbench
        first, then the core's sources for the pure build, then the caller's path)."""
        path = [str(_PACKAGE_ROOT)]
        if not self.compiled:
            path.append(str(CORE_SOURCES))
        path += filter(None, [os.environ.get("PYTHONPATH")])
        return {**os.environ, "PYTHONPATH": os.pathsep.join(path)}


COMPILED_BUILD = CoreBuild(name="compiled", label="compiled core", compiled=True)
PURE_BUILD = CoreBuild(name="pure", label="pure core", compiled=False)
_BUILDS = (COMPILED_BUILD, PURE_BUILD)
BUILD_NAMES = tuple(build.name for build in _BUILDS)


def build_named(name: str) -> CoreBuild:
    """The build called ``name`` ("compiled" or "pure")."""
    return next(build for build in _BUILDS if build.name == name)


class WrongBuild(RuntimeError):
    """The core this process imports is not the build it was asked to measure."""


def check_core_build(name: str) -> None:
    """Raise :class:`WrongBuild` unless this process's core is the build ``name``."""
    import client_session_core

    compiled = client_session_core.COMPILED
    if compiled is not build_named(name).compiled:
        found = "compiled" if compiled else "pure"
        raise WrongBuild(
            f"asked for the {name} core, but {client_session_core.__file__} is the {found} "
            "build (the compiled one comes from a wheel built with "
            "CLIENT_SESSION_CORE_COMPILE=1, as `nox -s bench` installs)"
        )


def _why_not(build: CoreBuild) -> str | None:
    """Why ``build`` cannot run here, or None when it can."""
    if not build.compiled and not CORE_SOURCES.is_dir():
        return f"{CORE_SOURCES} does not exist"
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            f"from sessionbench.builds import *; check_core_build({build.name!r})",
        ],
        env=build.env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if probe.returncode == 0:
        return None
    return (probe.stderr.strip().splitlines() or ["it did not import"])[-1]


def usable_builds(names: Sequence[str]) -> tuple[list[CoreBuild], list[str]]:
    """The builds of ``names`` that run here, and a note for each that does not."""
    usable, notes = [], []
    for name in names:
        build = build_named(name)
        reason = _why_not(build)
        if reason is None:
            usable.append(build)
        else:
            notes.append(f"the {build.label} is not measured: {reason}")
    return usable, notes

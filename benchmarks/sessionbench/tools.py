"""The programs the over-the-wire part needs: wrk, redis-server, and PostgreSQL's server.

Installed from Debian's packages when missing, and only when this runs as root on a system
with apt-get; otherwise the parts that need them are skipped, and the report says why.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Tools", "find_tools"]

_PACKAGES = {"wrk": "wrk", "redis-server": "redis-server", "initdb": "postgresql"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Tools:
    """Paths of the tools found, and why the others are missing."""

    wrk: str | None
    redis_server: str | None
    notes: tuple[str, ...]
    postgres_bin: str | None = None
    """The directory of PostgreSQL's ``initdb`` and ``postgres`` (Django's db engine row)."""


def _apt_install(packages: list[str]) -> str | None:
    """Install ``packages`` with apt-get; None on success, else why not."""
    if os.geteuid() != 0:
        return "not running as root, so nothing is installed"
    if shutil.which("apt-get") is None:
        return "no apt-get on this system"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", *packages]
    if subprocess.run(install, env=env, capture_output=True, check=False).returncode == 0:
        return None
    # A fresh machine may have no package lists yet.
    subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, check=False)
    result = subprocess.run(install, env=env, capture_output=True, text=True, check=False)
    return None if result.returncode == 0 else f"apt-get install failed: {result.stderr[-300:]}"


def _postgres_bin() -> str | None:
    # Debian keeps PostgreSQL's programs out of PATH, under /usr/lib/postgresql/VERSION/bin.
    found = shutil.which("initdb") or max(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), default=None, key=_major_version
    )
    return None if found is None else str(Path(found).parent)


def _major_version(initdb: str) -> int:
    version = Path(initdb).parent.parent.name
    return int(version) if version.isdigit() else 0


def find_tools(*, install: bool) -> Tools:
    """wrk, redis-server and PostgreSQL, installing the missing ones first when ``install``."""
    present = {"wrk": shutil.which("wrk"), "redis-server": shutil.which("redis-server")}
    present["initdb"] = _postgres_bin()
    missing = [package for tool, package in _PACKAGES.items() if present[tool] is None]
    notes = []
    if missing and install:
        failure = _apt_install(missing)
        if failure is not None:
            notes.append(f"{', '.join(missing)} missing and not installed: {failure}")
    elif missing:
        notes.append(f"{', '.join(missing)} missing (installing was turned off)")
    return Tools(
        wrk=shutil.which("wrk"),
        redis_server=shutil.which("redis-server"),
        notes=tuple(notes),
        postgres_bin=_postgres_bin(),
    )

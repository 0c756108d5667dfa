"""What a run ran on: the machine, the interpreter, the packages and programs, and the load."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

__all__ = ["DISTRIBUTIONS", "describe_machine", "load_average"]

DISTRIBUTIONS = (
    "client-session-core",
    "client-session-asgi",
    "client-session-wsgi",
    "client-session-tornado",
    "client-session-aiohttp",
    "client-session-django",
    "cryptography",
    "starlette",
    "uvicorn",
    "uvloop",
    "httptools",
    "itsdangerous",
    "starsessions",
    "redis",
    "flask",
    "werkzeug",
    "flask-session",
    "gunicorn",
    "tornado",
    "aiohttp",
    "aiohttp-session",
    "django",
    "psycopg",
)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024**2:.0f} GiB"
    except OSError:
        pass
    return "unknown"


def _version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def _core_build() -> str:
    """Which build of client-session-core runs here: compiled by mypyc, or pure Python."""
    try:
        import client_session_core
    except ImportError:
        return "not installed"
    return "compiled by mypyc" if client_session_core.COMPILED else "pure Python"


def _installed_versions() -> dict[str, str]:
    versions = {name: version for name in DISTRIBUTIONS if (version := _version(name))}
    if "client-session-core" in versions:
        versions["client-session-core"] += f" ({_core_build()})"
    return versions


def _program_version(command: list[str]) -> str | None:
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = (completed.stdout or completed.stderr).strip().splitlines()
    return lines[0] if lines else None


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, to judge how quiet the machine was."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def describe_machine(wrk: str | None, redis_server: str | None) -> dict[str, Any]:
    """The machine, Python, installed versions and tool versions, for the report."""
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory": _memory(),
        "os": f"{platform.system()} {platform.release()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "packages": _installed_versions(),
        "wrk": _program_version([wrk, "-v"]) if wrk else None,
        "redis_server": _program_version([redis_server, "--version"]) if redis_server else None,
    }

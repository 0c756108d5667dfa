"""Starting :mod:`sessionbench.child` on one core build and reading back what it measured."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Collection
from typing import Any

from .builds import CoreBuild

__all__ = ["run_child"]

_TIMEOUT = 3600.0


def run_child(
    part: str,
    build: CoreBuild,
    *,
    only_ours: bool,
    frameworks: Collection[str],
    scenarios: Collection[str],
    repeats: int,
    min_time: float,
    redis_port: int | None,
) -> list[dict[str, Any]] | str:
    """The rows ``part`` measured on ``build``, or why there are none."""
    command = [
        sys.executable,
        "-m",
        "sessionbench.child",
        part,
        "--build",
        build.name,
        "--repeats",
        str(repeats),
        "--min-time",
        str(min_time),
        "--frameworks",
        *frameworks,
        "--scenarios",
        *scenarios,
    ]
    if only_ours:
        command.append("--only-ours")
    if redis_port is not None:
        command += ["--redis-port", str(redis_port)]
    try:
        completed = subprocess.run(
            command, env=build.env(), capture_output=True, text=True, timeout=_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        return f"no answer within {_TIMEOUT:.0f} s"
    if completed.returncode != 0:
        lines = completed.stderr.strip().splitlines() or [f"exit status {completed.returncode}"]
        return lines[-1]
    rows: list[dict[str, Any]] = json.loads(completed.stdout)
    return rows

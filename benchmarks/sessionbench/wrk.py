"""Running wrk against one URL and reading its report."""

from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .processes import pinned

__all__ = ["WrkRun", "run_wrk"]

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}
_PERCENTILE = re.compile(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$", re.MULTILINE)
_RATE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_TOTAL = re.compile(r"^\s*(\d+) requests in", re.MULTILINE)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_SOCKET_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


@dataclass(frozen=True, slots=True, kw_only=True)
class WrkRun:
    """One wrk run: throughput, median and 99th percentile latency, and failures."""

    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: int


def parse_wrk(output: str) -> WrkRun:
    """The numbers in wrk's ``--latency`` report."""
    rate, total = _RATE.search(output), _TOTAL.search(output)
    if rate is None or total is None:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    percentiles = {
        int(match[1]): float(match[2]) * _UNITS[match[3]] for match in _PERCENTILE.finditer(output)
    }
    non_2xx = _NON_2XX.search(output)
    errors = _SOCKET_ERRORS.search(output)
    return WrkRun(
        requests_per_second=float(rate[1]),
        p50_ms=percentiles[50],
        p99_ms=percentiles[99],
        requests=int(total[1]),
        non_2xx=int(non_2xx[1]) if non_2xx else 0,
        # connect errors count; a read error is wrk seeing the close of a "Connection: close"
        # response (gunicorn's sync worker answers every request so), not a failure.
        socket_errors=int(errors[1]) + int(errors[3]) + int(errors[4]) if errors else 0,
    )


def run_wrk(
    wrk: str,
    url: str,
    *,
    cookie: str | None,
    seconds: float,
    connections: int,
    cpu: int | None,
    delay_ms: float | None = None,
) -> WrkRun:
    """wrk with one thread for ``seconds`` on ``connections`` connections, sending ``cookie``;
    with ``delay_ms``, each connection waits that long before each request (wrk's Lua
    ``delay()``), which caps the request rate near ``connections * 1000 / (delay_ms +
    latency)``."""
    command = [
        wrk,
        "--threads",
        "1",
        "--connections",
        str(connections),
        "--duration",
        f"{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "--latency",
    ]
    if cookie:
        command += ["--header", f"Cookie: {cookie}"]
    with tempfile.TemporaryDirectory(prefix="sessionbench-wrk-") as directory:
        if delay_ms is not None:
            script = Path(directory) / "delay.lua"
            script.write_text(f"function delay()\n  return {max(0, round(delay_ms))}\nend\n")
            command += ["--script", str(script)]
        completed = subprocess.run(
            pinned([*command, url], cpu),
            capture_output=True,
            text=True,
            timeout=seconds + 30,
            check=True,
        )
    return parse_wrk(completed.stdout)

"""Background processes on 127.0.0.1: started in their own process group, always stopped.

Each server gets a free loopback port, is pinned to a CPU with ``taskset`` when the machine
has more than one, and is waited for until it accepts connections, within a bounded time.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

__all__ = [
    "HOST",
    "Cpus",
    "free_port",
    "group_cpu_seconds",
    "pinned",
    "running",
    "wait_for_port",
]

HOST = "127.0.0.1"
_STARTUP_TIMEOUT = 30.0
_STOP_TIMEOUT = 10.0


class Cpus:
    """Which CPU runs the servers and which the load generator (and Redis)."""

    def __init__(self) -> None:
        usable = sorted(os.sched_getaffinity(0))
        self.pinning = len(usable) >= 2 and shutil.which("taskset") is not None
        self.server = usable[0]
        self.load = usable[1] if len(usable) >= 2 else usable[0]

    def describe(self) -> str:
        """A sentence for the report."""
        if not self.pinning:
            return "not pinned (one CPU, or no taskset)"
        return f"server on CPU {self.server}; wrk and redis-server on CPU {self.load}"


def pinned(command: Sequence[str], cpu: int | None) -> list[str]:
    """``command`` run under ``taskset -c cpu``, or as it is when ``cpu`` is None."""
    return [*command] if cpu is None else ["taskset", "-c", str(cpu), *command]


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def group_cpu_seconds(group: int) -> float:
    """CPU time (user + system) used so far by the live processes of process group ``group``.

    Read from ``/proc/<pid>/stat`` (fields 5, 14 and 15: pgrp, utime, stime). Unlike
    throughput, CPU time a request hardly moves when other work shares the machine.
    """
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name, field 2, is in parentheses and may hold spaces.
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[2]) == group:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / _CLOCK_TICKS


def free_port() -> int:
    """A loopback port nobody listens on now (the kernel's choice for port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    """Return once ``port`` accepts connections; raise if the process died or took too long."""
    deadline = time.monotonic() + _STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode}: {log.read_text()[-2000:]}")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=1):
            return
        time.sleep(0.05)
    raise RuntimeError(f"not listening on {HOST}:{port} after {_STARTUP_TIMEOUT:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the whole group (gunicorn's worker, uvicorn's children), then SIGKILL."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(_STOP_TIMEOUT)


@contextlib.contextmanager
def running(
    command: Sequence[str], *, log: Path, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``command`` for the duration of the block (started, not yet waited for)."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    try:
        yield process
    finally:
        _stop(process)

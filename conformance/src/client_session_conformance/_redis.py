"""A real redis-server for the revocation section: 127.0.0.1, an ephemeral port, nothing saved.

The suite's revocation tests (and the fleet test) share one store between servers of several
frameworks, as a fleet does: :func:`serve_redis` starts Debian's ``redis-server`` (or any on
``PATH``) in a temporary directory and stops it on exit. No mock stands in for Redis.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import selectors
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator

__all__ = ["REDIS_HOST", "redis_unavailable", "serve_redis"]

REDIS_HOST = "127.0.0.1"
_START_TIMEOUT = 10.0
_STOP_TIMEOUT = 10.0
_ATTEMPTS = 3  # a port found free may be taken before redis-server binds it


def redis_unavailable() -> str | None:
    """Why a redis-server cannot be started here (redis-server not on ``PATH``, redis-py not
    installed), or None when it can. A test skips with it locally and fails on CI (``CI``
    set), where ``make test`` installs redis-server."""
    if shutil.which("redis-server") is None:
        return (
            "redis-server is not installed: the revocation tests share a real one between "
            "servers (Debian: apt-get install redis-server; `make test` installs it as root)"
        )
    if importlib.util.find_spec("redis") is None:
        return "redis-py is not installed (pip install 'client-session-core[redis]')"
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((REDIS_HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_for_ready(process: subprocess.Popen[bytes], deadline: float) -> bool:
    # Read the server's log as it comes (a selector, never a sleep) until it is ready, it
    # exits (its port was taken: False), or the deadline passes (an error).
    assert process.stdout is not None
    seen = b""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while b"Ready to accept connections" not in seen:
            left = deadline - time.monotonic()
            if process.poll() is not None:
                return False
            if left <= 0:
                raise RuntimeError(f"redis-server did not start: {seen[-500:]!r}")
            if selector.select(left):
                chunk = os.read(process.stdout.fileno(), 65536)
                if not chunk:
                    process.wait(_STOP_TIMEOUT)
                    return False
                seen += chunk
    return True


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(_STOP_TIMEOUT)
    if process.stdout is not None:
        process.stdout.close()


@contextlib.contextmanager
def serve_redis() -> Iterator[str]:
    """Run a redis-server on 127.0.0.1 and yield its URL (``redis://127.0.0.1:PORT/0``) once
    it accepts connections; stop it on exit. Nothing is written to disk. Raises
    :class:`RuntimeError` when it cannot be started (call :func:`redis_unavailable` first)."""
    executable = shutil.which("redis-server")
    if executable is None:
        raise RuntimeError(redis_unavailable())
    with tempfile.TemporaryDirectory(prefix="client-session-redis-") as directory:
        for _ in range(_ATTEMPTS):
            port = _free_port()
            command = [
                executable,
                *("--bind", REDIS_HOST, "--port", str(port), "--save", "", "--appendonly", "no"),
                *("--dir", directory, "--logfile", ""),
            ]
            process = subprocess.Popen(  # noqa: S603 - redis-server from PATH, our arguments
                command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
            )
            try:
                ready = _wait_for_ready(process, time.monotonic() + _START_TIMEOUT)
            except BaseException:
                _stop(process)
                raise
            if not ready:
                _stop(process)
                continue
            try:
                yield f"redis://{REDIS_HOST}:{port}/0"
            finally:
                _stop(process)
            return
        raise RuntimeError(f"redis-server could not bind a port in {_ATTEMPTS} attempts")

"""The redis-server a soak with revocations starts: 127.0.0.1, an ephemeral port, a temporary
directory, nothing saved; sampled for its memory and keys, stopped at the end.

Every server the soak starts for one adapter (one a key rotation) shares it through its own
``RedisRevocationStore``, as the processes of a fleet do, so that a revocation made through
one reaches the others over Redis (its push channel, or the refresh interval).
"""

from __future__ import annotations

import os
import selectors
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from typing import Any

import redis

from client_session_core.revocation import DEFAULT_PREFIX

__all__ = ["RedisSample", "RedisServer"]

HOST = "127.0.0.1"
START_TIMEOUT = 10.0


@dataclass(frozen=True)
class RedisSample:
    """The revocation store at one moment."""

    seconds: float  # since the soak started
    used_memory: int  # bytes, Redis' own count (INFO memory)
    rss_bytes: int  # the redis-server process's resident memory
    keys: int  # DBSIZE: every key of the database
    entries: int  # revoked sessions and users held (ZCARD of the store's deadline set)
    clients: int  # connected clients: each server's refresher and push channel, the soak's

    def to_json(self) -> dict[str, Any]:
        return vars(self).copy()


class RedisServer:
    """One redis-server process of the soak's own, as a context manager."""

    def __init__(self) -> None:
        executable = shutil.which("redis-server")
        if executable is None:
            raise RuntimeError(
                "redis-server is not installed (Debian: apt-get install redis-server); "
                "run with --no-revocations to soak without it"
            )
        self._executable = executable
        self._directory = tempfile.TemporaryDirectory(prefix="client-session-soak-redis-")
        self._process: subprocess.Popen[bytes] | None = None
        self._client: redis.Redis | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def start(self) -> None:
        self.port = _free_port()
        command = [
            self._executable,
            *("--bind", HOST, "--port", str(self.port), "--save", "", "--appendonly", "no"),
            *("--dir", self._directory.name, "--logfile", ""),
        ]
        self._process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        _wait_for_line(self._process, b"Ready to accept connections", START_TIMEOUT)
        # Its log is not read after start-up: at the default level, Redis writes a line at
        # start and at shutdown only, far from filling the pipe.
        self._client = redis.Redis(host=HOST, port=self.port, socket_timeout=5)

    def sample(self, seconds: float) -> RedisSample:
        assert self._client is not None
        memory: dict[str, Any] = self._client.info("memory")
        clients: dict[str, Any] = self._client.info("clients")
        entries = int(self._client.zcard(f"{DEFAULT_PREFIX}:until"))
        return RedisSample(
            seconds=seconds,
            used_memory=int(memory["used_memory"]),
            rss_bytes=int(memory["used_memory_rss"]),
            keys=int(self._client.dbsize()),
            entries=entries,
            clients=int(clients["connected_clients"]),
        )

    def stop(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(10)
            if self._process.stdout is not None:
                self._process.stdout.close()
            self._process = None
        self._directory.cleanup()

    def __enter__(self) -> RedisServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_for_line(process: subprocess.Popen[bytes], wanted: bytes, timeout: float) -> None:
    """Read the server's log as it comes (a selector, not a sleep), for ``timeout`` at most."""
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    seen = b""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while wanted not in seen:
            left = deadline - time.monotonic()
            if left <= 0 or process.poll() is not None:
                raise RuntimeError(f"redis-server did not start: {seen[-500:]!r}")
            if selector.select(left):
                seen += os.read(process.stdout.fileno(), 65536)

"""The redis-server a soak with revocations starts: 127.0.0.1, an ephemeral port, a temporary
directory, nothing saved; sampled for its memory and keys, stopped at the end.

Every server the soak starts for one adapter (one a key rotation) shares it through its own
``RedisRevocationStore``, as the processes of a fleet do, so that a revocation made through
one reaches the others over Redis (its push channel, or the refresh interval).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import redis

from client_session_conformance import redis_unavailable, serve_redis
from client_session_core.revocation import DEFAULT_PREFIX

__all__ = ["RedisSample", "RedisServer"]


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
    """One redis-server process of the soak's own (the conformance suite's
    :func:`~client_session_conformance.serve_redis`), as a context manager, sampled for its
    memory, keys and clients."""

    def __init__(self) -> None:
        unavailable = redis_unavailable()
        if unavailable is not None:
            raise RuntimeError(f"{unavailable}; run with --no-revocations to soak without it")
        self._stack = contextlib.ExitStack()
        self._client: redis.Redis | None = None
        self.url = ""

    def start(self) -> None:
        self.url = self._stack.enter_context(serve_redis())
        self._client = redis.Redis.from_url(self.url, socket_timeout=5)

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
        self._stack.close()

    def __enter__(self) -> RedisServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

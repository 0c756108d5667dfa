"""The counter app of every variant, for each framework.

Every app serves the same two routes, whatever keeps its session:

- ``GET /counter``: ``count = session.get("count", 0) + 1``; store it; answer ``{"count": count}``
  (the seed's route: each request opens the session and seals it again). The bare app answers
  ``{"count": 1}`` without any session.
- ``GET /fill?session=NAME``: replace the session by
  :func:`~sessionbench.content.filled_session` (NAME "login": the login session; a number: a
  counter and a blob, that many bytes of JSON), so that ``/counter`` then carries it.

Each module exposes ``build_app(variant, options)``, named by :mod:`sessionbench.variants`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["FIXED_SESSION_VALUE", "REVOCATION_INTERVAL", "SECRET", "AppOptions"]

REVOCATION_INTERVAL = 2.0
"""Seconds between two refreshes of a process's copy of the revocations (the default)."""

SECRET = "benchmark-secret-2b7e151628aed2a6abf7158809cf4f3c"
"""The signing secret of the frameworks' own sessions (these cookies protect nothing)."""


FIXED_SESSION_VALUE = "A" * 119
"""The "session headers only" variant's cookie value: as long as client-session's for a
counter below 10,000 (a 42-byte header, the 17-byte identity block of a session without a
user, ``{"count":NNNN}`` and a 16-byte tag: 89 bytes, in base64url)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AppOptions:
    """What an app needs from the run: where Redis listens, and how many cookies ours may use."""

    redis_port: int | None = None
    max_chunks: int = 1
    """client-session's ``max_chunks``: 2 in the scaling run, where a 3 KB session needs two."""

    def revocations(self) -> Any:
        """A ``Revocations`` on the run's redis-server (client-session's revocation on), as
        docs/revocation.md enables it: ``RedisRevocationStore.from_url``, a 2 s interval."""
        from client_session_core.revocation import RedisRevocationStore, Revocations

        url = f"redis://127.0.0.1:{self.redis_port_or_fail()}/0"
        return Revocations(RedisRevocationStore.from_url(url), interval=REVOCATION_INTERVAL)

    def redis_port_or_fail(self) -> int:
        """The Redis port, for variants that cannot run without it."""
        if self.redis_port is None:
            raise RuntimeError("this variant keeps its sessions in Redis: start redis-server")
        return self.redis_port

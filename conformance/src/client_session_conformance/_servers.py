"""Servers for the suite: one per policy, shared by the tests of a class."""

from __future__ import annotations

import contextlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from client_session_core import KeyRing, SessionCodec, SessionPolicy
from client_session_core.testing import ManualClock

from ._client import SessionClient
from ._harness import Harness

__all__ = ["Served", "ServerPool"]


@dataclass(frozen=True, slots=True)
class Served:
    """A running server: its URL, the policy and clock it was given, and a codec of its own.

    ``codec`` shares the server's policy and clock, so a test can seal cookies the server
    must open (``served.codec.seal({...})``) and open the ones it wrote.
    """

    url: str
    policy: SessionPolicy
    clock: ManualClock
    codec: SessionCodec

    def client(self) -> SessionClient:
        """A new client, with no cookies, for this server."""
        return SessionClient(self.url)


class ServerPool:
    """Starts a harness's servers on demand, one per distinct policy, and stops them all.

    Each server has its own :class:`ManualClock`. Tests that share a server only ever move
    its clock forward and each begins with a new client, so one test's cookies never meet
    another's.
    """

    def __init__(self, harness: Harness, keys: tuple[str, ...]) -> None:
        self._harness = harness
        self._default_keys = keys
        self._rings: dict[tuple[str, ...], KeyRing] = {}
        self._servers: dict[tuple[Any, ...], Served] = {}
        self._running: list[contextlib.AbstractContextManager[str]] = []

    def __enter__(self) -> ServerPool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # Stopping a server is mostly waiting for its loop to notice; stop them all at once.
        running, self._running = self._running, []
        with ThreadPoolExecutor(max_workers=8, thread_name_prefix="stop-server") as stopper:
            stopped = [stopper.submit(server.__exit__, None, None, None) for server in running]
        errors = [error for future in stopped if (error := future.exception()) is not None]
        if errors:
            raise errors[0]

    @property
    def keys(self) -> tuple[str, ...]:
        """The keys of every server whose test names none: the suite's own."""
        return self._default_keys

    @property
    def harness(self) -> Harness:
        """The harness whose servers these are."""
        return self._harness

    def ring(self, keys: tuple[str, ...]) -> KeyRing:
        """The key ring of ``keys``, built once (a passphrase is stretched only once)."""
        if keys not in self._rings:
            self._rings[keys] = KeyRing(keys)
        return self._rings[keys]

    def get(
        self,
        *,
        keys: tuple[str, ...] | None = None,
        clock_start: float | None = None,
        **options: Any,
    ) -> Served:
        """The server for ``SessionPolicy(keys=KeyRing(keys), **options)``, started once.

        ``keys`` defaults to the suite's own key; ``options`` are any other policy fields;
        ``clock_start`` is the server clock's first reading (the suite's fixed instant by
        default), for a policy whose start-up checks read the clock (``not_before``).
        """
        keys = self._default_keys if keys is None else keys
        identity = (keys, clock_start, tuple(sorted(options.items())))
        if identity not in self._servers:
            policy = SessionPolicy(keys=self.ring(keys), **options)
            clock = ManualClock() if clock_start is None else ManualClock(clock_start)
            server = self._harness.serve(policy, clock)
            url = server.__enter__()
            self._running.append(server)
            self._servers[identity] = Served(url, policy, clock, SessionCodec(policy, clock=clock))
        return self._servers[identity]

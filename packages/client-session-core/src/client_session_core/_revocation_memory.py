"""The in-process revocation store: one process's revocations, in a dict (tests, one server)."""

from __future__ import annotations

import itertools
import secrets
import threading
import time
from collections.abc import Callable

from ._revocation_store import RevocationChanges, Watch

__all__ = ["MemoryRevocationStore"]

Clock = Callable[[], float]


class _Callback:
    __slots__ = ("_notify", "_store")

    def __init__(self, store: MemoryRevocationStore, notify: Callable[[], None]) -> None:
        self._store = store
        self._notify = notify

    def __call__(self) -> None:
        self._notify()

    def close(self) -> None:
        self._store._unwatch(self)


class MemoryRevocationStore:
    """A :class:`~client_session_core.revocation.RevocationStore` in this process's memory.

    For tests, and for an application served by one process: a revocation made here reaches
    every :class:`~client_session_core.revocation.Revocations` of this process at once (its
    :meth:`watch` calls back on each revocation), and no other process. Entries are dropped
    once their ``until`` has passed by ``clock`` (:func:`time.time` by default), when the
    store is next written or read. Thread-safe.
    """

    __slots__ = ("_clock", "_entries", "_epoch", "_lock", "_sequence", "_watchers")

    def __init__(self, *, clock: Clock = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        # The key ("s" or "u", id) -> (sequence, not_before, until); not_before 0 for sessions.
        self._entries: dict[tuple[str, str], tuple[int, int, int]] = {}
        self._sequence = itertools.count(1)
        self._epoch = secrets.token_hex(8)
        self._watchers: list[_Callback] = []

    def __len__(self) -> int:
        """How many entries the store holds now (expired ones dropped first)."""
        with self._lock:
            self._drop_expired(int(self._clock()))
            return len(self._entries)

    def revoke_session(self, session_id: str, until: int) -> None:
        self._put(("s", session_id), 0, until)

    def revoke_user(self, user_id: str, not_before: int, until: int) -> None:
        self._put(("u", user_id), not_before, until)

    def _put(self, key: tuple[str, str], not_before: int, until: int) -> None:
        with self._lock:
            now = int(self._clock())
            self._drop_expired(now)
            if until <= now:
                return  # past its deadline: nothing left to refuse
            old = self._entries.get(key)
            if old is not None:
                not_before, until = max(not_before, old[1]), max(until, old[2])
            self._entries[key] = (next(self._sequence), not_before, until)
            watchers = list(self._watchers)
        for watcher in watchers:
            watcher()

    def changes(self, since: str | None) -> RevocationChanges:
        with self._lock:
            self._drop_expired(int(self._clock()))
            epoch, _, number = (since or "").partition(":")
            complete = epoch != self._epoch or not number.isdigit()
            after = 0 if complete else int(number)
            sessions: list[tuple[str, int]] = []
            users: list[tuple[str, int, int]] = []
            last = after
            for (kind, name), (sequence, not_before, until) in self._entries.items():
                last = max(last, sequence)
                if sequence <= after:
                    continue
                if kind == "s":
                    sessions.append((name, until))
                else:
                    users.append((name, not_before, until))
            return RevocationChanges(
                sessions=tuple(sessions),
                users=tuple(users),
                cursor=f"{self._epoch}:{last}",
                complete=complete,
            )

    def watch(self, notify: Callable[[], None]) -> Watch:
        callback = _Callback(self, notify)
        with self._lock:
            self._watchers.append(callback)
        return callback

    def _unwatch(self, callback: _Callback) -> None:
        with self._lock:
            if callback in self._watchers:
                self._watchers.remove(callback)

    def _drop_expired(self, now: int) -> None:
        expired = [key for key, (_, _, until) in self._entries.items() if until <= now]
        for key in expired:
            del self._entries[key]

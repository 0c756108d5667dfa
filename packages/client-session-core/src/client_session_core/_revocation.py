"""The local copy of the revocations, and the thread that keeps it current.

A request never waits on the store: :meth:`Revocations.refuses` reads two dicts of this
process's memory. A daemon thread refreshes them from the store every ``interval`` seconds, and
at once when the store pushes a revocation (Redis pub/sub). A process that loses the store keeps
its last copy; after ``max_staleness`` seconds without an answer, ``on_stale`` decides whether the
sessions that need the check (those with an id or a user) are refused or accepted.
``docs/revocation.md`` explains the choices, ``docs/threat-model.md`` what each one stops.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import threading
import time
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from ._envelope import b64encode
from ._errors import ConfigurationError
from ._revocation_store import RevocationChanges, RevocationStore, Watch

if TYPE_CHECKING:
    from ._session import Session

__all__ = ["DEFAULT_INTERVAL", "DEFAULT_MAX_STALENESS", "OnStale", "Revocations"]

Clock = Callable[[], float]
OnStale = Literal["accept", "refuse"]

DEFAULT_INTERVAL = 2.0
"""Seconds between two reads of the store: how long a revocation takes, at most, to reach a
process that has no push channel (or whose push was lost)."""

DEFAULT_MAX_STALENESS = 300.0
"""Seconds without an answer from the store after which the copy is stale (five minutes)."""

logger = logging.getLogger("client_session.revocation")


class _Copy:
    """One snapshot of the store, never changed once published (a refresh makes a new one)."""

    __slots__ = ("first_expiry", "sessions", "users")

    def __init__(self, sessions: dict[str, int], users: dict[str, tuple[int, int]]) -> None:
        self.sessions = sessions  # session id -> until
        self.users = users  # user id -> (not_before, until)
        # When the first entry expires: until then a refresh copies the dicts as they are
        # (in C) rather than filtering every entry.
        self.first_expiry = min(
            min(sessions.values(), default=_NEVER),
            min((e[1] for e in users.values()), default=_NEVER),
        )


_NEVER = 2**63
_EMPTY = _Copy({}, {})


class Revocations:
    """This process's copy of the revocations in ``store``, and how to add to them.

    Give it to the policy (``SessionPolicy(..., revocations=revocations)``), which refuses a
    revoked session as it refuses an expired one; keep it where the application logs users
    out::

        from client_session_core.revocation import MemoryRevocationStore, Revocations

        revocations = Revocations(MemoryRevocationStore())
        revocations.revoke_session_id(session_id)  # an administrator's kill
        revocations.revoke_user("alice")  # password changed: sign out everywhere

    The background thread starts at the first request (or :meth:`start`), in a forked worker
    too; :meth:`stop` ends it. Tests drive it by hand instead: :meth:`refresh` is one step of it,
    and ``clock`` the time it judges staleness and expiry by.

    ``interval``: seconds between two reads of the store (:data:`DEFAULT_INTERVAL`);
    ``max_staleness``: seconds without an answer after which ``on_stale`` applies
    (:data:`DEFAULT_MAX_STALENESS`); ``on_stale``: ``"accept"`` (the default: a store outage
    never logs everyone out) or ``"refuse"`` (every session with an id or a user is refused
    until the store answers again); ``max_lifetime``: how long a user's "not before" is kept,
    the longest lifetime a session may have (each policy given this object raises it to its
    own; set it when revoking users from a process that builds no policy).
    """

    __slots__ = (
        "__weakref__",
        "_autostart",
        "_copy",
        "_cursor",
        "_lock",
        "_max_lifetime",
        "_outage",
        "_stale_logged",
        "_stop",
        "_synced_at",
        "_thread",
        "_wake",
        "_watch",
        "clock",
        "interval",
        "max_staleness",
        "on_stale",
        "store",
    )

    def __init__(
        self,
        store: RevocationStore,
        *,
        interval: float = DEFAULT_INTERVAL,
        max_staleness: float = DEFAULT_MAX_STALENESS,
        on_stale: OnStale = "accept",
        max_lifetime: int | None = None,
        clock: Clock = time.time,
        autostart: bool = True,
    ) -> None:
        if not isinstance(store, RevocationStore):
            raise ConfigurationError(
                "revocations: the store must be a RevocationStore (MemoryRevocationStore(), "
                f"RedisRevocationStore.from_url(...)), not {type(store).__name__}"
            )
        for label, value in (("interval", interval), ("max_staleness", max_staleness)):
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not math.isfinite(value)
                or value <= 0
            ):
                raise ConfigurationError(
                    f"revocations: {label} must be a positive number of seconds, not {value!r}"
                )
        if max_staleness < interval:
            raise ConfigurationError(
                f"revocations: max_staleness ({max_staleness} s) is shorter than interval "
                f"({interval} s), so the copy would be stale between two reads: make it "
                "several intervals long"
            )
        if on_stale not in ("accept", "refuse"):
            raise ConfigurationError(
                f"revocations: on_stale must be 'accept' or 'refuse', not {on_stale!r}"
            )
        if max_lifetime is not None:
            self._check_lifetime(max_lifetime)
        self.store = store
        self.interval = float(interval)
        self.max_staleness = float(max_staleness)
        self.on_stale: OnStale = on_stale
        self.clock = clock
        self._max_lifetime = max_lifetime
        self._autostart = autostart
        self._copy = _EMPTY
        self._cursor: str | None = None
        # Until the first answer, the copy is as old as this object: an empty copy is trusted
        # for max_staleness after start-up, as a last copy would be.
        self._synced_at = clock()
        self._outage = False
        self._stale_logged = False
        self._lock = threading.Lock()  # one refresh at a time; readers never take it
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._watch: Watch | None = None
        _after_fork.add(self)

    @staticmethod
    def _check_lifetime(seconds: object) -> None:
        if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds <= 0:
            raise ConfigurationError(
                f"revocations: max_lifetime must be a positive whole number of seconds, "
                f"not {seconds!r}"
            )

    # -- the request path: memory only -----------------------------------------------------

    def refuses(
        self, session_id: str | None, user_id: str | None, created_at: int, now: int
    ) -> bool:
        """Whether a session with this id, user and creation time is refused ``now`` (the
        codec's time; an entry whose ``until`` has passed refuses nothing): its id is revoked,
        its user's "not before" is later than its ``created_at``, or the copy is stale (by
        :attr:`clock`) under ``on_stale="refuse"``. No I/O: a few dict lookups. A session with
        neither an id nor a user has nothing to check and is never refused here."""
        if self._thread is None and self._autostart:
            self.start(wait=False)  # a request never waits on the store
        copy = self._copy
        if session_id is not None:
            until = copy.sessions.get(session_id)
            if until is not None and until > now:
                return True
        if user_id is not None:
            entry = copy.users.get(user_id)
            if entry is not None and created_at < entry[0] and entry[1] > now:
                return True
        if session_id is None and user_id is None:
            return False
        return self.on_stale == "refuse" and self.stale()

    def stale(self) -> bool:
        """Whether the store has not answered for longer than ``max_staleness`` by
        :attr:`clock`; logged once, at WARNING, when it becomes so."""
        age = self.clock() - self._synced_at
        if age <= self.max_staleness:
            return False
        if not self._stale_logged:
            self._stale_logged = True
            logger.warning(
                "revocation copy is %d s old, over max_staleness (%d s): %s sessions that need "
                "the check until the store answers",
                age,
                self.max_staleness,
                "refusing" if self.on_stale == "refuse" else "accepting",
            )
        return True

    @property
    def synced_at(self) -> float:
        """When the store last answered (by ``clock``); this object's creation before that."""
        return self._synced_at

    def __len__(self) -> int:
        """How many revoked sessions and users the copy holds."""
        copy = self._copy
        return len(copy.sessions) + len(copy.users)

    # -- the background: reading the store ---------------------------------------------------

    def refresh(self) -> bool:
        """One step of the background thread: read what changed in the store and publish a new
        copy. True when the store answered; False when it could not be reached (the last copy
        is kept, and the outage logged once at WARNING). Never raises for the store's errors."""
        with self._lock:
            try:
                changes = self.store.changes(self._cursor)
            except Exception as exc:  # noqa: BLE001 - any failure of a store is an outage
                if not self._outage:
                    self._outage = True
                    # The type alone: a client's message may hold the store's address.
                    logger.warning(
                        "revocation store unreachable (%s): keeping the copy of %d s ago",
                        type(exc).__name__,
                        self.clock() - self._synced_at,
                    )
                self.stale()  # logs the moment the copy passes max_staleness, either policy
                return False
            now = self.clock()
            self._copy = self._merged(changes, int(now))
            self._cursor = changes.cursor
            self._synced_at = now
            if self._outage:
                logger.info("revocation store reachable again")
            self._outage = self._stale_logged = False
            return True

    def _merged(self, changes: RevocationChanges, now: int) -> _Copy:
        old = _EMPTY if changes.complete else self._copy
        expired = old.first_expiry <= now
        if not (changes.sessions or changes.users or changes.complete or expired):
            return old  # nothing changed: the same copy, no allocation
        if expired:
            sessions = {k: until for k, until in old.sessions.items() if until > now}
            users = {k: entry for k, entry in old.users.items() if entry[1] > now}
        else:
            # The usual refresh (a push, a few new entries): copy in C, then add.
            sessions, users = dict(old.sessions), dict(old.users)
        for session_id, until in changes.sessions:
            if until > now:
                sessions[session_id] = max(until, sessions.get(session_id, 0))
        for user_id, not_before, until in changes.users:
            if until > now:
                before, kept = users.get(user_id, (0, 0))
                users[user_id] = (max(not_before, before), max(until, kept))
        return _Copy(sessions, users)

    def start(self, *, wait: bool = True) -> None:
        """Start the background thread (a daemon) and the store's push channel, if not running.

        With ``wait`` (the default), the store is read once first, here, when it never has
        been: call it at start-up (an adapter does, where its framework has a start-up hook),
        so that the first request is judged by the store's revocations rather than by an empty
        copy. That read waits at most the store's own timeout; a store that cannot be reached
        is the outage :meth:`refresh` logs, and the thread keeps trying. The first
        :meth:`refuses` starts the thread without waiting, as no request waits on the store.
        Safe from several threads at once."""
        if wait and self._cursor is None and self._thread is None:
            self.refresh()
        with self._lock:
            if self._thread is not None:
                return
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._run, name="client-session-revocations", daemon=True
            )
            self._thread.start()

    def stop(self, timeout: float | None = 10.0) -> None:
        """End the background thread and the push channel (waiting up to ``timeout``
        seconds), at shutdown. Requests no longer start them; :meth:`start` does. The copy
        stays as it was, and grows stale."""
        with self._lock:
            self._autostart = False
            thread, self._thread = self._thread, None
            watch, self._watch = self._watch, None
            self._stop.set()
            self._wake.set()
        if watch is not None:
            watch.close()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _run(self) -> None:
        stop, wake = self._stop, self._wake
        try:
            watch = self.store.watch(wake.set)
        except Exception as exc:  # noqa: BLE001 - no push: the interval alone
            logger.warning("revocation store offers no push channel (%s)", type(exc).__name__)
            watch = None
        with self._lock:
            if stop.is_set():
                if watch is not None:
                    watch.close()
                return
            self._watch = watch
        while not stop.is_set():
            self.refresh()
            wake.wait(self.interval)
            wake.clear()

    def wake(self) -> None:
        """Ask the background thread to read the store now rather than at its next interval
        (what a push does)."""
        self._wake.set()

    def _forget_thread(self) -> None:
        # In a forked child the parent's threads are gone: start anew at the next request.
        self._thread = None
        self._watch = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._lock = threading.Lock()

    # -- the application: revoking ---------------------------------------------------------

    @property
    def max_lifetime(self) -> int | None:
        """How long a user's "not before" is kept: the longest lifetime a session of any
        policy given this object may have (None until a policy or the constructor sets it)."""
        return self._max_lifetime

    def cover(self, seconds: int) -> None:
        """Keep users' "not before" at least ``seconds`` (a policy's longest session
        lifetime). Called by :class:`~client_session_core.SessionPolicy`; the largest wins."""
        self._check_lifetime(seconds)
        if self._max_lifetime is None or seconds > self._max_lifetime:
            self._max_lifetime = seconds

    def revoke(self, session: Session) -> bool:
        """End every copy of ``session``, the one this request opened: the logout that a
        cookie taken before it cannot survive. Call it before ``session.clear()``, which
        forgets the identity::

            revocations.revoke(session)
            session.clear()

        Revokes the id the request's cookie carried, and the new one when :meth:`regenerate
        <client_session_core.Session.regenerate>` ran in this request, each until its absolute
        deadline: its ``created_at`` plus :attr:`max_lifetime` (the policy's
        ``absolute_lifetime``, or ``max_session_lifetime`` when sessions may have lifetimes of
        their own, since a copy sealed before a ``set_lifetime`` may carry another, plus the
        clock skew). False when there was nothing to revoke: a new session, or a cookie sealed
        before identities (only ``not_before`` reaches it; it gets an id on this response).
        Blocks on the store (:meth:`arevoke` from async code); its errors propagate."""
        origin = session.origin
        revoked = False
        if origin.session_id is not None:
            self.revoke_session_id(b64encode(origin.session_id), created_at=origin.created_at)
            revoked = True
        if session.regenerated:
            # The new identity has not left this process yet; revoked too, so that a response
            # that still carries it cannot outlive the logout.
            self.revoke_session_id(b64encode(session.sealed_id))
            revoked = True
        return revoked

    async def arevoke(self, session: Session) -> bool:
        """:meth:`revoke`, in a worker thread: the event loop never blocks on the store."""
        return await asyncio.to_thread(self.revoke, session)

    def revoke_session_id(
        self, session_id: str, until: int | None = None, *, created_at: int | None = None
    ) -> None:
        """Refuse the session ``session_id`` everywhere (an administrator's kill): kept until
        ``until``, its absolute deadline, when known; else until ``created_at`` (or now) plus
        :attr:`max_lifetime`. Blocks on the store: from async code use
        :meth:`arevoke_session_id`. The store's errors propagate: a revocation that did not
        reach it has not happened."""
        if not isinstance(session_id, str) or not session_id:
            raise ValueError(f"a session id is a non-empty string, not {session_id!r}")
        if until is None:
            start = int(self.clock()) if created_at is None else created_at
            until = start + self._lifetime("revoke_session_id")
        self.store.revoke_session(session_id, until)
        self._note_session(session_id, until)

    def revoke_user(self, user_id: str, not_before: int | None = None) -> None:
        """Refuse every session of ``user_id`` created before ``not_before`` (this second when
        None): a password change, "sign out of every device". Sessions the user starts
        afterwards, and the one the calling request starts again with ``regenerate()``, are
        accepted. Kept until ``not_before`` plus :attr:`max_lifetime`. Blocks on the
        store (:meth:`arevoke_user` from async code); its errors propagate."""
        if not isinstance(user_id, str) or not user_id:
            raise ValueError(f"a user id is a non-empty string, not {user_id!r}")
        if not_before is None:
            # This second: every session created in an earlier one is refused. One created in
            # this same second is accepted, the one the request that called this starts with
            # regenerate() among them (created_at is whole seconds): refusing it would log the
            # user out of the session in which the password was just changed.
            not_before = int(self.clock())
        until = not_before + self._lifetime("revoke_user")
        self.store.revoke_user(user_id, not_before, until)
        copy = self._copy
        users = dict(copy.users)
        before, kept = users.get(user_id, (0, 0))
        users[user_id] = (max(not_before, before), max(until, kept))
        self._copy = _Copy(copy.sessions, users)

    def _note_session(self, session_id: str, until: int) -> None:
        # This process refuses at once what it revoked, without waiting for its next read.
        copy = self._copy
        sessions = dict(copy.sessions)
        sessions[session_id] = max(until, sessions.get(session_id, 0))
        self._copy = _Copy(sessions, copy.users)

    def _lifetime(self, caller: str) -> int:
        if self._max_lifetime is None:
            raise ConfigurationError(
                f"revocations: {caller} needs the longest session lifetime to know how long to "
                "keep the entry: give these Revocations to a SessionPolicy first, or pass "
                "Revocations(..., max_lifetime=seconds)"
            )
        return self._max_lifetime

    async def arevoke_session_id(
        self, session_id: str, until: int | None = None, *, created_at: int | None = None
    ) -> None:
        """:meth:`revoke_session_id`, in a worker thread: the event loop never blocks on the
        store."""
        await asyncio.to_thread(self.revoke_session_id, session_id, until, created_at=created_at)

    async def arevoke_user(self, user_id: str, not_before: int | None = None) -> None:
        """:meth:`revoke_user`, in a worker thread."""
        await asyncio.to_thread(self.revoke_user, user_id, not_before)

    def __repr__(self) -> str:
        return (
            f"Revocations({type(self.store).__name__}, interval={self.interval}, "
            f"max_staleness={self.max_staleness}, on_stale={self.on_stale!r})"
        )


_after_fork: weakref.WeakSet[Revocations] = weakref.WeakSet()


def _reset_after_fork() -> None:
    for revocations in list(_after_fork):
        revocations._forget_thread()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)

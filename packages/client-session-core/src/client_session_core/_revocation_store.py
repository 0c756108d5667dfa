"""What a revocation store is: the small protocol every backend implements.

A store holds revocations, never sessions: a revoked session id until that session's absolute
deadline, and a user's "not before" until the longest lifetime a session may have has passed.
Each entry leaves the store by itself at its ``until``, so the store's size is bounded by the
revocations of one lifetime, whatever the number of sessions.

The protocol is synchronous and small, so that a backend (Redis today, SQL later) is one class
and no adapter changes: two writes, one read of what changed since a cursor, and an optional
push channel. Only the background refresher of :class:`~client_session_core.revocation.Revocations`
reads a store; no request ever waits on it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

__all__ = ["RevocationChanges", "RevocationStore", "Watch"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RevocationChanges:
    """What a store holds beyond a cursor: the answer of :meth:`RevocationStore.changes`.

    ``sessions`` holds ``(session_id, until)`` pairs, ``users`` holds
    ``(user_id, not_before, until)`` triples, all times in whole seconds since the epoch; an
    entry named again carries its latest values (the later ``until``, the later
    ``not_before``). ``cursor`` is passed to the next call. ``complete`` is true when these
    are every entry the store holds (the first call, or after the store lost its data): the
    reader then replaces its copy instead of adding to it.
    """

    sessions: tuple[tuple[str, int], ...] = ()
    users: tuple[tuple[str, int, int], ...] = ()
    cursor: str = ""
    complete: bool = False


class Watch(Protocol):
    """A push subscription (:meth:`RevocationStore.watch`), ended by :meth:`close`."""

    def close(self) -> None:
        """Stop calling back, and release the subscription's connection and thread."""


@runtime_checkable
class RevocationStore(Protocol):
    """A shared place for revocations. Every method may block and may raise when the store
    cannot be reached; :class:`~client_session_core.revocation.Revocations` calls them from its
    background thread (reads) or from the application's revoking code (writes) only.

    Times are whole seconds since the epoch. An entry whose ``until`` has passed is gone (the
    store may drop it when it pleases; a reader drops it from its copy by itself).
    """

    def revoke_session(self, session_id: str, until: int) -> None:
        """Refuse the session ``session_id`` until ``until``, its absolute deadline."""

    def revoke_user(self, user_id: str, not_before: int, until: int) -> None:
        """Refuse every session of ``user_id`` created before ``not_before``, an entry kept
        until ``until`` (``not_before`` plus the longest session lifetime). A later
        ``not_before`` for the same user replaces an earlier one, never the reverse."""

    def changes(self, since: str | None) -> RevocationChanges:
        """The entries added or changed after the cursor ``since`` (None: every entry, with
        ``complete`` true), and the cursor to pass next time."""

    def watch(self, notify: Callable[[], None]) -> Watch | None:
        """Call ``notify()`` (from any thread, without arguments) soon after any process
        revokes something, until the returned :class:`Watch` is closed; None when the backend
        has no push channel, and the reader then relies on its interval alone. ``notify``
        must only wake the reader: it is called on the store's thread."""

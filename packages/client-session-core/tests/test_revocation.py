"""Revocations, the local copy: what it refuses, how it follows the store, and staleness.

The in-process store and a clock moved by hand; no thread runs unless a test starts one, and
then every wait is bounded. test_revocation_redis.py runs the same over a real redis-server.
"""

from __future__ import annotations

import asyncio
import logging
import threading

import pytest

from client_session_core import ConfigurationError, KeyRing, SessionPolicy, generate_key
from client_session_core.revocation import (
    MemoryRevocationStore,
    RevocationChanges,
    Revocations,
    RevocationStore,
)
from client_session_core.testing import ManualClock

NOW = 1_800_000_000
LIFETIME = 12 * 3600


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def store(clock: ManualClock) -> MemoryRevocationStore:
    return MemoryRevocationStore(clock=clock)


def _revocations(store: RevocationStore, clock: ManualClock, **options: object) -> Revocations:
    options.setdefault("max_lifetime", LIFETIME)
    return Revocations(store, clock=clock, autostart=False, **options)  # type: ignore[arg-type]


class WatchedStore(MemoryRevocationStore):
    """The in-process store, telling the test which thread wrote and when a read found
    the session ``awaited``."""

    def __init__(self, clock: ManualClock, awaited: str = "") -> None:
        super().__init__(clock=clock)
        self.awaited = awaited
        self.seen = threading.Event()
        self.writers: list[threading.Thread] = []

    def revoke_session(self, session_id: str, until: int) -> None:
        self.writers.append(threading.current_thread())
        super().revoke_session(session_id, until)

    def changes(self, since: str | None) -> RevocationChanges:
        found = super().changes(since)
        if any(session_id == self.awaited for session_id, _ in found.sessions):
            self.seen.set()
        return found


class FailingStore(MemoryRevocationStore):
    """The in-process store, made unreachable on demand (as a stopped server is)."""

    def __init__(self, clock: ManualClock) -> None:
        super().__init__(clock=clock)
        self.down = False

    def changes(self, since: str | None) -> RevocationChanges:
        if self.down:
            raise ConnectionError("127.0.0.1:6379 refused")
        return super().changes(since)


def test_a_revoked_session_is_refused_in_every_process_after_its_refresh(
    store: MemoryRevocationStore, clock: ManualClock
) -> None:
    here, there = _revocations(store, clock), _revocations(store, clock)
    here.revoke_session_id("abc", NOW + 100)
    assert here.refuses("abc", None, NOW - 5, NOW)  # at once where it was revoked
    assert not there.refuses("abc", None, NOW - 5, NOW)  # elsewhere, after the next read
    assert there.refresh()
    assert there.refuses("abc", None, NOW - 5, NOW)
    assert not there.refuses("abd", None, NOW - 5, NOW)
    assert not there.refuses(None, None, NOW - 5, NOW)


def test_a_users_not_before_refuses_older_sessions_only(
    store: MemoryRevocationStore, clock: ManualClock
) -> None:
    revocations = _revocations(store, clock)
    revocations.revoke_user("alice")
    other = _revocations(store, clock)
    other.refresh()
    for copy in (revocations, other):
        assert copy.refuses("s1", "alice", NOW - 1, NOW)  # created the second before the change
        assert not copy.refuses("s2", "alice", NOW, NOW)  # in its second: regenerate() at it
        assert copy.refuses(None, "alice", NOW - 3600, NOW)
        assert not copy.refuses("s1", "alice", NOW + 1, NOW + 1)  # signed in again after it
        assert not copy.refuses("s1", "bob", NOW - 3600, NOW)
    # The entry is kept for the longest lifetime, then gone from both.
    assert store.changes(None).users == (("alice", NOW, NOW + LIFETIME),)


def test_a_later_not_before_wins_and_an_earlier_one_does_not_undo_it(
    store: MemoryRevocationStore, clock: ManualClock
) -> None:
    revocations = _revocations(store, clock)
    revocations.revoke_user("alice", not_before=NOW + 50)
    revocations.revoke_user("alice", not_before=NOW - 50)
    revocations.refresh()
    assert revocations.refuses(None, "alice", NOW + 10, NOW + 20)
    assert store.changes(None).users[0][1] == NOW + 50


def test_entries_expire_with_the_lifetime_they_cover(
    store: MemoryRevocationStore, clock: ManualClock
) -> None:
    revocations = _revocations(store, clock)
    revocations.revoke_session_id("abc", NOW + 100)
    revocations.revoke_user("alice")
    assert len(store) == 2
    assert len(revocations) == 2
    clock.advance(100)
    revocations.refresh()
    assert len(store) == 1  # the session's deadline passed; the user's entry stays
    assert len(revocations) == 1
    assert not revocations.refuses("abc", None, NOW - 5, NOW + 100)
    clock.advance(LIFETIME)
    revocations.refresh()
    assert len(store) == 0
    assert len(revocations) == 0


def test_an_entry_already_past_its_deadline_is_not_stored(
    store: MemoryRevocationStore, clock: ManualClock
) -> None:
    _revocations(store, clock).revoke_session_id("abc", NOW)
    assert len(store) == 0


def test_revoking_a_session_id_without_a_deadline_keeps_it_one_lifetime(
    store: MemoryRevocationStore, clock: ManualClock
) -> None:
    revocations = _revocations(store, clock)
    revocations.revoke_session_id("abc")
    revocations.revoke_session_id("def", created_at=NOW - 600)
    assert set(store.changes(None).sessions) == {
        ("abc", NOW + LIFETIME),
        ("def", NOW - 600 + LIFETIME),
    }


def test_only_changes_are_read_after_the_first_refresh(
    store: MemoryRevocationStore, clock: ManualClock
) -> None:
    revocations = _revocations(store, clock)
    revocations.revoke_session_id("a", NOW + 100)
    first = store.changes(None)
    assert first.complete
    revocations.revoke_session_id("b", NOW + 100)
    later = store.changes(first.cursor)
    assert not later.complete
    assert later.sessions == (("b", NOW + 100),)
    assert store.changes(later.cursor).sessions == ()
    # A cursor of another store (another epoch: a flushed Redis) reads everything again.
    assert MemoryRevocationStore(clock=clock).changes(later.cursor).complete


def test_an_unreachable_store_keeps_the_last_copy_and_warns_once(
    clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    store = FailingStore(clock)
    revocations = _revocations(store, clock)
    store.revoke_session("abc", NOW + 3600)
    assert revocations.refresh()
    store.down = True
    with caplog.at_level(logging.INFO, logger="client_session.revocation"):
        for _ in range(3):
            clock.advance(2)
            assert not revocations.refresh()
        assert revocations.refuses("abc", None, NOW, int(clock()))
        store.down = False
        assert revocations.refresh()
    messages = [record.getMessage() for record in caplog.records]
    assert len([m for m in messages if "unreachable" in m]) == 1
    assert "ConnectionError" in messages[0]
    assert "6379" not in " ".join(messages)  # the type, never the client's message
    assert messages[-1] == "revocation store reachable again"


@pytest.mark.parametrize("on_stale", ["accept", "refuse"])
def test_after_max_staleness_on_stale_decides(
    clock: ManualClock, caplog: pytest.LogCaptureFixture, on_stale: str
) -> None:
    store = FailingStore(clock)
    revocations = _revocations(store, clock, max_staleness=60, on_stale=on_stale)
    assert revocations.refresh()
    store.down = True
    clock.advance(60)
    revocations.refresh()
    now = int(clock())
    assert not revocations.refuses("abc", "alice", NOW, now)  # not stale yet: accepted
    clock.advance(1)
    now = int(clock())
    with caplog.at_level(logging.WARNING, logger="client_session.revocation"):
        revocations.refresh()  # the background thread's next attempt
        assert revocations.refuses("abc", "alice", NOW, now) is (on_stale == "refuse")
        assert revocations.refuses("abc", None, NOW, now) is (on_stale == "refuse")
        assert revocations.refuses(None, "alice", NOW, now) is (on_stale == "refuse")
    # A session with nothing to check is never refused for staleness.
    assert not revocations.refuses(None, None, NOW, now)
    stale = [r for r in caplog.records if "max_staleness" in r.getMessage()]
    assert len(stale) == 1
    assert stale[0].levelno == logging.WARNING
    store.down = False
    assert revocations.refresh()
    assert not revocations.refuses("abc", "alice", NOW, now)


def test_staleness_counts_from_start_up_until_the_first_answer(clock: ManualClock) -> None:
    store = FailingStore(clock)
    store.down = True
    revocations = _revocations(store, clock, max_staleness=30, on_stale="refuse")
    assert not revocations.refresh()
    assert not revocations.refuses("abc", None, NOW, NOW)
    clock.advance(31)
    assert revocations.refuses("abc", None, NOW, NOW + 31)


def test_the_policy_gives_its_longest_lifetime_and_needs_an_absolute_one(
    store: MemoryRevocationStore, clock: ManualClock
) -> None:
    keys = KeyRing([generate_key()])
    revocations = Revocations(store, clock=clock, autostart=False)
    assert revocations.max_lifetime is None
    with pytest.raises(ConfigurationError, match="give these Revocations to a SessionPolicy"):
        revocations.revoke_user("alice")
    SessionPolicy(keys=keys, revocations=revocations)
    assert revocations.max_lifetime == 12 * 3600 + 60  # absolute lifetime and clock skew
    SessionPolicy(keys=keys, max_session_lifetime=30 * 86400, revocations=revocations)
    assert revocations.max_lifetime == 30 * 86400 + 60  # the longest policy wins
    SessionPolicy(keys=keys, revocations=revocations)
    assert revocations.max_lifetime == 30 * 86400 + 60
    with pytest.raises(ConfigurationError, match=r"revocations needs absolute_lifetime"):
        SessionPolicy(keys=keys, absolute_lifetime=None, revocations=revocations)
    with pytest.raises(ConfigurationError, match="revocations must be a Revocations"):
        SessionPolicy(keys=keys, revocations=store)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"interval": 0}, "interval must be a positive number"),
        ({"interval": True}, "interval must be a positive number"),
        ({"max_staleness": float("inf")}, "max_staleness must be a positive number"),
        ({"interval": 10, "max_staleness": 5}, "shorter than interval"),
        ({"on_stale": "ignore"}, "on_stale must be 'accept' or 'refuse'"),
        ({"max_lifetime": 0}, "max_lifetime must be a positive whole number"),
    ],
)
def test_bad_options_are_configuration_errors(
    store: MemoryRevocationStore, options: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Revocations(store, **options)  # type: ignore[arg-type]


def test_a_store_must_implement_the_protocol() -> None:
    with pytest.raises(ConfigurationError, match="the store must be a RevocationStore"):
        Revocations(object())  # type: ignore[arg-type]


def test_the_background_thread_follows_a_push_and_stops(clock: ManualClock) -> None:
    store = WatchedStore(clock, awaited="pushed")
    # An interval of an hour: only the push can wake the thread in time.
    revocations = Revocations(
        store, clock=clock, interval=3600, max_staleness=7200, max_lifetime=LIFETIME
    )
    assert not revocations.refuses("pushed", None, NOW, NOW)  # the first use starts it
    try:
        # Another process's write: the store's own, not this copy's shortcut.
        store.revoke_session("pushed", NOW + 100)
        assert store.seen.wait(5.0)
        thread = revocations._thread
        assert thread is not None
        assert thread.daemon
    finally:
        revocations.stop()
    assert revocations.refuses("pushed", None, NOW, NOW)
    thread.join(5.0)
    assert not thread.is_alive()
    assert not store._watchers  # the push subscription is closed


def test_async_wrappers_revoke_without_blocking_the_loop(clock: ManualClock) -> None:
    store = WatchedStore(clock)
    revocations = _revocations(store, clock)
    loop_thread: list[threading.Thread] = []

    async def main() -> None:
        loop_thread.append(threading.current_thread())
        await revocations.arevoke_session_id("abc", NOW + 100)
        await revocations.arevoke_user("alice")

    asyncio.run(main())
    assert len(store.writers) == 1
    assert store.writers[0] is not loop_thread[0]
    assert len(store) == 2


def test_start_reads_the_store_before_the_first_request(clock: ManualClock) -> None:
    store = MemoryRevocationStore(clock=clock)
    store.revoke_session("revoked-before-start-up", NOW + 100)
    revocations = _revocations(store, clock, interval=3600, max_staleness=7200)
    try:
        revocations.start()  # at start-up: one read, then the thread
        assert revocations.refuses("revoked-before-start-up", None, NOW, NOW)
    finally:
        revocations.stop()


class ReadersStore(MemoryRevocationStore):
    """The in-process store, telling which threads read it."""

    def __init__(self, clock: ManualClock) -> None:
        super().__init__(clock=clock)
        self.readers: list[threading.Thread] = []

    def changes(self, since: str | None) -> RevocationChanges:
        self.readers.append(threading.current_thread())
        return super().changes(since)


def test_the_first_request_starts_the_thread_without_reading_the_store(
    clock: ManualClock,
) -> None:
    store = ReadersStore(clock)
    revocations = Revocations(
        store, clock=clock, interval=3600, max_staleness=7200, max_lifetime=LIFETIME
    )
    try:
        assert not revocations.refuses("any", None, NOW, NOW)  # starts the thread
        assert revocations._thread is not None
        assert threading.current_thread() not in store.readers  # the request read nothing
    finally:
        revocations.stop()

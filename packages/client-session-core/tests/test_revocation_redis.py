"""RedisRevocationStore over a real redis-server on 127.0.0.1 (an ephemeral port, a temporary
directory, nothing saved), started and stopped by a fixture. No mock stands in for Redis.

Without redis-server on PATH these tests are skipped, except on CI (``CI`` set), where that
fails: the CI machine installs it (Debian's ``redis-server``), as the benchmarks do.
"""

from __future__ import annotations

import contextlib
import logging
import os
import selectors
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
import redis

from client_session_core import KeyRing, SessionCodec, SessionPolicy, generate_key
from client_session_core.revocation import (
    DEFAULT_PREFIX,
    RedisRevocationStore,
    RevocationChanges,
    Revocations,
)
from client_session_core.testing import ManualClock

LIFETIME = 12 * 3600
HOST = "127.0.0.1"


class RedisServer:
    """One redis-server process, on a port of its own, stopped and started again at will."""

    def __init__(self, executable: str, directory: Path) -> None:
        self.executable = executable
        self.directory = directory
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, port: int | None = None) -> None:
        self.port = port or _free_port()
        command = [
            self.executable,
            *("--bind", HOST, "--port", str(self.port), "--save", "", "--appendonly", "no"),
            *("--dir", str(self.directory), "--logfile", ""),
        ]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # noqa: S603
        self.process = process
        _wait_for_line(process, b"Ready to accept connections", timeout=10.0)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            assert self.process.stdout is not None
            self.process.stdout.close()
            self.process = None

    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_for_line(process: subprocess.Popen[bytes], wanted: bytes, timeout: float) -> None:
    # Read the server's log as it comes (a selector, never a sleep), for at most `timeout`.
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


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    executable = shutil.which("redis-server")
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed (Debian: apt-get install redis-server)")
        pytest.skip("redis-server is not installed (Debian: apt-get install redis-server)")
    server = RedisServer(executable, tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def client(redis_server: RedisServer) -> Iterator[redis.Redis]:
    connection = redis.Redis.from_url(redis_server.url(), socket_timeout=5)
    yield connection
    connection.close()


def _store(server: RedisServer) -> RedisRevocationStore:
    return RedisRevocationStore.from_url(server.url(), socket_timeout=2, socket_connect_timeout=2)


def _redis_now(client: redis.Redis) -> int:
    seconds, _ = client.time()
    return int(seconds)


def _names(values: Iterable[object]) -> list[str]:
    return [value.decode() if isinstance(value, bytes) else str(value) for value in values]


def _revocations(store: RedisRevocationStore, **options: object) -> Revocations:
    options.setdefault("max_lifetime", LIFETIME)
    options.setdefault("autostart", False)
    return Revocations(store, **options)  # type: ignore[arg-type]


def test_a_revoked_session_is_refused_by_every_process_after_its_refresh(
    redis_server: RedisServer, client: redis.Redis
) -> None:
    now = _redis_now(client)
    here = _revocations(_store(redis_server))
    there = _revocations(_store(redis_server))  # another process: its own client and copy
    assert there.refresh()
    here.revoke_session_id("abc", now + 100)
    assert not there.refuses("abc", None, now - 5, now)
    started = time.perf_counter()
    assert there.refresh()
    elapsed = time.perf_counter() - started
    assert there.refuses("abc", None, now - 5, now)
    assert not there.refuses("abd", None, now - 5, now)
    assert elapsed < 1.0  # one script call over loopback
    print(f"refresh with one change: {elapsed * 1000:.2f} ms")


def test_a_users_not_before_refuses_every_older_session_of_that_user(
    redis_server: RedisServer, client: redis.Redis
) -> None:
    clock = ManualClock(float(_redis_now(client)))
    now = int(clock())
    revoker = _revocations(_store(redis_server), clock=clock)
    reader = _revocations(_store(redis_server), clock=clock)
    revoker.revoke_user("alice")
    revoker.revoke_user("alice", not_before=now - 100)  # an earlier one changes nothing
    assert reader.refresh()
    assert reader.refuses("s1", "alice", now - 1, now)
    assert not reader.refuses("s2", "alice", now, now)  # the second of the change
    assert reader.refuses(None, "alice", now - 3600, now)
    assert not reader.refuses("s2", "alice", now + 1, now + 1)
    assert not reader.refuses("s1", "bob", now - 3600, now)
    assert reader.store.changes(None).users == (("alice", now, now + LIFETIME),)


def test_entries_expire_by_redis_own_clock(redis_server: RedisServer, client: redis.Redis) -> None:
    store = _store(redis_server)
    now = _redis_now(client)
    store.revoke_session("near", now + 100)
    store.revoke_session("far", now + 5000)
    store.revoke_user("alice", now, now + 3000)
    until, log, data, _, _ = store.keys
    # Every key expires with the last entry: nothing outlives what it protects.
    for key in store.keys:
        assert client.expiretime(key) == now + 5000
    # An entry already past its deadline is never stored.
    store.revoke_session("gone", now - 1)
    assert client.zcard(until) == 3
    # An entry whose time has come, by Redis' clock, is dropped at the next read or write:
    # made so here by moving its deadline back, since a test does not wait for it.
    client.zadd(until, {"s:near": now - 1})
    changes = store.changes(None)
    assert changes.complete
    assert {session_id for session_id, _ in changes.sessions} == {"far"}
    assert client.zcard(until) == client.zcard(log) == client.hlen(data) == 2


def test_changes_are_incremental_and_read_everything_after_a_flush(
    redis_server: RedisServer, client: redis.Redis
) -> None:
    store = _store(redis_server)
    now = _redis_now(client)
    empty = store.changes(None)
    assert empty.complete
    assert empty.sessions == ()
    store.revoke_session("a", now + 100)
    first = store.changes(empty.cursor)
    assert first.complete  # the store's epoch began with its first entry
    assert first.sessions == (("a", now + 100),)
    store.revoke_session("b", now + 100)
    store.revoke_session("a", now + 50)  # an earlier deadline for "a" keeps the later
    later = store.changes(first.cursor)
    assert not later.complete
    assert sorted(later.sessions) == [("a", now + 100), ("b", now + 100)]
    assert store.changes(later.cursor) == RevocationChanges(cursor=later.cursor)
    client.flushdb()
    store.revoke_session("c", now + 100)
    after_flush = store.changes(later.cursor)
    assert after_flush.complete
    assert after_flush.sessions == (("c", now + 100),)


def test_a_copy_replaces_itself_when_the_store_lost_its_data(
    redis_server: RedisServer, client: redis.Redis
) -> None:
    now = _redis_now(client)
    revocations = _revocations(_store(redis_server))
    revocations.store.revoke_session("a", now + 100)
    assert revocations.refresh()
    assert revocations.refuses("a", None, now, now)
    client.flushdb()
    revocations.store.revoke_session("b", now + 100)
    assert revocations.refresh()
    assert revocations.refuses("b", None, now, now)
    assert not revocations.refuses("a", None, now, now)


def test_a_stopped_server_keeps_the_last_copy_then_staleness_decides(
    redis_server: RedisServer, client: redis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    now = _redis_now(client)
    clock = ManualClock(float(now))
    accepting = _revocations(_store(redis_server), clock=clock, max_staleness=60)
    refusing = _revocations(_store(redis_server), clock=clock, max_staleness=60, on_stale="refuse")
    accepting.store.revoke_session("abc", now + 3600)
    assert accepting.refresh()
    assert refusing.refresh()
    port = redis_server.port
    redis_server.stop()
    with caplog.at_level(logging.INFO, logger="client_session.revocation"):
        for _ in range(3):
            clock.advance(20)
            assert not accepting.refresh()
            assert not refusing.refresh()
        later = int(clock())
        # The last copy still refuses what it knew, in both.
        assert accepting.refuses("abc", None, now, later)
        assert refusing.refuses("abc", None, now, later)
        # Over max_staleness: the sessions that need the check are refused, or accepted.
        clock.advance(1)
        later = int(clock())
        assert not accepting.refuses("other", "bob", now, later)
        assert refusing.refuses("other", "bob", now, later)
        assert not refusing.refuses(None, None, now, later)
        redis_server.start(port)
        assert accepting.refresh()
        assert refusing.refresh()
        assert not refusing.refuses("other", "bob", now, later)
    records = [r for r in caplog.records if r.name == "client_session.revocation"]
    unreachable = [r for r in records if "unreachable" in r.getMessage()]
    assert len(unreachable) == 2  # once per outage, for each copy
    assert all(r.levelno == logging.WARNING for r in unreachable)
    assert str(port) not in " ".join(r.getMessage() for r in records)
    assert [r.getMessage() for r in records].count("revocation store reachable again") == 2


def test_the_push_channel_delivers_a_revocation_before_the_interval(
    redis_server: RedisServer, client: redis.Redis
) -> None:
    now = _redis_now(client)
    reads: list[float] = []
    seen = threading.Event()

    class Watched(RedisRevocationStore):
        def changes(self, since: str | None) -> RevocationChanges:
            found = super().changes(since)
            reads.append(time.perf_counter())
            if any(session_id == "pushed" for session_id, _ in found.sessions):
                seen.set()
            return found

    store = Watched(redis.Redis.from_url(redis_server.url(), socket_timeout=5))
    # An hour between reads: only the push can bring the revocation in time.
    revocations = _revocations(store, interval=3600, max_staleness=7200)
    revocations.start()
    try:
        # The first read, and the one the subscription asks for once it is live.
        deadline = time.monotonic() + 5
        while len(reads) < 2 and time.monotonic() < deadline:
            threading.Event().wait(0.01)
        assert len(reads) >= 2
        other = _store(redis_server)  # another process revokes
        started = time.perf_counter()
        other.revoke_session("pushed", now + 100)
        assert seen.wait(5.0)
        latency = reads[-1] - started
    finally:
        revocations.stop()
    assert revocations.refuses("pushed", None, now, now)
    assert latency < 1.0
    print(f"push latency: {latency * 1000:.2f} ms")


def test_the_store_is_bounded_by_revocations_whatever_the_sessions(
    redis_server: RedisServer, client: redis.Redis
) -> None:
    now = _redis_now(client)
    clock = ManualClock(float(now))
    store = _store(redis_server)
    revocations = Revocations(store, clock=clock, autostart=False)
    policy = SessionPolicy(keys=KeyRing([generate_key()]), revocations=revocations)
    codec = SessionCodec(policy, clock=clock)
    # 10,000 sessions opened and resealed with revocation on: the store gains nothing.
    cookies = [codec.seal({"n": index}) for index in range(10_000)]
    for value in cookies:
        assert codec.load(f"session={value}")["n"] is not None
    assert client.dbsize() == 0
    revocations.refresh()
    sizes = {}
    for revoked in (100, 1000):
        client.flushdb()
        for index in range(revoked):
            revocations.revoke_session_id(f"{index:022d}", now + LIFETIME)
        for index in range(revoked // 10):
            revocations.revoke_user(f"user-{index}")
        entries = revoked + revoked // 10
        assert client.dbsize() == 5  # five keys, whatever the number of entries
        assert client.zcard(store.keys[0]) == entries
        memory = sum(client.memory_usage(key, samples=0) or 0 for key in store.keys)
        sizes[entries] = memory
        print(f"{entries} revocations: {memory} bytes, {memory / entries:.0f} per entry")
    # Linear in the revocations: under 500 bytes an entry (about 360 once Redis leaves its
    # compact encodings for small sets, above 128 entries).
    assert all(memory / entries < 500 for entries, memory in sizes.items())
    # All gone once the longest lifetime has passed (by Redis' clock: deadlines moved back).
    members = _names(client.zrange(store.keys[0], 0, -1))
    client.zadd(store.keys[0], dict.fromkeys(members, now - 1))
    for _ in range(5):  # each call drops up to 500
        store.changes(None)
    assert client.zcard(store.keys[0]) == client.hlen(store.keys[2]) == 0


def test_keys_live_under_one_hash_tag_and_a_prefix_of_choice(
    redis_server: RedisServer, client: redis.Redis
) -> None:
    assert DEFAULT_PREFIX.startswith("{")
    assert DEFAULT_PREFIX.endswith("}")
    store = RedisRevocationStore(client, prefix="{app2}")
    store.revoke_session("abc", _redis_now(client) + 100)
    keys = _names(client.keys("*"))
    assert sorted(keys) == sorted(store.keys)
    assert all(key.startswith("{app2}:") for key in store.keys)
    # decode_responses=True works the same.
    text = RedisRevocationStore(
        redis.Redis.from_url(redis_server.url(), decode_responses=True), prefix="{app2}"
    )
    assert [s for s, _ in text.changes(None).sessions] == ["abc"]


def test_from_url_connects_lazily_and_names_the_extra() -> None:
    with contextlib.closing(socket.socket()) as probe:
        probe.bind((HOST, 0))
        port = probe.getsockname()[1]
    store = RedisRevocationStore.from_url(f"redis://{HOST}:{port}/0")  # nothing listens there
    with pytest.raises(redis.ConnectionError):
        store.changes(None)

"""The Redis revocation store (``pip install client-session-core[redis]``, redis-py).

Five keys under one hash tag, so that a Redis Cluster keeps them in one slot:

- ``<prefix>:until``, a sorted set: each entry's member scored by its ``until``;
- ``<prefix>:log``, a sorted set: the same members scored by the sequence number of their
  last write, which :meth:`RedisRevocationStore.changes` reads beyond a cursor;
- ``<prefix>:data``, a hash: member to ``"<not_before> <until>"`` (``not_before`` 0 for a
  session);
- ``<prefix>:seq`` (the last sequence number) and ``<prefix>:epoch`` (a random value chosen at
  the first write: a cursor of another epoch reads everything again, after a flush or the keys'
  expiry).

Members are ``s:<session id>`` and ``u:<user id>``. Each write and each read runs one Lua script
(atomic): it first drops the entries whose ``until`` has passed by Redis' own clock (``TIME``),
and a write sets every key to expire (``EXPIREAT``) with its last entry, so that the keys
vanish by themselves when nothing is revoked for a lifetime. A write also publishes on
``<prefix>:changes``, the push channel that :meth:`~RedisRevocationStore.watch` listens to.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import secrets
import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from ._revocation_store import RevocationChanges

__all__ = ["DEFAULT_PREFIX", "RedisRevocationStore"]

DEFAULT_PREFIX = "{client_session:revocations}"
"""The keys' prefix: a hash tag, so that every key lands in one slot of a Redis Cluster."""

logger = logging.getLogger("client_session.revocation")

# The expired entries dropped by one script call at most: Lua's unpack() stays far below its
# stack limit, and a backlog is drained over the next calls.
_TRIM = """
local now = tonumber(redis.call('TIME')[1])
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, 500)
if #expired > 0 then
    redis.call('ZREM', KEYS[1], unpack(expired))
    redis.call('ZREM', KEYS[2], unpack(expired))
    redis.call('HDEL', KEYS[3], unpack(expired))
end
"""

# KEYS: until, log, data, seq, epoch. ARGV: member, not_before, until, new epoch, channel.
_REVOKE = (
    _TRIM
    + """
local member, not_before, untl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
if untl <= now then return 0 end
local old = redis.call('HGET', KEYS[3], member)
if old then
    local old_before, old_until = string.match(old, '^(%d+) (%d+)$')
    not_before = math.max(not_before, tonumber(old_before))
    untl = math.max(untl, tonumber(old_until))
end
local epoch = redis.call('GET', KEYS[5])
if not epoch then
    epoch = ARGV[4]
    redis.call('SET', KEYS[5], epoch)
end
local seq = redis.call('INCR', KEYS[4])
redis.call('HSET', KEYS[3], member, string.format('%d %d', not_before, untl))
redis.call('ZADD', KEYS[1], untl, member)
redis.call('ZADD', KEYS[2], seq, member)
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')[2]
for i = 1, 5 do redis.call('EXPIREAT', KEYS[i], last) end
redis.call('PUBLISH', ARGV[5], epoch .. ':' .. seq)
return seq
"""
)

# KEYS: until, log, data, seq, epoch. ARGV: the cursor's epoch, its sequence number.
_CHANGES = (
    _TRIM
    + """
local epoch = redis.call('GET', KEYS[5]) or ''
local seq = tonumber(redis.call('GET', KEYS[4]) or '0')
local complete = 0
local members
if epoch ~= ARGV[1] or tonumber(ARGV[2]) > seq then
    complete = 1
    members = redis.call('ZRANGE', KEYS[2], 0, -1)
else
    members = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. ARGV[2], '+inf')
end
local values = {}
for i = 1, #members, 500 do
    local part = redis.call('HMGET', KEYS[3], unpack(members, i, math.min(i + 499, #members)))
    for _, value in ipairs(part) do values[#values + 1] = value end
end
return {epoch, seq, complete, members, values}
"""
)


class _Script(Protocol):
    def __call__(self, keys: Sequence[str], args: Sequence[object]) -> Any: ...


class _PubSub(Protocol):
    def subscribe(self, *channels: str) -> Any: ...

    def get_message(self, ignore_subscribe_messages: bool, timeout: float) -> Any: ...

    def close(self) -> None: ...


class RedisClient(Protocol):
    """What this store uses of a ``redis.Redis`` client (redis-py 5 or later)."""

    connection_pool: Any
    """Where the client connects (``connection_pool.connection_kwargs``)."""

    def register_script(self, script: str) -> Any: ...

    def pubsub(self) -> Any: ...


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class _Subscription:
    """The push channel: a daemon thread on a pub/sub connection, calling ``notify`` on each
    message, and once after each reconnection (what was published meanwhile is lost)."""

    __slots__ = ("_channel", "_client", "_notify", "_stop", "_thread")

    def __init__(self, client: RedisClient, channel: str, notify: Callable[[], None]) -> None:
        self._client = client
        self._channel = channel
        self._notify = notify
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="client-session-revocations-push", daemon=True
        )
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            pubsub: _PubSub = self._client.pubsub()
            try:
                pubsub.subscribe(self._channel)
                self._notify()  # catch up on what a lost connection missed
                while not self._stop.is_set():
                    message = pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                    if message is not None and message.get("type") in ("message", b"message"):
                        self._notify()
            except Exception as exc:  # noqa: BLE001 - reconnect after any failure
                logger.debug("revocation push channel lost (%s)", type(exc).__name__)
                self._stop.wait(1.0)
            finally:
                # A broken connection may fail to close too.
                with contextlib.suppress(Exception):
                    pubsub.close()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(5.0)


class RedisRevocationStore:
    """A :class:`~client_session_core.revocation.RevocationStore` in Redis, shared by every
    process of a fleet, with a push channel (pub/sub)::

        from client_session_core.revocation import RedisRevocationStore, Revocations

        revocations = Revocations(RedisRevocationStore.from_url("redis://127.0.0.1:6379/0"))

    ``client`` is a ``redis.Redis`` (redis-py 5 or later; ``decode_responses`` either way),
    ``prefix`` the keys' prefix (:data:`DEFAULT_PREFIX`). Point it at the primary: reads drop
    expired entries, which a replica refuses. Its size is bounded by the revocations of one
    lifetime: ``docs/revocation.md`` measures it.
    """

    __slots__ = ("_changes", "_client", "_revoke", "channel", "keys", "prefix")

    def __init__(self, client: RedisClient, *, prefix: str = DEFAULT_PREFIX) -> None:
        self._client = client
        self.prefix = prefix
        """The prefix of this store's keys and channel."""
        self.keys = tuple(f"{prefix}:{name}" for name in ("until", "log", "data", "seq", "epoch"))
        """The five keys this store writes (``docs/revocation.md``)."""
        self.channel = f"{prefix}:changes"
        """The pub/sub channel each revocation is published on."""
        self._revoke: _Script = client.register_script(_REVOKE)
        self._changes: _Script = client.register_script(_CHANGES)

    @property
    def client(self) -> RedisClient:
        """The Redis client this store talks through (its connection pool says where the
        store is, for a process that must reach the same one)."""
        return self._client

    @classmethod
    def from_url(
        cls, url: str, *, prefix: str = DEFAULT_PREFIX, **options: Any
    ) -> RedisRevocationStore:
        """A store on a new ``redis.Redis.from_url(url, **options)`` client (a connection
        pool, opened at the first command). The default timeouts are 5 seconds, so that a
        vanished server is an outage, not a hung refresher."""
        try:
            redis = importlib.import_module("redis")
        except ImportError:
            raise ImportError(
                "RedisRevocationStore needs redis-py: pip install 'client-session-core[redis]'"
            ) from None
        options.setdefault("socket_timeout", 5.0)
        options.setdefault("socket_connect_timeout", 5.0)
        return cls(redis.Redis.from_url(url, **options), prefix=prefix)

    def revoke_session(self, session_id: str, until: int) -> None:
        self._write(f"s:{session_id}", 0, until)

    def revoke_user(self, user_id: str, not_before: int, until: int) -> None:
        self._write(f"u:{user_id}", not_before, until)

    def _write(self, member: str, not_before: int, until: int) -> None:
        args = (member, int(not_before), int(until), secrets.token_hex(8), self.channel)
        self._revoke(keys=self.keys, args=args)

    def changes(self, since: str | None) -> RevocationChanges:
        # No cursor: an epoch no store has, so that everything is read, marked complete.
        epoch, _, number = since.partition(":") if since else ("-", "", "0")
        answer = self._changes(keys=self.keys, args=(epoch, int(number or 0)))
        found_epoch, sequence, complete, members, values = answer
        sessions: list[tuple[str, int]] = []
        users: list[tuple[str, int, int]] = []
        for member, value in zip(members, values, strict=True):
            if value is None:
                continue  # dropped between the two reads of the script: impossible, but safe
            name = _text(member)
            before, _, until = _text(value).partition(" ")
            if name.startswith("s:"):
                sessions.append((name[2:], int(until)))
            elif name.startswith("u:"):
                users.append((name[2:], int(before), int(until)))
        return RevocationChanges(
            sessions=tuple(sessions),
            users=tuple(users),
            cursor=f"{_text(found_epoch)}:{int(sequence)}",
            complete=bool(complete),
        )

    def watch(self, notify: Callable[[], None]) -> _Subscription:
        return _Subscription(self._client, self.channel, notify)

    def __repr__(self) -> str:
        return f"RedisRevocationStore(prefix={self.keys[0].rsplit(':', 1)[0]!r})"

"""From a Cookie header to a session, and from a session to Set-Cookie values.

This is the whole policy every adapter shares. It does no I/O: the adapter hands it the
request's Cookie header and sends the values it returns. Time comes from the injected
clock, so tests move time instead of sleeping.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from mypy_extensions import mypyc_attr

from ._cookies import CookieWriter, parse_cookie_header
from ._envelope import FLAG_PERSISTENT, Sealer, split_envelope
from ._errors import ConfigurationError, InvalidReason, InvalidSession, SessionTooLarge
from ._policy import MAX_CHUNKS, SessionPolicy
from ._session import CookieOrigin, Session

__all__ = ["Clock", "Commit", "SessionCodec"]

Clock = Callable[[], float]
"""Seconds since the epoch, like :func:`time.time` (the default)."""

logger = logging.getLogger("client_session")

_CHUNK_MARKER = "chunks-"
MAX_AGE_CAP = 400 * 24 * 3600
# A chunked session has 2 to MAX_CHUNKS chunks: "chunks-2" ... "chunks-9".
_CHUNK_COUNTS = frozenset(str(count) for count in range(2, MAX_CHUNKS + 1))


class Commit(NamedTuple):
    """What a response must carry for its session.

    ``set_cookie`` holds zero or more ``Set-Cookie`` header values, each to be sent as
    its own header. ``vary_cookie`` is true when the response depends on the Cookie
    header (the session was used, or a cookie is set): add ``Vary: Cookie`` so that no
    shared cache serves one user's response, or cookie, to another.
    """

    set_cookie: tuple[str, ...] = ()
    vary_cookie: bool = False


_NOTHING = Commit()
_VARY_ONLY = Commit((), True)
_NEW = CookieOrigin()
# tuple.__new__ straight from C, for the named tuples built on every request (their own
# __new__ is a Python function): _make_tuple(Commit, (set_cookie, vary_cookie)).
_make_tuple = tuple.__new__


class _Deadlines:
    """The policy's timing rules, with its numbers bound once (they run on every request)."""

    __slots__ = ("absolute", "idle", "not_before", "renew_after", "skew")

    def __init__(self, policy: SessionPolicy) -> None:
        self.idle = policy.idle_timeout
        self.absolute = policy.absolute_lifetime
        self.not_before = policy.not_before
        self.skew = policy.clock_skew
        self.renew_after = None if self.idle is None else policy.renew_after * self.idle

    def check(self, created_at: int, issued_at: int, now: int) -> None:
        """:class:`InvalidSession` unless a cookie with these timestamps is alive ``now``."""
        if issued_at > now + self.skew or created_at > issued_at:
            raise InvalidSession(InvalidReason.FROM_THE_FUTURE)
        if self.not_before is not None and created_at < self.not_before:
            raise InvalidSession(InvalidReason.NOT_BEFORE)
        if self.absolute is not None and now - created_at >= self.absolute:
            raise InvalidSession(InvalidReason.EXPIRED_ABSOLUTE)
        if self.idle is not None and now - issued_at >= self.idle:
            raise InvalidSession(InvalidReason.EXPIRED_IDLE)

    def renewal_due(self, issued_at: int, now: int) -> bool:
        """Whether a session last issued at ``issued_at`` should be re-issued ``now``."""
        return self.renew_after is not None and now - issued_at >= self.renew_after

    def max_age(self, created_at: int, now: int) -> int:
        """Seconds from ``now`` until the server refuses a session issued now."""
        if self.absolute is None:
            remaining = self.idle if self.idle is not None else MAX_AGE_CAP
        else:
            remaining = created_at + self.absolute - now
            if self.idle is not None and self.idle < remaining:
                remaining = self.idle
        # RFC 6265bis section 5.6.2: browsers cap Max-Age at 400 days; say what they keep.
        # (Comparisons rather than min() and max(): this runs on every response.)
        if remaining > MAX_AGE_CAP:
            return MAX_AGE_CAP
        return remaining if remaining > 0 else 0


# Subclassable from Python code when compiled by mypyc too (hatch_build.py).
@mypyc_attr(allow_interpreted_subclasses=True)
class SessionCodec:
    """Opens sessions from request cookies and commits them to ``Set-Cookie`` values.

    One per application, shared by every request and thread::

        codec = SessionCodec(SessionPolicy(keys=KeyRing.from_env()))
        session = codec.load(request_cookie_header)  # never raises for bad cookies
        ...  # the application uses `session`
        commit = codec.commit(session)  # Set-Cookie values, Vary flag
    """

    __slots__ = (
        "_aad_name",
        "_chunk_names",
        "_clock",
        "_deadlines",
        "_max_value",
        "_name",
        "_primary",
        "_sealer",
        "_serializer",
        "_session_class",
        "_writer",
        "policy",
    )

    def __init__(
        self,
        policy: SessionPolicy,
        *,
        clock: Clock = time.time,
        session_class: type[Session] = Session,
    ) -> None:
        """``session_class`` lets a framework adapter hand out its own subclass of
        :class:`Session` (Flask's needs ``permanent``) without copying each session."""
        self.policy = policy
        self._clock = clock
        self._session_class = session_class
        self._sealer = Sealer(policy.keys)
        self._writer = CookieWriter(policy)
        self._chunk_names = tuple(policy.chunk_name(i) for i in range(1, MAX_CHUNKS + 1))
        self._max_value = policy.max_cookie_size * policy.max_chunks
        # Read on every request: bound once, as plain attributes.
        self._name = policy.cookie_name
        self._aad_name = policy.cookie_name.encode()
        self._primary = policy.keys.primary
        self._serializer = policy.serializer
        self._deadlines = _Deadlines(policy)
        self._check_not_before()

    def _check_not_before(self) -> None:
        # Fresh sessions are created now; with a not_before still ahead, each would be
        # refused on its next request, and nobody could keep a session until that time.
        not_before = self.policy.not_before
        now = int(self._clock())
        if not_before is not None and not_before > now + self.policy.clock_skew:
            raise ConfigurationError(
                f"not_before ({not_before}) is {not_before - now} s in the future, so every "
                "session created until then would be refused on its next request: set it to "
                "the time of the logout you want, in the past (e.g. int(time.time()) when you "
                "deploy the change)"
            )

    @property
    def clock(self) -> Clock:
        """The clock this codec reads."""
        return self._clock

    # -- reading ---------------------------------------------------------------------------

    def load(self, cookie_header: str | None) -> Session:
        """The session in a request's ``Cookie`` header (None or "" when it has none).

        A missing, malformed, tampered, expired or foreign cookie gives a new, empty
        session; ``session.rejected`` then says why. This never raises for any header.
        """
        if not cookie_header:
            return self._new_session(_NEW)
        return self.load_cookies(parse_cookie_header(cookie_header, self._name))

    def load_cookies(self, cookies: Mapping[str, str]) -> Session:
        """As :meth:`load`, from cookies a framework has already parsed (name to value)."""
        value = cookies.get(self._name)
        chunk_cookies = 0
        if len(cookies) > 1 or value is None:
            # Chunk cookies, current or stale, are looked for only when others are there.
            for index, chunk_name in enumerate(self._chunk_names, start=1):
                if chunk_name in cookies:
                    chunk_cookies = index
        if value is None:
            if chunk_cookies:
                return self._reject(InvalidReason.INCOMPLETE_CHUNKS, chunk_cookies)
            return self._new_session(_NEW)
        try:
            if value.startswith(_CHUNK_MARKER):
                value = self._join_chunks(value, cookies)
            return self._open(value, chunk_cookies)
        except InvalidSession as exc:
            return self._reject(exc.reason, chunk_cookies)

    def _join_chunks(self, marker: str, cookies: Mapping[str, str]) -> str:
        count = marker[len(_CHUNK_MARKER) :]
        # One ASCII digit: str.isdigit() alone also accepts "²" or "٣", which int() refuses.
        if count not in _CHUNK_COUNTS or int(count) > self.policy.max_chunks:
            raise InvalidSession(InvalidReason.INCOMPLETE_CHUNKS)
        parts = []
        for chunk_name in self._chunk_names[: int(count)]:
            part = cookies.get(chunk_name)
            if not part:
                raise InvalidSession(InvalidReason.INCOMPLETE_CHUNKS)
            parts.append(part)
        # A missing, stale or reordered chunk changes the joined value, and the AEAD tag
        # over the whole of it then fails: a partial set never opens.
        return "".join(parts)

    def _open(self, value: str, chunk_cookies: int) -> Session:
        if len(value) > self._max_value:
            raise InvalidSession(InvalidReason.MALFORMED)
        flags, kid, created_at, issued_at, salt, nonce, raw = split_envelope(value)
        # Expiry is decided on the authenticated header before any decryption; a forged
        # header fails the tag check below anyway.
        self._deadlines.check(created_at, issued_at, int(self._clock()))
        plaintext, key = self._sealer._open_parts(kid, salt, nonce, raw, self._aad_name)
        try:
            data = self._serializer.loads(plaintext)
        except Exception:  # noqa: BLE001 - any serializer failure is one invalid cookie
            raise InvalidSession(InvalidReason.BAD_PAYLOAD) from None
        if not isinstance(data, dict):
            # A third-party serializer that breaks its contract still never raises from load().
            raise InvalidSession(InvalidReason.BAD_PAYLOAD)
        origin = _make_tuple(
            CookieOrigin,
            (
                plaintext,
                created_at,
                issued_at,
                (flags & FLAG_PERSISTENT) != 0,
                key is not self._primary,
                None,
                chunk_cookies,
                True,
            ),
        )
        # Positional: a class called with keywords pays for a dict of them, every request.
        return self._session_class(data, origin, None, self._serializer)

    def _new_session(self, origin: CookieOrigin) -> Session:
        return self._session_class(None, origin, self.policy.persistent, self._serializer)

    def _reject(self, reason: InvalidReason, chunk_cookies: int) -> Session:
        # Once per request, at a low level, and never with the cookie's content.
        logger.debug("session cookie %r refused: %s", self.policy.cookie_name, reason.value)
        origin = CookieOrigin(
            rejected=reason,
            chunk_cookies=chunk_cookies,
            cookie_present=True,
            persistent=self.policy.persistent,
        )
        return self._new_session(origin)

    # -- writing ---------------------------------------------------------------------------

    def commit(self, session: Session) -> Commit:
        """The ``Set-Cookie`` values and ``Vary`` signal for the response of ``session``.

        Nothing when nothing changed and no renewal or re-keying is due; a deletion with
        the same attributes when the session was emptied; :class:`SessionTooLarge` when
        it does not fit (and chunking is off or not enough).
        """
        # The codec reads the session's slots directly: this runs on every response, and
        # the two classes are one unit of this package (the properties are for users).
        origin = session._origin
        if not session._accessed:
            if origin.rejected is not None and self.policy.clear_invalid:
                return Commit(self._delete_all(origin), True)
            return _NOTHING
        data = session.data()
        if not data:
            if origin.cookie_present and (origin.rejected is None or self.policy.clear_invalid):
                return Commit(self._delete_all(origin), True)
            return _VARY_ONLY
        payload = self._serializer.dumps(data)
        now = int(self._clock())
        persistent = session._persistent
        cleared = session._cleared
        if (
            origin.plaintext is None
            or cleared
            or session._forced
            or payload != origin.plaintext
            or persistent != origin.persistent
        ):
            fresh = origin.plaintext is None or cleared
            created_at = now if fresh else origin.created_at
        elif origin.needs_rekey or self._deadlines.renewal_due(origin.issued_at, now):
            created_at = origin.created_at
        else:
            return _VARY_ONLY
        if created_at > now:
            # Sealed by a server whose clock runs ahead, within the allowed skew: the session
            # cannot have begun after it is issued, so its absolute lifetime counts from now.
            created_at = now
        set_cookie = self._write(payload, created_at, now, persistent, origin)
        return _make_tuple(Commit, (set_cookie, True))

    def max_age(self, created_at: int, now: int) -> int:
        """Seconds from ``now`` until a session created at ``created_at`` and issued now
        expires on the server: the cookie's Max-Age."""
        return self._deadlines.max_age(created_at, now)

    def _write(
        self, payload: bytes, created_at: int, now: int, persistent: bool, origin: CookieOrigin
    ) -> tuple[str, ...]:
        policy = self.policy
        name = self._name
        # The arguments are valid by construction: commit orders the timestamps.
        value = self._sealer._seal_checked(
            payload, self._aad_name, created_at, now, FLAG_PERSISTENT if persistent else 0
        )
        max_age = self._deadlines.max_age(created_at, now) if persistent else None
        header = self._writer.set(name, value, max_age, now)
        limit = policy.max_cookie_size
        if len(header) <= limit:
            if not origin.chunk_cookies:
                return (header,)
            headers = [header]
        elif policy.max_chunks == 1:
            raise SessionTooLarge(len(header), limit)
        else:
            headers = self._chunk(value, max_age, now)
        written_chunks = len(headers) - 1
        headers.extend(
            self._writer.delete(self._chunk_names[index])
            for index in range(written_chunks, origin.chunk_cookies)
        )
        return tuple(headers)

    def _chunk(self, value: str, max_age: int | None, now: int) -> list[str]:
        policy = self.policy
        writer = self._writer
        room = policy.max_cookie_size - writer.overhead(
            self._chunk_names[-1], max_age=max_age, now=now
        )
        count = -(-len(value) // room)
        if count > policy.max_chunks:
            size = len(value) + count * writer.overhead(
                policy.cookie_name, max_age=max_age, now=now
            )
            raise SessionTooLarge(
                size, policy.max_cookie_size * policy.max_chunks, chunks=policy.max_chunks
            )
        headers = [
            writer.set(policy.cookie_name, f"{_CHUNK_MARKER}{count}", max_age=max_age, now=now)
        ]
        for index in range(count):
            part = value[index * room : (index + 1) * room]
            headers.append(writer.set(self._chunk_names[index], part, max_age=max_age, now=now))
        return headers

    def _delete_all(self, origin: CookieOrigin) -> tuple[str, ...]:
        names = (self.policy.cookie_name, *self._chunk_names[: origin.chunk_cookies])
        return tuple(self._writer.delete(name) for name in names)

    # -- direct sealing, for tools and test vectors ------------------------------------------

    def seal(
        self, data: Mapping[str, Any], *, created_at: int | None = None, persistent: bool = True
    ) -> str:
        """A cookie value holding ``data``, issued now (for tools, tests and vectors)."""
        now = int(self._clock())
        return self._sealer.seal(
            self.policy.serializer.dumps(data),
            cookie_name=self.policy.cookie_name,
            created_at=now if created_at is None else created_at,
            issued_at=now,
            flags=FLAG_PERSISTENT if persistent else 0,
        )

"""From a Cookie header to a session, and from a session to Set-Cookie values.

This is the whole policy every adapter shares. It does no I/O: the adapter hands it the
request's Cookie header and sends the values it returns. Time comes from the injected
clock, so tests move time instead of sleeping.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ._cookies import CookieWriter, parse_cookie_header
from ._envelope import FLAG_PERSISTENT, Envelope, Sealer
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


@dataclass(frozen=True, slots=True)
class Commit:
    """What a response must carry for its session.

    ``set_cookie`` holds zero or more ``Set-Cookie`` header values, each to be sent as
    its own header. ``vary_cookie`` is true when the response depends on the Cookie
    header (the session was used, or a cookie is set): add ``Vary: Cookie`` so that no
    shared cache serves one user's response, or cookie, to another.
    """

    set_cookie: tuple[str, ...] = ()
    vary_cookie: bool = False


_NOTHING = Commit()


class SessionCodec:
    """Opens sessions from request cookies and commits them to ``Set-Cookie`` values.

    One per application, shared by every request and thread::

        codec = SessionCodec(SessionPolicy(keys=KeyRing.from_env()))
        session = codec.load(request_cookie_header)  # never raises for bad cookies
        ...  # the application uses `session`
        commit = codec.commit(session)  # Set-Cookie values, Vary flag
    """

    __slots__ = (
        "_chunk_names",
        "_clock",
        "_max_value",
        "_sealer",
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
            return self._new_session(CookieOrigin())
        return self.load_cookies(parse_cookie_header(cookie_header, self.policy.cookie_name))

    def load_cookies(self, cookies: Mapping[str, str]) -> Session:
        """As :meth:`load`, from cookies a framework has already parsed (name to value)."""
        name = self.policy.cookie_name
        value = cookies.get(name)
        chunk_cookies = 0
        for index, chunk_name in enumerate(self._chunk_names, start=1):
            if chunk_name in cookies:
                chunk_cookies = index
        if value is None:
            if chunk_cookies:
                return self._reject(InvalidReason.INCOMPLETE_CHUNKS, chunk_cookies)
            return self._new_session(CookieOrigin())
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
        policy = self.policy
        if len(value) > self._max_value:
            raise InvalidSession(InvalidReason.MALFORMED)
        envelope = Envelope.parse(value)
        now = int(self._clock())
        # Expiry is decided on the authenticated header before any decryption; a forged
        # header fails the tag check below anyway.
        if envelope.issued_at > now + policy.clock_skew or envelope.created_at > envelope.issued_at:
            raise InvalidSession(InvalidReason.FROM_THE_FUTURE)
        if policy.not_before is not None and envelope.created_at < policy.not_before:
            raise InvalidSession(InvalidReason.NOT_BEFORE)
        if (
            policy.absolute_lifetime is not None
            and now - envelope.created_at >= policy.absolute_lifetime
        ):
            raise InvalidSession(InvalidReason.EXPIRED_ABSOLUTE)
        if policy.idle_timeout is not None and now - envelope.issued_at >= policy.idle_timeout:
            raise InvalidSession(InvalidReason.EXPIRED_IDLE)
        plaintext, key = self._sealer.open(envelope, cookie_name=policy.cookie_name)
        try:
            data = policy.serializer.loads(plaintext)
        except Exception:  # noqa: BLE001 - any serializer failure is one invalid cookie
            raise InvalidSession(InvalidReason.BAD_PAYLOAD) from None
        if not isinstance(data, dict):
            # A third-party serializer that breaks its contract still never raises from load().
            raise InvalidSession(InvalidReason.BAD_PAYLOAD)
        origin = CookieOrigin(
            plaintext=plaintext,
            created_at=envelope.created_at,
            issued_at=envelope.issued_at,
            persistent=bool(envelope.flags & FLAG_PERSISTENT),
            needs_rekey=key is not policy.keys.primary,
            chunk_cookies=chunk_cookies,
            cookie_present=True,
        )
        return self._session_class(data, origin=origin, serializer=policy.serializer)

    def _new_session(self, origin: CookieOrigin) -> Session:
        return self._session_class(
            origin=origin, persistent=self.policy.persistent, serializer=self.policy.serializer
        )

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
        origin = session.origin
        if not session.accessed:
            if origin.rejected is not None and self.policy.clear_invalid:
                return Commit(self._delete_all(origin), vary_cookie=True)
            return _NOTHING
        data = session.data()
        if not data:
            if origin.cookie_present and (origin.rejected is None or self.policy.clear_invalid):
                return Commit(self._delete_all(origin), vary_cookie=True)
            return Commit(vary_cookie=True)
        payload = self.policy.serializer.dumps(data)
        now = int(self._clock())
        changed = (
            session.forced
            or session.was_cleared
            or origin.plaintext is None
            or payload != origin.plaintext
            or session.persistent != origin.persistent
        )
        if changed:
            fresh = origin.plaintext is None or session.was_cleared
            created_at = now if fresh else origin.created_at
        elif origin.needs_rekey or self._renewal_due(origin.issued_at, now):
            created_at = origin.created_at
        else:
            return Commit(vary_cookie=True)
        return Commit(self._write(payload, created_at, now, session.persistent, origin), True)

    def _renewal_due(self, issued_at: int, now: int) -> bool:
        idle = self.policy.idle_timeout
        return idle is not None and now - issued_at >= self.policy.renew_after * idle

    def max_age(self, created_at: int, now: int) -> int:
        """Seconds from ``now`` until a session created at ``created_at`` and issued now
        expires on the server: the cookie's Max-Age."""
        policy = self.policy
        deadlines = []
        if policy.idle_timeout is not None:
            deadlines.append(now + policy.idle_timeout)
        if policy.absolute_lifetime is not None:
            deadlines.append(created_at + policy.absolute_lifetime)
        # RFC 6265bis section 5.6.2: browsers cap Max-Age at 400 days; say what they keep.
        return max(0, min(min(deadlines) - now, MAX_AGE_CAP))

    def _write(
        self, payload: bytes, created_at: int, now: int, persistent: bool, origin: CookieOrigin
    ) -> tuple[str, ...]:
        policy = self.policy
        name = policy.cookie_name
        value = self._sealer.seal(
            payload,
            cookie_name=name,
            created_at=created_at,
            issued_at=now,
            flags=FLAG_PERSISTENT if persistent else 0,
        )
        max_age = self.max_age(created_at, now) if persistent else None
        header = self._writer.set(name, value, max_age=max_age, now=now)
        limit = policy.max_cookie_size
        if len(header) <= limit:
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

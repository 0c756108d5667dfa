"""From a Cookie header to a session, and from a session to Set-Cookie values.

The codec carries out the core's rules in order, and does no I/O: the adapter hands it
the request's Cookie header and sends the values it returns. Each rule lives in its own
module: sizes and chunks in ``_size``, lifetimes in ``_lifetime``, when to write in
``_commit``, what changed in ``_session``; the codec seals, opens and formats. Time comes
from the injected clock, so tests move time instead of sleeping.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from ._commit import DELETE, NOTHING, RESEAL, START, VARY, Action, Commit
from ._commit import decide as decide_action
from ._compile_hints import mypyc_attr
from ._cookies import CookieWriter, parse_cookie_header
from ._envelope import (
    FLAG_IDENTITY,
    FLAG_PERSISTENT,
    Sealer,
    b64encode,
    read_identity,
    unpack_envelope,
)
from ._errors import (
    ConfigurationError,
    InvalidReason,
    InvalidSession,
    Option,
    SessionTooLarge,
    UnserializableValue,
)
from ._legacy import LegacyCookies
from ._lifetime import Lifetime
from ._policy import SessionPolicy
from ._revocation import Revocations
from ._serializer import loads_with
from ._session import CookieOrigin, Session, new_session_id
from ._size import CookieBudget

__all__ = ["SECURITY_LOGGER", "Clock", "SessionCodec"]

Clock = Callable[[], float]
"""Seconds since the epoch, like :func:`time.time` (the default)."""

logger = logging.getLogger("client_session")

SECURITY_LOGGER = "client_session.security"
"""The logger of the cookies that only tampering (or a fleet whose clocks disagree) explains,
at WARNING: an operator's alert. Every other refused cookie is logged at DEBUG on
``client_session``. An adapter may name its framework's own logger instead (Django's
``django.security.SuspiciousSession``)."""

# The reasons a value is not in our format at all: only such a value may be an old
# framework's cookie (one of ours that fails its tag, or expired, is never handed on).
_NOT_OUR_FORMAT = frozenset({InvalidReason.MALFORMED, InvalidReason.UNKNOWN_VERSION})
# The refusals that a browser, a restart or a rotation never cause: the AEAD tag failed under
# a key of the ring, an authentic cookie holds no session, or a cookie was issued in the
# future. Expired, retired-key and garbage cookies are everyday events (DEBUG).
_SUSPICIOUS = frozenset(
    {InvalidReason.FORGED, InvalidReason.BAD_PAYLOAD, InvalidReason.FROM_THE_FUTURE}
)


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
        "_budget",
        "_clear_invalid",
        "_clock",
        "_follows_keys",
        "_legacy",
        "_lifetime",
        "_name",
        "_new_origin",
        "_revocations",
        "_sealer",
        "_security_logger",
        "_serializer",
        "_session_class",
        "_write_identity",
        "policy",
    )

    def __init__(
        self,
        policy: SessionPolicy,
        *,
        clock: Clock = time.time,
        session_class: type[Session] = Session,
        security_logger: logging.Logger | None = None,
    ) -> None:
        """``session_class`` lets a framework adapter hand out its own subclass of
        :class:`Session` (Flask's needs ``permanent``) without copying each session;
        ``security_logger`` is where a cookie only tampering explains is logged at WARNING
        (``client_session.security`` by default; :data:`SECURITY_LOGGER`)."""
        self.policy = policy
        self._clock = clock
        self._session_class = session_class
        self._sealer = Sealer(policy.keys)
        # A KeyFile's ring changes with its file (a static ring is its own current ring).
        self._follows_keys = policy.keys.current() is not policy.keys
        self._budget = CookieBudget(policy, CookieWriter(policy))
        self._lifetime = Lifetime(policy)
        self._write_identity = policy.write_identity
        self._new_origin = CookieOrigin(
            persistent=policy.persistent, write_identity=self._write_identity
        )
        # The policy's values read on every request, as plain attributes of the codec.
        self._name = policy.cookie_name
        self._clear_invalid = policy.clear_invalid
        self._serializer = policy.serializer
        self._legacy = policy.legacy_cookies
        self._revocations: Revocations | None = policy.revocations
        self._security_logger = security_logger or logging.getLogger(SECURITY_LOGGER)
        self._check_not_before()
        if self._legacy is not None:
            self._legacy.announce(self._name, int(clock()), self._lifetime.legacy_limit)

    def _check_not_before(self) -> None:
        # Fresh sessions are created now; with a not_before still ahead, each would be
        # refused on its next request, and nobody could keep a session until that time.
        not_before = self.policy.not_before_seconds
        now = int(self._clock())
        if not_before is not None and not_before > now + self.policy.clock_skew:
            raise ConfigurationError(
                Option("not_before", not_before),
                f" is {not_before - now} s in the future, so every session created until then "
                "would be refused on its next request: set it to the time of the logout you "
                "want, in the past (e.g. time.time() when you deploy the change)",
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
            return self._new_session(self._new_origin)
        return self.load_cookies(parse_cookie_header(cookie_header, self._name))

    def load_cookies(self, cookies: Mapping[str, str]) -> Session:
        """As :meth:`load`, from cookies a framework has already parsed (name to value)."""
        value = cookies.get(self._name)
        # Chunk cookies, current or stale, can only be there beside other cookies.
        chunks_present = (
            self._budget.chunks_present(cookies) if len(cookies) > 1 or value is None else 0
        )
        if value is None:
            if chunks_present:
                return self._reject(InvalidReason.INCOMPLETE_CHUNKS, chunks_present)
            return self._new_session(self._new_origin)
        try:
            return self._open(self._budget.join(value, cookies), chunks_present)
        except InvalidSession as exc:
            # Only here, on a cookie that did not open, is the legacy option looked at: a
            # request with one of our cookies, or with none, never pays for it.
            if self._legacy is not None and exc.reason in _NOT_OUR_FORMAT:
                try:
                    upgraded = self._open_legacy(self._legacy, value, chunks_present)
                except InvalidSession as refused:
                    return self._reject(refused.reason, chunks_present)
                if upgraded is not None:
                    return upgraded
            return self._reject(exc.reason, chunks_present)

    def _open(self, value: str, chunks_present: int) -> Session:
        if len(value) > self._budget.max_value:
            raise InvalidSession(InvalidReason.MALFORMED)
        flags, kid, created_at, issued_at, salt, nonce, raw, lifetime = unpack_envelope(value)
        # Expiry is decided on the authenticated header before any decryption; a forged
        # header fails the tag check below anyway.
        now = int(self._clock())
        self._lifetime.check(created_at, issued_at, now, lifetime)
        sealer = self._current_sealer()
        plaintext, key = sealer.open_fields(kid, salt, nonce, raw, lifetime, self._name)
        session_id: bytes | None = None
        user_id: str | None = None
        if flags & FLAG_IDENTITY:
            session_id, user_id, plaintext = read_identity(plaintext)
            # Only an authentic identity is looked up: this process's copy, no I/O. A cookie
            # sealed before identities has neither, and only not_before reaches it.
            revocations = self._revocations
            if revocations is not None and revocations.refuses(
                b64encode(session_id), user_id, created_at, now
            ):
                raise InvalidSession(InvalidReason.REVOKED)
        try:
            data = loads_with(self._serializer, plaintext)
        except Exception:  # noqa: BLE001 - any serializer failure is one invalid cookie
            raise InvalidSession(InvalidReason.BAD_PAYLOAD) from None
        if not isinstance(data, dict):
            # A third-party serializer that breaks its contract still never raises from load().
            raise InvalidSession(InvalidReason.BAD_PAYLOAD)
        if lifetime is not None:
            lifetime = self._lifetime.within_ceiling(lifetime)
        origin = CookieOrigin(
            plaintext=plaintext,
            created_at=created_at,
            issued_at=issued_at,
            persistent=(flags & FLAG_PERSISTENT) != 0,
            needs_rekey=key is not sealer.primary,
            chunk_cookies=chunks_present,
            cookie_present=True,
            lifetime=lifetime,
            session_id=session_id,
            user_id=user_id,
            write_identity=self._write_identity,
        )
        return self._session_class(data, origin, origin.persistent, self._serializer)

    def _current_sealer(self) -> Sealer:
        # A new ring gets a new sealer, whose caches hold no subkey of a key that left the
        # ring; one attribute write, so a request sees the old sealer or the new, each whole.
        sealer = self._sealer
        if self._follows_keys:
            ring = self.policy.keys.current()
            if ring is not sealer.keys:
                sealer = self._sealer = Sealer(ring)
        return sealer

    def _open_legacy(
        self, legacy: LegacyCookies, value: str, chunks_present: int
    ) -> Session | None:
        """The session in an old framework's cookie, to be resealed on this response; None
        when the reader finds none. :class:`InvalidSession` when it found one that our rules
        refuse: signed in the future, before ``not_before``, too long ago, or too large."""
        now = int(self._clock())
        found = legacy.upgrade(value, now, self._serializer, self._name)
        if found is None:
            return None
        (data, signed_at, persistent, lifetime), plaintext = found
        if lifetime is not None:
            # Cut to the ceiling rather than refused: the user did nothing wrong.
            lifetime = self._lifetime.within_ceiling(lifetime)
        # The old cookie's own signing time is its created_at and its issued_at, judged as
        # ours are: a replayed old cookie never becomes a fresh session.
        self._lifetime.check_legacy(signed_at, now, lifetime)
        # Signed by a clock ahead of ours, within the skew: it cannot have begun after now.
        signed_at = self._lifetime.created_at(signed_at, now)
        persistent = self.policy.persistent if persistent is None else persistent
        try:
            # Sealed once here, so that a session the cookie budget cannot hold is refused
            # like any unreadable cookie (deleted), not a failure on every response. With an
            # identity when the policy writes them: the session gets its own at the commit.
            identity = (new_session_id(), None) if self._write_identity else None
            self._write(plaintext, signed_at, now, persistent, chunks_present, lifetime, identity)
        except SessionTooLarge:
            raise InvalidSession(InvalidReason.TOO_LARGE) from None
        logger.info(
            "session cookie %r was in the format of %s: read once and resealed in ours",
            self._name,
            legacy.label,
        )
        origin = CookieOrigin(
            plaintext=plaintext,
            created_at=signed_at,
            issued_at=signed_at,
            persistent=persistent,
            # Resealed as a cookie opened with an old key is: on this response, with its
            # content unchanged (so `modified` stays false) and `created_at` kept.
            needs_rekey=True,
            chunk_cookies=chunks_present,
            cookie_present=True,
            lifetime=lifetime,
            write_identity=self._write_identity,
        )
        session = self._session_class(data, origin, origin.persistent, self._serializer)
        # Marked used, so that the reseal happens even where the application never reads
        # the session on this request.
        session.mark_accessed()
        return session

    def _new_session(self, origin: CookieOrigin) -> Session:
        return self._session_class(None, origin, origin.persistent, self._serializer)

    def _reject(self, reason: InvalidReason, chunks_present: int) -> Session:
        # Once per request, never with the cookie's content: at WARNING on the security
        # logger when only tampering explains it, else at DEBUG.
        if reason in _SUSPICIOUS:
            self._security_logger.warning("session cookie %r refused: %s", self._name, reason.value)
        else:
            logger.debug("session cookie %r refused: %s", self._name, reason.value)
        origin = CookieOrigin(
            persistent=self.policy.persistent,
            rejected=reason,
            chunk_cookies=chunks_present,
            cookie_present=True,
            write_identity=self._write_identity,
        )
        return self._new_session(origin)

    # -- writing ---------------------------------------------------------------------------

    def commit(self, session: Session) -> Commit:
        """The ``Set-Cookie`` values and ``Vary`` signal for the response of ``session``.

        Nothing when nothing changed and no renewal or re-keying is due; a deletion with
        the same attributes when the session was emptied; :class:`SessionTooLarge` when
        it does not fit (and chunking is off or not enough). ``docs/policy.md`` has the
        table of which applies when, and ``_commit.decide`` the code. From here on
        ``session.modified`` tells a change made after this commit, which its response no
        longer carries.
        """
        state = session._state
        try:
            content = state.content(session) if state.accessed else None
        except UnserializableValue as exc:
            if not self._cookie_content_unwritable(session):
                raise  # the application stored it: the error names the value
            return self._keep_unwritable_cookie(session, exc)
        now = int(self._clock())
        action = decide_action(state, content, self._lifetime, now, self._clear_invalid)
        origin = state.origin
        set_cookie: tuple[str, ...] = ()
        if action is DELETE:
            set_cookie = self._budget.delete_cookies(origin.chunk_cookies)
        elif content is not None and (action is RESEAL or action is START):
            created_at = (
                now if action is START else self._lifetime.created_at(origin.created_at, now)
            )
            set_cookie = self._write(
                content,
                created_at,
                now,
                state.persistent,
                origin.chunk_cookies,
                state.lifetime,
                state.sealed_identity(),
            )
        state.note_commit(content)
        return Commit(set_cookie=set_cookie, vary_cookie=action is not NOTHING, action=action)

    def decide(self, session: Session) -> Action:
        """The row of ``docs/policy.md`` that :meth:`commit` would apply to ``session`` now,
        found without sealing anything or committing the session: for an adapter that must
        say before the commit whether the response writes the cookie (Django's
        ``request.session.modified``). Serializes the session once, when it was used;
        :class:`UnserializableValue` as :meth:`commit` raises it."""
        state = session._state
        try:
            content = state.content(session) if state.accessed else None
        except UnserializableValue:
            if not self._cookie_content_unwritable(session):
                raise
            return VARY  # what commit() answers: the cookie is left as it is
        now = int(self._clock())
        return decide_action(state, content, self._lifetime, now, self._clear_invalid)

    def _cookie_content_unwritable(self, session: Session) -> bool:
        # Whether the content the cookie held, read afresh, fails to serialize: then the
        # failure is not the application's doing. The JSON serializer reads nothing it
        # cannot write; a serializer whose loads and dumps disagree can still get here.
        plaintext = session.origin.plaintext
        if plaintext is None or session.was_cleared:
            return False
        try:
            self._serializer.dumps(self._serializer.loads(plaintext))
        except (TypeError, ValueError, RecursionError):
            return True
        return False

    def _keep_unwritable_cookie(self, session: Session, error: UnserializableValue) -> Commit:
        # An authentic cookie whose content cannot be written back: raising would answer
        # every request with an error until the cookie expires. The cookie is left as it
        # is (no Set-Cookie), and this response's changes to the session, if any, are lost:
        # said at WARNING, with the key but never a value.
        logger.warning(
            "session cookie %r opened, but session[%r] cannot be written back by the "
            "serializer; the cookie is left unchanged and this response saves nothing",
            self._name,
            error.key,
        )
        session._state.note_commit(None, saved=False)
        return Commit(vary_cookie=True, action=VARY)

    def max_age(self, created_at: int, now: int, lifetime: tuple[int, int] | None = None) -> int:
        """Seconds from ``now`` until a session created at ``created_at`` and issued now
        (with this own lifetime, ``Session.sealed_lifetime``, if any) expires on the
        server: the cookie's Max-Age."""
        return self._lifetime.max_age(created_at, now, lifetime)

    def _write(
        self,
        content: bytes,
        created_at: int,
        now: int,
        persistent: bool,
        chunks_present: int,
        own: tuple[int, int] | None,
        identity: tuple[bytes, str | None] | None,
    ) -> tuple[str, ...]:
        flags = FLAG_PERSISTENT if persistent else 0
        if own is not None:
            self._lifetime.allow(own)
        value = self._current_sealer().seal(
            content, self._name, created_at, now, flags, lifetime=own, identity=identity
        )
        max_age = self._lifetime.max_age(created_at, now, own) if persistent else None
        return self._budget.set_cookies(value, max_age, now, chunks_present)

    # -- direct sealing, for tools and test vectors ------------------------------------------

    def seal(
        self,
        data: Mapping[str, Any],
        *,
        created_at: int | None = None,
        persistent: bool = True,
        session_id: bytes | None = None,
        user_id: str | None = None,
    ) -> str:
        """A cookie value holding ``data``, issued now (for tools, tests and vectors), with
        the identity ``session_id`` (16 bytes; a new one when None) and ``user_id``. While the
        policy's ``write_identity`` is False, given neither, it seals no identity, as the
        commit seals a new session."""
        now = int(self._clock())
        identity: tuple[bytes, str | None] | None = None
        if session_id is not None or user_id is not None or self._write_identity:
            identity = (new_session_id() if session_id is None else session_id, user_id)
        return self._current_sealer().seal(
            self._serializer.dumps(data),
            cookie_name=self._name,
            created_at=now if created_at is None else created_at,
            issued_at=now,
            flags=FLAG_PERSISTENT if persistent else 0,
            identity=identity,
        )

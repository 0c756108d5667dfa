"""The session engine: Django's ``SessionBase`` API over the core's codec.

``request.session`` is a :class:`SessionStore`. Its data is the core's
:class:`~client_session_core.Session`, opened from the request's cookie on first use; the core
decides what the response writes (only a change, a due renewal or an old key writes; an
emptied session deletes the cookie) and seals it. What Django calls the session key is the
sealed cookie value, as with Django's ``signed_cookies`` engine.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase

from client_session_core.adapter import Action, Commit, ConfigurationError, Session, SessionCodec

from ._lifetime import apply_expiry
from ._settings import session_codec

__all__ = ["SessionStore"]

_NOT_GIVEN: Any = object()

# The rows of docs/policy.md whose response writes (or deletes) the session cookie.
_WRITES = frozenset({Action.START, Action.RESEAL, Action.DELETE})

# A session's content, persistence and own lifetime: what a write would carry.
_State = tuple[bytes | None, bool, tuple[int, int] | None]


def _state(session: Session) -> _State:
    try:
        content: bytes | None = session.serialized()
    except (TypeError, ValueError):
        content = None  # a value the serializer refuses: the commit names it, if it runs
    return (content, session.persistent, session.sealed_lifetime)


class SessionStore(SessionBase):  # type: ignore[misc]
    """``request.session``, kept in an encrypted cookie.

    Django's :class:`~django.contrib.sessions.middleware.SessionMiddleware` builds it from the
    cookie's value (``SessionStore(session_key)``); this package's
    :class:`~client_session_django.SessionMiddleware` from the whole ``Cookie`` header, which
    also reads chunked sessions. Every ``SessionBase`` method behaves as Django documents it,
    with these differences:

    - ``modified`` is true when the response must write the cookie: the content changed
      (changes inside nested values too), a renewal is due, the cookie was sealed under an old
      key, or ``request.session.modified = True`` forced it. ``modified = False`` withholds
      what changed so far from the response, as with Django's engines (a later change writes
      again); an emptied session's cookie is still deleted, as Django's middleware does;
    - ``set_expiry`` is the core's per-session lifetime, sealed in the cookie's header and
      enforced by the server; it refuses a lifetime longer than the policy's ceiling
      (``CLIENT_SESSION_MAX_SESSION_LIFETIME``; unset, the absolute lifetime,
      ``CLIENT_SESSION_ABSOLUTE_LIFETIME``);
    - ``encode`` seals a dict into a cookie value and ``decode`` opens one (an empty dict for
      a value that does not open), where Django's engines sign their stored data;
    - ``cycle_key`` keeps the data and starts a new session identity and lifetime (a new
      ``request.session.core.id``, a new cookie value): the core's ``regenerate()``;
    - ``flush`` revokes the session (every copy of its cookie) when
      ``CLIENT_SESSION_REVOCATIONS`` is set, then empties it;
    - ``exists`` is always false and ``clear_expired`` does nothing: nothing is stored on the
      server.
    """

    def __init__(
        self,
        session_key: str | None = None,
        *,
        codec: SessionCodec | None = None,
        cookie_header: str | None = None,
    ) -> None:
        # SessionBase.__init__ is not called: its attributes are properties here, over the
        # core's session, and it imports SESSION_SERIALIZER, which the core's JSON replaces.
        self._codec = session_codec() if codec is None else codec
        self._cookie_value = session_key
        self._cookie_header = cookie_header
        self._loaded: Session | None = None
        self._sealed: str | None = None
        # The session's state when a view set `modified = False`: unchanged since, it is
        # not written.
        self._withheld: _State | None = None
        # The moment set_expiry(datetime or timedelta) named in this request, as given: the
        # cookie's header holds it to the second.
        self._deadline: datetime | None = None

    # -- the core's session, opened on first use ----------------------------------------------

    def _open(self) -> Session:
        session = self._loaded
        if session is None:
            codec = self._codec
            if self._cookie_header is not None:
                session = codec.load(self._cookie_header)
            elif self._cookie_value:
                session = codec.load_cookies({codec.policy.cookie_name: self._cookie_value})
            else:
                session = codec.load(None)
            self._loaded = session
        return session

    def _get_session(self, no_load: bool = False) -> Session:
        session = self._open()
        session.mark_accessed()
        return session

    async def _aget_session(self, no_load: bool = False) -> Session:
        return self._get_session()

    def _opened(self) -> Session:
        # Missing until the session is opened, as Django's engines leave it until they load.
        session = self._loaded
        if session is None:
            raise AttributeError("_session_cache")
        return session

    _session = property(_get_session)
    _session_cache = property(_opened)

    @property
    def core(self) -> Session:
        """The core's session behind ``request.session``: its identity (``.id``, 22
        characters, sealed in the cookie), ``.bind_user(str(user.pk))`` and ``.user_id``.
        Marks the session used, as reading it does."""
        return self._get_session()

    @property
    def accessed(self) -> bool:
        """True once the session was used in this request (the response then varies on
        Cookie)."""
        return self._loaded is not None and self._loaded.accessed

    @accessed.setter
    def accessed(self, value: bool) -> None:
        if value:
            self._open().mark_accessed()

    @property
    def modified(self) -> bool:
        """True when the response must write (or delete) the session cookie."""
        session = self._loaded
        if session is None:
            return False
        if self._withholds(session):
            return False
        # Django's flag: true after any change through the session's methods (as Django's
        # engines set it, an equal value or an emptied new session too); else the codec's
        # decision from the content and the cookie's header (a due renewal, an old key, a
        # deletion), which seals nothing.
        return session.modified or self._codec.decide(session) in _WRITES

    @modified.setter
    def modified(self, value: bool) -> None:
        session = self._open()
        if value:
            # Django's idiom for a change the session cannot see: force a save.
            self._withheld = None
            session.mark_modified()
        else:
            # Django's engines then save nothing of what changed so far: nor do we.
            session.modified = False
            self._withheld = _state(session)

    def _withholds(self, session: Session) -> bool:
        # A view set `modified = False` and changed nothing since; an emptied session is
        # still deleted (Django's middleware deletes an empty session's cookie regardless).
        withheld = self._withheld
        return withheld is not None and bool(withheld[0]) and _state(session) == withheld

    @property
    def session_key(self) -> str | None:
        """The sealed cookie value: after :meth:`save`, the one to send; before, the
        request's cookie when it opened; None for a new or flushed session."""
        if self._sealed is not None:
            return self._sealed or None
        session = self._open()
        if session.new or session.was_cleared:
            return None
        return self._cookie_value

    @property
    def _session_key(self) -> str | None:
        return self.session_key

    @_session_key.setter
    def _session_key(self, value: str | None) -> None:
        # SessionBase's rule: a key shorter than 8 characters is no key.
        self._sealed = value if value and self._validate_session_key(value) else ""

    # -- writes go to the core's session, which finds changes by content ---------------------
    # (SessionBase's versions also set `modified = True`, which would force a write even when
    # nothing changed.)

    def __setitem__(self, key: str, value: Any) -> None:
        self._session[key] = value

    def __delitem__(self, key: str) -> None:
        del self._session[key]

    def pop(self, key: str, default: Any = _NOT_GIVEN) -> Any:
        if default is _NOT_GIVEN:
            return self._session.pop(key)
        return self._session.pop(key, default)

    def setdefault(self, key: str, value: Any) -> Any:
        return self._session.setdefault(key, value)

    def update(self, dict_: Any) -> None:
        self._session.update(dict_)

    def clear(self) -> None:
        """Empty the session: the response deletes the cookie, and data set afterwards
        starts a new session lifetime."""
        self._session.clear()
        self._deadline = None

    async def aset(self, key: str, value: Any) -> None:
        self[key] = value

    async def apop(self, key: str, default: Any = _NOT_GIVEN) -> Any:
        return self.pop(key, default)

    async def asetdefault(self, key: str, value: Any) -> Any:
        return self.setdefault(key, value)

    async def aupdate(self, dict_: Any) -> None:
        self.update(dict_)

    def is_empty(self) -> bool:
        """True when the session holds nothing (a bad or expired cookie opens empty), or
        ends at this response (``set_expiry`` of a moment already past)."""
        if not self._cookie_value and self._cookie_header is None and self._loaded is None:
            return True
        return not self._open().data() or self._ended()

    # -- lifetime ---------------------------------------------------------------------------

    def get_session_cookie_age(self) -> int:
        """A session's lifetime without ``set_expiry`` (the policy's idle timeout,
        ``SESSION_COOKIE_AGE``, else its absolute lifetime)."""
        policy = self._codec.policy
        if policy.idle_timeout is not None:
            return policy.idle_timeout
        return policy.session_lifetime_ceiling

    def _now(self) -> float:
        return self._codec.clock()

    def _created_at(self, session: Session, now: int) -> int:
        # The created_at the next seal carries: now for a new, cleared or regenerated session.
        if session.new or session.was_cleared or session.regenerated:
            return now
        return session.origin.created_at

    def _django_expiry(self) -> int | datetime | None:
        """What Django's engines would hold under ``_session_expiry`` for this session."""
        session: Session = self._session
        own = session.lifetime
        if own is None:
            # set_expiry(0) on a site whose sessions are persistent; None otherwise.
            browser_close = not session.persistent and self._codec.policy.persistent
            return 0 if browser_close else None
        idle, absolute = own
        if idle is not None or absolute is None:
            return idle
        if self._deadline is not None:
            return self._deadline  # as set_expiry was given it, to the microsecond
        created_at = self._created_at(session, int(self._now()))
        return self._datetime(created_at + absolute)

    def _ended(self) -> bool:
        # set_expiry named a moment that has come: Django's engines then find the session
        # expired at once, so the response ends it (the data stays readable until then).
        deadline = self._deadline
        return deadline is not None and deadline.timestamp() <= self._now()

    def get_expiry_age(self, **kwargs: Any) -> int:
        """Seconds until the server refuses this session if it is written now.

        With ``modification`` or ``expiry`` given, Django's own arithmetic on them (the
        session's own lifetime standing for ``expiry`` when it is not given).
        """
        if kwargs:
            kwargs.setdefault("expiry", self._django_expiry())
            return super().get_expiry_age(**kwargs)  # type: ignore[no-any-return]
        session = self._session
        now = int(self._now())
        created_at = self._created_at(session, now)
        return self._codec.max_age(created_at, now, session.sealed_lifetime)

    def get_expiry_date(self, **kwargs: Any) -> datetime:
        """When the server refuses this session if it is written now."""
        if kwargs:
            kwargs.setdefault("expiry", self._django_expiry())
            return super().get_expiry_date(**kwargs)  # type: ignore[no-any-return]
        if self._deadline is not None and self._session.lifetime is not None:
            return self._deadline
        return self._datetime(self._now()) + timedelta(seconds=self.get_expiry_age())

    @staticmethod
    def _datetime(timestamp: float) -> datetime:
        # What django.utils.timezone.now() gives, at the codec's time.
        if settings.USE_TZ:
            return datetime.fromtimestamp(timestamp, tz=timezone.utc)
        return datetime.fromtimestamp(timestamp)

    def set_expiry(self, value: int | datetime | timedelta | None) -> None:
        """Give this session its own lifetime, sealed in its cookie and enforced by the
        server (the core's ``Session.set_lifetime``).

        Whole seconds of inactivity (its idle timeout), a ``datetime`` or ``timedelta`` after
        which it ends (its absolute lifetime, to the second), ``0`` for a cookie that ends
        with the browser (under the policy's lifetimes), or None for the settings' lifetime
        and persistence. A lifetime longer than the policy's ``max_session_lifetime`` is a
        ValueError.
        """
        apply_expiry(self._session, value, self._codec)
        if isinstance(value, timedelta):
            value = self._datetime(self._now()) + value
        self._deadline = value if isinstance(value, datetime) else None

    def get_expire_at_browser_close(self) -> bool:
        """True when the cookie ends with the browser: after ``set_expiry(0)``, false after
        ``set_expiry`` of a lifetime; otherwise ``SESSION_EXPIRE_AT_BROWSER_CLOSE`` as it is
        now (a ``CLIENT_SESSION_POLICY``'s ``persistent``), as Django's engines read it."""
        session = self._session
        if session.lifetime is None and session.persistent == self._codec.policy.persistent:
            return not session_codec().policy.persistent  # the settings' choice, read now
        return not session.persistent

    async def aget_expiry_age(self, **kwargs: Any) -> int:
        return self.get_expiry_age(**kwargs)

    async def aget_expiry_date(self, **kwargs: Any) -> datetime:
        return self.get_expiry_date(**kwargs)

    async def aset_expiry(self, value: int | datetime | timedelta | None) -> None:
        self.set_expiry(value)

    async def aget_expire_at_browser_close(self) -> bool:
        return self.get_expire_at_browser_close()

    # -- the session's lifecycle ------------------------------------------------------------

    def flush(self) -> None:
        """Empty the session and forget its key (a logout): the response deletes the cookie.

        With ``CLIENT_SESSION_REVOCATIONS``, the session is revoked first, so that every copy
        of its cookie is refused too, as Django's stored engines delete the session for every
        copy: ``logout()``, and ``login()`` over another user's session, which both call this,
        end it everywhere with no extra line. A new session, or a cookie that opened nothing,
        has nothing to revoke and reaches no store. The store's error propagates (a
        revocation that did not reach it has not happened: ``logout()`` then fails, a 500,
        whose response writes no cookie); the session is emptied all the same.
        """
        revocations = self._codec.policy.revocations
        try:
            if revocations is not None:
                revocations.revoke(self._session)
        finally:
            self._forget()

    async def aflush(self) -> None:
        """:meth:`flush`, revoking in a worker thread (``alogout()`` calls this): the event
        loop never waits on the store."""
        revocations = self._codec.policy.revocations
        try:
            if revocations is not None:
                await revocations.arevoke(self._session)
        finally:
            self._forget()

    def _forget(self) -> None:
        self.clear()
        self._sealed = ""

    def cycle_key(self) -> None:
        """Keep the data under a new session identity, cookie value and lifetime: the core's
        ``Session.regenerate()`` (Django's ``login()`` calls this, so that a cookie planted
        before the login is worth nothing after it).

        The identity before it is not revoked, even with ``CLIENT_SESSION_REVOCATIONS``: a
        copy taken before the login carries no login (the defence against fixation is the
        new identity, which that copy lacks), and revoking at every login would make each
        login wait on the store and grow it with logins rather than logouts. A request still
        in flight with the pre-login cookie keeps working."""
        session = self._session
        # Django's engines keep set_expiry's value across cycle_key (it is in their data):
        # regenerate() keeps the lifetime, persistence and bound user; a deadline given as a
        # datetime stays at the same moment, counted from the new created_at.
        expiry = self._django_expiry()
        session.regenerate()
        if isinstance(expiry, datetime):
            apply_expiry(session, expiry, self._codec)
        self._sealed = None
        self._withheld = None

    async def acycle_key(self) -> None:
        self.cycle_key()

    def load(self) -> Session:
        """The session as its cookie holds it, where Django's engines read their store: the
        request's cookie or, after :meth:`save`, the value written (empty for a missing, bad
        or expired cookie). Changes not saved are not in it; ``request.session`` has them."""
        codec = self._codec
        if self._sealed is not None:
            value = self._sealed
            return (
                codec.load_cookies({codec.policy.cookie_name: value}) if value else codec.load(None)
            )
        session = self._loaded
        if session is None:
            return self._open()
        # What the request's cookie held, without opening it again (nor logging it again).
        origin = session.origin
        if origin.plaintext is None:
            return codec.load(None)
        data = codec.policy.serializer.loads(origin.plaintext)
        return Session(data, origin, origin.persistent, codec.policy.serializer)

    async def aload(self) -> Session:
        return self.load()

    def exists(self, session_key: str | None) -> bool:
        """Always False: no session is stored on the server, so every key is new."""
        return False

    async def aexists(self, session_key: str | None) -> bool:
        return False

    def create(self) -> None:
        """Start a new, empty session in place of the request's."""
        self._open().clear()
        self._sealed = None
        self._withheld = None

    async def acreate(self) -> None:
        self.create()

    def save(self, must_create: bool = False) -> None:
        """Seal the session now; :attr:`session_key` is then the value to send.

        Django's ``SessionMiddleware`` calls this, then writes ``session_key`` as the cookie.
        Raises :class:`~client_session_core.SessionTooLarge` when it does not fit.
        """
        session = self._session
        session.mark_modified()
        self._withheld = None
        commit = self.commit()
        if len(commit.set_cookie) > 1:
            raise ConfigurationError(
                "this session needs chunked cookies, which Django's SessionMiddleware cannot "
                "send: use client_session_django.SessionMiddleware in MIDDLEWARE, or set "
                "CLIENT_SESSION_MAX_CHUNKS = 1"
            )
        if not commit.set_cookie:
            self._sealed = ""  # nothing to send: a session that holds nothing

    async def asave(self, must_create: bool = False) -> None:
        self.save(must_create)

    def delete(self, session_key: str | None = None) -> None:
        """Empty the session (there is nothing stored elsewhere to delete)."""
        self.clear()

    async def adelete(self, session_key: str | None = None) -> None:
        self.delete(session_key)

    @classmethod
    def clear_expired(cls) -> None:
        """Nothing to do: expired sessions are refused when they come back, and stored
        nowhere (``manage.py clearsessions`` calls this)."""

    @classmethod
    async def aclear_expired(cls) -> None:
        """Nothing to do, as :meth:`clear_expired`."""

    # -- SessionBase's serialization: a cookie value, here ----------------------------------

    def encode(self, session_dict: dict[str, Any]) -> str:
        """``session_dict`` sealed as a cookie value of this engine (a new session under the
        policy's lifetimes), where Django's engines sign the data they store."""
        return self._codec.seal(session_dict, persistent=self._codec.policy.persistent)

    def decode(self, session_data: str) -> dict[str, Any]:
        """The data of the session that the cookie value ``session_data`` holds; an empty
        dict when it does not open (forged, expired, garbage), logged as a refused cookie is
        (a forged one at WARNING on ``django.security.SuspiciousSession``)."""
        codec = self._codec
        return codec.load_cookies({codec.policy.cookie_name: session_data}).data()

    # -- for the middleware -----------------------------------------------------------------

    def commit(self) -> Commit:
        """The ``Set-Cookie`` values and ``Vary`` signal of this request's response."""
        session = self._open()
        if self._withholds(session):
            # `modified = False`: nothing written, not even a renewal, which would carry
            # what the view chose not to save.
            accessed = session.accessed
            return Commit(vary_cookie=accessed, action=Action.VARY if accessed else Action.NOTHING)
        if self._ended():
            # Deleted, as an emptied session is; the data stays readable in this request.
            codec = self._codec
            ended = Session(
                session.data(), session.origin, session.persistent, codec.policy.serializer
            )
            ended.clear()
            session = ended
        commit = self._codec.commit(session)
        # `session_key` is then the value sent ("" for a deletion), as after Django's
        # middleware saves.
        prefix = f"{self._codec.policy.cookie_name}="
        for header in commit.set_cookie:
            if header.startswith(prefix):
                self._sealed = header.partition(";")[0][len(prefix) :]
                break
        return commit

"""A storage for aiohttp-session: ``setup(app, EncryptedCookieSessionStorage())``."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import aiohttp_session
from aiohttp import web

from client_session_core.adapter import Clock, ConfigurationError, Session, SessionCodec

from ._headers import add_commit_headers, cookie_header
from ._legacy import LegacySecret, fernet_cookies
from ._options import DEFAULT_COOKIE_NAME, KeySource, session_codec

__all__ = ["AiohttpSession", "EncryptedCookieSessionStorage"]


class AiohttpSession(aiohttp_session.Session):
    """aiohttp-session's ``Session``, holding the core's :class:`~client_session_core.Session`.

    It behaves as aiohttp-session documents: ``new``, ``identity`` (always None: the cookie
    is the session), ``created``, ``max_age``, ``changed()``, ``invalidate()``, and an
    assignment or a deletion saves the session. Beyond it, a change made inside a nested
    value is saved without ``changed()``, and a session in use is renewed before it expires.
    With ``save_on_assignment=False`` an assignment of an equal value writes nothing: the
    cookie is then written only when the content changed (the core's rule).
    ``core`` is the core's session, a ``dict``.

    ``max_age`` is the storage's; ``longest_lifetime`` the most seconds ``session.max_age``
    may give one session (the policy's ``session_lifetime_ceiling``; None leaves the check
    to the core, when the session is saved).
    """

    def __init__(
        self,
        core: Session,
        *,
        new: bool,
        created: int,
        max_age: int | None,
        save_on_assignment: bool = True,
        longest_lifetime: int | None = None,
    ) -> None:
        super().__init__(None, data=None, new=new, max_age=max_age)
        self._core = core
        self._save_on_assignment = save_on_assignment
        self._longest_lifetime = longest_lifetime
        # aiohttp-session's reads (len, [], in, repr) go through the core's session.
        self._mapping = core
        self._created = created

    @property
    def core(self) -> Session:
        """The core's session: the content, and what the core needs to decide the cookie."""
        return self._core

    # aiohttp-session's middleware reads ``_changed`` to decide whether to call save_session.
    # Here it is true once the session was used, so that the storage always has its say:
    # the core then decides whether to write the cookie (changed content, renewal, a new key)
    # or only to add Vary: Cookie.
    @property
    def _changed(self) -> bool:
        core: Session | None = self.__dict__.get("_core")
        return core is not None and core.accessed

    @_changed.setter
    def _changed(self, value: bool) -> None:
        # aiohttp-session's __init__ sets False before the core session exists.
        core: Session | None = self.__dict__.get("_core")
        if value and core is not None:
            core.mark_modified()

    @property
    def max_age(self) -> int | None:
        """This session's cookie lifetime in seconds, None for a browser-session cookie: the
        storage's ``max_age`` unless this session was given its own (read back from its
        cookie on the next requests)."""
        core = self._core
        if not core.persistent:
            return None
        own = core.lifetime
        if own is not None:
            return own[0] or own[1]
        return self._max_age

    @max_age.setter
    def max_age(self, value: int | None) -> None:
        # aiohttp-session's remember-me: N gives this session a persistent cookie and the
        # idle timeout N (the core's own lifetime, sealed in the cookie and enforced by the
        # server, so that it holds on the next requests too); None a browser-session cookie
        # under the storage's lifetimes. The absolute lifetime still ends it.
        core = self._core
        if value is None:
            core.reset_lifetime()
            core.persistent = False
            return
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(
                f"session.max_age is a positive whole number of seconds, or None for a "
                f"browser-session cookie, not {value!r}"
            )
        longest = self._longest_lifetime
        if longest is not None and value > longest:
            raise ValueError(
                f"session.max_age = {value} is longer than a session may live here ({longest} "
                "s: the storage's max_session_lifetime, else its absolute lifetime): give the "
                f"storage max_session_lifetime={value} or more to let chosen sessions live "
                "that long"
            )
        if value == self._max_age:
            core.reset_lifetime()  # the storage's own lifetimes: nothing to seal
        else:
            core.set_lifetime(idle_timeout=value)
        core.persistent = True

    def changed(self) -> None:
        """Save the session on this response (aiohttp-session's call after an in-place change;
        not needed here, but harmless)."""
        self._core.mark_modified()

    def invalidate(self) -> None:
        """Empty the session: the response deletes the cookie, and a session filled again
        afterwards starts new lifetimes (as after a logout)."""
        self._core.clear()

    def clear(self) -> None:
        """As :meth:`invalidate`."""
        self._core.clear()

    def __setitem__(self, key: str, value: Any) -> None:
        self._core[key] = value
        if self._save_on_assignment:
            # aiohttp-session saves on every assignment, even of an equal value.
            self._core.mark_modified()

    def __delitem__(self, key: str) -> None:
        del self._core[key]
        if self._save_on_assignment:
            self._core.mark_modified()


class EncryptedCookieSessionStorage(aiohttp_session.AbstractStorage):
    """aiohttp-session's ``EncryptedCookieStorage``, with the core's format and rules::

        from aiohttp import web
        from aiohttp_session import setup

        app = web.Application()
        setup(app, EncryptedCookieSessionStorage())  # keys from CLIENT_SESSION_KEYS

    ``keys`` is one secret (a key from ``client-session keygen``, 32 random bytes, a Fernet
    key's text, or a passphrase of at least 32 random characters), several (newest first, to
    rotate), a :class:`~client_session_core.KeyRing`, or None to read ``CLIENT_SESSION_KEYS``.
    A ``Fernet`` is refused with a message saying what to pass instead: its key cannot be read
    back. ``cookie_name``, ``domain``, ``max_age``, ``path``, ``secure``, ``httponly``,
    ``samesite``, ``encoder`` and ``decoder`` are aiohttp-session's arguments. ``max_age``
    is the idle timeout (renewed while the session is used) and the cookie's Max-Age; None
    gives a browser-session cookie with no idle timeout. Either way a session ends 30 days
    after it began (``max_age`` when longer), unless ``absolute_lifetime`` says otherwise.
    ``session.max_age = N`` gives one session ("remember me") a persistent cookie and the
    idle timeout N, up to ``max_session_lifetime`` (by default the absolute lifetime).
    ``options`` are the other keyword arguments of :class:`~client_session_core.SessionPolicy`
    (``absolute_lifetime``, ``not_before`` to log everyone out, ``max_chunks``...).

    ``legacy_secret_key`` is the secret of the ``EncryptedCookieStorage`` you replace: a
    cookie it wrote is then read once and resealed in this format on the same response, so
    that nobody is logged out by the switch. Given as bytes or text it must be as strong as a
    key (a :class:`~client_session_core.ConfigurationError` here otherwise); a ``Fernet`` is
    taken as it is. Each old cookie is judged from its token's own time by this storage's
    rules (``not_before``, the absolute lifetime, the old storage's ``max_age``), whatever
    restart. ``legacy_until`` (an aware datetime, a date or a timestamp) is when that reading
    stops; by default ``max_age`` after start-up (30 days for ``max_age=None``). Which old
    cookies are read, and until when, is logged once, here.

    ``save_on_assignment`` (True, as aiohttp-session) writes the cookie after every
    assignment or deletion, even of an equal value; False writes it only when the content
    changed, sparing a ``Set-Cookie`` on requests that store what was there.
    """

    def __init__(
        self,
        keys: KeySource = None,
        *,
        cookie_name: str = DEFAULT_COOKIE_NAME,
        domain: str | None = None,
        max_age: int | None = None,
        path: str = "/",
        secure: bool | None = None,
        httponly: bool = True,
        samesite: str | None = "lax",
        encoder: Callable[[object], str] | None = None,
        decoder: Callable[[str], Any] | None = None,
        legacy_secret_key: LegacySecret | None = None,
        legacy_until: datetime | date | float | None = None,
        save_on_assignment: bool = True,
        clock: Clock = time.time,
        **options: Any,
    ) -> None:
        if legacy_secret_key is not None:
            if "legacy_cookies" in options:
                raise ConfigurationError(
                    "give legacy_secret_key (the old EncryptedCookieStorage's secret) or "
                    "legacy_cookies, not both"
                )
            options["legacy_cookies"] = fernet_cookies(
                legacy_secret_key,
                setting="legacy_secret_key",
                turn_off="EncryptedCookieSessionStorage(legacy_secret_key=None)",
                max_age=max_age,
                decoder=decoder,
                until=legacy_until,
                clock=clock,
            )
        codec = session_codec(
            keys,
            cookie_name=cookie_name,
            domain=domain,
            max_age=max_age,
            path=path,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
            encoder=encoder,
            decoder=decoder,
            clock=clock,
            options=options,
        )
        self._attach(codec, save_on_assignment=save_on_assignment)

    @classmethod
    def from_codec(
        cls, codec: SessionCodec, *, save_on_assignment: bool = True
    ) -> EncryptedCookieSessionStorage:
        """A storage over an existing codec (its policy and clock), as the conformance
        harness builds it."""
        storage = cls.__new__(cls)
        storage._attach(codec, save_on_assignment=save_on_assignment)
        return storage

    def _attach(self, codec: SessionCodec, *, save_on_assignment: bool) -> None:
        policy = codec.policy
        # aiohttp-session's own fields, for code that reads storage.cookie_name or max_age.
        super().__init__(
            cookie_name=policy.cookie_name,
            domain=policy.domain,
            max_age=policy.idle_timeout if policy.persistent else None,
            path=policy.path,
            secure=policy.secure,
            httponly=policy.http_only,
            samesite=policy.same_site,
        )
        self._codec = codec
        self._save_on_assignment = save_on_assignment

    @property
    def codec(self) -> SessionCodec:
        """The core's codec: its ``policy``, and ``seal()`` for tests and tools."""
        return self._codec

    def _wrap(self, core: Session, *, new: bool, created: int | None = None) -> AiohttpSession:
        if created is None:
            created = int(self._codec.clock())
        return AiohttpSession(
            core,
            new=new,
            created=created,
            max_age=self.max_age,
            save_on_assignment=self._save_on_assignment,
            longest_lifetime=self._codec.policy.session_lifetime_ceiling,
        )

    async def new_session(self) -> AiohttpSession:
        """A new, empty session with a new identity (aiohttp-session's
        ``new_session(request)`` calls this, at login): none of the request's session, its
        ``core.id`` or its bound user is carried over; ``core.regenerate()`` keeps the data."""
        return self._wrap(self._codec.load(None), new=True)

    async def load_session(self, request: web.Request) -> AiohttpSession:
        """The request's session; a missing or bad cookie gives a new, empty one (a cookie
        of the old storage, with ``legacy_secret_key``, its content, resealed on this response)."""
        core = self._codec.load(cookie_header(request))
        return self._wrap(core, new=core.new, created=core.created_at)

    async def save_session(
        self,
        request: web.Request,
        response: web.StreamResponse,
        session: aiohttp_session.Session,
    ) -> None:
        """Add the Set-Cookie values and Vary the core decides on for ``session``.

        :class:`~client_session_core.SessionTooLarge` propagates: aiohttp answers 500, and
        the browser keeps the cookie it had.
        """
        if not isinstance(session, AiohttpSession):
            raise TypeError(
                f"{type(self).__name__} saves the sessions it loads, not a "
                f"{type(session).__name__}: get them with aiohttp_session.get_session(request)"
            )
        add_commit_headers(response, self._codec.commit(session.core))

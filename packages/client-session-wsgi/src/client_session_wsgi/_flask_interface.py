"""Flask: ``flask.session`` kept in an encrypted cookie, configured by Flask's own settings.

Flask asks its ``app.session_interface`` for the session after it pushes the request
context (``open_session``) and hands it back after the ``after_request`` functions have
run (``save_session``), so values set there are saved too. This interface answers those
two calls with the core's codec; Flask's cookie settings become the codec's policy.
"""

from __future__ import annotations

import dataclasses
import time
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn, cast

from flask import Flask
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import NullSession, SessionInterface, SessionMixin, session_json_serializer

from client_session_core.adapter import (
    Clock,
    ConfigurationError,
    JSONSerializer,
    LegacyCookies,
    LegacyOption,
    LifetimeTooLong,
    Serializer,
    Session,
    SessionCodec,
    SessionPolicy,
    SessionTooLarge,
    vary_with_cookie,
)

from ._flask_policy import drop_in_policy, in_flask_words_at_commit
from ._flask_reads import AppSettings, Readings
from ._flask_serializer import TaggedJSONSessionSerializer
from ._flask_settings import NO_KEY, check_policy_beside_settings, in_flask_words

if TYPE_CHECKING:
    from flask.wrappers import Request, Response

__all__ = ["EncryptedCookieSession", "EncryptedCookieSessionInterface"]


# SessionMixin declares `new` a plain class attribute; here it is the core's read-only property.
class EncryptedCookieSession(Session, SessionMixin):  # type: ignore[override]
    """``flask.session``: the core's :class:`~client_session_core.Session` with Flask's names.

    - ``permanent`` is the core's ``persistent``: a permanent session's cookie carries
      ``Expires`` (``PERMANENT_SESSION_LIFETIME`` from now); any other is a browser-session
      cookie. The server enforces the lifetime either way, as Flask does.
    - ``accessed`` is set by Flask's request context (3.1.3 and later) and by any read.
    - ``modified`` is true when the content changed, including inside nested values
      (``session["cart"].append(item)`` is saved); ``session.modified = True`` forces a save.
    - ``new`` is true when the request brought no valid session cookie.
    """

    __slots__ = ()

    @property
    def accessed(self) -> bool:
        """True once the session was read or written in this request."""
        return super().accessed

    @accessed.setter
    def accessed(self, value: bool) -> None:
        # Flask's request context sets it whenever the session is reached through it.
        if value:
            self.mark_accessed()

    @property
    def permanent(self) -> bool:
        """True when the cookie outlives the browser session (Flask's ``session.permanent``)."""
        return self.persistent

    @permanent.setter
    def permanent(self, value: bool) -> None:
        self.persistent = value


# Where an app keeps its codec: Flask's place for extension state, one dict lookup away.
_EXTENSION = "client_session_wsgi"


class _AppCodec(NamedTuple):
    """An app's codec, and what the settings code read to build it (in ``app.extensions``)."""

    interface: EncryptedCookieSessionInterface
    readings: Readings
    codec: SessionCodec | None


class _NoKeySession(NullSession):
    """The session of an app with no key: read-only and empty, as Flask's null session, and
    a write says both ways to set a key (Flask's own message names ``SECRET_KEY`` alone)."""

    def _fail(self, *args: Any, **kwargs: Any) -> NoReturn:
        # Flask's type and first words, so that code and tests written for Flask's own
        # null session still recognize it.
        raise RuntimeError(f"The session is unavailable because {NO_KEY}.")

    __setitem__ = __delitem__ = clear = pop = popitem = update = setdefault = _fail


class EncryptedCookieSessionInterface(SessionInterface):
    """A Flask session interface that keeps ``flask.session`` in an encrypted cookie.

    ::

        app.session_interface = EncryptedCookieSessionInterface()

    :class:`~client_session_wsgi.flask.ClientSession` installs it and checks the
    configuration at once; set this way, it is checked on the first request.

    With no ``policy`` it is a drop-in for Flask's ``SecureCookieSessionInterface``: the
    session cookie follows ``SESSION_COOKIE_NAME``, ``_DOMAIN``, ``_PATH`` (else
    ``APPLICATION_ROOT``), ``_HTTPONLY``, ``_SECURE``, ``_SAMESITE``, ``_PARTITIONED``;
    ``PERMANENT_SESSION_LIFETIME`` bounds the time since the session was last written;
    ``SESSION_REFRESH_EACH_REQUEST`` re-sends a permanent session on every response; a
    session is otherwise written only when it changed. The keys are, in this order:
    ``app.config["CLIENT_SESSION_KEYS"]`` (a :class:`~client_session_core.KeyRing`, a
    list of keys, or a comma-separated string), else ``SECRET_KEY`` followed by
    ``SECRET_KEY_FALLBACKS``, else the ``CLIENT_SESSION_KEYS`` environment variable. With
    none of them, the session is Flask's null session (empty, read-only), and a write
    raises ``RuntimeError`` naming both ways to set a key. A short or placeholder key is
    a :class:`~client_session_core.ConfigurationError` on the first request (call
    :meth:`get_codec` at start-up to fail sooner), and so is a weak ``SECRET_KEY`` or
    ``SECRET_KEY_FALLBACKS`` entry that ``legacy_cookies`` would read Flask's cookies
    with, whatever keys seal ours. ``CLIENT_SESSION_MAX_CHUNKS`` (1 to 9, default 1)
    spreads a session over that many cookies; ``CLIENT_SESSION_NOT_BEFORE`` (what
    ``time.time()`` or an aware ``datetime`` gives) refuses every session created before it;
    ``CLIENT_SESSION_REVOCATIONS`` (a :class:`~client_session_core.revocation.Revocations`)
    lets a logout end every copy of a session; ``CLIENT_SESSION_WRITE_IDENTITY = False`` seals
    no new session identity while a fleet upgrades its readers first (``docs/migrating.md``).

    With a ``policy``, that policy decides the session cookie, with the core's defaults and
    renewal rules (``renew_after``); Flask's tagged JSON replaces the plain
    :class:`~client_session_core.JSONSerializer`. A Flask session setting the app changed
    from Flask's default and that the policy does not hold (``SESSION_COOKIE_SECURE =
    True`` beside ``secure=False``) is a :class:`~client_session_core.ConfigurationError`
    naming it, never silently dropped.

    ``legacy_cookies`` (default True) reads the cookies Flask's own interface wrote (under
    ``SECRET_KEY`` or ``SECRET_KEY_FALLBACKS``, no older than ``PERMANENT_SESSION_LIFETIME``)
    once, and reseals them in ours, so that no user is logged out by the switch
    (``docs/migrating.md``). Each is read only while younger than the absolute lifetime,
    counted from its own signing time, and never when signed before ``not_before``. True
    stops asking the reader ``PERMANENT_SESSION_LIFETIME`` after this interface is made (a
    restart moves that cut-off, not any cookie's own limit); a date (an aware datetime, a
    timestamp) stops it then; ``False`` (or None) never reads them. With a ``policy``, only
    a :class:`~client_session_core.adapter.LegacyCookies` given here or in the policy applies.
    Forged cookies are logged at WARNING on ``client_session.security``.

    ``clock`` is for tests, which move time rather than sleep.
    """

    #: Flask's tagged JSON serializer (the one its own sessions use). Register custom
    #: tags on it, as with Flask: ``app.session_interface.serializer.register(MyTag)``.
    serializer: TaggedJSONSerializer = session_json_serializer
    session_class = EncryptedCookieSession
    null_session_class = _NoKeySession

    def __init__(
        self,
        policy: SessionPolicy | None = None,
        *,
        clock: Clock = time.time,
        legacy_cookies: LegacyOption = True,
    ) -> None:
        self._clock = clock
        self._legacy_cookies = legacy_cookies
        # legacy_cookies=True stops reading PERMANENT_SESSION_LIFETIME after this.
        self._started = clock()
        self._fixed_codec: SessionCodec | None = None
        if policy is not None:
            if type(policy.serializer) is JSONSerializer:
                policy = dataclasses.replace(policy, serializer=self._session_serializer())
            if isinstance(legacy_cookies, LegacyCookies):
                policy = dataclasses.replace(policy, legacy_cookies=legacy_cookies)
            elif not (legacy_cookies is True or legacy_cookies is False or legacy_cookies is None):
                raise ConfigurationError(
                    "with a policy, Flask's cookies are read by a LegacyCookies: pass "
                    "legacy_cookies=flask_cookies(app, until=...)"
                )
            self._fixed_codec = SessionCodec(policy, clock=clock, session_class=self.session_class)

    def _session_serializer(self) -> Serializer:
        return TaggedJSONSessionSerializer(self.serializer)

    # -- configuration ----------------------------------------------------------------------

    def get_codec(self, app: Flask) -> SessionCodec | None:
        """The codec for ``app``, or None when no key is configured (Flask's null session).

        Built from the app's settings on first use, and again once a value it was built from
        differs: every ``app.config`` key, environment variable, ``get_cookie_*`` hook a
        subclass answers and app attribute the settings code read, compared on each request;
        with a policy, the policy's codec, once the app's settings are found not to
        contradict it. Raises :class:`~client_session_core.ConfigurationError` for a weak
        key or an invalid setting.
        """
        kept: _AppCodec | None = app.extensions.get(_EXTENSION)
        if kept is not None and kept.interface is self and kept.readings.hold(app):
            return kept.codec
        settings = AppSettings(app)
        if self._fixed_codec is not None:
            check_policy_beside_settings(settings, self._fixed_codec.policy)
            codec: SessionCodec | None = self._fixed_codec
        else:
            codec = self._build_codec(settings)
        app.extensions[_EXTENSION] = _AppCodec(self, settings.readings(), codec)
        return codec

    def rebuild_codec(self, app: Flask) -> SessionCodec | None:
        """Build ``app``'s codec again, now. A changed setting needs no call: the next
        request rebuilds it (see :meth:`get_codec`)."""
        app.extensions.pop(_EXTENSION, None)
        return self.get_codec(app)

    def _build_codec(self, app: AppSettings) -> SessionCodec | None:
        policy = drop_in_policy(
            self,
            app,
            legacy_cookies=self._legacy_cookies,
            started=self._started,
            tagged=self.serializer,
            serializer=self._session_serializer(),
        )
        if policy is None:
            return None
        try:
            return SessionCodec(policy, clock=self._clock, session_class=self.session_class)
        except ConfigurationError as exc:
            if exc.options:
                raise exc.in_words_of(in_flask_words) from None
            raise

    # -- Flask's SessionInterface -------------------------------------------------------------

    def open_session(self, app: Flask, request: Request) -> SessionMixin | None:
        """The request's session; empty for a missing, bad or expired cookie.

        With no key configured, Flask's null session (empty, read-only), whose error on a
        write names both ways to set a key.
        """
        codec = self.get_codec(app)
        if codec is None:
            # Given here rather than by Flask (which would, for None) so that the test
            # client's session_transaction() hands it out too.
            return self.make_null_session(app)
        # The codec was built with session_class=self.session_class.
        return cast(EncryptedCookieSession, codec.load(request.environ.get("HTTP_COOKIE")))

    def _codec_of_this_request(self, app: Flask) -> SessionCodec | None:
        # open_session built or checked the codec for this request; reading the whole
        # config again to save the same session would only cost time.
        kept: _AppCodec | None = app.extensions.get(_EXTENSION)
        if kept is not None and kept.interface is self:
            return kept.codec
        return self.get_codec(app)

    def _refresh_due(self, app: Flask, session: SessionMixin) -> bool:
        # Flask's should_set_cookie: "modified, or permanent with SESSION_REFRESH_EACH_REQUEST".
        # The codec finds "modified" itself when it commits (it compares content, nested
        # values included), so only the refresh half is asked here, which spares one
        # serialization a request; a subclass that overrides the hook is asked in full.
        if type(self).should_set_cookie is not SessionInterface.should_set_cookie:
            return self.should_set_cookie(app, session)
        return session.permanent and bool(app.config["SESSION_REFRESH_EACH_REQUEST"])

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        """Add the session's ``Set-Cookie`` and ``Vary: Cookie`` headers to ``response``.

        Raises :class:`~client_session_core.SessionTooLarge` when the session does not fit
        its cookie, and :class:`~client_session_core.LifetimeTooLong` when its own lifetime
        (``session.set_lifetime``) is longer than ``CLIENT_SESSION_MAX_SESSION_LIFETIME``
        allows; Flask logs either and answers 500.
        """
        codec = self._codec_of_this_request(app)
        if codec is None or not isinstance(session, Session):
            return
        if (
            self._fixed_codec is None
            and session.data()
            # Flask's rule: any assignment (even of an equal value) sends the cookie, so
            # that a changed SESSION_COOKIE_* setting reaches the browser; then its refresh.
            and (session.mutated or self._refresh_due(app, session))
        ):
            session.mark_modified()
        try:
            commit = codec.commit(session)
        except (LifetimeTooLong, SessionTooLarge) as exc:
            if self._fixed_codec is not None:
                raise  # the policy's own words are the application's
            raise in_flask_words_at_commit(exc, codec.policy) from None
        headers = response.headers
        for value in commit.set_cookie:
            headers.add("Set-Cookie", value)
        if commit.vary_cookie:
            vary = vary_with_cookie(headers.getlist("Vary"))
            if vary is not None:
                headers["Vary"] = vary

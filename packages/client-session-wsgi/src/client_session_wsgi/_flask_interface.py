"""Flask: ``flask.session`` kept in an encrypted cookie, configured by Flask's own settings.

Flask asks its ``app.session_interface`` for the session after it pushes the request
context (``open_session``) and hands it back after the ``after_request`` functions have
run (``save_session``), so values set there are saved too. This interface answers those
two calls with the core's codec; Flask's cookie settings become the codec's policy.
"""

from __future__ import annotations

import dataclasses
import datetime
import os
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn, cast

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import NullSession, SessionInterface, SessionMixin, session_json_serializer

from client_session_core import (
    DEFAULT_KEYS_ENV,
    Clock,
    ConfigurationError,
    JSONSerializer,
    KeyRing,
    LegacyCookies,
    LifetimeTooLong,
    Serializer,
    Session,
    SessionCodec,
    SessionPolicy,
    SessionTooLarge,
    UnserializableValue,
    vary_with_cookie,
)

from ._flask_legacy import flask_legacy_cookies_for
from ._flask_settings import (
    NO_KEY,
    absolute_lifetime,
    check_policy_beside_settings,
    cookie_domain,
    cookie_size,
    find_keys,
    in_flask_words,
    seconds_or_none,
)

if TYPE_CHECKING:
    from flask.wrappers import Request, Response

__all__ = [
    "EncryptedCookieSession",
    "EncryptedCookieSessionInterface",
    "TaggedJSONSessionSerializer",
]


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


# The types JSON has as they are; subclasses (Markup is a str) are not among them.
_JSON_SCALARS = frozenset({str, int, float, bool, type(None)})


class TaggedJSONSessionSerializer:
    """Flask's tagged JSON as the core's serializer.

    Tuples, bytes, datetimes, UUIDs and ``Markup`` come back as they went in, as with
    Flask's own sessions; the bytes are still JSON, so every other adapter reads the plain
    values of the same cookie. Custom tags registered on the wrapped
    :class:`~flask.json.tag.TaggedJSONSerializer` apply.
    """

    __slots__ = ("_default_order", "_json", "_tagged")

    def __init__(self, tagged: TaggedJSONSerializer = session_json_serializer) -> None:
        self._tagged = tagged
        # Flask's default tags, as they are now: register() changes this list.
        default = [type(tag) for tag in tagged.order] == TaggedJSONSerializer.default_tags
        self._default_order = list(tagged.order) if default else None
        # The core's compact, NaN-refusing JSON, with Flask's fallback for other types
        # (dates, decimals, dataclasses), the same in and out of an app context so that
        # equal content gives equal bytes, and each object untagged as it is read
        # (innermost first, as Flask's own loads does).
        self._json = JSONSerializer(default=DefaultJSONProvider.default, object_hook=tagged.untag)

    @property
    def tagged(self) -> TaggedJSONSerializer:
        """The Flask serializer whose tags apply."""
        return self._tagged

    def dumps(self, data: Mapping[str, Any]) -> bytes:
        """Tagged, compact JSON bytes of ``data``."""
        try:
            return self._json.dumps(self._tag(dict(data)))
        except (TypeError, ValueError, RecursionError) as exc:
            # The core names a key of the tagged dict; name the application's own.
            raise self._unserializable(data, exc) from None

    def _tag(self, content: dict[str, Any]) -> Any:
        # Flask's default tags leave JSON's own scalars as they are, so a session holding
        # only those (unless its one key is a tag's, which TagDict escapes) is its own
        # tagged form: the tags are not tried on every value.
        tagged = self._tagged
        if (
            self._default_order is not None
            and tagged.order == self._default_order
            and _JSON_SCALARS.issuperset(map(type, content.values()))
            and not (len(content) == 1 and next(iter(content)) in tagged.tags)
        ):
            return content
        return tagged.tag(content)

    def _unserializable(self, data: Mapping[str, Any], error: Exception) -> UnserializableValue:
        for key, value in data.items():
            try:
                # Each value alone, through the same encoder, under a stand-in key.
                self._json.dumps({"value": self._tagged.tag(value)})
            except (TypeError, ValueError, RecursionError) as exc:
                detail = exc.detail if isinstance(exc, UnserializableValue) else str(exc)
                return UnserializableValue(str(key), detail)
        return UnserializableValue("?", str(error))

    def loads(self, payload: bytes) -> dict[str, Any]:
        """The session in ``payload``; ``ValueError`` if it is not a JSON object."""
        return self._json.loads(payload)


# Where an app keeps its codec: Flask's place for extension state, one dict lookup away.
_EXTENSION = "client_session_wsgi"
# The settings an app's codec is built from: the answers of the get_cookie_* hooks that a
# subclass overrides, and every app.config value that Flask's own hooks, app.secret_key,
# app.permanent_session_lifetime and the keys read (and, with a policy, those it is checked
# against).
_COOKIE_HOOKS = (
    "get_cookie_name",
    "get_cookie_domain",
    "get_cookie_path",
    "get_cookie_httponly",
    "get_cookie_secure",
    "get_cookie_samesite",
    "get_cookie_partitioned",
)
_SETTING_SOURCES = (
    "CLIENT_SESSION_KEYS",
    "CLIENT_SESSION_MAX_SESSION_LIFETIME",
    "SECRET_KEY",
    "SECRET_KEY_FALLBACKS",
    "SESSION_COOKIE_NAME",
    "SESSION_COOKIE_DOMAIN",
    "SESSION_COOKIE_PATH",
    "APPLICATION_ROOT",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_SAMESITE",
    "SESSION_COOKIE_PARTITIONED",
    "PERMANENT_SESSION_LIFETIME",
    "SESSION_REFRESH_EACH_REQUEST",
    "CLIENT_SESSION_ABSOLUTE_LIFETIME",
    "CLIENT_SESSION_NOT_BEFORE",
    "CLIENT_SESSION_MAX_CHUNKS",
    "MAX_COOKIE_SIZE",
)

# Where the keys can come from in the config; without either, from DEFAULT_KEYS_ENV.
_KEYS_AT = _SETTING_SOURCES.index("CLIENT_SESSION_KEYS")
_SECRET_KEY_AT = _SETTING_SOURCES.index("SECRET_KEY")


class _SettingValues(tuple[object, ...]):
    """The setting values an app's codec was built from; its repr hides them (keys)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "_SettingValues(<hidden>)"


class _AppCodec(NamedTuple):
    """An app's codec, and the setting values it was built from (in ``app.extensions``)."""

    interface: EncryptedCookieSessionInterface
    values: _SettingValues
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
    ``time.time()`` or an aware ``datetime`` gives) refuses every session created before it.

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
    restart moves that cut-off, not any cookie's own limit); a date stops it then; ``False``
    never reads them. With a ``policy``, only a :class:`~client_session_core.LegacyCookies`
    given here or in the policy applies. Forged cookies are logged at WARNING on
    ``client_session.security``.

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
        legacy_cookies: bool | datetime.date | LegacyCookies = True,
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
            elif isinstance(legacy_cookies, datetime.date):
                raise ConfigurationError(
                    "with a policy, Flask's cookies are read by a LegacyCookies: pass "
                    "legacy_cookies=flask_cookies(app, until=...)"
                )
            self._fixed_codec = SessionCodec(policy, clock=clock, session_class=self.session_class)
        # The get_cookie_* hooks a subclass answers itself: their answers are settings too.
        self._own_hooks = [
            hook
            for hook in _COOKIE_HOOKS
            if getattr(type(self), hook, None) is not getattr(SessionInterface, hook, None)
        ]

    def _session_serializer(self) -> Serializer:
        return TaggedJSONSessionSerializer(self.serializer)

    # -- configuration ----------------------------------------------------------------------

    def get_codec(self, app: Flask) -> SessionCodec | None:
        """The codec for ``app``, or None when no key is configured (Flask's null session).

        Built from the app's config on first use, and again when one of the config values
        it is built from changes (or after :meth:`rebuild_codec`); with a policy, the
        policy's codec, once the app's settings are found not to contradict it. Raises
        :class:`~client_session_core.ConfigurationError` for a weak key or an invalid
        setting.
        """
        kept: _AppCodec | None = app.extensions.get(_EXTENSION)
        values = self._setting_values(app)
        if kept is not None and kept.interface is self and kept.values == values:
            return kept.codec
        if self._fixed_codec is not None:
            check_policy_beside_settings(app, self._fixed_codec.policy)
            codec: SessionCodec | None = self._fixed_codec
        else:
            codec = self._build_codec(app)
        # Lists copied, so that a change made in place (SECRET_KEY_FALLBACKS.append) shows.
        kept_values = (list(value) if isinstance(value, list) else value for value in values)
        app.extensions[_EXTENSION] = _AppCodec(self, _SettingValues(kept_values), codec)
        return codec

    def _setting_values(self, app: Flask) -> tuple[object, ...]:
        values = tuple(map(app.config.get, _SETTING_SOURCES))
        if self._own_hooks:
            values += tuple(getattr(self, hook)(app) for hook in self._own_hooks)
        if not values[_KEYS_AT] and not values[_SECRET_KEY_AT]:
            values += (os.environ.get(DEFAULT_KEYS_ENV),)  # where the keys come from then
        return values

    def rebuild_codec(self, app: Flask) -> SessionCodec | None:
        """Build ``app``'s codec again, now: for a subclass whose ``get_cookie_*`` hooks,
        ``secret_key`` or ``permanent_session_lifetime`` answer from elsewhere than the
        app's config, when what they answer changes. A changed config value needs no call."""
        app.extensions.pop(_EXTENSION, None)
        return self.get_codec(app)

    def _build_codec(self, app: Flask) -> SessionCodec | None:
        policy = self._policy_from(app)
        if policy is None:
            return None
        try:
            return SessionCodec(policy, clock=self._clock, session_class=self.session_class)
        except ConfigurationError as exc:
            if exc.options:
                raise exc.in_words_of(in_flask_words) from None
            raise

    def _policy_from(self, app: Flask) -> SessionPolicy | None:
        """The app's policy, from the ``get_cookie_*`` hooks of Flask's
        :class:`~flask.sessions.SessionInterface`; None when no key is configured."""
        found = find_keys(app)
        if found is None:
            return None
        keys, origin = found
        try:
            ring = KeyRing.of(keys)
        except ConfigurationError as exc:
            raise ConfigurationError(f"{exc} ({origin})") from None
        # Flask 3.1 added SESSION_COOKIE_PARTITIONED and its hook; read the setting before.
        partitioned = getattr(self, "get_cookie_partitioned", None)
        same_site = self.get_cookie_samesite(app)
        legacy = None
        if self._legacy_cookies is not False:
            legacy = flask_legacy_cookies_for(
                self._legacy_cookies, app, started=self._started, serializer=self.serializer
            )
        idle_timeout = int(app.permanent_session_lifetime.total_seconds())
        absolute = absolute_lifetime(app, idle_timeout)
        if isinstance(absolute, int) and 0 < absolute < idle_timeout:
            # A shorter absolute lifetime caps the idle timeout, which could never apply.
            idle_timeout = absolute
        try:
            return SessionPolicy(
                keys=ring,
                cookie_name=self.get_cookie_name(app),
                # Flask checks the time since the cookie was last written against
                # PERMANENT_SESSION_LIFETIME, permanent or not, and caps nothing else.
                idle_timeout=idle_timeout,
                absolute_lifetime=absolute,
                # The longest session.set_lifetime() may give; None: the absolute lifetime.
                max_session_lifetime=seconds_or_none(
                    app.config.get("CLIENT_SESSION_MAX_SESSION_LIFETIME")
                ),
                # "Log everyone out": what time.time() or an aware datetime gives.
                not_before=app.config.get("CLIENT_SESSION_NOT_BEFORE"),
                # Never re-issued on the core's schedule: Flask's rule, in save_session, decides.
                renew_after=None,
                persistent=False,  # Flask's sessions start non-permanent
                path=self.get_cookie_path(app) or "/",
                domain=cookie_domain(self.get_cookie_domain(app)),
                secure=bool(self.get_cookie_secure(app)),
                http_only=bool(self.get_cookie_httponly(app)),
                # Flask spells "Lax", "Strict", "None"; the core "lax", "strict", "none".
                same_site=same_site.lower() if isinstance(same_site, str) else same_site,  # type: ignore[arg-type]
                partitioned=bool(
                    partitioned(app)
                    if partitioned is not None
                    else app.config.get("SESSION_COOKIE_PARTITIONED", False)
                ),
                max_cookie_size=cookie_size(app.config.get("MAX_COOKIE_SIZE")),
                # Flask compresses a large session into one cookie; ours may spread over a
                # few (docs/cookie-size.md), an old cookie resealed included.
                max_chunks=app.config.get("CLIENT_SESSION_MAX_CHUNKS", 1),
                # Flask leaves a cookie it cannot open alone, so that one server still on an
                # old SECRET_KEY during a rotation does not log everyone out.
                clear_invalid=False,
                serializer=self._session_serializer(),
                legacy_cookies=legacy,
            )
        except ConfigurationError as exc:
            # The core names its own options; say it with the settings the app holds.
            raise exc.in_words_of(in_flask_words) from None

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
            raise _in_flask_words_at_commit(exc, codec.policy) from None
        headers = response.headers
        for value in commit.set_cookie:
            headers.add("Set-Cookie", value)
        if commit.vary_cookie:
            vary = vary_with_cookie(headers.getlist("Vary"))
            if vary is not None:
                headers["Vary"] = vary


def _longest_lifetime_named(policy: SessionPolicy) -> str:
    # Which setting gave the policy its session_lifetime_ceiling.
    if policy.max_session_lifetime is not None:
        return "CLIENT_SESSION_MAX_SESSION_LIFETIME"
    if policy.absolute_lifetime is not None:
        return (
            "the absolute lifetime, CLIENT_SESSION_ABSOLUTE_LIFETIME (by default 30 days, or "
            "PERMANENT_SESSION_LIFETIME when longer), as CLIENT_SESSION_MAX_SESSION_LIFETIME "
            "is not set"
        )
    return (
        "PERMANENT_SESSION_LIFETIME, as neither CLIENT_SESSION_MAX_SESSION_LIFETIME nor "
        "CLIENT_SESSION_ABSOLUTE_LIFETIME is set"
    )


def _in_flask_words_at_commit(
    error: LifetimeTooLong | SessionTooLarge, policy: SessionPolicy
) -> LifetimeTooLong | SessionTooLarge:
    """``error``, of the same type and with the same attributes, its message naming the
    Flask settings that decide it instead of the core's options (the core words its
    message when it raises; only its fields are an adapter's to spell)."""
    if isinstance(error, LifetimeTooLong):
        worded: LifetimeTooLong | SessionTooLarge = LifetimeTooLong(
            error.label, error.seconds, error.limit
        )
        message = (
            f"session.set_lifetime({error.label}={error.seconds}) is longer than the longest "
            f"session lifetime, {error.limit} s, from {_longest_lifetime_named(policy)}: "
            "shorten it, or raise CLIENT_SESSION_MAX_SESSION_LIFETIME (seconds or a timedelta)"
        )
    else:
        worded = SessionTooLarge(error.size, error.limit)
        message = str(error).replace("with max_chunks", "with CLIENT_SESSION_MAX_CHUNKS")
    worded.args = (message,)
    return worded

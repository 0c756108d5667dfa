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
from datetime import timedelta
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SessionInterface, SessionMixin, session_json_serializer

from client_session_core import (
    BROWSER_COOKIE_LIMIT,
    DEFAULT_KEYS_ENV,
    Clock,
    ConfigurationError,
    JSONSerializer,
    KeyRing,
    LegacyCookies,
    Serializer,
    Session,
    SessionCodec,
    SessionPolicy,
    UnserializableValue,
    drop_in_absolute_lifetime,
    spelled_as_settings,
    vary_with_cookie,
)

from ._flask_legacy import flask_legacy_cookies_for

if TYPE_CHECKING:
    from flask.wrappers import Request, Response

# The smallest max_cookie_size the core accepts: room for a small session and its attributes.
_SMALLEST_COOKIE = 512

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
# app.permanent_session_lifetime and the keys read.
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
    "CLIENT_SESSION_ABSOLUTE_LIFETIME",
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


class EncryptedCookieSessionInterface(SessionInterface):
    """A Flask session interface that keeps ``flask.session`` in an encrypted cookie.

    ::

        app.session_interface = EncryptedCookieSessionInterface()

    With no ``policy`` it is a drop-in for Flask's ``SecureCookieSessionInterface``: the
    session cookie follows ``SESSION_COOKIE_NAME``, ``_DOMAIN``, ``_PATH`` (else
    ``APPLICATION_ROOT``), ``_HTTPONLY``, ``_SECURE``, ``_SAMESITE``, ``_PARTITIONED``;
    ``PERMANENT_SESSION_LIFETIME`` bounds the time since the session was last written;
    ``SESSION_REFRESH_EACH_REQUEST`` re-sends a permanent session on every response; a
    session is otherwise written only when it changed. The keys are, in this order:
    ``app.config["CLIENT_SESSION_KEYS"]`` (a :class:`~client_session_core.KeyRing`, a
    list of keys, or a comma-separated string), else ``SECRET_KEY`` followed by
    ``SECRET_KEY_FALLBACKS``, else the ``CLIENT_SESSION_KEYS`` environment variable. With
    none of them, Flask's null session explains that no secret key is set. A short or
    placeholder key is a :class:`~client_session_core.ConfigurationError` on the first
    request (call :meth:`get_codec` at start-up to fail sooner), and so is a weak
    ``SECRET_KEY`` or ``SECRET_KEY_FALLBACKS`` entry that ``legacy_cookies`` would read
    Flask's cookies with, whatever keys seal ours. ``CLIENT_SESSION_MAX_CHUNKS`` (1 to 9,
    default 1) spreads a session over that many cookies.

    With a ``policy``, that policy is used as it is, with the core's defaults and renewal
    rules (``renew_after``), and Flask's session settings are ignored; Flask's tagged
    JSON replaces the plain :class:`~client_session_core.JSONSerializer`.

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
        it is built from changes (or after :meth:`rebuild_codec`). Raises
        :class:`~client_session_core.ConfigurationError` for a weak key or an invalid
        setting.
        """
        if self._fixed_codec is not None:
            return self._fixed_codec
        kept: _AppCodec | None = app.extensions.get(_EXTENSION)
        values = self._setting_values(app)
        if kept is not None and kept.interface is self and kept.values == values:
            return kept.codec
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
        return SessionCodec(policy, clock=self._clock, session_class=self.session_class)

    def _policy_from(self, app: Flask) -> SessionPolicy | None:
        """The app's policy, from the ``get_cookie_*`` hooks of Flask's
        :class:`~flask.sessions.SessionInterface`; None when no key is configured."""
        found = _find_keys(app)
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
        # Flask's MAX_COOKIE_SIZE only tunes a warning (0 turns it off); browsers drop a
        # larger cookie whatever it says.
        max_cookie_size = app.config.get("MAX_COOKIE_SIZE") or BROWSER_COOKIE_LIMIT
        legacy = None
        if self._legacy_cookies is not False:
            legacy = flask_legacy_cookies_for(
                self._legacy_cookies, app, started=self._started, serializer=self.serializer
            )
        idle_timeout = int(app.permanent_session_lifetime.total_seconds())
        absolute_lifetime = _absolute_lifetime(app, idle_timeout)
        if isinstance(absolute_lifetime, int) and 0 < absolute_lifetime < idle_timeout:
            # A shorter absolute lifetime caps the idle timeout, which could never apply.
            idle_timeout = absolute_lifetime
        try:
            return SessionPolicy(
                keys=ring,
                cookie_name=self.get_cookie_name(app),
                # Flask checks the time since the cookie was last written against
                # PERMANENT_SESSION_LIFETIME, permanent or not, and caps nothing else.
                idle_timeout=idle_timeout,
                absolute_lifetime=absolute_lifetime,
                # The longest session.set_lifetime() may give; None: the absolute lifetime.
                max_session_lifetime=_seconds_or_none(
                    app.config.get("CLIENT_SESSION_MAX_SESSION_LIFETIME")
                ),
                # Never re-issued on the core's schedule: Flask's rule, in save_session, decides.
                renew_after=None,
                persistent=False,  # Flask's sessions start non-permanent
                path=self.get_cookie_path(app) or "/",
                domain=_cookie_domain(self.get_cookie_domain(app)),
                secure=bool(self.get_cookie_secure(app)),
                http_only=bool(self.get_cookie_httponly(app)),
                # Flask spells "Lax", "Strict", "None"; the core "lax", "strict", "none".
                same_site=same_site.lower() if isinstance(same_site, str) else same_site,  # type: ignore[arg-type]
                partitioned=bool(
                    partitioned(app)
                    if partitioned is not None
                    else app.config.get("SESSION_COOKIE_PARTITIONED", False)
                ),
                # Below the core's floor a session could not be written at all; Flask would only
                # warn, so the floor applies.
                max_cookie_size=max(
                    _SMALLEST_COOKIE, min(int(max_cookie_size), BROWSER_COOKIE_LIMIT)
                ),
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
            raise exc.in_words_of(_in_flask_words) from None

    # -- Flask's SessionInterface -------------------------------------------------------------

    def open_session(self, app: Flask, request: Request) -> EncryptedCookieSession | None:
        """The request's session; empty for a missing, bad or expired cookie.

        None (Flask then uses its null session) when no key is configured.
        """
        codec = self.get_codec(app)
        if codec is None:
            return None
        # The codec was built with session_class=self.session_class.
        return cast(EncryptedCookieSession, codec.load(request.environ.get("HTTP_COOKIE")))

    def _codec_of_this_request(self, app: Flask) -> SessionCodec | None:
        # open_session built or checked the codec for this request; reading the whole
        # config again to save the same session would only cost time.
        if self._fixed_codec is not None:
            return self._fixed_codec
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
        its cookie; Flask logs it and answers 500.
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
        commit = codec.commit(session)
        headers = response.headers
        for value in commit.set_cookie:
            headers.add("Set-Cookie", value)
        if commit.vary_cookie:
            vary = vary_with_cookie(headers.getlist("Vary"))
            if vary is not None:
                headers["Vary"] = vary


KeySource = KeyRing | tuple[str | bytes, ...]


# The app.config keys that hold each core option Flask has a setting for.
_FLASK_SETTINGS = {
    "cookie_name": "SESSION_COOKIE_NAME",
    "domain": "SESSION_COOKIE_DOMAIN",
    "path": "SESSION_COOKIE_PATH",
    "http_only": "SESSION_COOKIE_HTTPONLY",
    "secure": "SESSION_COOKIE_SECURE",
    "same_site": "SESSION_COOKIE_SAMESITE",
    "partitioned": "SESSION_COOKIE_PARTITIONED",
    "idle_timeout": "PERMANENT_SESSION_LIFETIME",
    "absolute_lifetime": "CLIENT_SESSION_ABSOLUTE_LIFETIME",
    "max_session_lifetime": "CLIENT_SESSION_MAX_SESSION_LIFETIME",
    "max_cookie_size": "MAX_COOKIE_SIZE",
    "max_chunks": "CLIENT_SESSION_MAX_CHUNKS",
}


_in_flask_words = spelled_as_settings(_FLASK_SETTINGS)


def _absolute_lifetime(app: Flask, idle_timeout: int) -> int | None:
    """``CLIENT_SESSION_ABSOLUTE_LIFETIME``: seconds or a timedelta, as Flask's
    ``PERMANENT_SESSION_LIFETIME``; None for no cap; unset, the drop-in cap of 30 days (or
    the idle timeout, when longer), which Flask itself does not have (docs/security.md)."""
    if "CLIENT_SESSION_ABSOLUTE_LIFETIME" not in app.config:
        return drop_in_absolute_lifetime(idle_timeout)
    return _seconds_or_none(app.config["CLIENT_SESSION_ABSOLUTE_LIFETIME"])  # type: ignore[no-any-return]


def _find_keys(app: Flask) -> tuple[KeySource, str] | None:
    """The app's keys and where they come from, or None when it has none."""
    configured = app.config.get("CLIENT_SESSION_KEYS")
    if configured:
        return _keys_from_setting(configured), "keys from app.config['CLIENT_SESSION_KEYS']"
    secret_key = app.secret_key
    if secret_key:
        origin = "the first keys are SECRET_KEY's, the next ones SECRET_KEY_FALLBACKS"
        fallbacks = app.config.get("SECRET_KEY_FALLBACKS") or ()
        try:
            return KeyRing.from_secret_key(secret_key, fallbacks), origin
        except ConfigurationError as exc:
            raise ConfigurationError(f"{exc} ({origin})") from None
    from_env = os.environ.get(DEFAULT_KEYS_ENV)
    if from_env:
        return _keys_from_setting(from_env), f"keys from the {DEFAULT_KEYS_ENV} variable"
    return None


def _seconds_or_none(value: object) -> Any:
    # Flask's own durations are timedeltas or seconds (PERMANENT_SESSION_LIFETIME): both.
    # Anything else goes to the policy as given, whose check names it at start-up.
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    return value


def _cookie_domain(domain: str | None) -> str | None:
    """SESSION_COOKIE_DOMAIN as werkzeug writes it for Flask's own cookie.

    RFC 6265 section 5.2.3: a leading dot is ignored, so ``.example.com`` is
    ``example.com``; a port is no part of a domain.
    """
    if not domain:
        return None
    return domain.partition(":")[0].lstrip(".") or None


def _keys_from_setting(value: object) -> KeySource:
    if isinstance(value, KeyRing):
        return value
    if isinstance(value, str):
        # The key-list rule of CLIENT_SESSION_KEYS (docs/wire-format.md, "Key text"): commas
        # or line feeds, so a passphrase keeps its spaces.
        return KeyRing.from_text(value, source="CLIENT_SESSION_KEYS")
    if isinstance(value, (list, tuple)):
        return tuple(value)
    raise ConfigurationError(
        "CLIENT_SESSION_KEYS must be a KeyRing, a list of keys or a comma-separated string of "
        f"keys (newest first), not a {type(value).__name__}"
    )

"""Flask: ``flask.session`` kept in an encrypted cookie, configured by Flask's own settings.

Flask asks its ``app.session_interface`` for the session after it pushes the request
context (``open_session``) and hands it back after the ``after_request`` functions have
run (``save_session``), so values set there are saved too. This interface answers those
two calls with the core's codec; Flask's cookie settings become the codec's policy.
"""

from __future__ import annotations

import dataclasses
import inspect
import os
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SessionInterface, SessionMixin, session_json_serializer

from client_session_core import (
    DEFAULT_KEYS_ENV,
    Clock,
    ConfigurationError,
    JSONSerializer,
    KeyRing,
    Serializer,
    Session,
    SessionCodec,
    SessionPolicy,
    UnserializableValue,
)

if TYPE_CHECKING:
    from flask.wrappers import Request, Response

__all__ = [
    "EncryptedCookieSession",
    "EncryptedCookieSessionInterface",
    "TaggedJSONSessionSerializer",
]

# RFC 6265 section 6.1: browsers keep cookies of at least 4096 bytes, and no more is promised.
BROWSER_COOKIE_LIMIT = 4096


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


KeySource = KeyRing | tuple[str | bytes, ...]


class _FlaskSessionSettings(NamedTuple):
    """The Flask settings a policy is built from; a change rebuilds the app's codec.

    A named tuple: they are read and compared on every request, and a tuple compares in C
    and is built without a frozen dataclass's ``object.__setattr__`` call per field.
    """

    keys: KeySource
    keys_origin: str
    cookie_name: str
    domain: str | None
    path: str
    http_only: bool
    secure: bool
    same_site: object
    partitioned: bool
    lifetime: int
    max_cookie_size: int

    def __repr__(self) -> str:
        # Never the keys: a repr may end up in a log or a traceback.
        shown = [f"{name}={value!r}" for name, value in self._asdict().items() if name != "keys"]
        return f"_FlaskSessionSettings(keys=<hidden>, {', '.join(shown)})"


# Where an app keeps its codec: Flask's place for extension state, one dict lookup away.
_EXTENSION = "client_session_wsgi"
# Every app.config value the settings are read from, through Flask's get_cookie_* hooks,
# app.secret_key, app.permanent_session_lifetime and _find_keys.
_SETTING_SOURCES = (
    "CLIENT_SESSION_KEYS",
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
    "MAX_COOKIE_SIZE",
)
_COOKIE_HOOKS = (
    "get_cookie_name",
    "get_cookie_domain",
    "get_cookie_path",
    "get_cookie_httponly",
    "get_cookie_secure",
    "get_cookie_samesite",
    "get_cookie_partitioned",
)


class _SettingSources(tuple[object, ...]):
    """The config values a codec was built from; its repr hides them (they hold the keys)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "_SettingSources(<hidden>)"


class _AppCodec(NamedTuple):
    """An app's codec, and what it was built from (kept in ``app.extensions``)."""

    interface: EncryptedCookieSessionInterface
    sources: _SettingSources | None
    """None when the config values alone do not decide the settings."""
    settings: _FlaskSessionSettings
    codec: SessionCodec


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
    request (call :meth:`get_codec` at start-up to fail sooner).

    With a ``policy``, that policy is used as it is, with the core's defaults and renewal
    rules (``renew_after``), and Flask's session settings are ignored; Flask's tagged
    JSON replaces the plain :class:`~client_session_core.JSONSerializer`.

    ``clock`` is for tests, which move time rather than sleep.
    """

    #: Flask's tagged JSON serializer (the one its own sessions use). Register custom
    #: tags on it, as with Flask: ``app.session_interface.serializer.register(MyTag)``.
    serializer: TaggedJSONSerializer = session_json_serializer
    session_class = EncryptedCookieSession

    def __init__(self, policy: SessionPolicy | None = None, *, clock: Clock = time.time) -> None:
        self._clock = clock
        self._fixed_codec: SessionCodec | None = None
        if policy is not None:
            if type(policy.serializer) is JSONSerializer:
                policy = dataclasses.replace(policy, serializer=self._session_serializer())
            self._fixed_codec = SessionCodec(policy, clock=clock, session_class=self.session_class)
        # Whether the settings come from app.config through Flask's own hooks alone, so
        # that the config values they are read from tell when they change.
        self._hooks_read_config = all(
            getattr(type(self), hook, None) is getattr(SessionInterface, hook, None)
            for hook in _COOKIE_HOOKS
        )

    def _session_serializer(self) -> Serializer:
        return TaggedJSONSessionSerializer(self.serializer)

    # -- configuration ----------------------------------------------------------------------

    def get_codec(self, app: Flask) -> SessionCodec | None:
        """The codec for ``app``, or None when no key is configured (Flask's null session).

        Built from the app's config on first use and again whenever a setting it depends
        on changes. Raises :class:`~client_session_core.ConfigurationError` for a weak key
        or an invalid setting.
        """
        if self._fixed_codec is not None:
            return self._fixed_codec
        cached: _AppCodec | None = app.extensions.get(_EXTENSION)
        if (
            cached is not None
            and cached.interface is self
            and cached.sources is not None
            # Every request: the config values, read in C, against those the codec was built
            # from, rather than every setting through its hook.
            and cached.sources == tuple(map(app.config.get, _SETTING_SOURCES))
        ):
            return cached.codec
        sources = self._setting_sources(app)
        settings = self._settings(app)
        if settings is None:
            return None
        if cached is not None and cached.interface is self and cached.settings == settings:
            codec = cached.codec
        else:
            codec = SessionCodec(
                self._policy_from(settings), clock=self._clock, session_class=self.session_class
            )
        app.extensions[_EXTENSION] = _AppCodec(self, sources, settings, codec)
        return codec

    def _setting_sources(self, app: Flask) -> _SettingSources | None:
        """The config values the settings are read from, when they alone decide them."""
        if (
            not self._hooks_read_config
            or not _config_attribute_as_in_flask(type(app), "secret_key")
            or not _config_attribute_as_in_flask(type(app), "permanent_session_lifetime")
        ):
            return None  # an override decides: read the settings on every request
        values = tuple(map(app.config.get, _SETTING_SOURCES))
        if not values[0] and not values[1]:
            return None  # keys from the environment, read on every request as before
        # Lists copied, so that a change made in place (SECRET_KEY_FALLBACKS.append) shows.
        return _SettingSources(
            list(value) if isinstance(value, list) else value for value in values
        )

    def _settings(self, app: Flask) -> _FlaskSessionSettings | None:
        """The app's session settings, through the ``get_cookie_*`` hooks of Flask's
        :class:`~flask.sessions.SessionInterface`; None when no key is configured."""
        found = _find_keys(app)
        if found is None:
            return None
        keys, origin = found
        # Flask 3.1 added SESSION_COOKIE_PARTITIONED and its hook; read the setting before.
        partitioned = getattr(self, "get_cookie_partitioned", None)
        lifetime = app.permanent_session_lifetime.total_seconds()
        max_cookie_size = app.config.get("MAX_COOKIE_SIZE") or BROWSER_COOKIE_LIMIT
        return _FlaskSessionSettings(
            keys=keys,
            keys_origin=origin,
            cookie_name=self.get_cookie_name(app),
            domain=_cookie_domain(self.get_cookie_domain(app)),
            path=self.get_cookie_path(app) or "/",
            http_only=bool(self.get_cookie_httponly(app)),
            secure=bool(self.get_cookie_secure(app)),
            same_site=self.get_cookie_samesite(app),
            partitioned=bool(
                partitioned(app)
                if partitioned is not None
                else app.config.get("SESSION_COOKIE_PARTITIONED", False)
            ),
            lifetime=int(lifetime),
            # Flask's MAX_COOKIE_SIZE only tunes a warning (0 turns it off); browsers drop
            # a larger cookie whatever it says.
            max_cookie_size=min(int(max_cookie_size), BROWSER_COOKIE_LIMIT),
        )

    def _policy_from(self, settings: _FlaskSessionSettings) -> SessionPolicy:
        keys = settings.keys
        if not isinstance(keys, KeyRing):
            try:
                keys = KeyRing(keys)
            except ConfigurationError as exc:
                raise ConfigurationError(f"{exc} ({settings.keys_origin})") from None
        same_site = settings.same_site
        return SessionPolicy(
            keys=keys,
            cookie_name=settings.cookie_name,
            # Flask checks the time since the cookie was last written against
            # PERMANENT_SESSION_LIFETIME, permanent or not, and caps nothing else.
            idle_timeout=settings.lifetime,
            absolute_lifetime=None,
            # Never re-issue on the core's schedule: Flask's rule, in save_session, decides.
            renew_after=1.0,
            persistent=False,  # Flask's sessions start non-permanent
            path=settings.path,
            domain=settings.domain,
            secure=settings.secure,
            http_only=settings.http_only,
            # Flask spells "Lax", "Strict", "None"; the core "lax", "strict", "none".
            same_site=same_site.lower() if isinstance(same_site, str) else same_site,  # type: ignore[arg-type]
            partitioned=settings.partitioned,
            max_cookie_size=settings.max_cookie_size,
            # Flask leaves a cookie it cannot open alone, so that one server still on an
            # old SECRET_KEY during a rotation does not log everyone out.
            clear_invalid=False,
            serializer=self._session_serializer(),
        )

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
        cached: _AppCodec | None = app.extensions.get(_EXTENSION)
        if cached is not None and cached.interface is self:
            return cached.codec
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
        if self._fixed_codec is None and session.data() and self._refresh_due(app, session):
            session.mark_modified()
        set_cookie, vary_cookie = codec.commit(session)
        headers = response.headers
        for value in set_cookie:
            headers.add("Set-Cookie", value)
        if vary_cookie:
            if headers.getlist("Vary"):
                response.vary.add("Cookie")  # merged into the application's, once
            else:  # as in most responses: without parsing and rewriting an empty Vary
                headers.add("Vary", "Cookie")


def _config_attribute_as_in_flask(app_class: type[Flask], name: str) -> bool:
    """Whether ``app_class`` reads attribute ``name`` from app.config, as Flask does."""
    return inspect.getattr_static(app_class, name, None) is inspect.getattr_static(Flask, name)


def _find_keys(app: Flask) -> tuple[KeySource, str] | None:
    """The app's keys and where they come from, or None when it has none."""
    configured = app.config.get("CLIENT_SESSION_KEYS")
    if configured:
        return _keys_from_setting(configured), "keys from app.config['CLIENT_SESSION_KEYS']"
    secret_key = app.secret_key
    if secret_key:
        fallbacks = app.config.get("SECRET_KEY_FALLBACKS") or ()
        # flask#6089: a single string would be split into one-character "keys".
        if isinstance(fallbacks, (str, bytes)) or not isinstance(fallbacks, (list, tuple)):
            raise ConfigurationError(
                "SECRET_KEY_FALLBACKS must be a list of old keys, newest first, such as "
                f"[previous_key], not a {type(fallbacks).__name__}"
            )
        return (
            (secret_key, *fallbacks),
            "key #1 is SECRET_KEY, the next ones SECRET_KEY_FALLBACKS",
        )
    from_env = os.environ.get(DEFAULT_KEYS_ENV)
    if from_env:
        return _keys_from_setting(from_env), f"keys from the {DEFAULT_KEYS_ENV} variable"
    return None


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
        # As in the environment variable: comma- or space-separated, newest first.
        return tuple(value.replace(",", " ").split())
    if isinstance(value, (list, tuple)):
        return tuple(value)
    raise ConfigurationError(
        "CLIENT_SESSION_KEYS must be a KeyRing, a list of keys or a comma-separated string of "
        f"keys (newest first), not a {type(value).__name__}"
    )

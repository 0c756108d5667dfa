"""The ``client_session`` application setting, and the one codec each Application uses."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

from tornado.web import Application

from client_session_core.adapter import (
    Clock,
    ConfigurationError,
    Key,
    KeyRing,
    SessionCodec,
    SessionPolicy,
    check_options,
    policy_options,
)

__all__ = ["SETTING", "SessionSetting", "client_session_codec", "session_codec"]

SETTING = "client_session"
"""The name of the Application setting, as ``cookie_secret`` is Tornado's own."""

SessionSetting = SessionCodec | SessionPolicy | Mapping[str, Any]
"""What ``Application(..., client_session=...)`` accepts."""

KeySource = KeyRing | Key | str | bytes | Iterable[Key | str | bytes] | None

# Where the codec built from a policy or a mapping is kept, with the value it was built
# from, so that each Application builds one and a changed setting is noticed.
_CACHE = "client_session_tornado.codec"

_POLICY_OPTIONS = policy_options()

_HOW_TO_CONFIGURE = (
    "configure sessions once, in the Application settings, as cookie_secret is: "
    "Application(handlers, client_session=client_session_codec(keys=...)) with a key from "
    "`client-session keygen` (or keys=None to read the CLIENT_SESSION_KEYS environment variable)"
)


def client_session_codec(
    keys: KeySource = None, *, clock: Clock = time.time, **options: Any
) -> SessionCodec:
    """The codec for the ``client_session`` Application setting, checked now.

    ``keys`` is a :class:`KeyRing`, one secret (a key from ``client-session keygen``, or a
    passphrase of at least 32 random characters), or several, newest first to rotate; None
    reads the ``CLIENT_SESSION_KEYS`` environment variable. ``options`` are the keyword
    arguments of :class:`SessionPolicy` (``cookie_name``, ``idle_timeout``, ``secure``...;
    ``legacy_cookies=tornado_signed_cookies(...)`` reads cookies ``set_signed_cookie`` wrote,
    once, see ``docs/migrating.md``, and which it reads until when is logged here, in one
    line); ``clock`` is for tests. A bad key or option raises :class:`ConfigurationError`
    here, when the Application is built, rather than on the first request::

        app = tornado.web.Application(
            handlers,
            client_session=client_session_codec(keys=os.environ["SESSION_KEY"], secure=True),
        )
    """
    check_options(options, _POLICY_OPTIONS, taker="client_session_codec()")
    policy = SessionPolicy(keys=KeyRing.of(keys), **options)
    return SessionCodec(policy, clock=clock)


def _build_codec(setting: object, *, has_cookie_secret: bool) -> SessionCodec:
    if isinstance(setting, SessionPolicy):
        return SessionCodec(setting)
    if isinstance(setting, Mapping):
        options = dict(setting)
        return client_session_codec(options.pop("keys", None), **options)
    if setting is None:
        # cookie_secret signs Tornado's own cookies; sessions never borrow it, since a
        # secret that suits HMAC signing may be too weak to be an encryption key.
        aside = " (cookie_secret is not used for sessions)" if has_cookie_secret else ""
        raise ConfigurationError(
            f"the Application has no {SETTING!r} setting{aside}: {_HOW_TO_CONFIGURE}"
        )
    raise ConfigurationError(
        f"the {SETTING!r} Application setting is a {type(setting).__name__}, not the result "
        f"of client_session_codec(), a SessionPolicy or a dict of its options: "
        f"{_HOW_TO_CONFIGURE}"
    )


def session_codec(application: Application) -> SessionCodec:
    """The :class:`SessionCodec` of ``application``, built once from its settings (from a
    ``SessionPolicy`` or a dict, on the first request that uses a session: the line that
    says which old cookies are read is logged then, once).

    Raises :class:`ConfigurationError`, saying how to configure sessions, when the
    ``client_session`` setting is missing or unusable. Tests and tools use it to seal a
    cookie the application will open: ``session_codec(app).seal({"user": "ada"})``.
    """
    settings = application.settings
    setting = settings.get(SETTING)
    if isinstance(setting, SessionCodec):
        return setting
    cached = settings.get(_CACHE)
    if cached is not None and cached[0] is setting:
        codec: SessionCodec = cached[1]
        return codec
    codec = _build_codec(setting, has_cookie_secret="cookie_secret" in settings)
    settings[_CACHE] = (setting, codec)
    return codec

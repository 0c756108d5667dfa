"""Django's settings as the core's policy: read once, and again after a setting changes.

Django's session settings keep their meaning (``SESSION_COOKIE_*``, ``SESSION_COOKIE_AGE``,
``SESSION_EXPIRE_AT_BROWSER_CLOSE``); ``SECRET_KEY`` and ``SECRET_KEY_FALLBACKS`` are the key
ring unless ``CLIENT_SESSION_KEYS`` names one. A few ``CLIENT_SESSION_*`` settings reach what
Django has no setting for, and ``CLIENT_SESSION_POLICY`` replaces all of them with a policy;
``CLIENT_SESSION_READ_SIGNED_COOKIES`` gives either one its ``legacy_cookies``.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed

from client_session_core import (
    Clock,
    ConfigurationError,
    KeyRing,
    LegacyCookies,
    SessionCodec,
    SessionPolicy,
    drop_in_absolute_lifetime,
    spelled_as_settings,
)

from ._legacy import SETTING_TURN_OFF, check_signed_cookie_secrets, legacy_cookies_from_settings

__all__ = ["SECURITY_LOGGER", "session_codec", "session_policy"]

SECURITY_LOGGER = "django.security.SuspiciousSession"
"""Where a cookie only tampering explains (forged, an authentic one holding no session, one
issued in the future) is logged at WARNING, as Django's own engines log a corrupted session:
the logger operators alert on. Every other refused cookie is DEBUG on ``client_session``."""
_security_logger = logging.getLogger(SECURITY_LOGGER)

# Every setting the policy or the clock is read from: a change to one of them (Django's
# override_settings in tests) builds the codec again.
_SOURCES = frozenset(
    {
        "CLIENT_SESSION_POLICY",
        "CLIENT_SESSION_KEYS",
        "CLIENT_SESSION_ABSOLUTE_LIFETIME",
        "CLIENT_SESSION_MAX_SESSION_LIFETIME",
        "CLIENT_SESSION_MAX_CHUNKS",
        "CLIENT_SESSION_CLOCK",
        "CLIENT_SESSION_READ_SIGNED_COOKIES",
        "SECRET_KEY",
        "SECRET_KEY_FALLBACKS",
        "SESSION_COOKIE_NAME",
        "SESSION_COOKIE_AGE",
        "SESSION_COOKIE_DOMAIN",
        "SESSION_COOKIE_PATH",
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "SESSION_EXPIRE_AT_BROWSER_CLOSE",
    }
)


_lock = threading.Lock()
_codec: SessionCodec | None = None


def session_codec() -> SessionCodec:
    """The codec built from the current settings (one per process, shared by all threads).

    Raises :class:`~client_session_core.ConfigurationError` for a weak key, a weak
    ``SECRET_KEY`` or ``SECRET_KEY_FALLBACKS`` entry that a ``signed_cookies`` reader would
    accept old cookies under, or a setting the core refuses, naming the setting. A forged
    cookie is logged at WARNING on ``django.security.SuspiciousSession``.
    """
    global _codec
    codec = _codec
    if codec is None:
        with _lock:
            codec = _codec
            if codec is None:
                clock = _clock()
                # Built once per process (and again after a setting changes), so the core's
                # start-up line on reading old cookies is said once, not per request.
                codec = _codec = SessionCodec(
                    _policy(started=clock()), clock=clock, security_logger=_security_logger
                )
    return codec


def _forget_codec(*, setting: str, **kwargs: Any) -> None:
    global _codec
    if setting in _SOURCES:
        with _lock:
            _codec = None


setting_changed.connect(_forget_codec)


def _clock() -> Clock:
    clock = getattr(settings, "CLIENT_SESSION_CLOCK", None)
    if clock is None:
        return time.time
    if not callable(clock):
        raise ConfigurationError(
            "CLIENT_SESSION_CLOCK must be a callable returning seconds since the epoch, like "
            f"time.time (the default), not a {type(clock).__name__}"
        )
    return clock  # type: ignore[no-any-return]


_UNSET = object()


def _is_seconds(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def session_policy() -> SessionPolicy:
    """The policy Django's settings describe (or ``CLIENT_SESSION_POLICY`` as it is), with
    the signed_cookies reader ``CLIENT_SESSION_READ_SIGNED_COOKIES`` asks for as its
    ``legacy_cookies``."""
    return _policy(started=_clock()())


def _policy(*, started: float) -> SessionPolicy:
    # `started`: when the engine is configured, from which `True` counts its reading window.
    legacy = legacy_cookies_from_settings(started)
    policy = _configured_policy(legacy)
    # After the key ring, whose own errors come first: SECRET_KEY is often the key too. A
    # signed_cookies reader's secrets are judged whether or not they are.
    check_signed_cookie_secrets(
        policy.legacy_cookies,
        turn_off=SETTING_TURN_OFF
        if legacy is not None
        else "a CLIENT_SESSION_POLICY without its signed_cookies() reader (legacy_cookies=None)",
    )
    return policy


def _configured_policy(legacy: LegacyCookies | None) -> SessionPolicy:
    policy = getattr(settings, "CLIENT_SESSION_POLICY", None)
    if policy is not None:
        if not isinstance(policy, SessionPolicy):
            raise ConfigurationError(
                "CLIENT_SESSION_POLICY must be a client_session_core.SessionPolicy, not a "
                f"{type(policy).__name__}; or remove it to use Django's SESSION_COOKIE_* settings"
            )
        if legacy is None:
            return policy
        if policy.legacy_cookies is not None:
            raise ConfigurationError(
                "CLIENT_SESSION_POLICY has legacy_cookies and CLIENT_SESSION_READ_SIGNED_COOKIES "
                "is set too: a session policy reads one legacy format; remove one of them"
            )
        return dataclasses.replace(policy, legacy_cookies=legacy)
    age = settings.SESSION_COOKIE_AGE
    # Unset, the drop-in cap (Django's own sessions have none; docs/security.md); None, none.
    absolute: Any = getattr(settings, "CLIENT_SESSION_ABSOLUTE_LIFETIME", _UNSET)
    if absolute is _UNSET:
        absolute = drop_in_absolute_lifetime(age)
    elif _is_seconds(absolute) and _is_seconds(age):
        # A shorter absolute lifetime caps the idle timeout, which could never apply beyond it.
        age = min(age, absolute)
    # Django spells "Lax", "Strict", "None", or False for no attribute; the core checks it.
    same_site: Any = settings.SESSION_COOKIE_SAMESITE or None
    try:
        return SessionPolicy(
            keys=_key_ring(),
            cookie_name=settings.SESSION_COOKIE_NAME,
            # Django expires a session SESSION_COOKIE_AGE after it was last saved: the core's
            # idle timeout, which its sliding renewal extends while the session is in use.
            idle_timeout=age,
            absolute_lifetime=absolute,
            # The longest set_expiry() may give; None: the absolute lifetime (else the idle).
            max_session_lifetime=getattr(settings, "CLIENT_SESSION_MAX_SESSION_LIFETIME", None),
            persistent=not settings.SESSION_EXPIRE_AT_BROWSER_CLOSE,
            path=settings.SESSION_COOKIE_PATH,
            # RFC 6265 section 5.2.3: a leading dot is ignored by browsers.
            domain=(settings.SESSION_COOKIE_DOMAIN or "").lstrip(".") or None,
            secure=bool(settings.SESSION_COOKIE_SECURE),
            http_only=bool(settings.SESSION_COOKIE_HTTPONLY),
            same_site=same_site.lower() if same_site else None,
            max_chunks=getattr(settings, "CLIENT_SESSION_MAX_CHUNKS", 1),
            legacy_cookies=legacy,
        )
    except ConfigurationError as exc:
        # The core names its own options; say it with the settings the project holds.
        raise ConfigurationError(
            f"{exc.in_words_of(_in_django_words)} (from Django's SESSION_* and "
            "CLIENT_SESSION_* settings)"
        ) from None


# The settings that hold each core option Django (or this package) has a setting for.
_DJANGO_SETTINGS = {
    "cookie_name": "SESSION_COOKIE_NAME",
    "domain": "SESSION_COOKIE_DOMAIN",
    "path": "SESSION_COOKIE_PATH",
    "http_only": "SESSION_COOKIE_HTTPONLY",
    "secure": "SESSION_COOKIE_SECURE",
    "same_site": "SESSION_COOKIE_SAMESITE",
    "idle_timeout": "SESSION_COOKIE_AGE",
    "absolute_lifetime": "CLIENT_SESSION_ABSOLUTE_LIFETIME",
    "max_session_lifetime": "CLIENT_SESSION_MAX_SESSION_LIFETIME",
    "max_chunks": "CLIENT_SESSION_MAX_CHUNKS",
}


_in_django_words = spelled_as_settings(_DJANGO_SETTINGS)


def _key_ring() -> KeyRing:
    configured = getattr(settings, "CLIENT_SESSION_KEYS", None)
    if configured:
        if isinstance(configured, str):
            # The key-list rule of CLIENT_SESSION_KEYS (docs/wire-format.md, "Key text"):
            # commas or line feeds, so a passphrase keeps its spaces.
            configured = KeyRing.from_text(configured, source="settings.CLIENT_SESSION_KEYS")
        return _ring(configured, "keys from settings.CLIENT_SESSION_KEYS")
    fallbacks = getattr(settings, "SECRET_KEY_FALLBACKS", None) or []
    origin = (
        "the first keys are SECRET_KEY's, the next ones SECRET_KEY_FALLBACKS; or set "
        "CLIENT_SESSION_KEYS"
    )
    try:
        return KeyRing.from_secret_key(settings.SECRET_KEY, fallbacks)
    except ConfigurationError as exc:
        raise ConfigurationError(f"{exc} ({origin})") from None


def _ring(keys: Any, origin: str) -> KeyRing:
    try:
        return KeyRing.of(keys)
    except ConfigurationError as exc:
        raise ConfigurationError(f"{exc} ({origin})") from None

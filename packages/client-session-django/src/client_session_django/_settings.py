"""Django's settings as the core's policy: read once, and again after a setting changes.

Django's session settings keep their meaning (``SESSION_COOKIE_*``, ``SESSION_COOKIE_AGE``,
``SESSION_EXPIRE_AT_BROWSER_CLOSE``); ``SECRET_KEY`` and ``SECRET_KEY_FALLBACKS`` are the key
ring unless ``CLIENT_SESSION_KEYS`` names one. A few ``CLIENT_SESSION_*`` settings reach what
Django has no setting for. ``CLIENT_SESSION_POLICY`` is a whole policy instead, refused beside
a setting that says otherwise (it would be ignored); ``CLIENT_SESSION_READ_SIGNED_COOKIES``
gives either one its ``legacy_cookies``. ``CLIENT_SESSION_REVOCATIONS`` is a ``Revocations``
object (one per process, built in the settings module), the policy's ``revocations``.

Everything the settings can get wrong is a :class:`Problem` with an id. Django's system check
framework reports each one (``manage.py check``, see ``_checks``), and building the codec
raises the first as a :class:`~client_session_core.ConfigurationError` in the same words:
both come from one reading of the settings, :func:`_read`.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed

from client_session_core.adapter import (
    MAX_AGE,
    UNSET,
    Clock,
    ConfigurationError,
    KeyRing,
    LegacyCookies,
    Revocations,
    SessionCodec,
    SessionPolicy,
    generate_key,
    max_age_lifetimes,
    same_site_option,
    spelled_as_settings,
    whole_seconds,
)

from ._keyring import key_ring
from ._legacy import SETTING_TURN_OFF, check_signed_cookie_secrets, legacy_cookies_from_settings
from ._problems import (
    BAD_REVOCATIONS,
    BAD_SETTING,
    CHUNKS_NEED_OUR_MIDDLEWARE,
    POLICY_IGNORES_SETTINGS,
    WEAK_OLD_KEY,
    Problem,
)

__all__ = [
    "SECURITY_LOGGER",
    "configuration_problems",
    "session_codec",
    "session_policy",
]

SECURITY_LOGGER = "django.security.SuspiciousSession"
"""Where a cookie only tampering explains (forged, an authentic one holding no session, one
issued in the future) is logged at WARNING, as Django's own engines log a corrupted session:
the logger operators alert on. Every other refused cookie is DEBUG on ``client_session``."""
_security_logger = logging.getLogger(SECURITY_LOGGER)

DJANGO_MIDDLEWARE = "django.contrib.sessions.middleware.SessionMiddleware"
OUR_MIDDLEWARE = "client_session_django.SessionMiddleware"

# Every setting the policy or the clock is read from: a change to one of them (Django's
# override_settings in tests) builds the codec again.
_SOURCES = frozenset(
    {
        "CLIENT_SESSION_POLICY",
        "CLIENT_SESSION_KEYS",
        "CLIENT_SESSION_ABSOLUTE_LIFETIME",
        "CLIENT_SESSION_MAX_SESSION_LIFETIME",
        "CLIENT_SESSION_MAX_CHUNKS",
        "CLIENT_SESSION_NOT_BEFORE",
        "CLIENT_SESSION_CLOCK",
        "CLIENT_SESSION_READ_SIGNED_COOKIES",
        "CLIENT_SESSION_REVOCATIONS",
        "CLIENT_SESSION_WRITE_IDENTITY",
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
        "MIDDLEWARE",
    }
)


_BAD_SETTING_HINT = "Correct the setting it names: docs/django.md, 'Settings', gives its values"


_lock = threading.Lock()
_codec: SessionCodec | None = None


def session_codec() -> SessionCodec:
    """The codec built from the current settings (one per process, shared by all threads).

    Raises :class:`~client_session_core.ConfigurationError` for the first of
    :func:`configuration_problems` (a missing or weak key, a weak ``SECRET_KEY`` or
    ``SECRET_KEY_FALLBACKS`` entry that a ``signed_cookies`` reader would accept old cookies
    under, a setting the engine cannot use), naming the setting. A forged cookie is logged at
    WARNING on ``django.security.SuspiciousSession``.
    """
    global _codec
    codec = _codec
    if codec is None:
        with _lock:
            codec = _codec
            if codec is None:
                clock = _clock_setting()
                # Built once per process (and again after a setting changes), so the core's
                # start-up line on reading old cookies is said once, not per request.
                codec = _codec = SessionCodec(
                    _policy(clock()), clock=clock, security_logger=_security_logger
                )
    return codec


def _forget_codec(*, setting: str, **kwargs: Any) -> None:
    global _codec
    if setting in _SOURCES:
        with _lock:
            _codec = None


setting_changed.connect(_forget_codec)


def session_policy() -> SessionPolicy:
    """The policy Django's settings describe (or ``CLIENT_SESSION_POLICY`` as it is), with
    the signed_cookies reader ``CLIENT_SESSION_READ_SIGNED_COOKIES`` asks for as its
    ``legacy_cookies``. :class:`~client_session_core.ConfigurationError` as
    :func:`session_codec`."""
    return _policy(_clock_setting()())


def configuration_problems() -> list[Problem]:
    """Every problem of the current settings, in the order start-up meets them: empty when
    the engine can start. Never raises (Django's system checks report these)."""
    problems: list[Problem] = []
    clock = _clock(problems)
    return [*problems, *_read(clock())[1]]


def _policy(started: float) -> SessionPolicy:
    # `started`: when the engine is configured, from which `True` counts its reading window.
    policy, problems = _read(started)
    if problems or policy is None:
        raise problems[0].error()
    return policy


def _clock_setting() -> Clock:
    problems: list[Problem] = []
    clock = _clock(problems)
    if problems:
        raise problems[0].error()
    return clock


def _clock(problems: list[Problem]) -> Clock:
    clock = getattr(settings, "CLIENT_SESSION_CLOCK", None)
    if clock is None:
        return time.time
    if not callable(clock):
        problems.append(
            Problem(
                BAD_SETTING,
                "CLIENT_SESSION_CLOCK must be a callable returning seconds since the epoch, "
                f"like time.time (the default), not a {type(clock).__name__}",
                "Remove it (it is for tests that move time), or give a callable",
            )
        )
        return time.time
    return clock  # type: ignore[no-any-return]


# -- one reading of the settings: the policy, or the problems that stop it -------------------


def _read(started: float) -> tuple[SessionPolicy | None, list[Problem]]:
    problems: list[Problem] = []
    legacy = _legacy_reader(started, problems)
    revocations = _revocations(problems)
    given = getattr(settings, "CLIENT_SESSION_POLICY", None)
    if given is not None:
        policy = _given_policy(given, legacy, problems)
        turn_off = (
            SETTING_TURN_OFF
            if legacy is not None
            else "a CLIENT_SESSION_POLICY without its signed_cookies() reader (legacy_cookies=None)"
        )
    else:
        policy = _settings_policy(legacy, revocations, problems)
        turn_off = SETTING_TURN_OFF
    if policy is not None:
        _check_not_before(policy, started, given is not None, problems)
        _check_middleware(policy, problems)
    # Judged whatever else is wrong: SECRET_KEY is often the sessions' key too.
    try:
        check_signed_cookie_secrets(
            policy.legacy_cookies if policy is not None else legacy, turn_off=turn_off
        )
    except ConfigurationError as exc:
        problems.append(
            Problem(
                WEAK_OLD_KEY,
                str(exc).rstrip("."),
                f"Stop reading Django signed_cookies sessions ({turn_off}) unless every secret "
                "that signed them was strong",
            )
        )
    return (None if problems else policy), problems


def _legacy_reader(started: float, problems: list[Problem]) -> LegacyCookies | None:
    try:
        return legacy_cookies_from_settings(started)
    except ConfigurationError as exc:
        problems.append(Problem(BAD_SETTING, str(exc), _BAD_SETTING_HINT))
        return None


def _revocations(problems: list[Problem]) -> Revocations | None:
    # The object itself, as Flask's CLIENT_SESSION_REVOCATIONS (and Flask-Session's
    # SESSION_REDIS, a client): built once in the settings module, so that every codec the
    # settings build (again after override_settings) shares its thread and its copy.
    value = getattr(settings, "CLIENT_SESSION_REVOCATIONS", None)
    if value is None or isinstance(value, Revocations):
        return value
    problems.append(
        Problem(
            BAD_REVOCATIONS,
            "CLIENT_SESSION_REVOCATIONS must be a client_session_core.revocation.Revocations "
            f"or None, not a {type(value).__name__}",
            "Give Revocations(RedisRevocationStore.from_url(...)) for several processes or "
            "Revocations(MemoryRevocationStore()) for one (a store goes inside a Revocations), "
            "or remove the setting: docs/django.md, 'Logout that ends every copy'",
        )
    )
    return None


def _given_policy(
    given: object, legacy: LegacyCookies | None, problems: list[Problem]
) -> SessionPolicy | None:
    if not isinstance(given, SessionPolicy):
        problems.append(
            Problem(
                BAD_SETTING,
                "CLIENT_SESSION_POLICY must be a client_session_core.SessionPolicy, not a "
                f"{type(given).__name__}",
                "Give a SessionPolicy, or remove CLIENT_SESSION_POLICY to use Django's "
                "SESSION_COOKIE_* settings",
            )
        )
        return None
    ignored = _settings_the_policy_ignores(given)
    if ignored:
        problems.append(
            Problem(
                POLICY_IGNORES_SETTINGS,
                "CLIENT_SESSION_POLICY is used as it is, so these settings would be ignored: "
                + "; ".join(ignored),
                "Give the policy the same values, remove those settings, or remove "
                "CLIENT_SESSION_POLICY and use the settings (CLIENT_SESSION_NOT_BEFORE logs "
                "everyone out without a policy)",
            )
        )
    if legacy is None:
        return given
    if given.legacy_cookies is not None:
        problems.append(
            Problem(
                BAD_SETTING,
                "CLIENT_SESSION_POLICY has legacy_cookies and CLIENT_SESSION_READ_SIGNED_COOKIES "
                "is set too: a session policy reads one legacy format",
                "Remove one of them",
            )
        )
        return given
    return dataclasses.replace(given, legacy_cookies=legacy)


def _settings_policy(
    legacy: LegacyCookies | None, revocations: Revocations | None, problems: list[Problem]
) -> SessionPolicy | None:
    ring = key_ring(problems)
    try:
        # SESSION_COOKIE_AGE, Django's max_age: the kit's rule of every drop-in. Django
        # expires a session SESSION_COOKIE_AGE after it was last saved: the core's idle
        # timeout, which its sliding renewal extends while the session is in use; unset,
        # CLIENT_SESSION_ABSOLUTE_LIFETIME is the drop-in cap (Django's own sessions have
        # none; docs/security.md), and a shorter one caps the idle timeout.
        lifetimes = max_age_lifetimes(
            settings.SESSION_COOKIE_AGE,
            persistent=not settings.SESSION_EXPIRE_AT_BROWSER_CLOSE,
            absolute_lifetime=getattr(settings, "CLIENT_SESSION_ABSOLUTE_LIFETIME", UNSET),
        )
        return SessionPolicy(
            # A key that seals nothing when the ring has a problem of its own, so that the
            # other settings are judged too (the policy is then not used).
            keys=ring if ring is not None else KeyRing([generate_key()]),
            cookie_name=settings.SESSION_COOKIE_NAME,
            **lifetimes.options(),
            # The longest set_expiry() may give; None: the absolute lifetime (else the idle).
            max_session_lifetime=getattr(settings, "CLIENT_SESSION_MAX_SESSION_LIFETIME", None),
            not_before=getattr(settings, "CLIENT_SESSION_NOT_BEFORE", None),
            path=settings.SESSION_COOKIE_PATH,
            domain=_domain(settings.SESSION_COOKIE_DOMAIN),
            secure=bool(settings.SESSION_COOKIE_SECURE),
            http_only=bool(settings.SESSION_COOKIE_HTTPONLY),
            same_site=same_site_option(settings.SESSION_COOKIE_SAMESITE),
            max_chunks=getattr(settings, "CLIENT_SESSION_MAX_CHUNKS", 1),
            legacy_cookies=legacy,
            revocations=revocations,
            # False while a running fleet is upgraded, readers first (docs/migrating.md):
            # identities are read and kept, but no session gets one.
            write_identity=getattr(settings, "CLIENT_SESSION_WRITE_IDENTITY", True),
        )
    except ConfigurationError as exc:
        # The core names its own options; say it with the settings the project holds.
        problems.append(
            Problem(BAD_SETTING, str(exc.in_words_of(_in_django_words)), _BAD_SETTING_HINT)
        )
        return None


def _domain(value: Any) -> Any:
    # RFC 6265 section 5.2.3: a leading dot is ignored by browsers.
    return (value or "").lstrip(".") or None


# The settings that hold each core option Django (or this package) has a setting for.
_DJANGO_SETTINGS = {
    "cookie_name": "SESSION_COOKIE_NAME",
    "domain": "SESSION_COOKIE_DOMAIN",
    "path": "SESSION_COOKIE_PATH",
    "http_only": "SESSION_COOKIE_HTTPONLY",
    "secure": "SESSION_COOKIE_SECURE",
    "same_site": "SESSION_COOKIE_SAMESITE",
    "idle_timeout": "SESSION_COOKIE_AGE",
    MAX_AGE: "SESSION_COOKIE_AGE",
    "absolute_lifetime": "CLIENT_SESSION_ABSOLUTE_LIFETIME",
    "max_session_lifetime": "CLIENT_SESSION_MAX_SESSION_LIFETIME",
    "max_chunks": "CLIENT_SESSION_MAX_CHUNKS",
    "not_before": "CLIENT_SESSION_NOT_BEFORE",
    "revocations": "CLIENT_SESSION_REVOCATIONS",
    "write_identity": "CLIENT_SESSION_WRITE_IDENTITY",
}


_in_django_words = spelled_as_settings(_DJANGO_SETTINGS)

# Each setting a CLIENT_SESSION_POLICY replaces: the policy's field, and the setting's value as
# that field (as _settings_policy reads it).
_REPLACED: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "SESSION_COOKIE_NAME": ("cookie_name", str),
    "SESSION_COOKIE_AGE": ("idle_timeout", lambda value: value),
    "SESSION_COOKIE_DOMAIN": ("domain", _domain),
    "SESSION_COOKIE_PATH": ("path", lambda value: value),
    "SESSION_COOKIE_SECURE": ("secure", bool),
    "SESSION_COOKIE_HTTPONLY": ("http_only", bool),
    "SESSION_COOKIE_SAMESITE": ("same_site", same_site_option),
    "SESSION_EXPIRE_AT_BROWSER_CLOSE": ("persistent", lambda value: not value),
    "CLIENT_SESSION_ABSOLUTE_LIFETIME": ("absolute_lifetime", lambda value: value),
    "CLIENT_SESSION_MAX_SESSION_LIFETIME": ("max_session_lifetime", lambda value: value),
    "CLIENT_SESSION_MAX_CHUNKS": ("max_chunks", lambda value: value),
    "CLIENT_SESSION_NOT_BEFORE": ("not_before", whole_seconds),
    "CLIENT_SESSION_WRITE_IDENTITY": ("write_identity", lambda value: value),
}


def _settings_the_policy_ignores(policy: SessionPolicy) -> list[str]:
    """Each setting the project set (in its settings module or override_settings) whose
    value the policy does not hold, with the policy's: a policy replaces every one of them,
    and a setting that says otherwise would be dropped without a word."""
    ignored = []
    for setting, (field, as_field) in _REPLACED.items():
        if not settings.is_overridden(setting):
            continue
        value = getattr(settings, setting)
        held = getattr(policy, field)
        if as_field(value) != held:
            ignored.append(f"{setting} = {value!r} (the policy's {field} is {held!r})")
    keys = getattr(settings, "CLIENT_SESSION_KEYS", None)
    if keys and _kids(keys) != [key.kid for key in policy.keys.current()]:
        ignored.append("CLIENT_SESSION_KEYS (the policy has other keys)")
    revocations = getattr(settings, "CLIENT_SESSION_REVOCATIONS", None)
    # Another object is another copy and thread, which the codec would never consult (one
    # that is no Revocations is client_session.E007 already).
    if isinstance(revocations, Revocations) and revocations is not policy.revocations:
        ignored.append(
            f"CLIENT_SESSION_REVOCATIONS = {revocations!r} (the policy's revocations is "
            f"{policy.revocations!r})"
        )
    return ignored


def _kids(keys: Any) -> list[bytes] | None:
    try:
        ring = KeyRing.from_text(keys) if isinstance(keys, str) else KeyRing.of(keys)
    except (ConfigurationError, TypeError):
        return None
    return [key.kid for key in ring.current()]


def _check_not_before(
    policy: SessionPolicy, now: float, given: bool, problems: list[Problem]
) -> None:
    # The codec refuses it too, in the core's words: said here in the project's.
    not_before = policy.not_before_seconds
    if not_before is not None and not_before > int(now) + policy.clock_skew:
        setting = "CLIENT_SESSION_POLICY's not_before" if given else "CLIENT_SESSION_NOT_BEFORE"
        problems.append(
            Problem(
                BAD_SETTING,
                f"{setting} is {not_before - int(now)} s in the future, so every session "
                "created until then would be refused on its next request",
                "Set it to the moment of the logout you want, in the past: time.time() or "
                "datetime.now(timezone.utc) when you deploy the change",
            )
        )


def _check_middleware(policy: SessionPolicy, problems: list[Problem]) -> None:
    middleware = list(getattr(settings, "MIDDLEWARE", None) or ())
    if (
        policy.max_chunks > 1
        and DJANGO_MIDDLEWARE in middleware
        and OUR_MIDDLEWARE not in middleware
    ):
        problems.append(
            Problem(
                CHUNKS_NEED_OUR_MIDDLEWARE,
                f"CLIENT_SESSION_MAX_CHUNKS is {policy.max_chunks}, but Django's "
                "SessionMiddleware writes one cookie: a session larger than one cookie would "
                "fail at its response",
                f"Put {OUR_MIDDLEWARE} in MIDDLEWARE in place of {DJANGO_MIDDLEWARE}, or set "
                "CLIENT_SESSION_MAX_CHUNKS = 1",
            )
        )

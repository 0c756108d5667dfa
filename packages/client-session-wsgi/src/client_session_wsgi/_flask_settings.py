"""Flask's settings as the core's options, in Flask's words.

How the drop-in reads each value of ``app.config`` (the keys, the durations, the cookie's
domain and size), through :class:`._flask_reads.AppSettings` so that the codec cache knows
each value read, the names its errors give the options (``SESSION_COOKIE_SECURE``, not
``secure``), and the rule for a :class:`~client_session_core.SessionPolicy` given beside those
settings: it decides the session cookie alone, so a setting the app changed from Flask's
default and the policy does not carry would be discarded without a word. That is a
:class:`~client_session_core.ConfigurationError` instead, naming each such setting.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any, Final

from client_session_core.adapter import (
    BROWSER_COOKIE_LIMIT,
    MAX_AGE,
    UNSET,
    ConfigurationError,
    KeyRing,
    SessionPolicy,
    same_site_option,
    settings_key_ring,
    spelled_as_settings,
    whole_seconds,
)

from ._flask_reads import AppSettings

__all__ = [
    "FLASK_SETTINGS",
    "NO_KEY",
    "absolute_lifetime_setting",
    "check_policy_beside_settings",
    "cookie_domain",
    "cookie_size",
    "in_flask_words",
    "key_ring",
    "seconds_or_none",
]

# The smallest max_cookie_size the core accepts: room for a small session and its attributes.
_SMALLEST_COOKIE = 512

# The app.config keys that hold each core option Flask has a setting for.
FLASK_SETTINGS: Final = {
    MAX_AGE: "PERMANENT_SESSION_LIFETIME",  # the kit's max_age_lifetimes names it so
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
    "not_before": "CLIENT_SESSION_NOT_BEFORE",
    "max_cookie_size": "MAX_COOKIE_SIZE",
    "max_chunks": "CLIENT_SESSION_MAX_CHUNKS",
    "revocations": "CLIENT_SESSION_REVOCATIONS",
    "write_identity": "CLIENT_SESSION_WRITE_IDENTITY",
}

in_flask_words = spelled_as_settings(FLASK_SETTINGS)

# What a session without a key is told, wherever it is found: both ways to give one.
NO_KEY: Final = (
    "no key was set: set CLIENT_SESSION_KEYS (in app.config, or the environment variable of "
    "that name) to a key from `client-session keygen`, or set the app's SECRET_KEY to a "
    "strong random secret"
)


def absolute_lifetime_setting(app: AppSettings) -> Any:
    """``CLIENT_SESSION_ABSOLUTE_LIFETIME``: seconds or a timedelta, as Flask's
    ``PERMANENT_SESSION_LIFETIME``; None for no cap; unset, ``UNSET``, for the drop-in cap of
    30 days (or the idle timeout, when longer), which Flask itself does not have
    (docs/security.md)."""
    if "CLIENT_SESSION_ABSOLUTE_LIFETIME" not in app.config:
        return UNSET
    return seconds_or_none(app.config["CLIENT_SESSION_ABSOLUTE_LIFETIME"])


def key_ring(app: AppSettings) -> KeyRing | None:
    """The app's key ring, or None when it has none: ``CLIENT_SESSION_KEYS`` in the config,
    else ``SECRET_KEY`` then ``SECRET_KEY_FALLBACKS``, else the ``CLIENT_SESSION_KEYS``
    variable (the kit's :func:`~client_session_core.adapter.settings_key_ring`, whose errors
    name the setting that holds an unusable key)."""
    keys, secret_key = app.config.get("CLIENT_SESSION_KEYS"), app.secret_key
    return settings_key_ring(
        keys, secret_key, app.config.get("SECRET_KEY_FALLBACKS") or (), environ=app.environ
    )


def seconds_or_none(value: object) -> Any:
    """Flask's own durations are timedeltas or seconds (``PERMANENT_SESSION_LIFETIME``): both.
    Anything else goes to the policy as given, whose check names it at start-up."""
    if isinstance(value, datetime.timedelta):
        return int(value.total_seconds())
    return value


def cookie_domain(domain: str | None) -> str | None:
    """SESSION_COOKIE_DOMAIN as werkzeug writes it for Flask's own cookie.

    RFC 6265 section 5.2.3: a leading dot is ignored, so ``.example.com`` is
    ``example.com``; a port is no part of a domain.
    """
    if not domain:
        return None
    return domain.partition(":")[0].lstrip(".") or None


def cookie_size(max_cookie_size: Any) -> int:
    """``MAX_COOKIE_SIZE`` as the core's ``max_cookie_size``.

    Flask's only tunes a warning (0 turns it off), and browsers drop a larger cookie whatever
    it says: at most the browser's limit, and at least the core's floor, below which a
    session could not be written at all (Flask would only warn).
    """
    size = int(max_cookie_size or BROWSER_COOKIE_LIMIT)
    return max(_SMALLEST_COOKIE, min(size, BROWSER_COOKIE_LIMIT))


# -- a policy beside Flask's settings ----------------------------------------------------------

_ABSENT: Final = object()


# Each Flask setting a policy decides instead, the policy's field it becomes, and how the
# drop-in reads it into that field (SESSION_COOKIE_PATH, which falls back to APPLICATION_ROOT,
# and the keys are compared apart).
_DECIDED_BY_A_POLICY: Final[tuple[tuple[str, str, Callable[[Any], object]], ...]] = (
    ("SESSION_COOKIE_NAME", "cookie_name", str),
    ("SESSION_COOKIE_DOMAIN", "domain", cookie_domain),
    ("SESSION_COOKIE_HTTPONLY", "http_only", bool),
    ("SESSION_COOKIE_SECURE", "secure", bool),
    ("SESSION_COOKIE_SAMESITE", "same_site", same_site_option),
    ("SESSION_COOKIE_PARTITIONED", "partitioned", bool),
    ("PERMANENT_SESSION_LIFETIME", "idle_timeout", seconds_or_none),
    # Flask's refresh re-sends a permanent session on every response; False never re-sends
    # an unchanged one, as renew_after=None.
    ("SESSION_REFRESH_EACH_REQUEST", "renew_after", lambda refresh: 0 if refresh else None),
    ("MAX_COOKIE_SIZE", "max_cookie_size", cookie_size),
    ("CLIENT_SESSION_ABSOLUTE_LIFETIME", "absolute_lifetime", seconds_or_none),
    ("CLIENT_SESSION_MAX_SESSION_LIFETIME", "max_session_lifetime", seconds_or_none),
    ("CLIENT_SESSION_NOT_BEFORE", "not_before", whole_seconds),
    ("CLIENT_SESSION_MAX_CHUNKS", "max_chunks", lambda chunks: chunks),
    ("CLIENT_SESSION_REVOCATIONS", "revocations", lambda revocations: revocations),
    ("CLIENT_SESSION_WRITE_IDENTITY", "write_identity", lambda write: write),
)


def _changed(app: AppSettings, setting: str) -> tuple[bool, object]:
    """Whether the app set ``setting`` to another value than Flask's default (the settings
    of client-session have none: set at all), and its value."""
    value = app.config.get(setting, _ABSENT)
    return value is not _ABSENT and value != app.default_config.get(setting, _ABSENT), value


def _cookie_path(config: Any) -> object:
    # Flask's get_cookie_path: SESSION_COOKIE_PATH, else APPLICATION_ROOT; ours then "/".
    return config.get("SESSION_COOKIE_PATH") or config.get("APPLICATION_ROOT") or "/"


def _discarded_by(app: AppSettings, policy: SessionPolicy) -> list[str]:
    """Each setting the app changed from Flask's default whose value ``policy`` differs from,
    as ``SETTING = value (the policy has field=value)``; never a key."""
    discarded = []
    for setting, field, as_option in _DECIDED_BY_A_POLICY:
        changed, value = _changed(app, setting)
        if not changed:
            continue
        held = getattr(policy, field)
        try:
            agrees = as_option(value) == held
        except (TypeError, ValueError):  # a value the drop-in itself would refuse
            agrees = False
        if not agrees:
            discarded.append(f"{setting} = {value!r} (the policy has {field}={held!r})")
    path = _cookie_path(app.config)
    if path != _cookie_path(app.default_config) and path != policy.path:
        named = (
            "SESSION_COOKIE_PATH" if app.config.get("SESSION_COOKIE_PATH") else "APPLICATION_ROOT"
        )
        discarded.append(f"{named} = {path!r} (the policy has path={policy.path!r})")
    keys = app.config.get("CLIENT_SESSION_KEYS")
    if keys and not _same_keys(keys, policy.keys):
        discarded.append("CLIENT_SESSION_KEYS (other keys than the policy's)")
    return discarded


def _same_keys(keys: object, ring: KeyRing) -> bool:
    try:
        configured = settings_key_ring(keys, None)
    except ConfigurationError:
        return False
    return configured is not None and [key.kid for key in configured] == [key.kid for key in ring]


def check_policy_beside_settings(app: AppSettings, policy: SessionPolicy) -> None:
    """:class:`ConfigurationError` when ``policy``, which decides the session cookie alone,
    would discard a Flask setting the app changed: each is named, with the policy's value.

    A setting left at Flask's default, or set to what the policy holds too, is no conflict.
    ``SECRET_KEY`` is none either: it serves Flask's extensions as well, and a policy's own
    keys seal the sessions.
    """
    discarded = _discarded_by(app, policy)
    if discarded:
        raise ConfigurationError(
            "a SessionPolicy decides the session cookie alone, and would discard what "
            f"app.config sets: {'; '.join(discarded)}. Give the policy those values, or "
            "remove the settings, or drop the policy: Flask's settings need none "
            "(CLIENT_SESSION_NOT_BEFORE logs everyone out, CLIENT_SESSION_MAX_CHUNKS spreads "
            "a session over several cookies)"
        )

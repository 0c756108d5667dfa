"""The sessions' key ring from Django's settings: ``CLIENT_SESSION_KEYS``, else ``SECRET_KEY``
and ``SECRET_KEY_FALLBACKS``, each problem named with the setting that holds it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from client_session_core.adapter import ConfigurationError, KeyRing, settings_key_ring

from ._problems import NO_KEY, WEAK_KEY, Problem

__all__ = ["key_ring"]

_KEYGEN = "`client-session keygen` prints one"


def key_ring(problems: list[Problem]) -> KeyRing | None:
    """The ring the settings give (the kit's
    :func:`~client_session_core.adapter.settings_key_ring`), or None with its problem added
    to ``problems``."""
    configured = getattr(settings, "CLIENT_SESSION_KEYS", None)
    try:
        secret_key = settings.SECRET_KEY
    except ImproperlyConfigured:  # Django's "The SECRET_KEY setting must not be empty."
        secret_key = ""
    fallbacks: Any = getattr(settings, "SECRET_KEY_FALLBACKS", None) or []
    try:
        ring = settings_key_ring(configured, secret_key, fallbacks)
    except ConfigurationError as exc:
        problems.append(_problem(exc, fallbacks))
        return None
    if ring is None:
        problems.append(
            Problem(
                NO_KEY,
                "the sessions have no key: SECRET_KEY holds none and CLIENT_SESSION_KEYS is unset",
                f"Set SECRET_KEY to a random secret ({_KEYGEN}), or give the sessions keys of "
                "their own in the CLIENT_SESSION_KEYS setting",
            )
        )
    return ring


def _problem(exc: ConfigurationError, fallbacks: Any) -> Problem:
    """The problem of the setting that made the ring fail: the kit's reason names it. The
    core's advice names the CLIENT_SESSION_KEYS environment variable, which this adapter does
    not read: each problem's hint says it with Django's settings instead."""
    reason = exc.reason
    session_keys = "or give the sessions keys of their own in the CLIENT_SESSION_KEYS setting"
    if reason.startswith("CLIENT_SESSION_KEYS"):
        hint = (
            "Put keys from `client-session keygen` in the CLIENT_SESSION_KEYS setting (newest "
            "first, separated by commas), or remove it to use SECRET_KEY"
        )
        kind = NO_KEY if reason.startswith("CLIENT_SESSION_KEYS holds no key") else WEAK_KEY
        return Problem(kind, reason, hint)
    if not isinstance(fallbacks, (list, tuple)):
        return Problem(WEAK_KEY, reason, "Make it a list, such as [previous_key]")
    if reason.startswith("SECRET_KEY:"):
        return Problem(
            WEAK_KEY,
            reason,
            f"Set SECRET_KEY to a new random secret ({_KEYGEN}; startproject's "
            f"django-insecure- key is a placeholder), {session_keys}",
        )
    if reason.startswith("SECRET_KEY_FALLBACKS["):
        return Problem(
            WEAK_KEY,
            reason,
            "Remove it from SECRET_KEY_FALLBACKS (the sessions sealed under it start "
            f"again), {session_keys}",
        )
    return Problem(
        WEAK_KEY,
        f"SECRET_KEY and SECRET_KEY_FALLBACKS: {reason}",
        f"Remove the repeated key, {session_keys}",
    )

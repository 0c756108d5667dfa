"""The sessions' key ring from Django's settings: ``CLIENT_SESSION_KEYS``, else ``SECRET_KEY``
and ``SECRET_KEY_FALLBACKS``, each problem named with the setting that holds it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from client_session_core import ConfigurationError, KeyRing

from ._problems import NO_KEY, WEAK_KEY, Problem

__all__ = ["key_ring"]

_KEYGEN = "`client-session keygen` prints one"


def _reason(exc: ConfigurationError) -> str:
    # The core's advice names the CLIENT_SESSION_KEYS environment variable, which this
    # adapter does not read: each problem's hint says it with Django's settings instead.
    return exc.reason


def _holds_no_key(text: str) -> bool:
    # Only separators and white space (the key-list rule of docs/wire-format.md).
    return not text.strip(" \t\r\n,")


def key_ring(problems: list[Problem]) -> KeyRing | None:
    configured = getattr(settings, "CLIENT_SESSION_KEYS", None)
    if configured:
        return _configured_keys(configured, problems)
    try:
        secret_key = settings.SECRET_KEY
    except ImproperlyConfigured:  # Django's "The SECRET_KEY setting must not be empty."
        secret_key = ""
    if isinstance(secret_key, str) and _holds_no_key(secret_key):
        problems.append(
            Problem(
                NO_KEY,
                "the sessions have no key: SECRET_KEY holds none and CLIENT_SESSION_KEYS is unset",
                f"Set SECRET_KEY to a random secret ({_KEYGEN}), or give the sessions keys of "
                "their own in the CLIENT_SESSION_KEYS setting",
            )
        )
        return None
    fallbacks: Any = getattr(settings, "SECRET_KEY_FALLBACKS", None) or []
    try:
        return KeyRing.from_secret_key(secret_key, fallbacks)
    except ConfigurationError as exc:
        problems.append(_secret_key_problem(fallbacks, exc))
        return None


def _configured_keys(configured: Any, problems: list[Problem]) -> KeyRing | None:
    hint = (
        "Put keys from `client-session keygen` in the CLIENT_SESSION_KEYS setting (newest "
        "first, separated by commas), or remove it to use SECRET_KEY"
    )
    if isinstance(configured, str) and _holds_no_key(configured):
        problems.append(Problem(NO_KEY, "the CLIENT_SESSION_KEYS setting holds no key", hint))
        return None
    try:
        if isinstance(configured, str):
            # The key-list rule of CLIENT_SESSION_KEYS (docs/wire-format.md, "Key text"):
            # commas or line feeds, so a passphrase keeps its spaces.
            return KeyRing.from_text(configured, source="CLIENT_SESSION_KEYS")
        return KeyRing.of(configured)
    except ConfigurationError as exc:
        reason = _reason(exc)
        if not reason.startswith("CLIENT_SESSION_KEYS"):
            reason = f"CLIENT_SESSION_KEYS: {reason}"
        problems.append(Problem(WEAK_KEY, reason, hint))
    except TypeError:
        problems.append(
            Problem(
                WEAK_KEY,
                "CLIENT_SESSION_KEYS is a key text, a list of keys or a KeyRing, not a "
                f"{type(configured).__name__}",
                hint,
            )
        )
    return None


def _secret_key_problem(fallbacks: Any, exc: ConfigurationError) -> Problem:
    """The problem of SECRET_KEY or of the SECRET_KEY_FALLBACKS entry that made the ring
    fail: the core's reason names the setting that holds the key."""
    session_keys = "or give the sessions keys of their own in the CLIENT_SESSION_KEYS setting"
    reason = _reason(exc)
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

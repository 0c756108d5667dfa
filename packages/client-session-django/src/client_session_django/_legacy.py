"""Reading the cookies of Django's own ``signed_cookies`` engine once, to reseal them in ours.

``django.contrib.sessions.backends.signed_cookies`` keeps the session as JSON signed by
``django.core.signing`` (salt ``django.contrib.sessions.backends.signed_cookies``), under
``SECRET_KEY`` or one of ``SECRET_KEY_FALLBACKS``, and refuses it once older than
``SESSION_COOKIE_AGE``. The reader below leaves the signature to Django's own ``signing``, so
the MAC, the key derivation and the fallbacks are exactly those of the installed Django, and
applies the age rule on the codec's clock. Nothing here signs or writes that format.

Opt in with ``CLIENT_SESSION_READ_SIGNED_COOKIES``: ``True`` reads them for one
``SESSION_COOKIE_AGE`` after the engine starts (the longest such a cookie stays valid in
Django), a date or an aware datetime until then. The reader becomes the policy's
``legacy_cookies``: the core asks it for a cookie that is not in our format, reseals what it
read on that response and logs the upgrade once at INFO, as for every adapter.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any, Final

from django.conf import settings
from django.core import signing

from client_session_core import (
    ConfigurationError,
    LegacyCookies,
    LegacySession,
    cutoff_timestamp,
    signed_within,
)

from ._lifetime import EXPIRY_KEY, legacy_lifetime

__all__ = ["SIGNED_COOKIES_SALT", "legacy_cookies_from_settings", "signed_cookies"]

SIGNED_COOKIES_SALT: Final = "django.contrib.sessions.backends.signed_cookies"
_LABEL: Final = "Django's signed_cookies session engine"


def signed_cookies(
    *,
    until: int | datetime.date,
    max_age: int,
    secret_keys: Sequence[str] | None = None,
) -> LegacyCookies:
    """Read cookies Django's ``signed_cookies`` engine wrote, no older than ``max_age``
    seconds, until ``until`` (a timestamp, a date or an aware datetime).

    ``secret_keys`` are the keys that signed them, newest first; None (the default) reads
    ``SECRET_KEY`` and ``SECRET_KEY_FALLBACKS`` from Django's settings, as the engine did.
    """
    key: str | None = None
    fallback_keys: list[str] | None = None
    if secret_keys is not None:
        if isinstance(secret_keys, str) or not secret_keys:
            given = "one str" if isinstance(secret_keys, str) else "no key"
            raise ConfigurationError(
                "secret_keys is a list of the old SECRET_KEY and its fallbacks, newest first, "
                f"or None for Django's settings; it was given {given}"
            )
        key, *fallback_keys = secret_keys

    def read_signed_cookie(value: str, now: int) -> LegacySession | None:
        try:
            # The signature only: the age is checked below, against the codec's clock.
            data = signing.loads(
                value,
                key=key,
                fallback_keys=fallback_keys,
                salt=SIGNED_COOKIES_SALT,
                serializer=signing.JSONSerializer,
            )
        except signing.BadSignature:
            return None
        # "payload:timestamp:signature", the timestamp covered by the signature just checked.
        signed_at = signing.b62_decode(value.rsplit(":", 2)[-2])
        if not isinstance(data, dict) or not signed_within(signed_at, now, max_age):
            return None
        # Its set_expiry becomes our sealed lifetime (ValueError, as for a date already
        # past, makes the cookie one that does not open).
        expiry = data.pop(EXPIRY_KEY, None)
        persistent = None if expiry is None else expiry != 0
        return LegacySession(data, persistent=persistent, lifetime=legacy_lifetime(expiry, now))

    return LegacyCookies(reader=read_signed_cookie, until=cutoff_timestamp(until), label=_LABEL)


def legacy_cookies_from_settings(started: float) -> LegacyCookies | None:
    """What ``CLIENT_SESSION_READ_SIGNED_COOKIES`` asks for; ``started`` is when the engine
    was configured (``True`` counts one ``SESSION_COOKIE_AGE`` from then)."""
    option: Any = getattr(settings, "CLIENT_SESSION_READ_SIGNED_COOKIES", False)
    max_age = int(settings.SESSION_COOKIE_AGE)
    if option is False or option is None:
        return None
    if option is True:
        return signed_cookies(until=int(started) + max_age, max_age=max_age)
    if isinstance(option, (datetime.date, int, float)) and not isinstance(option, bool):
        return signed_cookies(until=option, max_age=max_age)  # type: ignore[arg-type]
    raise ConfigurationError(
        "CLIENT_SESSION_READ_SIGNED_COOKIES is True (for one SESSION_COOKIE_AGE), a date or an "
        f"aware datetime until which signed_cookies sessions are read, or False; not {option!r}"
    )

"""Reading the cookies of Django's own ``signed_cookies`` engine once, to reseal them in ours.

``django.contrib.sessions.backends.signed_cookies`` keeps the session as JSON signed by
``django.core.signing`` (salt ``django.contrib.sessions.backends.signed_cookies``), under
``SECRET_KEY`` or one of ``SECRET_KEY_FALLBACKS``, and refuses it once older than
``SESSION_COOKIE_AGE``. The reader below leaves the signature to Django's own ``signing``, so
the MAC, the key derivation and the fallbacks are exactly those of the installed Django,
applies the age rule on the codec's clock, and hands the core the time the signature covers:
the core refuses the cookie when signed before ``not_before`` or longer ago than the absolute
lifetime, and reseals it with that time as its start. Nothing here signs or writes that format.

Opt in with ``CLIENT_SESSION_READ_SIGNED_COOKIES``: ``True`` stops asking the reader one
``SESSION_COOKIE_AGE`` after the engine starts (a restart moves that cut-off, never a cookie's
own limit), a date or an aware datetime stops it then. The reader becomes the policy's
``legacy_cookies``: the core asks it for a cookie that is not in our format, reseals what it
read on that response and logs the upgrade once at INFO, as for every adapter.

Every secret the reader accepts a cookie under is held to a key's strength
(``check_legacy_secret``) at start-up: with ``CLIENT_SESSION_KEYS`` set, a weak
``SECRET_KEY`` seals none of our cookies, but anyone who guessed it could still forge a
``signed_cookies`` session (an admin's), and the reader would reseal the forgery as valid.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any, Final

from django.conf import settings
from django.core import signing

from client_session_core.adapter import (
    ConfigurationError,
    LegacyCookies,
    LegacySession,
    check_legacy_secret,
    check_legacy_secrets,
    cutoff_timestamp,
    legacy_cookies_option,
    signed_within,
)

from ._lifetime import EXPIRY_KEY, legacy_lifetime

__all__ = [
    "SIGNED_COOKIES_SALT",
    "check_signed_cookie_secrets",
    "legacy_cookies_from_settings",
    "signed_cookies",
]

SIGNED_COOKIES_SALT: Final = "django.contrib.sessions.backends.signed_cookies"
_LABEL: Final = "Django's signed_cookies session engine"
# How check_legacy_secret names these cookies.
_COOKIES_NAMED: Final = "Django signed_cookies session"
SETTING_TURN_OFF: Final = "CLIENT_SESSION_READ_SIGNED_COOKIES = False"
"""The setting that stops reading them, as a ConfigurationError names it."""
_READER_TURN_OFF: Final = "a policy without this signed_cookies() reader (legacy_cookies=None)"


class _SignedCookieReader:
    """The reader :func:`signed_cookies` builds: Django's ``signing``, under the keys given,
    or Django's ``SECRET_KEY`` and ``SECRET_KEY_FALLBACKS`` when ``key`` is None."""

    __slots__ = ("fallback_keys", "key", "max_age")

    def __init__(self, key: str | None, fallback_keys: list[str] | None, max_age: int) -> None:
        self.key = key
        self.fallback_keys = fallback_keys
        self.max_age = max_age

    def __call__(self, value: str, now: int) -> LegacySession | None:
        try:
            # The signature only: the age is checked below, against the codec's clock.
            data = signing.loads(
                value,
                key=self.key,
                fallback_keys=self.fallback_keys,
                salt=SIGNED_COOKIES_SALT,
                serializer=signing.JSONSerializer,
            )
        except signing.BadSignature:
            return None
        # "payload:timestamp:signature", the timestamp covered by the signature just checked.
        signed_at = signing.b62_decode(value.rsplit(":", 2)[-2])
        if not isinstance(data, dict) or not signed_within(signed_at, now, self.max_age):
            return None
        # Its set_expiry becomes our sealed lifetime, counted from its signing time as the
        # core counts the resealed session's (ValueError, for a date before it was signed,
        # makes the cookie one that does not open).
        expiry = data.pop(EXPIRY_KEY, None)
        persistent = None if expiry is None else expiry != 0
        lifetime = legacy_lifetime(expiry, signed_at)
        return LegacySession(data, signed_at, persistent=persistent, lifetime=lifetime)


def signed_cookies(
    *,
    until: int | datetime.date,
    max_age: int,
    secret_keys: Sequence[str] | None = None,
) -> LegacyCookies:
    """Read cookies Django's ``signed_cookies`` engine wrote, no older than ``max_age``
    seconds, until ``until`` (a timestamp, a date or an aware datetime).

    ``secret_keys`` are the keys that signed them, newest first, each judged now as a key
    would be (a :class:`~client_session_core.ConfigurationError` for a weak one); None (the
    default) reads ``SECRET_KEY`` and ``SECRET_KEY_FALLBACKS`` from Django's settings, as the
    engine did, judged when the engine builds its codec.
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
        check_legacy_secrets(
            secret_keys, setting="secret_keys", label=_COOKIES_NAMED, turn_off=_READER_TURN_OFF
        )
        key, *fallback_keys = secret_keys
    reader = _SignedCookieReader(key, fallback_keys, max_age)
    return LegacyCookies(reader=reader, until=cutoff_timestamp(until), label=_LABEL)


def check_signed_cookie_secrets(legacy: LegacyCookies | None, *, turn_off: str) -> None:
    """:class:`~client_session_core.ConfigurationError` unless ``SECRET_KEY`` and each of
    ``SECRET_KEY_FALLBACKS`` are as strong as a key, when ``legacy`` is a
    :func:`signed_cookies` reader that accepts cookies signed with them; ``turn_off`` names
    what stops reading them. Keys given to :func:`signed_cookies` were judged there."""
    if legacy is None:
        return
    reader = legacy.reader
    if not isinstance(reader, _SignedCookieReader) or reader.key is not None:
        return
    fallbacks: Any = getattr(settings, "SECRET_KEY_FALLBACKS", None) or []
    # Django's signing iterates it: a string would be one key per character.
    if not isinstance(fallbacks, (list, tuple)):
        raise ConfigurationError(
            "SECRET_KEY_FALLBACKS must be a list of old keys, newest first, such as "
            f"[previous_key], not a {type(fallbacks).__name__}: Django's signing would accept "
            "signed_cookies sessions signed with each of its characters"
        )
    check_legacy_secret(
        settings.SECRET_KEY, setting="SECRET_KEY", label=_COOKIES_NAMED, turn_off=turn_off
    )
    check_legacy_secrets(
        fallbacks, setting="SECRET_KEY_FALLBACKS", label=_COOKIES_NAMED, turn_off=turn_off
    )


def legacy_cookies_from_settings(started: float) -> LegacyCookies | None:
    """What ``CLIENT_SESSION_READ_SIGNED_COOKIES`` asks for, by the kit's rule of every
    drop-in (:func:`~client_session_core.adapter.legacy_cookies_option`); ``started`` is when
    the engine was configured (``True`` stops one ``SESSION_COOKIE_AGE`` after then)."""
    option: Any = getattr(settings, "CLIENT_SESSION_READ_SIGNED_COOKIES", False)
    max_age = int(settings.SESSION_COOKIE_AGE)

    def read(until: int | datetime.date, *, by_default: bool) -> LegacyCookies:
        return signed_cookies(until=until, max_age=max_age)

    return legacy_cookies_option(
        option,
        setting="CLIENT_SESSION_READ_SIGNED_COOKIES",
        cookies="signed_cookies sessions",
        reader="signed_cookies(...)",
        started=started,
        window=max_age,
        read=read,
    )

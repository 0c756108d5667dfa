"""Yesterday's cookies, read once: aiohttp-session's ``EncryptedCookieStorage`` (Fernet) format.

A user who switches from aiohttp-session's storage keeps every visitor's session: a cookie that
is not in our format is tried once as a Fernet token under the old secret (by the core, through
the policy's ``legacy_cookies``), and its content is resealed in our format on the same
response. Only ever read, never written.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Final

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from client_session_core import Clock, ConfigurationError, LegacyCookies, cutoff_timestamp

__all__ = ["DEFAULT_LEGACY_WINDOW", "LegacySecret", "aiohttp_session_cookies"]

_LABEL: Final = "aiohttp-session's EncryptedCookieStorage"

DEFAULT_LEGACY_WINDOW = 30 * 24 * 3600
"""Seconds after start-up that cookies of a ``max_age=None`` storage are read, by default."""

LegacySecret = str | bytes | bytearray | Fernet | MultiFernet
"""What aiohttp-session's ``EncryptedCookieStorage(secret_key)`` takes: 32 raw bytes, the text
of a Fernet key, or a ``Fernet`` (a ``MultiFernet`` too, for a rotated old secret)."""


def _fernet(secret_key: LegacySecret) -> Fernet | MultiFernet:
    if isinstance(secret_key, (Fernet, MultiFernet)):
        return secret_key
    # The conversion aiohttp-session's EncryptedCookieStorage makes.
    if isinstance(secret_key, (bytes, bytearray)):
        secret_key = base64.urlsafe_b64encode(secret_key)
    try:
        return Fernet(secret_key)
    except (TypeError, ValueError):
        raise ConfigurationError(
            "legacy_secret_key is not a secret aiohttp-session's EncryptedCookieStorage takes: "
            "pass the same value you gave it (32 raw bytes, a Fernet key as text, or a Fernet)"
        ) from None


def aiohttp_session_cookies(
    secret_key: LegacySecret,
    *,
    max_age: int | None = None,
    decoder: Callable[[str], Any] | None = None,
    until: datetime | date | float | None = None,
    clock: Clock = time.time,
) -> LegacyCookies:
    """Read the cookies aiohttp-session's ``EncryptedCookieStorage(secret_key)`` wrote.

    The value of the core's ``legacy_cookies`` option (``EncryptedCookieSessionStorage``
    builds it from ``legacy_secret_key``; give it to ``session_middleware`` with
    ``cookie_name="AIOHTTP_SESSION"``). ``secret_key``, ``max_age`` and ``decoder`` are the
    old storage's: a token older than ``max_age``, or a session whose ``created`` is, does not
    open (as there); Fernet checks the token's time on the codec's clock. ``until`` (an aware
    datetime, a date or a timestamp) is when reading stops by itself; None stops it
    ``max_age`` after now (start-up), when no cookie written before the switch can still be
    valid, or 30 days after it for ``max_age=None``, whose cookies never expired.
    """
    fernet = _fernet(secret_key)
    decode = json.loads if decoder is None else decoder

    def read_fernet_cookie(value: str, now: int) -> dict[str, Any] | None:
        token = value.encode("ascii")
        try:
            if max_age is None:
                plaintext = fernet.decrypt(token)
            else:
                plaintext = fernet.decrypt_at_time(token, max_age, now)
        except InvalidToken:
            return None
        stored = decode(plaintext.decode("utf-8"))
        data = stored.get("session") if isinstance(stored, dict) else None
        if not isinstance(data, dict) or not data:
            return None
        # aiohttp-session's Session drops content older than max_age by its "created" field.
        created = stored.get("created")
        if max_age is not None and isinstance(created, int) and now - created > max_age:
            return None
        return data

    if until is None:
        until = int(clock()) + (DEFAULT_LEGACY_WINDOW if max_age is None else max_age)
    return LegacyCookies(reader=read_fernet_cookie, until=cutoff_timestamp(until), label=_LABEL)

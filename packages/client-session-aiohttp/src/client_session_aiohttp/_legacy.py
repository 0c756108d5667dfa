"""Yesterday's cookies, read once: aiohttp-session's ``EncryptedCookieStorage`` (Fernet) format.

A user who switches from aiohttp-session's storage keeps every visitor's session: a cookie that
does not open in our format is tried once as a Fernet token under the old secret, and its
content is resealed in our format on the same response. Only ever read, never written.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Final

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from client_session_core import (
    ConfigurationError,
    LegacyCookies,
    Session,
    SessionCodec,
    cutoff_timestamp,
)

__all__ = ["DEFAULT_LEGACY_WINDOW", "LegacySecret", "fernet_cookies", "upgrade_legacy_cookie"]

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


def fernet_cookies(
    secret_key: LegacySecret,
    *,
    max_age: int | None,
    decoder: Callable[[str], Any] | None = None,
    until: datetime | date | float | None = None,
    now: int,
) -> LegacyCookies:
    """Read cookies written by aiohttp-session's ``EncryptedCookieStorage(secret_key)``.

    ``max_age`` is that storage's: a token older than that, or a session whose ``created``
    is, does not open (as there); Fernet checks the token's time, on the codec's clock.
    ``until`` (an aware datetime, a date or a timestamp) is when reading stops by itself;
    None stops it ``max_age`` after ``now`` (start-up), when no cookie written before the
    switch can still be valid, or after 30 days for aiohttp-session's ``max_age=None``,
    whose cookies never expired.
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
        until = now + (DEFAULT_LEGACY_WINDOW if max_age is None else max_age)
    return LegacyCookies(reader=read_fernet_cookie, until=cutoff_timestamp(until), label=_LABEL)


def upgrade_legacy_cookie(
    codec: SessionCodec, legacy: LegacyCookies, value: str | None
) -> Session | None:
    """A session holding the content of legacy cookie ``value``, to be resealed on this
    response, or None when ``value`` is not a legacy cookie that opens (or reading ended).

    The core logs each upgrade once at INFO, naming the cookie, never its content.
    """
    if value is None:
        return None
    policy = codec.policy
    found = legacy.upgrade(value, int(codec.clock()), policy.serializer, policy.cookie_name)
    if found is None:
        return None
    session = codec.load(None)
    session.update(found[0].data)
    # Sealed in our format on this response, with lifetimes counted from now.
    session.mark_modified()
    return session

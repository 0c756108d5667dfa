"""Yesterday's cookies, read once: aiohttp-session's ``EncryptedCookieStorage`` (Fernet) format.

A user who switches from aiohttp-session's storage keeps every visitor's session: a cookie that
does not open in our format is tried once as a Fernet token under the old secret, and its
content is resealed in our format on the same response. Only ever read, never written.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from client_session_core import Clock, ConfigurationError, Session, SessionCodec

__all__ = ["FernetCookieReader", "LegacySecret", "upgrade_legacy_cookie"]

logger = logging.getLogger("client_session")

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


def _timestamp(until: datetime | float | None) -> float | None:
    if until is None or (isinstance(until, (int, float)) and not isinstance(until, bool)):
        return until
    if isinstance(until, datetime):
        if until.tzinfo is None:
            raise ConfigurationError(
                "legacy_until is a naive datetime, so its moment depends on the server's time "
                "zone: give it one, e.g. datetime(2027, 1, 1, tzinfo=timezone.utc)"
            )
        return until.timestamp()
    raise ConfigurationError(
        f"legacy_until is a datetime with a time zone, a timestamp or None, not "
        f"{type(until).__name__}"
    )


class FernetCookieReader:
    """Opens cookies written by aiohttp-session's ``EncryptedCookieStorage``.

    ``max_age`` is the storage's: a token older than that, or a session whose ``created``
    is, does not open (as there). ``until`` (a time-zone-aware datetime or a timestamp) is
    when reading stops by itself; None reads for as long as the option is set.
    """

    __slots__ = ("_clock", "_decoder", "_fernet", "_max_age", "_until")

    def __init__(
        self,
        secret_key: LegacySecret,
        *,
        max_age: int | None,
        decoder: Callable[[str], Any] | None = None,
        until: datetime | float | None = None,
        clock: Clock,
    ) -> None:
        self._fernet = _fernet(secret_key)
        self._max_age = max_age
        self._decoder = json.loads if decoder is None else decoder
        self._until = _timestamp(until)
        self._clock = clock

    @property
    def active(self) -> bool:
        """Whether legacy cookies are still read now (before ``until``)."""
        return self._until is None or self._clock() < self._until

    def open(self, value: str) -> dict[str, Any] | None:
        """The session content of a legacy cookie ``value``, or None when it does not open."""
        now = int(self._clock())
        try:
            token = value.encode("ascii")
            if self._max_age is None:
                plaintext = self._fernet.decrypt(token)
            else:
                plaintext = self._fernet.decrypt_at_time(token, self._max_age, now)
            stored = self._decoder(plaintext.decode("utf-8"))
        except (InvalidToken, UnicodeError, TypeError, ValueError):
            return None
        if not isinstance(stored, dict):
            return None
        data = stored.get("session")
        created = stored.get("created")
        if not isinstance(data, dict) or not data:
            return None
        # aiohttp-session's Session drops content older than max_age by its "created" field.
        if self._max_age is not None and isinstance(created, int) and now - created > self._max_age:
            return None
        return data


def upgrade_legacy_cookie(
    codec: SessionCodec, reader: FernetCookieReader, value: str | None
) -> Session | None:
    """A session holding the content of legacy cookie ``value``, to be resealed on this
    response, or None when ``value`` is not a legacy cookie that opens (or reading has ended)."""
    if value is None or not reader.active:
        return None
    data = reader.open(value)
    if data is None:
        return None
    session = codec.load(None)
    session.update(data)
    # Sealed in our format on this response, with lifetimes counted from now.
    session.mark_modified()
    # Once per upgraded cookie: the next request carries the resealed one. Never the content.
    logger.info(
        "session cookie %r was in aiohttp-session's EncryptedCookieStorage format; it is "
        "resealed in client-session's format on this response",
        codec.policy.cookie_name,
    )
    return session

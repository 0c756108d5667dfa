"""Yesterday's cookies, read once: aiohttp-session's ``EncryptedCookieStorage`` (Fernet) format.

A user who switches from aiohttp-session's storage keeps every visitor's session: a cookie that
is not in our format is tried once as a Fernet token under the old secret (by the core, through
the policy's ``legacy_cookies``), and its content is resealed in our format on the same
response. Only ever read, never written.

Fernet verifies the token (its HMAC, and with ``max_age`` its age); the reader then gives the
core the token's own timestamp, which that HMAC covers, and the core judges the old cookie by
the policy's rules from it: refused before ``not_before`` or once older than the absolute
lifetime, even for a storage without ``max_age`` whose tokens never expired (the idle timeout
does not count from an old token's time, which is no last activity).
The old secret must be as strong as a key (``check_legacy_secret``) when it is given as bytes
or text; a ``Fernet`` or ``MultiFernet`` object keeps its keys private, so it is taken as the
application built it.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Final

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from client_session_core.adapter import (
    Clock,
    ConfigurationError,
    LegacyCookies,
    LegacySession,
    canonical_base64,
    check_legacy_secret,
    cutoff_timestamp,
)

__all__ = [
    "DEFAULT_LEGACY_WINDOW",
    "LegacySecret",
    "aiohttp_session_cookies",
    "fernet_cookies",
    "fernet_token_time",
]

_LABEL: Final = "aiohttp-session's EncryptedCookieStorage"
# How check_legacy_secret names these cookies.
_COOKIES_NAMED: Final = "aiohttp-session"

DEFAULT_LEGACY_WINDOW = 30 * 24 * 3600
"""Seconds after start-up that cookies of a ``max_age=None`` storage are read, by default."""

LegacySecret = str | bytes | bytearray | Fernet | MultiFernet
"""What aiohttp-session's ``EncryptedCookieStorage(secret_key)`` takes: 32 raw bytes, the text
of a Fernet key, or a ``Fernet`` (a ``MultiFernet`` too, for a rotated old secret)."""


def _fernet(secret_key: LegacySecret, *, setting: str, turn_off: str) -> Fernet | MultiFernet:
    if isinstance(secret_key, (Fernet, MultiFernet)):
        # Its keys cannot be read back (cryptography keeps them private), so they cannot be
        # judged here: give the key itself, as bytes or text, to have it judged.
        return secret_key
    # The conversion aiohttp-session's EncryptedCookieStorage makes.
    key = (
        base64.urlsafe_b64encode(secret_key)
        if isinstance(secret_key, (bytes, bytearray))
        else secret_key
    )
    try:
        fernet = Fernet(key)
    except (TypeError, ValueError):
        raise ConfigurationError(
            f"{setting} is not a secret aiohttp-session's EncryptedCookieStorage takes: pass the "
            "same value you gave it (32 raw bytes, a Fernet key as text, or a Fernet)"
        ) from None
    # The 32 bytes the Fernet key is made of, judged whichever way they were written: a
    # Fernet key text that encodes a phrase is as weak as the phrase.
    check_legacy_secret(
        base64.urlsafe_b64decode(key), setting=setting, label=_COOKIES_NAMED, turn_off=turn_off
    )
    return fernet


def fernet_token_time(token: bytes) -> int:
    """The timestamp field of a Fernet token that Fernet has just verified (the Fernet spec: a
    version byte, then 64 bits, big-endian): read here only for a ``MultiFernet`` of
    cryptography before 44, which has no ``extract_timestamp``; every other object's own
    ``extract_timestamp`` is used."""
    return int.from_bytes(base64.urlsafe_b64decode(token)[1:9], "big")


def _token_time(fernet: Fernet | MultiFernet, token: bytes) -> int:
    extract: Callable[[bytes], int] | None = getattr(fernet, "extract_timestamp", None)
    return fernet_token_time(token) if extract is None else extract(token)


def fernet_cookies(
    secret_key: LegacySecret,
    *,
    setting: str,
    turn_off: str,
    max_age: int | None = None,
    decoder: Callable[[str], Any] | None = None,
    until: datetime | date | float | None = None,
    clock: Clock = time.time,
) -> LegacyCookies:
    """:func:`aiohttp_session_cookies`, with the names a message gives the old secret
    (``setting``) and the way to stop reading (``turn_off``)."""
    fernet = _fernet(secret_key, setting=setting, turn_off=turn_off)
    decode = json.loads if decoder is None else decoder

    def read_fernet_cookie(value: str, now: int) -> LegacySession | None:
        # Fernet's decoder takes spaces, missing padding and set unused bits: only the
        # token's one spelling may open, so that no altered cookie does.
        if not canonical_base64(value, padded=True):
            return None
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
        # The token's own time, which its HMAC covers: the core counts the policy's lifetimes
        # from it, and refuses it before not_before or in the future.
        return LegacySession(data, _token_time(fernet, token))

    if until is None:
        until = int(clock()) + (DEFAULT_LEGACY_WINDOW if max_age is None else max_age)
    return LegacyCookies(reader=read_fernet_cookie, until=cutoff_timestamp(until), label=_LABEL)


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
    open (as there); Fernet checks the token's time on the codec's clock, and the core judges
    each token from its own time by the policy's rules (``not_before`` and the absolute
    lifetime; the idle timeout counts from the upgrade). ``until`` (an aware datetime, a date
    or a timestamp) is when reading stops; None stops it ``max_age`` after now (start-up), or
    30 days after it for ``max_age=None``: a restart moves that date, never the time a given
    cookie can be read.

    ``secret_key`` given as bytes or text must be as strong as a key (its 32 bytes are
    judged): a :class:`ConfigurationError` otherwise. A ``Fernet`` or ``MultiFernet`` is
    taken as it is, since its keys cannot be read back.
    """
    return fernet_cookies(
        secret_key,
        setting="secret_key",
        turn_off="legacy_cookies=None",
        max_age=max_age,
        decoder=decoder,
        until=until,
        clock=clock,
    )

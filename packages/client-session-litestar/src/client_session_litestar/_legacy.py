"""Reading the session cookies Litestar's own ``CookieBackendConfig`` wrote, once, after the switch.

Litestar's ``ClientSideSessionBackend`` (``litestar/middleware/session/client_side.py``) writes
``base64(nonce | AES-GCM ciphertext and tag | b"additional_authenticated_data=" | aad)`` under
its ``secret`` (16, 24 or 32 bytes), where ``aad`` is ``{"expires_at": <write time + max_age>}``
as JSON, the associated data the tag covers. A value longer than 4032 characters is split over
the cookies ``session-0``, ``session-1``, ... (the middleware joins them, in numeric order, before
this reader sees the value). Litestar keeps no other time: the write time is ``expires_at``
less the ``max_age`` it was configured with (a second earlier: Litestar rounds its clock), so
the reader is given that ``max_age`` and
returns that time as the signing time, from which the core judges the old cookie by the
policy's rules (``not_before``, the absolute lifetime). cryptography's ``AESGCM`` checks the
tag, as Litestar's own code does: nothing here re-implements it.
"""

from __future__ import annotations

import binascii
import datetime
import json
import time
from base64 import b64decode, b64encode
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from client_session_core.adapter import (
    Clock,
    ConfigurationError,
    LegacyCookies,
    LegacySession,
    check_legacy_secret,
    cutoff_timestamp,
    legacy_cookies_option,
)

__all__ = ["DEFAULT_MAX_AGE", "legacy_cookies_for", "litestar_cookies"]

DEFAULT_MAX_AGE: Final = 14 * 24 * 60 * 60
"""Litestar's default ``max_age`` (``CookieBackendConfig``): 14 days, in seconds."""

_LABEL: Final = "Litestar's CookieBackendConfig"
# How check_legacy_secret names these cookies, and the option that stops reading them.
_COOKIES_NAMED: Final = "Litestar session"
_TURN_OFF: Final = "ClientSessionConfig(legacy_cookies=False)"
# Litestar's format (client_side.py): NONCE_SIZE, and the marker before the associated data.
_NONCE_SIZE: Final = 12
_TAG_SIZE: Final = 16
_AAD_MARKER: Final = b"additional_authenticated_data="
_AES_KEY_SIZES: Final = (16, 24, 32)


def litestar_cookies(
    secret: bytes, *, until: int | datetime.date, max_age: int = DEFAULT_MAX_AGE
) -> LegacyCookies:
    """Read cookies Litestar's ``CookieBackendConfig(secret=..., max_age=...)`` wrote.

    ``secret`` is the secret Litestar encrypted with (bytes); ``max_age`` is the one it was
    given (14 days unless you set another): Litestar stores only the time its cookie expires,
    and the time it was written is that less ``max_age``; ``until`` is the date (or
    timestamp) from which these cookies are no longer read. Give this to
    ``ClientSessionConfig(legacy_cookies=...)`` when the old secret is not the ``secret`` of
    the new configuration, e.g. after moving to a key ring. Chunked cookies (``session-0``,
    ``session-1``, ...) are read too, in their numeric order.

    ``secret`` must be as strong as a key of its size (``check_legacy_secret``): the random
    16 or 24 bytes of an AES-128 or AES-192 key, as Litestar's documentation makes with
    ``os.urandom(16)``, or 32 bytes or more worth 128 bits; text of 16 or 24 characters is a
    password, not a random key, and is refused. A :class:`ConfigurationError` here otherwise,
    since anyone who guesses a weak secret forges an old cookie that would be resealed as a
    valid session.
    """
    check_legacy_secret(
        secret,
        setting="secret of litestar_cookies()",
        label=_COOKIES_NAMED,
        turn_off=_TURN_OFF,
        raw_key_sizes=_AES_KEY_SIZES,
    )
    _check_max_age(max_age, "max_age of litestar_cookies()")
    return _litestar_cookies(secret, until=until, max_age=max_age)


def _check_max_age(max_age: object, option: str) -> None:
    if isinstance(max_age, bool) or not isinstance(max_age, int) or max_age < 1:
        raise ConfigurationError(
            f"{option} must be a positive whole number of seconds, the max_age Litestar's "
            f"CookieBackendConfig was given (14 days by default), not {max_age!r}"
        )


def _litestar_cookies(secret: bytes, *, until: int | datetime.date, max_age: int) -> LegacyCookies:
    if len(secret) not in _AES_KEY_SIZES:
        # Litestar's own check (CookieBackendConfig.__post_init__): no cookie was written so.
        raise ConfigurationError(
            f"the secret of Litestar's CookieBackendConfig is 16, 24 or 32 bytes, not "
            f"{len(secret)}: no cookie of Litestar's can be read with it; stop reading them "
            f"with {_TURN_OFF}"
        )
    aesgcm = AESGCM(secret)

    def read_litestar_cookie(value: str, now: int) -> LegacySession | None:
        try:
            raw = b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            return None
        # Litestar decodes leniently (stray characters, missing padding): only the one
        # spelling its encoder writes may open, so that no altered cookie does.
        if b64encode(raw).decode("ascii") != value:
            return None
        marker = raw.rfind(_AAD_MARKER)
        if marker < _NONCE_SIZE + _TAG_SIZE:
            return None
        associated = raw[marker + len(_AAD_MARKER) :]
        expires_at = json.loads(associated).get("expires_at")
        if isinstance(expires_at, bool) or not isinstance(expires_at, int):
            return None
        # Litestar wrote round(time.time()) + max_age: the write was in the second before
        # expires_at - max_age or in that one. The earlier is taken, so that no old cookie is
        # judged younger than it is (not_before, the absolute lifetime).
        signed_at = expires_at - max_age - 1
        # Litestar's own age rule (ClientSideSessionBackend.load_data: read while expires_at
        # is ahead), on the codec's clock; and never written in the future.
        if not signed_at <= now < expires_at:
            return None
        try:
            plaintext = aesgcm.decrypt(raw[:_NONCE_SIZE], raw[_NONCE_SIZE:marker], associated)
        except InvalidTag:
            return None
        return LegacySession(json.loads(plaintext), signed_at)

    return LegacyCookies(reader=read_litestar_cookie, until=cutoff_timestamp(until), label=_LABEL)


def legacy_cookies_for(
    option: object, *, secret: object, max_age: int, clock: Clock = time.time
) -> LegacyCookies | None:
    """The legacy cookies ``ClientSessionConfig(legacy_cookies=option)`` reads, if any (the
    kit's one rule, :func:`~client_session_core.adapter.legacy_cookies_option`).

    - ``True`` (the default): Litestar's cookies encrypted with ``secret`` (bytes, the
      configuration's key, already held to a key's strength), until ``max_age`` after
      start-up. Each cookie is also bounded by its own write time (Litestar's ``max_age`` and
      the policy's lifetimes), which no restart moves. Off when there is no secret in bytes to
      read with (keys given as ``keys=`` or a policy, or a text secret, which Litestar never
      accepted).
    - a date (or an aware datetime, or a timestamp): the same, until then.
    - a :class:`LegacyCookies` (:func:`litestar_cookies`, or any other reader): that one.
    - ``False``: never.
    """

    def read(until: int | datetime.date, *, by_default: bool) -> LegacyCookies | None:
        if not isinstance(secret, bytes):
            if by_default:
                return None
            raise ConfigurationError(
                "legacy_cookies=<date> reads the cookies Litestar's CookieBackendConfig "
                "encrypted with secret (bytes), and no such secret is given: pass "
                "legacy_cookies=litestar_cookies(old_secret, until=...)"
            )
        check_legacy_secret(secret, setting="secret", label=_COOKIES_NAMED, turn_off=_TURN_OFF)
        return _litestar_cookies(secret, until=until, max_age=max_age)

    return legacy_cookies_option(
        option,
        setting="legacy_cookies",
        cookies="Litestar's cookies",
        reader="litestar_cookies(...)",
        started=clock(),
        window=max_age,
        read=read,
    )

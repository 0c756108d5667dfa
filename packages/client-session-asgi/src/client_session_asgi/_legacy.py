"""Reading the session cookies Starlette's own SessionMiddleware wrote, once, after the switch.

Starlette signs ``base64(json(session))`` with itsdangerous' ``TimestampSigner`` under
``str(secret_key)`` and refuses it once older than ``max_age``. The reader below hands the
value to that same signer (itsdangerous checks the MAC; nothing here re-implements it),
applies the same age rule with the codec's clock, and gives the core the time the signature
covers: the core then judges the old cookie by the policy's own rules from that time
(``not_before``, the absolute lifetime, even when Starlette's ``max_age`` was None). An old
secret given here must be as strong as a key (:func:`starlette_cookies`). itsdangerous is
imported only when the option is on: it is this package's ``[legacy]`` extra, and every
application that used Starlette's SessionMiddleware has it already (that middleware imports
it).
"""

from __future__ import annotations

import datetime
import json
import logging
import time
from base64 import b64decode
from typing import Any, Final

from client_session_core.adapter import (
    DROP_IN_ABSOLUTE_LIFETIME,
    Clock,
    ConfigurationError,
    LegacyCookies,
    LegacySession,
    canonical_base64,
    check_legacy_secret,
    cutoff_timestamp,
    legacy_cookies_option,
    signed_within,
)

__all__ = ["LegacyOption", "legacy_cookies_for", "starlette_cookies"]

logger = logging.getLogger("client_session")

LegacyOption = bool | datetime.date | int | float | LegacyCookies
"""What ``SessionMiddleware(legacy_cookies=...)`` accepts."""

_LABEL: Final = "Starlette's SessionMiddleware"
# How check_legacy_secret names these cookies, and the option that stops reading them.
_COOKIES_NAMED: Final = "Starlette session"
_TURN_OFF: Final = "SessionMiddleware(legacy_cookies=False)"
_FALLBACK_WINDOW: Final = 14 * 24 * 60 * 60  # Starlette's default max_age


def _import_itsdangerous() -> Any:
    try:
        import itsdangerous  # only here: only when legacy cookies are read
    except ImportError:
        return None
    return itsdangerous


def starlette_cookies(
    secret_key: object,
    *,
    until: int | datetime.date,
    max_age: int | None = _FALLBACK_WINDOW,
) -> LegacyCookies:
    """Read cookies Starlette's ``SessionMiddleware(secret_key=..., max_age=...)`` wrote.

    ``secret_key`` is the secret Starlette signed with (a ``str`` or Starlette's ``Secret``);
    ``max_age`` is the one it was given (None: no age limit in Starlette; the policy's
    absolute lifetime still bounds each cookie from its signature); ``until`` is the date (or
    timestamp) from which these cookies are no longer read. Give this to
    ``SessionMiddleware(legacy_cookies=...)`` when the old secret is not the ``secret_key``
    of the new middleware, e.g. after moving to a key ring.

    ``secret_key`` must be as strong as a key (``check_legacy_secret``): a
    :class:`ConfigurationError` here otherwise, since anyone who guesses a weak one forges
    an old cookie that would be resealed as a valid session.
    """
    check_legacy_secret(
        _signing_secret(secret_key),
        setting="secret_key of starlette_cookies()",
        label=_COOKIES_NAMED,
        turn_off=_TURN_OFF,
    )
    return _starlette_cookies(secret_key, until=until, max_age=max_age)


def _signing_secret(secret_key: object) -> object:
    # Starlette signs with str(secret_key): a Secret from starlette.config gives its value
    # that way. Text and bytes are judged as given, and None (no secret) is refused.
    if secret_key is None or isinstance(secret_key, (str, bytes)):
        return secret_key
    return str(secret_key)


def _starlette_cookies(
    secret_key: object, *, until: int | datetime.date, max_age: int | None
) -> LegacyCookies:
    itsdangerous = _import_itsdangerous()
    if itsdangerous is None:
        raise ConfigurationError(
            "reading Starlette's session cookies needs itsdangerous: "
            "pip install 'client-session-asgi[legacy]'"
        )
    # Starlette's own signer, built as Starlette builds it.
    signer = itsdangerous.TimestampSigner(str(secret_key))
    bad_signature = itsdangerous.BadSignature

    def read_starlette_cookie(value: str, now: int) -> LegacySession | None:
        # itsdangerous decodes a signature leniently ("+" for "-", padding, stray
        # characters): only its one spelling may open, so that no altered cookie does.
        if not canonical_base64(value.rpartition(".")[2], padded=False):
            return None
        try:
            payload, signed = signer.unsign(
                value.encode("utf-8"), max_age=None, return_timestamp=True
            )
        except bad_signature:
            return None
        # The time the signature covers (itsdangerous has just verified it): the core counts
        # the policy's lifetimes from it, and refuses it before not_before or in the future.
        signed_at = int(signed.timestamp())
        # itsdangerous' own age rule (TimestampSigner.unsign), on the codec's clock.
        if not signed_within(signed_at, now, max_age):
            return None
        return LegacySession(json.loads(b64decode(payload)), signed_at)

    return LegacyCookies(reader=read_starlette_cookie, until=cutoff_timestamp(until), label=_LABEL)


def legacy_cookies_for(
    option: LegacyOption,
    *,
    secret_key: object,
    max_age: int | None,
    clock: Clock = time.time,
) -> LegacyCookies | None:
    """The legacy cookies ``SessionMiddleware(legacy_cookies=option)`` reads, if any (the
    kit's :func:`~client_session_core.adapter.legacy_cookies_option`).

    - ``True`` (the default): Starlette's cookies signed with ``secret_key`` (the session's
      key, already held to a key's strength), until ``max_age`` after start-up (30 days, the
      drop-in cap, when ``max_age`` is None). Each cookie is also bounded by its own signing
      time (Starlette's ``max_age`` and the policy's lifetimes), which no restart moves. Off
      when there is no old secret to read with (keys given as a ring or a policy); off with a
      WARNING when itsdangerous is not installed.
    - a date, an aware datetime or a timestamp: the same, until then.
    - a :class:`LegacyCookies` (:func:`starlette_cookies`, or any other reader): that one.
    - ``False``: never.
    """

    def read(until: int | datetime.date, *, by_default: bool) -> LegacyCookies | None:
        if secret_key is None:
            if by_default:
                return None
            raise ConfigurationError(
                f"legacy_cookies={option!r} reads the cookies Starlette signed with "
                "secret_key, and no secret_key is given: pass "
                "legacy_cookies=starlette_cookies(old_secret, until=...)"
            )
        if by_default and _import_itsdangerous() is None:
            # Configured (by default) but unable to run: said, never silent, since users who
            # still hold a cookie of Starlette's middleware would be logged out without a word.
            logger.warning(
                "legacy_cookies=True reads the cookies Starlette's SessionMiddleware signed "
                "with secret_key, but itsdangerous is not installed, so none is read: "
                "pip install 'client-session-asgi[legacy]' to read them, or pass "
                "legacy_cookies=False if the application never used Starlette's "
                "SessionMiddleware"
            )
            return None
        return _starlette_cookies(secret_key, until=until, max_age=max_age)

    return legacy_cookies_option(
        option,
        setting="legacy_cookies",
        cookies="Starlette's cookies",
        reader="starlette_cookies(...)",
        started=clock(),
        window=DROP_IN_ABSOLUTE_LIFETIME if max_age is None else max_age,
        read=read,
    )

"""Reading the session cookies Starlette's own SessionMiddleware wrote, once, after the switch.

Starlette signs ``base64(json(session))`` with itsdangerous' ``TimestampSigner`` under
``str(secret_key)`` and refuses it once older than ``max_age``. The reader below hands the
value to that same signer (itsdangerous checks the MAC; nothing here re-implements it) and
applies the same age rule with the codec's clock. itsdangerous is imported only when the
option is on: it is this package's ``[legacy]`` extra, and every application that used
Starlette's SessionMiddleware has it already (that middleware imports it).
"""

from __future__ import annotations

import datetime
import json
import logging
import time
from base64 import b64decode
from typing import Any, Final

from client_session_core import (
    Clock,
    ConfigurationError,
    LegacyCookies,
    cutoff_timestamp,
    signed_within,
)

__all__ = ["LegacyOption", "legacy_cookies_for", "starlette_cookies"]

logger = logging.getLogger("client_session")

LegacyOption = bool | datetime.date | LegacyCookies
"""What ``SessionMiddleware(legacy_cookies=...)`` accepts."""

_LABEL: Final = "Starlette's SessionMiddleware"
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
    ``max_age`` is the one it was given (None: no age limit, as in Starlette); ``until`` is
    the date (or timestamp) from which these cookies are no longer read. Give this to
    ``SessionMiddleware(legacy_cookies=...)`` when the old secret is not the ``secret_key``
    of the new middleware, e.g. after moving to a key ring.
    """
    itsdangerous = _import_itsdangerous()
    if itsdangerous is None:
        raise ConfigurationError(
            "reading Starlette's session cookies needs itsdangerous: "
            "pip install 'client-session-asgi[legacy]'"
        )
    # Starlette's own signer, built as Starlette builds it.
    signer = itsdangerous.TimestampSigner(str(secret_key))
    bad_signature = itsdangerous.BadSignature

    def read_starlette_cookie(value: str, now: int) -> Any:
        try:
            payload, signed_at = signer.unsign(
                value.encode("utf-8"), max_age=None, return_timestamp=True
            )
        except bad_signature:
            return None
        # itsdangerous' own age rule (TimestampSigner.unsign), on the codec's clock.
        if not signed_within(signed_at.timestamp(), now, max_age):
            return None
        return json.loads(b64decode(payload))

    return LegacyCookies(reader=read_starlette_cookie, until=cutoff_timestamp(until), label=_LABEL)


def legacy_cookies_for(
    option: LegacyOption,
    *,
    secret_key: object,
    max_age: int | None,
    clock: Clock = time.time,
) -> LegacyCookies | None:
    """The legacy cookies ``SessionMiddleware(legacy_cookies=option)`` reads, if any.

    - ``True`` (the default): Starlette's cookies signed with ``secret_key``, for ``max_age``
      from start-up (14 days when ``max_age`` is None): the longest a cookie the old
      deployment wrote stays valid, so the option ends by itself. Off when there is nothing
      to read: no ``secret_key`` (keys given as a ring), or no itsdangerous (without it
      Starlette's middleware could not have run here).
    - a date (or datetime): the same, until that date.
    - a :class:`LegacyCookies` (:func:`starlette_cookies`, or any other reader): that one.
    - ``False``: never.
    """
    if option is False:
        return None
    if isinstance(option, LegacyCookies):
        return option
    if option is not True and not isinstance(option, datetime.date):
        raise ConfigurationError(
            f"legacy_cookies is True, False, a date until which Starlette's cookies are read, "
            f"or starlette_cookies(...), not {option!r}"
        )
    if secret_key is None:
        if option is True:
            return None
        raise ConfigurationError(
            "legacy_cookies=<date> reads the cookies Starlette signed with secret_key, and no "
            "secret_key is given: pass legacy_cookies=starlette_cookies(old_secret, until=...)"
        )
    if option is True:
        if _import_itsdangerous() is None:
            logger.debug("itsdangerous is not installed: Starlette's cookies are not read")
            return None
        window = _FALLBACK_WINDOW if max_age is None else max_age
        until: int | datetime.date = int(clock()) + window
    else:
        until = option
    return starlette_cookies(secret_key, until=until, max_age=max_age)

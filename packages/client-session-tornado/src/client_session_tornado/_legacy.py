"""Reading a cookie Tornado's ``set_signed_cookie`` wrote, once, as the session.

Tornado has no sessions of its own: applications keep a little state (often a JSON object or
a user id) in a cookie signed with ``cookie_secret`` by ``RequestHandler.set_signed_cookie``
(``set_secure_cookie`` before Tornado 6.3). The reader below hands the value to Tornado's own
``tornado.web.decode_signed_value``, which checks the signature of both of its formats
(version 1, HMAC-SHA1, and version 2, HMAC-SHA256 with key versions) and its age limit
(``max_age_days``, 31 by default, as ``get_signed_cookie``), on the codec's clock. Nothing
here re-implements them, and Tornado is already a dependency.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Mapping
from typing import Any, Final

from tornado.web import decode_signed_value

from client_session_core import ConfigurationError, LegacyCookies, cutoff_timestamp

__all__ = ["tornado_signed_cookies"]

_LABEL: Final = "Tornado's set_signed_cookie"


def _json_object(value: bytes) -> Any:
    return json.loads(value)


def tornado_signed_cookies(
    cookie_secret: str | bytes | Mapping[int, str | bytes],
    *,
    name: str,
    until: int | datetime.date,
    max_age_days: float = 31,
    decode: Callable[[bytes], Mapping[str, Any]] = _json_object,
) -> LegacyCookies:
    """Read the cookie ``name`` that ``set_signed_cookie(name, value)`` wrote, until ``until``.

    ``cookie_secret`` is the Application's ``cookie_secret`` setting (a dict of key versions
    for Tornado's key rotation too). ``name`` must be the session's ``cookie_name``: the old
    cookie is read in its place, and the resealed session replaces it under that name.
    ``decode`` turns the signed bytes into the session's content: a JSON object by default;
    for a cookie that held a bare user id, for instance,
    ``decode=lambda raw: {"user_id": raw.decode()}``.
    ``max_age_days`` is the limit the application gave ``get_signed_cookie`` (31 by default).
    """
    if not cookie_secret:
        raise ConfigurationError(
            "tornado_signed_cookies needs the cookie_secret the old cookies were signed with"
        )
    if not callable(decode):
        raise ConfigurationError(f"decode must be a callable, not {type(decode).__name__}")

    def read_tornado_cookie(value: str, now: int) -> Mapping[str, Any] | None:
        raw = decode_signed_value(
            cookie_secret,  # type: ignore[arg-type]
            name,
            value,
            max_age_days=max_age_days,
            clock=lambda: float(now),
        )
        return None if raw is None else decode(raw)

    return LegacyCookies(reader=read_tornado_cookie, until=cutoff_timestamp(until), label=_LABEL)

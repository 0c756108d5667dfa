"""Reading a cookie Tornado's ``set_signed_cookie`` wrote, once, as the session.

Tornado has no sessions of its own: applications keep a little state (often a JSON object or
a user id) in a cookie signed with ``cookie_secret`` by ``RequestHandler.set_signed_cookie``
(``set_secure_cookie`` before Tornado 6.3). The reader below hands the value to Tornado's own
``tornado.web.decode_signed_value``, which checks the signature of both of its formats
(version 1, HMAC-SHA1, and version 2, HMAC-SHA256 with key versions) and its age limit
(``max_age_days``, 31 by default, as ``get_signed_cookie``), on the codec's clock. Nothing
here re-implements them, and Tornado is already a dependency.

Once Tornado has verified a value, the reader reads the timestamp field its signature covers
and gives it to the core, which judges the old cookie by the policy's own rules from that
time (``not_before``, the absolute lifetime, never in the future). The ``cookie_secret``
must be as strong as a key (``check_legacy_secret``), each of its versions when it is a dict.

Tornado's version-1 check logs a cookie it refuses, value included ("Invalid cookie signature
'...'"), at WARNING on ``tornado.general``. A session cookie's content never reaches a log
here: while this reader runs, those records are dropped (the core logs the refusal, with its
reason and never the value).
"""

from __future__ import annotations

import contextvars
import datetime
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any, Final

from tornado.log import gen_log
from tornado.web import decode_signed_value, get_signature_key_version

from client_session_core.adapter import (
    ConfigurationError,
    LegacyCookies,
    LegacySession,
    check_legacy_secret,
    check_legacy_secrets,
    cutoff_timestamp,
)

__all__ = ["signed_value_time", "tornado_signed_cookies"]

_LABEL: Final = "Tornado's set_signed_cookie"
# How check_legacy_secret names these cookies, and the way to stop reading them.
_COOKIES_NAMED: Final = "Tornado signed"
_TURN_OFF: Final = "client_session_codec(legacy_cookies=None)"


_READING: contextvars.ContextVar[bool] = contextvars.ContextVar("reading", default=False)


class _QuietWhileReading(logging.Filter):
    """Drops ``tornado.general``'s records while a legacy reader runs in this context: they
    quote the cookie's value."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not _READING.get()


_QUIET = _QuietWhileReading()


def _json_object(value: bytes) -> Any:
    return json.loads(value)


def signed_value_time(value: bytes) -> int:
    """The timestamp field of a signed value that ``decode_signed_value`` has verified.

    Version 1 is ``value|timestamp|signature``; version 2 is ``2|`` and then fields written
    ``length:bytes|``, the key version first and the timestamp second (``create_signed_value``).
    Tornado's public ``get_signature_key_version`` tells the two apart as Tornado does (None
    for version 1); its parser of the fields is private, so the two fields are read here.
    """
    if get_signature_key_version(value) is None:
        return int(value.split(b"|")[1])
    length, _, rest = value[2:].partition(b":")  # the key version's field, after "2|"
    length, _, rest = rest[int(length) + 1 :].partition(b":")  # the timestamp's
    return int(rest[: int(length)])


def _check_cookie_secret(cookie_secret: object) -> None:
    if isinstance(cookie_secret, Mapping):
        check_legacy_secrets(
            cookie_secret, setting="cookie_secret", label=_COOKIES_NAMED, turn_off=_TURN_OFF
        )
    else:
        check_legacy_secret(
            cookie_secret, setting="cookie_secret", label=_COOKIES_NAMED, turn_off=_TURN_OFF
        )


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
    for Tornado's key rotation too); it must be as strong as a key (each version of a dict),
    or this raises :class:`ConfigurationError`: anyone who guesses it forges such a cookie.
    ``name`` must be the session's ``cookie_name``: the old cookie is read in its place, and
    the resealed session replaces it under that name. ``decode`` turns the signed bytes into
    the session's content: a JSON object by default; for a cookie that held a bare user id,
    for instance, ``decode=lambda raw: {"user_id": raw.decode()}``. ``max_age_days`` is the
    limit the application gave ``get_signed_cookie`` (31 by default); the policy's own
    lifetimes also bound each cookie from the time it was signed.
    """
    if not cookie_secret:
        raise ConfigurationError(
            "tornado_signed_cookies needs the cookie_secret the old cookies were signed with"
        )
    _check_cookie_secret(cookie_secret)
    if not callable(decode):
        raise ConfigurationError(f"decode must be a callable, not {type(decode).__name__}")

    def read_tornado_cookie(value: str, now: int) -> LegacySession | None:
        signed = value.encode("utf-8")
        reading = _READING.set(True)
        try:
            raw = decode_signed_value(
                cookie_secret,  # type: ignore[arg-type]
                name,
                signed,
                max_age_days=max_age_days,
                clock=lambda: float(now),
            )
        finally:
            _READING.reset(reading)
        if raw is None:
            return None
        data = decode(raw)
        if not isinstance(data, Mapping):
            return None  # a signed value that is no session
        # Read only once Tornado has verified the value: the time its signature covers.
        return LegacySession(dict(data), signed_value_time(signed))

    if _QUIET not in gen_log.filters:
        gen_log.addFilter(_QUIET)
    return LegacyCookies(reader=read_tornado_cookie, until=cutoff_timestamp(until), label=_LABEL)

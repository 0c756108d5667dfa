"""Reading the session cookies Flask's own SecureCookieSessionInterface wrote, once.

Flask signs its tagged-JSON session with itsdangerous' ``URLSafeTimedSerializer`` (salt
``cookie-session``, HMAC-SHA1 key derivation), under ``SECRET_KEY`` and, from Flask 3.1, each
of ``SECRET_KEY_FALLBACKS``, and refuses it once older than ``PERMANENT_SESSION_LIFETIME``.
The reader below asks Flask's own interface for that serializer
(``SecureCookieSessionInterface.get_signing_serializer``), so the MAC, the key derivation and
the fallbacks are exactly those of the installed Flask; it applies Flask's age rule with the
codec's clock. itsdangerous is a dependency of Flask, so nothing more is installed.
"""

from __future__ import annotations

import datetime
from typing import Final

from flask import Flask
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

from client_session_core import (
    ConfigurationError,
    LegacyCookies,
    LegacySession,
    cutoff_timestamp,
    signed_within,
)

__all__ = ["FlaskLegacyOption", "flask_cookies", "flask_legacy_cookies_for"]

FlaskLegacyOption = bool | datetime.date | LegacyCookies
"""What ``EncryptedCookieSessionInterface(legacy_cookies=...)`` accepts."""

_LABEL: Final = "Flask's SecureCookieSessionInterface"


def flask_cookies(
    app: Flask, *, until: int | datetime.date, serializer: TaggedJSONSerializer | None = None
) -> LegacyCookies | None:
    """Read cookies Flask's own session interface wrote for ``app``, until ``until``.

    Signed with the app's ``SECRET_KEY`` (or one of its ``SECRET_KEY_FALLBACKS``), no older
    than its ``PERMANENT_SESSION_LIFETIME``, decoded with ``serializer`` (Flask's tagged JSON,
    with any custom tags registered on it). None when the app has no ``SECRET_KEY``: Flask
    wrote no session cookie then.
    """
    interface = SecureCookieSessionInterface()
    if serializer is not None:
        interface.serializer = serializer
    signing = interface.get_signing_serializer(app)
    if signing is None:
        return None
    # Flask's open_session: loads(value, max_age=PERMANENT_SESSION_LIFETIME), whatever
    # session.permanent was.
    max_age = int(app.permanent_session_lifetime.total_seconds())

    def read_flask_cookie(value: str, now: int) -> LegacySession | None:
        try:
            data, signed_at = signing.loads(value, max_age=None, return_timestamp=True)
        except BadSignature:
            return None
        # itsdangerous' age rule (TimestampSigner.unsign), on the codec's clock.
        if not signed_within(signed_at.timestamp(), now, max_age) or not isinstance(data, dict):
            return None
        # Flask keeps session.permanent inside the content; ours keeps it beside it.
        permanent = bool(data.pop("_permanent", False))
        return LegacySession(data, persistent=permanent)

    return LegacyCookies(reader=read_flask_cookie, until=cutoff_timestamp(until), label=_LABEL)


def flask_legacy_cookies_for(
    option: FlaskLegacyOption,
    app: Flask,
    *,
    started: float,
    serializer: TaggedJSONSerializer | None = None,
) -> LegacyCookies | None:
    """The legacy cookies ``EncryptedCookieSessionInterface(legacy_cookies=option)`` reads.

    - ``True`` (the default): Flask's cookies for ``app``, for ``PERMANENT_SESSION_LIFETIME``
      after ``started`` (when the interface was made): the longest a cookie the old
      deployment wrote stays valid in Flask, so the option ends by itself.
    - a date (or datetime): the same, until that date.
    - a :class:`LegacyCookies`: that one.
    - ``False``: never.
    """
    if option is False:
        return None
    if isinstance(option, LegacyCookies):
        return option
    if option is True:
        window = int(app.permanent_session_lifetime.total_seconds())
        return flask_cookies(app, until=int(started) + window, serializer=serializer)
    if isinstance(option, datetime.date):
        return flask_cookies(app, until=option, serializer=serializer)
    raise ConfigurationError(
        f"legacy_cookies is True, False, a date until which Flask's own session cookies are "
        f"read, or a LegacyCookies, not {option!r}"
    )

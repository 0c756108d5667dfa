"""Reading the session cookies Flask's own SecureCookieSessionInterface wrote, once.

Flask signs its tagged-JSON session with itsdangerous' ``URLSafeTimedSerializer`` (salt
``cookie-session``, HMAC-SHA1 key derivation), under ``SECRET_KEY`` and, from Flask 3.1, each
of ``SECRET_KEY_FALLBACKS``, and refuses it once older than ``PERMANENT_SESSION_LIFETIME``.
The reader below asks Flask's own interface for that serializer
(``SecureCookieSessionInterface.get_signing_serializer``), so the MAC, the key derivation and
the fallbacks are exactly those of the installed Flask; it applies Flask's age rule with the
codec's clock, and hands the core the time the signature covers, from which the core's own
rules (``not_before``, the absolute lifetime) judge the cookie. itsdangerous is a dependency
of Flask, so nothing more is installed.

Every secret that serializer accepts a cookie under is held to a key's strength
(``check_legacy_secret``) when the reader is built: with ``CLIENT_SESSION_KEYS`` set, a weak
``SECRET_KEY`` seals none of our cookies, but anyone who guessed it could still forge Flask's,
and the reader would reseal the forgery as a valid session.
"""

from __future__ import annotations

import datetime
import logging
from typing import Final, cast

from flask import Flask
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature, URLSafeTimedSerializer

from client_session_core.adapter import (
    ConfigurationError,
    LegacyCookies,
    LegacyOption,
    LegacySession,
    canonical_base64,
    check_legacy_secret,
    check_legacy_secrets,
    cutoff_timestamp,
    legacy_cookies_option,
    signed_within,
)

from ._flask_reads import AppSettings

__all__ = ["flask_cookies", "flask_legacy_cookies_for", "read_flask_cookies"]

logger = logging.getLogger("client_session")

_LABEL: Final = "Flask's SecureCookieSessionInterface"
# How check_legacy_secret names the cookies, and the option that stops reading them.
_COOKIES_NAMED: Final = "Flask session"
_TURN_OFF: Final = (
    "legacy_cookies=False (ClientSession(app, legacy_cookies=False), or "
    "EncryptedCookieSessionInterface(legacy_cookies=False))"
)


def _check_secrets(app: AppSettings, signing: URLSafeTimedSerializer) -> None:
    """:class:`ConfigurationError` unless every secret ``signing`` accepts a cookie under
    (``SECRET_KEY``, and ``SECRET_KEY_FALLBACKS`` where the installed Flask reads them) is as
    strong as a key must be."""
    check_legacy_secret(
        app.secret_key, setting="SECRET_KEY", label=_COOKIES_NAMED, turn_off=_TURN_OFF
    )
    if len(signing.secret_keys) == 1:
        return  # Flask before 3.1, or no fallbacks: SECRET_KEY alone
    fallbacks = app.config.get("SECRET_KEY_FALLBACKS")
    # flask#6089: Flask's interface extends its keys with a string's characters, so it would
    # accept cookies signed with any one of them.
    if not isinstance(fallbacks, (list, tuple)):
        raise ConfigurationError(
            "SECRET_KEY_FALLBACKS must be a list of old keys, newest first, such as "
            f"[previous_key], not a {type(fallbacks).__name__}: Flask's own interface would "
            "accept session cookies signed with each of its characters"
        )
    check_legacy_secrets(
        fallbacks, setting="SECRET_KEY_FALLBACKS", label=_COOKIES_NAMED, turn_off=_TURN_OFF
    )


def flask_cookies(
    app: Flask, *, until: int | datetime.date, serializer: TaggedJSONSerializer | None = None
) -> LegacyCookies | None:
    """Read cookies Flask's own session interface wrote for ``app``, until ``until``.

    Signed with the app's ``SECRET_KEY`` (or one of its ``SECRET_KEY_FALLBACKS``), no older
    than its ``PERMANENT_SESSION_LIFETIME``, decoded with ``serializer`` (Flask's tagged JSON,
    with any custom tags registered on it). Each cookie's signing time is handed to the core,
    which also refuses it when signed before the policy's ``not_before`` or longer ago than
    its absolute lifetime. None when the app has no ``SECRET_KEY``: Flask wrote no session
    cookie then.

    Raises :class:`~client_session_core.ConfigurationError` when one of those secrets is
    weaker than a key may be: anyone who guesses it could forge a cookie the reader would
    turn into a valid session.
    """
    return read_flask_cookies(AppSettings(app), until=until, serializer=serializer)


def read_flask_cookies(
    app: AppSettings, *, until: int | datetime.date, serializer: TaggedJSONSerializer | None = None
) -> LegacyCookies | None:
    """:func:`flask_cookies`, reading the app's settings through ``app`` (each read noted)."""
    interface = SecureCookieSessionInterface()
    if serializer is not None:
        interface.serializer = serializer
    # Flask's own rule for its keys; it reads app.secret_key and SECRET_KEY_FALLBACKS alone,
    # which AppSettings hands out (and notes).
    signing = interface.get_signing_serializer(cast(Flask, app))
    if signing is None:
        return None
    _check_secrets(app, signing)
    # Flask's open_session: loads(value, max_age=PERMANENT_SESSION_LIFETIME), whatever
    # session.permanent was.
    max_age = int(app.permanent_session_lifetime.total_seconds())

    def read_flask_cookie(value: str, now: int) -> LegacySession | None:
        # itsdangerous decodes a signature leniently ("+" for "-", padding, stray
        # characters): only its one spelling may open, so that no altered cookie does.
        if not canonical_base64(value.rpartition(".")[2], padded=False):
            return None
        try:
            data, signed = signing.loads(value, max_age=None, return_timestamp=True)
        except BadSignature:
            return None
        # The time the signature covers, in whole seconds as itsdangerous writes it.
        signed_at = int(signed.timestamp())
        # itsdangerous' age rule (TimestampSigner.unsign), on the codec's clock.
        if not signed_within(signed_at, now, max_age) or not isinstance(data, dict):
            return None
        # Flask keeps session.permanent inside the content; ours keeps it beside it.
        permanent = bool(data.pop("_permanent", False))
        return LegacySession(data, signed_at, persistent=permanent)

    return LegacyCookies(reader=read_flask_cookie, until=cutoff_timestamp(until), label=_LABEL)


def flask_legacy_cookies_for(
    option: LegacyOption,
    app: AppSettings,
    *,
    started: float,
    serializer: TaggedJSONSerializer | None = None,
) -> LegacyCookies | None:
    """The legacy cookies ``EncryptedCookieSessionInterface(legacy_cookies=option)`` reads, by
    the kit's rule (:func:`~client_session_core.adapter.legacy_cookies_option`):

    - ``True`` (the default): Flask's cookies for ``app``, until ``PERMANENT_SESSION_LIFETIME``
      after ``started`` (when the interface was made, so a restart moves this cut-off; each
      cookie is bounded by its own signing time, which no restart moves). Without a
      ``SECRET_KEY`` nothing is read, and an INFO line says so.
    - a date, an aware datetime or a timestamp: the same, until then; without a
      ``SECRET_KEY`` it cannot read anything, a :class:`ConfigurationError`.
    - a :class:`LegacyCookies`: that one.
    - ``False`` or None: never.
    """

    def read(until: int | datetime.date, *, by_default: bool) -> LegacyCookies | None:
        legacy = read_flask_cookies(app, until=until, serializer=serializer)
        if legacy is not None:
            return legacy
        if not by_default:
            raise ConfigurationError(
                f"legacy_cookies={option!r} reads Flask's own session cookies, which are "
                "signed with SECRET_KEY, and the app has none: set SECRET_KEY to the one they "
                "were signed with, or pass legacy_cookies=False"
            )
        # The default, on an app that keeps its keys elsewhere: said once per codec, at
        # start-up, so that a SECRET_KEY removed by mistake is not a silent logout.
        logger.info(
            "the cookies of %s are not read: the app has no SECRET_KEY to check them with "
            "(set it to the one they were signed with to read them, or pass "
            "legacy_cookies=False)",
            _LABEL,
        )
        return None

    return legacy_cookies_option(
        option,
        setting="legacy_cookies",
        cookies="Flask's own session cookies",
        reader="flask_cookies(app, until=...)",
        started=started,
        window=int(app.permanent_session_lifetime.total_seconds()),
        read=read,
    )

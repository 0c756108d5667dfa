"""The adapter kit: everything an adapter imports from the core, from this one module.

An application imports from ``client_session_core`` (keys, the policy, the codec, errors). An
adapter, the package that plugs the core into one web framework, imports from here: the
same names, and the rules every drop-in adapter shares, written once so that no adapter
writes them again. The core stays sans-I/O: nothing here imports a framework or touches a
socket.

The two calls
    ``codec = SessionCodec(policy, clock=clock)`` once, at start-up (a bad key or option is a
    :class:`ConfigurationError` there); on each request ``session = codec.load(cookie_header)``
    and, when the response starts, ``commit = codec.commit(session)``: send each of
    ``commit.set_cookie`` as its own ``Set-Cookie`` header, and ``Vary: Cookie``
    (:func:`vary_with_cookie`) when ``commit.vary_cookie``. A bad cookie is an empty session,
    never an error.

ASGI and WSGI header lists
    :func:`asgi_cookie_header` reads the Cookie header from ``scope["headers"]`` (several
    fields joined, RFC 9113 section 8.2.3); :func:`asgi_response_headers` returns the
    ``http.response.start`` headers with the commit's ``Vary`` merged and its ``Set-Cookie``
    values appended; :func:`asgi_with_vary_cookie` merges ``Vary: Cookie`` alone.
    :func:`wsgi_response_headers` does the same for the text pairs WSGI's
    ``start_response`` takes (the request's Cookie header is ``environ["HTTP_COOKIE"]``).

Configuration, in the framework's words
    A drop-in takes its framework's options and settings and builds a :class:`SessionPolicy`:

    - :func:`max_age_lifetimes`: the framework's ``max_age`` (``SESSION_COOKIE_AGE``,
      ``PERMANENT_SESSION_LIFETIME``) as persistence, idle timeout and absolute lifetime, with
      the drop-in cap of 30 days when none is given (:func:`drop_in_absolute_lifetime`).
    - :func:`settings_key_ring`: ``CLIENT_SESSION_KEYS``, else ``SECRET_KEY`` and
      ``SECRET_KEY_FALLBACKS``, for frameworks with settings (Flask, Django);
      :func:`arguments_key_ring` for keyword options, one secret or a ring (Starlette's
      ``secret_key``, Litestar's ``secret``); :meth:`KeyRing.of` reads every form a key option
      takes. :func:`check_policy_alone` refuses options given beside a whole policy.
    - :func:`same_site_option`: ``"Lax"`` or ``False`` as the policy's ``"lax"`` or None.
    - :func:`policy_options` and :func:`check_options`: a mapping of the core's options
      passed through, an unknown name refused with the list of known ones.
    - :func:`legacy_cookies_option`: the ``legacy_cookies`` option (True, a date, a
      :class:`LegacyCookies`, False) for the adapter's reader of its framework's own cookies.

    Build the policy inside ``try``, and re-raise a :class:`ConfigurationError` with
    ``exc.in_words_of(spelling)``: :func:`spelled_as_arguments` for keyword arguments
    (``https_only=True``), :func:`spelled_as_settings` for settings
    (``SESSION_COOKIE_SECURE = True``), so that the message names what the user wrote. Map
    :data:`MAX_AGE` there too when the framework calls its ``max_age`` otherwise.

Reading the framework's own cookies once
    A :data:`LegacyReader` turns a cookie of the old format into a :class:`LegacySession` (its
    data and when it was signed) or None, by the framework's own library (nothing here
    verifies a signature); :class:`LegacyCookies` holds it with the date it stops. Check each
    old secret with :func:`check_legacy_secret` (:func:`check_legacy_secrets` for a list),
    accept only the canonical spelling of a signature (:func:`canonical_base64`), apply the old
    age rule with :func:`signed_within`, and turn a date into a timestamp with
    :func:`cutoff_timestamp`.

``docs/contributing.md`` ("The adapter kit") walks through an adapter built on this module,
and ``packages/_template`` is one to copy.
"""

from __future__ import annotations

from ._asgi_headers import (
    ASGIHeaders,
    asgi_cookie_header,
    asgi_response_headers,
    asgi_with_vary_cookie,
)
from ._codec import SECURITY_LOGGER, Clock, SessionCodec
from ._commit import Action, Commit
from ._cookie_style import CANONICAL_COOKIE_STYLE, CookieStyle
from ._cookies import vary_covers_cookie, vary_with_cookie
from ._errors import (
    NO_VALUE,
    ConfigurationError,
    InvalidReason,
    InvalidSession,
    LifetimeTooLong,
    Option,
    OptionSpelling,
    SessionError,
    SessionTooDeep,
    SessionTooLarge,
    UnserializableValue,
    spelled_as_arguments,
    spelled_as_settings,
)
from ._keys import DEFAULT_KEYS_ENV, Key, KeyRing, generate_key
from ._kit import (
    MAX_AGE,
    UNSET,
    LegacyOption,
    LegacyReaderFactory,
    Lifetimes,
    Unset,
    arguments_key_ring,
    check_options,
    check_policy_alone,
    legacy_cookies_option,
    max_age_lifetimes,
    policy_options,
    same_site_option,
    settings_key_ring,
)
from ._legacy import (
    LegacyCookies,
    LegacyReader,
    LegacySession,
    canonical_base64,
    check_legacy_secret,
    check_legacy_secrets,
    cutoff_timestamp,
    signed_within,
)
from ._policy import (
    DROP_IN_ABSOLUTE_LIFETIME,
    SameSite,
    SessionPolicy,
    drop_in_absolute_lifetime,
    whole_seconds,
)
from ._serializer import JSONSerializer, Serializer
from ._session import CookieOrigin, Session
from ._size import BROWSER_COOKIE_LIMIT, MAX_CHUNKS
from ._wsgi_headers import WSGIHeaders, wsgi_response_headers
from .revocation import Revocations  # its own public module names it first

__all__ = [
    "BROWSER_COOKIE_LIMIT",
    "CANONICAL_COOKIE_STYLE",
    "DEFAULT_KEYS_ENV",
    "DROP_IN_ABSOLUTE_LIFETIME",
    "MAX_AGE",
    "MAX_CHUNKS",
    "NO_VALUE",
    "SECURITY_LOGGER",
    "UNSET",
    "ASGIHeaders",
    "Action",
    "Clock",
    "Commit",
    "ConfigurationError",
    "CookieOrigin",
    "CookieStyle",
    "InvalidReason",
    "InvalidSession",
    "JSONSerializer",
    "Key",
    "KeyRing",
    "LegacyCookies",
    "LegacyOption",
    "LegacyReader",
    "LegacyReaderFactory",
    "LegacySession",
    "LifetimeTooLong",
    "Lifetimes",
    "Option",
    "OptionSpelling",
    "Revocations",
    "SameSite",
    "Serializer",
    "Session",
    "SessionCodec",
    "SessionError",
    "SessionPolicy",
    "SessionTooDeep",
    "SessionTooLarge",
    "UnserializableValue",
    "Unset",
    "WSGIHeaders",
    "arguments_key_ring",
    "asgi_cookie_header",
    "asgi_response_headers",
    "asgi_with_vary_cookie",
    "canonical_base64",
    "check_legacy_secret",
    "check_legacy_secrets",
    "check_options",
    "check_policy_alone",
    "cutoff_timestamp",
    "drop_in_absolute_lifetime",
    "generate_key",
    "legacy_cookies_option",
    "max_age_lifetimes",
    "policy_options",
    "same_site_option",
    "settings_key_ring",
    "signed_within",
    "spelled_as_arguments",
    "spelled_as_settings",
    "vary_covers_cookie",
    "vary_with_cookie",
    "whole_seconds",
    "wsgi_response_headers",
]

# The kit's own classes show as client_session_core.adapter.X; those an application also
# imports keep client_session_core.X, set by the package (which is imported first).
for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, type) and getattr(_obj, "__module__", "").startswith(
        "client_session_core._"
    ):
        _obj.__module__ = __name__
del _name, _obj

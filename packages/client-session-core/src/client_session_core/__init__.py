"""client-session-core: sessions kept in encrypted, authenticated cookies.

The sans-I/O core shared by every adapter: it takes a request's Cookie header and a
clock, and returns a :class:`Session`; it takes that session and returns the
``Set-Cookie`` values to send. It imports no web framework.

::

    from client_session_core import KeyRing, SessionCodec, SessionPolicy

    codec = SessionCodec(SessionPolicy(keys=KeyRing.from_env()))
    session = codec.load(cookie_header)
    session["count"] = session.get("count", 0) + 1
    commit = codec.commit(session)  # commit.set_cookie, commit.vary_cookie

Each rule has its module, behind this one: ``_lifetime`` (expiry, renewal, Max-Age),
``_commit`` (when a response carries Set-Cookie), ``_session`` (what counts as a change),
``_size`` (the cookie size limit and chunking), ``_envelope`` (the sealed format), and
``_cookies`` (Cookie, Set-Cookie and Vary headers). ``_codec`` carries them out in order.
"""

from importlib.machinery import EXTENSION_SUFFIXES as _EXTENSION_SUFFIXES

from . import _codec
from ._codec import SECURITY_LOGGER, Clock, SessionCodec
from ._commit import Action, Commit
from ._cookie_style import CANONICAL_COOKIE_STYLE, CookieStyle
from ._cookies import vary_covers_cookie, vary_with_cookie
from ._envelope import Envelope, Sealer, seal_for_test_vector
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
from ._keyfile import KeyFile
from ._keys import DEFAULT_KEYS_ENV, Key, KeyRing, generate_key
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
from ._serializer import MAX_DEPTH, JSONSerializer, Serializer
from ._session import CookieOrigin, Session
from ._size import BROWSER_COOKIE_LIMIT, MAX_CHUNKS

__version__ = "0.1.0"

COMPILED: bool = (_codec.__file__ or "").endswith(tuple(_EXTENSION_SUFFIXES))
"""True when the request path runs as C extensions compiled by mypyc from these sources
(a wheel built with ``CLIENT_SESSION_CORE_COMPILE=1``), False for the pure-Python build."""

__all__ = [
    "BROWSER_COOKIE_LIMIT",
    "CANONICAL_COOKIE_STYLE",
    "COMPILED",
    "DEFAULT_KEYS_ENV",
    "DROP_IN_ABSOLUTE_LIFETIME",
    "MAX_CHUNKS",
    "MAX_DEPTH",
    "NO_VALUE",
    "SECURITY_LOGGER",
    "Action",
    "Clock",
    "Commit",
    "ConfigurationError",
    "CookieOrigin",
    "CookieStyle",
    "Envelope",
    "InvalidReason",
    "InvalidSession",
    "JSONSerializer",
    "Key",
    "KeyFile",
    "KeyRing",
    "LegacyCookies",
    "LegacyReader",
    "LegacySession",
    "LifetimeTooLong",
    "Option",
    "OptionSpelling",
    "SameSite",
    "Sealer",
    "Serializer",
    "Session",
    "SessionCodec",
    "SessionError",
    "SessionPolicy",
    "SessionTooDeep",
    "SessionTooLarge",
    "UnserializableValue",
    "canonical_base64",
    "check_legacy_secret",
    "check_legacy_secrets",
    "cutoff_timestamp",
    "drop_in_absolute_lifetime",
    "generate_key",
    "seal_for_test_vector",
    "signed_within",
    "spelled_as_arguments",
    "spelled_as_settings",
    "vary_covers_cookie",
    "vary_with_cookie",
    "whole_seconds",
]

# Public classes show as client_session_core.X in reprs and docs. The module test matters:
# on Python 3.10, isinstance(Callable[[], float], type) is true, and an alias such as Clock
# has a read-only __module__.
for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, type) and getattr(_obj, "__module__", "").startswith(f"{__name__}._"):
        _obj.__module__ = __name__
del _name, _obj

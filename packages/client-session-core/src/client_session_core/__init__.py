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

This module holds what an application needs. Two others serve other readers:
``client_session_core.adapter``, the kit an adapter for a web framework imports from (the same
codec, and the configuration rules every drop-in shares), and ``client_session_core.wire``,
the sealed envelope's tools for test vectors and fuzzers.
"""

from importlib.machinery import EXTENSION_SUFFIXES as _EXTENSION_SUFFIXES

from . import _codec
from ._codec import SECURITY_LOGGER, Clock, SessionCodec
from ._errors import (
    ConfigurationError,
    InvalidReason,
    InvalidSession,
    LifetimeTooLong,
    SessionError,
    SessionTooDeep,
    SessionTooLarge,
    UnserializableValue,
)
from ._keyfile import KeyFile
from ._keys import DEFAULT_KEYS_ENV, Key, KeyRing, generate_key
from ._policy import SameSite, SessionPolicy
from ._serializer import MAX_DEPTH, JSONSerializer, Serializer
from ._session import Session
from ._size import BROWSER_COOKIE_LIMIT, MAX_CHUNKS

__version__ = "0.1.0"

COMPILED: bool = (_codec.__file__ or "").endswith(tuple(_EXTENSION_SUFFIXES))
"""True when the request path runs as C extensions compiled by mypyc from these sources
(a wheel built with ``CLIENT_SESSION_CORE_COMPILE=1``), False for the pure-Python build."""

__all__ = [
    "BROWSER_COOKIE_LIMIT",
    "COMPILED",
    "DEFAULT_KEYS_ENV",
    "MAX_CHUNKS",
    "MAX_DEPTH",
    "SECURITY_LOGGER",
    "Clock",
    "ConfigurationError",
    "InvalidReason",
    "InvalidSession",
    "JSONSerializer",
    "Key",
    "KeyFile",
    "KeyRing",
    "LifetimeTooLong",
    "SameSite",
    "Serializer",
    "Session",
    "SessionCodec",
    "SessionError",
    "SessionPolicy",
    "SessionTooDeep",
    "SessionTooLarge",
    "UnserializableValue",
    "generate_key",
]

# Public classes show as client_session_core.X in reprs and docs. The module test matters:
# on Python 3.10, isinstance(Callable[[], float], type) is true, and an alias such as Clock
# has a read-only __module__.
for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, type) and getattr(_obj, "__module__", "").startswith(f"{__name__}._"):
        _obj.__module__ = __name__
del _name, _obj

# The kit's and the wire format's classes show as client_session_core.adapter.X and
# client_session_core.wire.X, whichever module is imported first.
from . import adapter as adapter  # noqa: E402
from . import wire as wire  # noqa: E402

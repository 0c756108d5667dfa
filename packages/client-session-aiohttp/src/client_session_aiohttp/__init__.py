"""client-session-aiohttp: encrypted, authenticated cookie sessions for aiohttp.

With aiohttp-session (``pip install client-session-aiohttp[aiohttp-session]``), a storage in
place of its ``EncryptedCookieStorage``; handlers keep ``await get_session(request)``::

    from aiohttp import web
    from aiohttp_session import get_session, setup
    from client_session_aiohttp import EncryptedCookieSessionStorage

    app = web.Application()
    setup(app, EncryptedCookieSessionStorage())  # keys from CLIENT_SESSION_KEYS

Without it, a middleware of our own, whose ``get_session`` gives a ``dict``::

    from client_session_aiohttp import get_session, session_middleware

    app = web.Application(middlewares=[session_middleware()])

Every line of crypto, expiry and cookie formatting is in ``client_session_core``; this
package reads the Cookie header and adds the headers the core returns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from client_session_core.adapter import (
    ConfigurationError,
    KeyRing,
    Session,
    SessionCodec,
    SessionPolicy,
    SessionTooLarge,
    generate_key,
)

from ._legacy import aiohttp_session_cookies
from ._middleware import get_session, session_middleware

if TYPE_CHECKING:
    from ._storage import AiohttpSession, EncryptedCookieSessionStorage

__version__ = "0.1.0"

__all__ = [
    "AiohttpSession",
    "ConfigurationError",
    "EncryptedCookieSessionStorage",
    "KeyRing",
    "Session",
    "SessionCodec",
    "SessionPolicy",
    "SessionTooLarge",
    "aiohttp_session_cookies",
    "generate_key",
    "get_session",
    "session_middleware",
]

_NEEDS_AIOHTTP_SESSION = frozenset({"AiohttpSession", "EncryptedCookieSessionStorage"})


def __getattr__(name: str) -> Any:
    # The storage subclasses aiohttp-session's classes: imported only by those who use it,
    # so that the middleware works without aiohttp-session installed.
    if name in _NEEDS_AIOHTTP_SESSION:
        try:
            from . import _storage
        except ModuleNotFoundError as exc:
            if exc.name != "aiohttp_session":
                raise
            raise ImportError(
                f"client_session_aiohttp.{name} plugs into aiohttp-session, which is not "
                "installed: pip install 'client-session-aiohttp[aiohttp-session]'"
            ) from exc
        return getattr(_storage, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

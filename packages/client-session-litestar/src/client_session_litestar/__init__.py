"""client-session-litestar: encrypted cookie sessions for Litestar.

In the shape of Litestar's own ``CookieBackendConfig``; ``request.session``,
``request.set_session(...)`` and ``request.clear_session()`` work unchanged::

    from client_session_litestar import ClientSessionConfig

    session_config = ClientSessionConfig(secure=True)  # the keys from CLIENT_SESSION_KEYS
    app = Litestar(route_handlers=[...], middleware=[session_config.middleware])

The cookies Litestar's ``CookieBackendConfig`` wrote are read once and resealed in ours
(``legacy_cookies``, :func:`litestar_cookies`), chunked ones included.
"""

from client_session_core.adapter import (
    ConfigurationError,
    KeyRing,
    Session,
    SessionCodec,
    SessionPolicy,
    SessionTooLarge,
    generate_key,
)

from ._config import ClientSessionConfig
from ._legacy import litestar_cookies
from ._middleware import ClientSessionMiddleware, session_data

__version__ = "0.1.0"

__all__ = [
    "ClientSessionConfig",
    "ClientSessionMiddleware",
    "ConfigurationError",
    "KeyRing",
    "Session",
    "SessionCodec",
    "SessionPolicy",
    "SessionTooLarge",
    "generate_key",
    "litestar_cookies",
    "session_data",
]

"""client-session-wsgi: sessions kept in encrypted, authenticated cookies, for WSGI.

Any WSGI application, with the middleware::

    from client_session_wsgi import KeyRing, SessionMiddleware, SessionPolicy, get_session

    app = SessionMiddleware(app, SessionPolicy(keys=KeyRing.from_env()))
    ...
    session = get_session(environ)  # or get_session(request), a dict

A bare WSGI callable, without middleware::

    session, start_response = open_session(environ, start_response, codec)

Flask: ``client_session_wsgi.flask.ClientSession`` (``ClientSession(app)``), which installs
``client_session_wsgi.flask.EncryptedCookieSessionInterface``.
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

from ._middleware import (
    ENVIRON_KEY,
    SessionMiddleware,
    SessionStartResponse,
    get_session,
    open_session,
)

__version__ = "0.1.0"

__all__ = [
    "ENVIRON_KEY",
    "ConfigurationError",
    "KeyRing",
    "Session",
    "SessionCodec",
    "SessionMiddleware",
    "SessionPolicy",
    "SessionStartResponse",
    "SessionTooLarge",
    "generate_key",
    "get_session",
    "open_session",
]

SessionMiddleware.__module__ = __name__
SessionStartResponse.__module__ = __name__

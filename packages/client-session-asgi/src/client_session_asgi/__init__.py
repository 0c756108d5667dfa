"""client-session-asgi: encrypted cookie sessions for ASGI applications.

A drop-in for Starlette's (and so FastAPI's) ``SessionMiddleware``; ``request.session``
works unchanged::

    from client_session_asgi import SessionMiddleware

    app.add_middleware(SessionMiddleware, secret_key=os.environ["SECRET_KEY"])

or with a key ring, lifetimes and the rest of the policy::

    app.add_middleware(SessionMiddleware, keys=KeyRing.from_env(), idle_timeout=1800)
"""

from client_session_core import (
    ConfigurationError,
    KeyRing,
    Session,
    SessionPolicy,
    SessionTooLarge,
    generate_key,
)

from ._middleware import SessionMiddleware

__version__ = "0.1.0"

__all__ = [
    "ConfigurationError",
    "KeyRing",
    "Session",
    "SessionMiddleware",
    "SessionPolicy",
    "SessionTooLarge",
    "generate_key",
]

"""client-session-asgi: encrypted cookie sessions for ASGI applications.

A drop-in for Starlette's (and so FastAPI's) ``SessionMiddleware``; ``request.session``
works unchanged::

    from client_session_asgi import SessionMiddleware

    app.add_middleware(SessionMiddleware, secret_key=os.environ["SECRET_KEY"])

or with a key ring, lifetimes and the rest of the policy::

    app.add_middleware(SessionMiddleware, keys=KeyRing.from_env(), idle_timeout=1800)

or without middleware, opened inside an ASGI endpoint (``open_session``)::

    codec = SessionCodec(SessionPolicy(keys=KeyRing.from_env()))


    async def app(scope, receive, send):
        session, send = open_session(scope, send, codec)
        ...
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

from ._legacy import starlette_cookies
from ._middleware import SessionMiddleware, open_session

__version__ = "0.1.0"

__all__ = [
    "ConfigurationError",
    "KeyRing",
    "Session",
    "SessionCodec",
    "SessionMiddleware",
    "SessionPolicy",
    "SessionTooLarge",
    "generate_key",
    "open_session",
    "starlette_cookies",
]

"""client-session-template: encrypted, authenticated cookie sessions for FRAMEWORK.

As copied from the adapter template, it is a complete adapter for a bare WSGI application, in
one middleware, so that it runs and passes the conformance suite before you change a line.
Replace the WSGI calls in ``_middleware.py`` with your framework's: where the request's
Cookie header is read, where the session is handed to the application, and where the
response's headers are written. For an ASGI framework, start from ``_asgi.py`` instead (the
same calls to the core in an ASGI middleware) and delete ``_middleware.py``.
"""

from ._asgi import SessionASGIMiddleware, get_asgi_session
from ._middleware import SessionMiddleware, get_session

__all__ = ["SessionASGIMiddleware", "SessionMiddleware", "get_asgi_session", "get_session"]

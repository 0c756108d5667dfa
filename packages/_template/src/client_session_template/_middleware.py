"""The adapter: the request's Cookie header to ``codec.load``, ``codec.commit`` to the response.

Everything else (keys, sealing, expiry, renewal, cookie attributes, size) is the core's. The
three places marked FRAMEWORK are the ones an adapter for another framework writes again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from client_session_core.adapter import (
    Clock,
    KeyRing,
    Session,
    SessionCodec,
    SessionPolicy,
    wsgi_response_headers,
)

__all__ = ["SessionMiddleware", "get_session"]

ENVIRON_KEY = "client_session_template"
StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def get_session(environ: dict[str, Any]) -> Session:
    """The request's session (FRAMEWORK: your framework's place for it, e.g. request.session)."""
    session: Session = environ[ENVIRON_KEY]
    return session


class SessionMiddleware:
    """Keeps each request's session in an encrypted cookie.

    ``policy`` defaults to the core's, with keys from ``CLIENT_SESSION_KEYS``; ``clock`` is for
    tests, which move time instead of sleeping.
    """

    def __init__(
        self, app: WSGIApp, policy: SessionPolicy | None = None, *, clock: Clock = time.time
    ) -> None:
        self.app = app
        # Built once, at start-up: a weak key or an impossible setting fails here.
        self.codec = SessionCodec(policy or SessionPolicy(keys=KeyRing.of(None)), clock=clock)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        # FRAMEWORK: the raw Cookie header (the core parses it; the first of a name wins).
        session = self.codec.load(environ.get("HTTP_COOKIE"))
        environ[ENVIRON_KEY] = session

        def start_with_session(status: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
            # FRAMEWORK: where the response's headers are still open. SessionTooLarge
            # propagates from commit: the server answers 500 and the old cookie stays.
            commit = self.codec.commit(session)
            return start_response(status, wsgi_response_headers(headers, commit), *exc)

        return self.app(environ, start_with_session)

"""The adapter's ASGI shape: the same two calls to the core, around an ASGI 3 application.

Start from this module, not ``_middleware.py``, for an ASGI framework (Starlette, Litestar,
Quart, Django's ASGI handler): keep one of the two and delete the other. The differences from
WSGI are all here: the Cookie header comes as raw bytes, possibly in several fields, which an
ASGI server does not join (join them with ``"; "``, RFC 9113 section 8.2.3); the headers go
out in the ``http.response.start`` message, as bytes. The places marked FRAMEWORK are the ones
an adapter for another framework writes again.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from client_session_core.adapter import (
    Clock,
    KeyRing,
    Session,
    SessionCodec,
    SessionPolicy,
    asgi_cookie_header,
    asgi_response_headers,
)

__all__ = ["SessionASGIMiddleware", "get_asgi_session"]

SCOPE_KEY = "client_session_template"
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def get_asgi_session(scope: Scope) -> Session:
    """The request's session (FRAMEWORK: your framework's place for it, e.g. request.session)."""
    session: Session = scope[SCOPE_KEY]
    return session


class SessionASGIMiddleware:
    """Keeps each HTTP request's session in an encrypted cookie; other scopes pass through.

    ``policy`` defaults to the core's, with keys from ``CLIENT_SESSION_KEYS``; ``clock`` is for
    tests, which move time instead of sleeping.
    """

    def __init__(
        self, app: ASGIApp, policy: SessionPolicy | None = None, *, clock: Clock = time.time
    ) -> None:
        self.app = app
        # Built once, at start-up: a weak key or an impossible setting fails here.
        self.codec = SessionCodec(policy or SessionPolicy(keys=KeyRing.of(None)), clock=clock)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan, websocket: no response headers to write
            await self.app(scope, receive, send)
            return
        # FRAMEWORK: the raw Cookie fields, joined with "; " (the core parses them; the first
        # cookie of a name wins).
        session = self.codec.load(asgi_cookie_header(scope["headers"]))
        scope[SCOPE_KEY] = session

        async def send_with_session(message: Message) -> None:
            if message["type"] == "http.response.start":
                # FRAMEWORK: where the response's headers are still open. SessionTooLarge
                # propagates from commit: the server answers 500 and the old cookie stays.
                commit = self.codec.commit(session)
                # Vary: Cookie merged into the application's, then each Set-Cookie.
                message["headers"] = asgi_response_headers(message.get("headers", ()), commit)
            await send(message)

        await self.app(scope, receive, send_with_session)

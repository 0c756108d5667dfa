"""The counter on Litestar, under each session configuration (ASGI, served by uvicorn).

Each session is set up as Litestar's documentation writes it: a config object whose
``.middleware`` goes in ``Litestar(middleware=[...])``; the server-side one finds its store
in the application's ``stores`` under the name it is given.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from litestar import Litestar, Request, get

from ..content import filled_session
from ..floor import AesGcmFloor, cookie_from_header
from . import AppOptions

__all__ = ["build_app"]

MAX_AGE = 14 * 24 * 3600
"""Two weeks, written out as users write it (Litestar's default too)."""


@get("/counter")
async def _counter(request: Request[Any, Any, Any]) -> dict[str, int]:
    session = request.session
    count = session.get("count", 0) + 1
    session["count"] = count
    return {"count": count}


@get("/fill")
async def _fill(request: Request[Any, Any, Any], session: str) -> dict[str, str]:
    # request.set_session, as Litestar's documentation replaces a session's content.
    request.set_session(filled_session(session))
    return {"session": session}


@get("/counter")
async def _bare_counter() -> dict[str, int]:
    return {"count": 1}


class FloorSessionMiddleware:
    """The AES-GCM floor as a plain ASGI middleware: a dict in, a cookie out when non-empty.

    What ``request.session`` and ``request.set_session`` need: the dict in
    ``scope["session"]``, read again when the response starts."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.floor = AesGcmFloor()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        session: dict[str, Any] | None = None
        for name, value in scope["headers"]:
            if name == b"cookie":
                sealed = cookie_from_header(value.decode("latin-1"), "session")
                session = self.floor.open(sealed) if sealed else None
        scope["session"] = session or {}

        async def send_with_cookie(message: Any) -> None:
            current = scope.get("session")
            if message["type"] == "http.response.start" and isinstance(current, dict) and current:
                cookie = f"session={self.floor.seal(current)}; Path=/; HttpOnly; SameSite=Lax"
                message["headers"] = [*message["headers"], (b"set-cookie", cookie.encode())]
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def _ours(options: AppOptions) -> dict[str, Any]:
    # As a user writes it: Litestar's CookieBackendConfig arguments (secret, max_age) with
    # a generated key. Only the scaling run adds max_chunks=2, which a 3 KB session needs.
    from client_session_litestar import ClientSessionConfig, generate_key

    extra: dict[str, Any] = {} if options.max_chunks == 1 else {"max_chunks": options.max_chunks}
    config = ClientSessionConfig(secret=generate_key(), max_age=MAX_AGE, **extra)
    return {"middleware": [config.middleware]}


def _cookie_backend(options: AppOptions) -> dict[str, Any]:
    # Litestar's own client-side sessions: AES-GCM under one key, chunked over 4 KB.
    from litestar.middleware.session.client_side import CookieBackendConfig

    config = CookieBackendConfig(secret=os.urandom(16), max_age=MAX_AGE)
    return {"middleware": [config.middleware]}


def _server_side_redis(options: AppOptions) -> dict[str, Any]:
    # Litestar's server-side sessions: an id in the cookie, the content in its RedisStore.
    from litestar.middleware.session.server_side import ServerSideSessionConfig
    from litestar.stores.redis import RedisStore

    store = RedisStore.with_client(port=options.redis_port_or_fail(), url="redis://127.0.0.1")
    config = ServerSideSessionConfig(max_age=MAX_AGE, store="sessions")
    return {"middleware": [config.middleware], "stores": {"sessions": store}}


def _floor(options: AppOptions) -> dict[str, Any]:
    return {"middleware": [FloorSessionMiddleware]}


_SESSIONS: dict[str, Callable[[AppOptions], dict[str, Any]]] = {
    "ours": _ours,
    "own": _cookie_backend,
    "redis": _server_side_redis,
    "floor": _floor,
}


def build_app(variant: str, options: AppOptions) -> Litestar:
    """The counter app of ``variant`` ("bare" or a key of the sessions table)."""
    if variant == "bare":
        return Litestar(route_handlers=[_bare_counter])
    return Litestar(route_handlers=[_counter, _fill], **_SESSIONS[variant](options))

"""The counter on Starlette, under each session middleware (ASGI, served by uvicorn)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..content import filled_session
from ..floor import AesGcmFloor, cookie_from_header
from . import FIXED_SESSION_VALUE, SECRET, AppOptions

__all__ = ["build_app"]


async def _counter(request: Request) -> JSONResponse:
    session = request.session
    count = session.get("count", 0) + 1
    session["count"] = count
    return JSONResponse({"count": count})


async def _fill(request: Request) -> JSONResponse:
    name = request.query_params["session"]
    session = request.session
    session.clear()
    session.update(filled_session(name))
    return JSONResponse({"session": name})


async def _bare_counter(request: Request) -> JSONResponse:
    return JSONResponse({"count": 1})


class FloorSessionMiddleware:
    """The AES-GCM floor as a plain ASGI middleware: a dict in, a cookie out when non-empty."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.floor = AesGcmFloor()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        session: dict[str, Any] | None = None
        for name, value in scope["headers"]:
            if name == b"cookie":
                sealed = cookie_from_header(value.decode("latin-1"), "session")
                session = self.floor.open(sealed) if sealed else None
        scope["session"] = session = session or {}

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and session:
                cookie = f"session={self.floor.seal(session)}; Path=/; HttpOnly; SameSite=Lax"
                message["headers"] = [*message["headers"], (b"set-cookie", cookie.encode())]
            await send(message)

        await self.app(scope, receive, send_with_cookie)


MAX_AGE = 14 * 24 * 3600
"""Two weeks, written out as users write it (Starlette's default too)."""

# The drop-in's session headers for the counter, the cookie's value fixed (the "session
# headers only" row): what the bytes cost, over the bare app, with no session work.
_FIXED_HEADERS = [
    (b"vary", b"Cookie"),
    (
        b"set-cookie",
        f"session={FIXED_SESSION_VALUE}; path=/; Max-Age={MAX_AGE}; httponly; "
        "samesite=lax".encode(),
    ),
]


class SessionHeadersMiddleware:
    """The bare app plus the session's response headers, fixed: no session is read or sealed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message["headers"], *_FIXED_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _ours(options: AppOptions) -> list[Middleware]:
    # As a user writes it: SessionMiddleware(app, secret_key=key, max_age=14 * 24 * 3600),
    # Starlette's arguments with a generated key as the secret. Only the scaling run adds
    # max_chunks=2, which a 3 KB session needs.
    from client_session_asgi import SessionMiddleware, generate_key

    key = generate_key()
    if options.max_chunks == 1:
        return [Middleware(SessionMiddleware, secret_key=key, max_age=MAX_AGE)]
    return [
        Middleware(
            SessionMiddleware, secret_key=key, max_age=MAX_AGE, max_chunks=options.max_chunks
        )
    ]


def _ours_revocation(options: AppOptions) -> list[Middleware]:
    # The drop-in's own policy (the same arguments as _ours), with revocation on: the
    # run's redis-server as the store, every process's copy refreshed every 2 s.
    import dataclasses

    from client_session_asgi import SessionMiddleware, generate_key

    dropin = SessionMiddleware(_no_app, secret_key=generate_key(), max_age=MAX_AGE)
    policy = dataclasses.replace(dropin.codec.policy, revocations=options.revocations())
    return [Middleware(SessionMiddleware, policy=policy)]


async def _no_app(scope: Scope, receive: Receive, send: Send) -> None:
    raise RuntimeError("only the middleware's policy is read")


def _starlette(options: AppOptions) -> list[Middleware]:
    from starlette.middleware.sessions import SessionMiddleware

    return [Middleware(SessionMiddleware, secret_key=SECRET, max_age=MAX_AGE)]


def _starsessions_redis(options: AppOptions) -> list[Middleware]:
    from redis.asyncio import Redis
    from starsessions import SessionAutoloadMiddleware, SessionMiddleware
    from starsessions.stores.redis import RedisStore

    store = RedisStore(connection=Redis(host="127.0.0.1", port=options.redis_port_or_fail()))
    return [
        Middleware(
            SessionMiddleware, store=store, lifetime=1800, rolling=True, cookie_https_only=False
        ),
        Middleware(SessionAutoloadMiddleware),
    ]


def _floor(options: AppOptions) -> list[Middleware]:
    return [Middleware(FloorSessionMiddleware)]


_MIDDLEWARE: dict[str, Callable[[AppOptions], list[Middleware]]] = {
    "ours": _ours,
    "revocation": _ours_revocation,
    "own": _starlette,
    "redis": _starsessions_redis,
    "floor": _floor,
}


def build_app(variant: str, options: AppOptions) -> Starlette:
    """The counter app of ``variant`` ("bare", "headers" or a key of the middleware table)."""
    if variant == "bare":
        return Starlette(routes=[Route("/counter", _bare_counter)])
    if variant == "headers":
        routes = [Route("/counter", _bare_counter)]
        return Starlette(routes=routes, middleware=[Middleware(SessionHeadersMiddleware)])
    routes = [Route("/counter", _counter), Route("/fill", _fill)]
    return Starlette(routes=routes, middleware=_MIDDLEWARE[variant](options))

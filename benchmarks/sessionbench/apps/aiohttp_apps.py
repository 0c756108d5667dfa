"""The counter on aiohttp, with each aiohttp-session storage (aiohttp's own server)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..content import filled_session
from ..floor import AesGcmFloor, cookie_from_header
from . import SECRET, AppOptions

__all__ = ["build_app"]


async def _bare_counter(request: web.Request) -> web.Response:
    return web.json_response({"count": 1})


def _session_routes(get_session: Any) -> list[web.RouteDef]:
    async def counter(request: web.Request) -> web.Response:
        session = await get_session(request)
        count = session.get("count", 0) + 1
        session["count"] = count
        return web.json_response({"count": count})

    async def fill(request: web.Request) -> web.Response:
        name = request.query["session"]
        session = await get_session(request)
        session.clear()
        session.update(filled_session(name))
        return web.json_response({"session": name})

    return [web.get("/counter", counter), web.get("/fill", fill)]


def _with_storage(storage: Any) -> web.Application:
    from aiohttp_session import get_session, setup

    app = web.Application()
    setup(app, storage)
    app.add_routes(_session_routes(get_session))
    return app


def _ours(options: AppOptions) -> web.Application:
    # The drop-in: aiohttp-session's setup with our storage, a generated key.
    from client_session_aiohttp import EncryptedCookieSessionStorage, generate_key

    return _with_storage(
        EncryptedCookieSessionStorage(generate_key(), max_chunks=options.max_chunks)
    )


def _encrypted_cookie_storage(options: AppOptions) -> web.Application:
    from aiohttp_session.cookie_storage import EncryptedCookieStorage

    # 32 raw bytes, which the storage encodes into a Fernet key; these cookies protect nothing.
    return _with_storage(EncryptedCookieStorage(SECRET.encode()[:32]))


def _redis_storage(options: AppOptions) -> web.Application:
    from aiohttp_session.redis_storage import RedisStorage
    from redis.asyncio import Redis

    return _with_storage(RedisStorage(Redis(host="127.0.0.1", port=options.redis_port_or_fail())))


@web.middleware
async def _floor_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    """The AES-GCM floor as a plain middleware: a dict in, a cookie out when non-empty."""
    sealed = cookie_from_header(request.headers.get("Cookie", ""), "session")
    session = (sealed and _FLOOR.open(sealed)) or {}
    request["floor_session"] = session
    response = await handler(request)
    if session:
        cookie = f"session={_FLOOR.seal(session)}; Path=/; HttpOnly; SameSite=Lax"
        response.headers.add("Set-Cookie", cookie)
    return response


_FLOOR = AesGcmFloor()


async def _floor_session(request: web.Request) -> dict[str, Any]:
    session: dict[str, Any] = request["floor_session"]
    return session


def _floor(options: AppOptions) -> web.Application:
    app = web.Application(middlewares=[_floor_middleware])
    app.add_routes(_session_routes(_floor_session))
    return app


def build_app(variant: str, options: AppOptions) -> web.Application:
    """The counter app of ``variant``: "bare", "ours", "own", "redis" or "floor"."""
    if variant == "bare":
        app = web.Application()
        app.router.add_get("/counter", _bare_counter)
        return app
    builders = {
        "ours": _ours,
        "own": _encrypted_cookie_storage,
        "redis": _redis_storage,
        "floor": _floor,
    }
    return builders[variant](options)

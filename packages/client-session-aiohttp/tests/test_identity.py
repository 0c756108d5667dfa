"""The session's identity through aiohttp-session: new_session(request) is a new, empty
session with a new id, and regenerate() on the core keeps the data under a new id."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient
from aiohttp_session import get_session, new_session, session_middleware

from client_session_aiohttp import AiohttpSession, EncryptedCookieSessionStorage


def _core(session: Any) -> Any:
    assert isinstance(session, AiohttpSession)
    return session.core


async def _start(request: web.Request) -> web.StreamResponse:
    session = await get_session(request)
    session["cart"] = ["book"]
    return web.json_response({"id": _core(session).id})


async def _login(request: web.Request) -> web.StreamResponse:
    before = _core(await get_session(request)).id
    session = await new_session(request)  # aiohttp-session's idiom: an empty, new session
    assert session.new
    assert dict(session) == {}
    session["user"] = "ada"
    return web.json_response({"before": before, "after": _core(session).id})


async def _regenerate(request: web.Request) -> web.StreamResponse:
    core = _core(await get_session(request))
    before = core.id
    core.regenerate()  # the core's call: a new id, the data kept
    core.bind_user("ada")
    return web.json_response({"before": before, "after": core.id})


async def _view(request: web.Request) -> web.StreamResponse:
    session = await get_session(request)
    core = _core(session)
    return web.json_response({"id": core.id, "user": core.user_id, "data": dict(session)})


def _app(key: str) -> web.Application:
    app = web.Application(middlewares=[session_middleware(EncryptedCookieSessionStorage(key))])
    app.router.add_get("/start", _start)
    app.router.add_post("/login", _login)
    app.router.add_post("/regenerate", _regenerate)
    app.router.add_get("/view", _view)
    return app


def test_new_session_starts_a_new_identity_without_the_old_data(
    key: str, run_with_client: Any
) -> None:
    async def scenario(client: TestClient) -> None:
        first = (await (await client.get("/start")).json())["id"]
        assert (await (await client.get("/view")).json())["id"] == first  # kept across requests
        login = await (await client.post("/login")).json()
        assert login["before"] == first
        assert login["after"] != first
        view = await (await client.get("/view")).json()
        assert view == {"id": login["after"], "user": None, "data": {"user": "ada"}}

    run_with_client(_app(key), scenario)


def test_regenerate_on_the_core_keeps_the_data_under_a_new_identity(
    key: str, run_with_client: Any
) -> None:
    async def scenario(client: TestClient) -> None:
        first = (await (await client.get("/start")).json())["id"]
        changed = await (await client.post("/regenerate")).json()
        assert changed["before"] == first
        assert changed["after"] != first
        view = await (await client.get("/view")).json()
        assert view == {"id": changed["after"], "user": "ada", "data": {"cart": ["book"]}}

    run_with_client(_app(key), scenario)

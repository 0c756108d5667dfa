"""session_middleware, for applications without aiohttp-session."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from client_session_aiohttp import (
    ConfigurationError,
    KeyRing,
    Session,
    SessionCodec,
    SessionPolicy,
    get_session,
    session_middleware,
)

COOKIE = "session"


def app_with(middleware: Any, **routes: Any) -> web.Application:
    app = web.Application(middlewares=[middleware])
    for path, handler in routes.items():
        app.router.add_get(f"/{path}", handler)
    return app


async def counter(request: web.Request) -> web.Response:
    session = await get_session(request)
    session["count"] = session.get("count", 0) + 1
    # The session is a dict: it serializes as one.
    return web.Response(text=json.dumps(session), content_type="application/json")


def test_the_session_is_a_dict_kept_in_the_cookie(key: str, run_with_client: Any) -> None:
    async def scenario(client: TestClient) -> None:
        for expected in (1, 2, 3):
            resp = await client.get("/counter")
            assert await resp.json() == {"count": expected}
            assert resp.headers.getall("Vary") == ["Cookie"]

    run_with_client(app_with(session_middleware(key), counter=counter), scenario)


def test_get_session_without_the_middleware_says_how_to_add_it(run_with_client: Any) -> None:
    failures: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        with pytest.raises(RuntimeError, match=r"middlewares=\[session_middleware\(\)\]") as e:
            await get_session(request)
        failures.append(str(e.value))
        return web.Response(text="ok")

    async def scenario(client: TestClient) -> None:
        assert (await client.get("/")).status == 200

    app = web.Application()
    app.router.add_get("/", handler)
    run_with_client(app, scenario)
    assert failures


def test_a_raised_redirect_carries_the_session(key: str, run_with_client: Any) -> None:
    async def login(request: web.Request) -> web.Response:
        session = await get_session(request)
        session["user"] = "ada"
        raise web.HTTPFound("/whoami")

    async def whoami(request: web.Request) -> web.Response:
        session = await get_session(request)
        return web.Response(text=str(session.get("user")))

    async def scenario(client: TestClient) -> None:
        resp = await client.get("/login")
        assert str(resp.url).endswith("/whoami")
        assert await resp.text() == "ada"

    app = app_with(session_middleware(key), login=login, whoami=whoami)
    run_with_client(app, scenario)


def test_a_failing_handler_saves_nothing(key: str, run_with_client: Any) -> None:
    async def fail(request: web.Request) -> web.Response:
        session = await get_session(request)
        session["half"] = "done"
        raise RuntimeError("the handler failed")

    async def scenario(client: TestClient) -> None:
        resp = await client.get("/fail")
        assert resp.status == 500
        assert "Set-Cookie" not in resp.headers

    run_with_client(app_with(session_middleware(key), fail=fail), scenario)


def test_a_change_after_a_streamed_response_is_prepared_is_logged(
    key: str, run_with_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    async def stream(request: web.Request) -> web.StreamResponse:
        session = await get_session(request)
        response = web.StreamResponse()
        await response.prepare(request)
        session["late"] = True
        await response.write(b"streamed")
        return response

    async def scenario(client: TestClient) -> None:
        resp = await client.get("/stream")
        assert await resp.read() == b"streamed"
        assert "Set-Cookie" not in resp.headers

    with caplog.at_level(logging.WARNING, logger="client_session"):
        run_with_client(app_with(session_middleware(key), stream=stream), scenario)
    assert "change the session before response.prepare()" in caplog.text


def test_vary_is_merged_with_the_applications(key: str, run_with_client: Any) -> None:
    async def negotiated(request: web.Request) -> web.Response:
        session = await get_session(request)
        session["seen"] = True
        return web.Response(text="ok", headers={"Vary": "Accept-Encoding"})

    async def scenario(client: TestClient) -> None:
        resp = await client.get("/negotiated")
        assert resp.headers.getall("Vary") == ["Accept-Encoding, Cookie"]

    run_with_client(app_with(session_middleware(key), negotiated=negotiated), scenario)


def test_of_two_session_cookies_the_first_is_read(key: str, run_with_client: Any) -> None:
    codec = SessionCodec(SessionPolicy(keys=KeyRing([key])))

    async def scenario(client: TestClient) -> None:
        sealed = codec.seal({"count": 41})
        # Two Cookie header fields, as an HTTP/2 client may send them.
        headers = [("Cookie", f"{COOKIE}={sealed}"), ("Cookie", f"{COOKIE}=stale")]
        resp = await client.get("/counter", headers=headers)
        assert await resp.json() == {"count": 42}

    run_with_client(app_with(session_middleware(codec), counter=counter), scenario)


def test_options_are_the_policys_and_are_checked_at_start_up(key: str) -> None:
    with pytest.raises(ConfigurationError, match="idle_timeout"):
        session_middleware(key, idle_timeout=-1)
    codec = SessionCodec(SessionPolicy(keys=KeyRing([key])))
    with pytest.raises(ConfigurationError, match="takes no other options"):
        session_middleware(codec, cookie_name="sid")


def test_the_session_type_is_the_cores(key: str, run_with_client: Any) -> None:
    types: list[type] = []

    async def handler(request: web.Request) -> web.Response:
        types.append(type(await get_session(request)))
        return web.Response(text="ok")

    async def scenario(client: TestClient) -> None:
        await client.get("/handler")

    run_with_client(app_with(session_middleware(key), handler=handler), scenario)
    assert types == [Session]

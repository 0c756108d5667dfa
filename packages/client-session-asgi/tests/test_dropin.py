"""The drop-in, against Starlette's own middleware: its Set-Cookie, byte for byte, and its
cookies read once after the switch, over uvicorn."""

from __future__ import annotations

import datetime
import inspect
import logging
import time
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware as StarletteSessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from client_session_asgi import (
    ConfigurationError,
    SessionMiddleware,
    generate_key,
    starlette_cookies,
)
from client_session_conformance.serving import serve_asgi_in_thread
from client_session_core import KeyRing, SessionCodec, SessionPolicy
from client_session_core.adapter import CANONICAL_COOKIE_STYLE

KEY = generate_key()
_PARAMETERS = inspect.signature(StarletteSessionMiddleware).parameters


async def store(request: Request) -> JSONResponse:
    request.session.update(await request.json())
    return JSONResponse(dict(request.session))


async def view(request: Request) -> JSONResponse:
    return JSONResponse(dict(request.session))


async def clear(request: Request) -> JSONResponse:
    request.session.clear()
    return JSONResponse({})


def app_with(middleware: type[Any], **options: Any) -> Starlette:
    routes = [
        Route("/store", store, methods=["POST"]),
        Route("/view", view),
        Route("/clear", clear),
    ]
    return Starlette(routes=routes, middleware=[Middleware(middleware, secret_key=KEY, **options)])


def without_value(header: str) -> str:
    name, _, rest = header.partition("=")
    return f"{name}=<value>; {rest.partition('; ')[2]}"


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"max_age": None},
        {"max_age": 600, "path": "/", "same_site": "strict"},
        {"https_only": True, "same_site": "none", "partitioned": True},
        {"domain": ".example.com", "https_only": True},
        {"domain": "example.com", "session_cookie": "sid"},
    ],
    ids=["defaults", "browser-session", "strict", "partitioned", "leading-dot", "domain"],
)
def test_set_cookie_is_starlettes_byte_for_byte(options: dict[str, Any]) -> None:
    if "partitioned" in options and "partitioned" not in _PARAMETERS:
        pytest.skip("Starlette's middleware has partitioned from 0.44 on")
    headers = {}
    for middleware in (StarletteSessionMiddleware, SessionMiddleware):
        with TestClient(app_with(middleware, **options), base_url="https://testserver") as client:
            written = client.post("/store", json={"a": 1}).headers["set-cookie"]
            client.cookies.clear()  # the cookie goes back by hand: its Domain is not testserver
            pair = written.partition(";")[0]
            deleted = client.get("/clear", headers={"Cookie": pair}).headers["set-cookie"]
        headers[middleware] = (without_value(written), deleted)
    assert headers[SessionMiddleware] == headers[StarletteSessionMiddleware]


def test_built_from_a_policy_it_writes_the_canonical_spelling() -> None:
    policy = SessionPolicy(keys=KeyRing([KEY]))
    assert policy.cookie_style == CANONICAL_COOKIE_STYLE
    app = Starlette(
        routes=[Route("/store", store, methods=["POST"])],
        middleware=[Middleware(SessionMiddleware, policy=policy)],
    )
    with TestClient(app) as client:
        header = client.post("/store", json={"a": 1}).headers["set-cookie"]
    assert "; Path=/; Max-Age=" in header
    assert header.endswith("; HttpOnly; SameSite=Lax")


def starlettes_own_cookie(content: dict[str, Any], secret: str = KEY) -> str:
    """The cookie Starlette's own SessionMiddleware sets for ``content``."""
    app = Starlette(
        routes=[Route("/store", store, methods=["POST"])],
        middleware=[Middleware(StarletteSessionMiddleware, secret_key=secret)],
    )
    with TestClient(app) as client:
        header = client.post("/store", json=content).headers["set-cookie"]
    return header.partition("=")[2].partition(";")[0]


def test_the_one_line_switch_logs_nobody_out(caplog: pytest.LogCaptureFixture) -> None:
    old_cookie = starlettes_own_cookie({"user": "ada"})
    switched = SessionMiddleware(app_with_routes(), secret_key=KEY)  # the quickstart line
    with serve_asgi_in_thread(switched) as url, httpx.Client(base_url=url) as client:
        with caplog.at_level(logging.INFO, logger="client_session"):
            response = client.get("/view", headers={"Cookie": f"session={old_cookie}"})
        assert response.json() == {"user": "ada"}
        resealed = response.headers["set-cookie"].partition("=")[2].partition(";")[0]
        # Sealed by ours: our codec, with no legacy reader, opens it.
        ours = SessionCodec(SessionPolicy(keys=KeyRing([KEY])))
        assert ours.load(f"session={resealed}").data() == {"user": "ada"}
        response = client.get("/view", headers={"Cookie": f"session={resealed}"})
        assert response.json() == {"user": "ada"}
        assert "set-cookie" not in response.headers
    upgrades = [r for r in caplog.records if r.levelno == logging.INFO]
    assert len(upgrades) == 1
    assert "ada" not in upgrades[0].getMessage()


def app_with_routes() -> Starlette:
    return Starlette(routes=[Route("/view", view)])


def test_a_cookie_signed_with_another_secret_is_an_empty_session_over_uvicorn() -> None:
    old_cookie = starlettes_own_cookie({"user": "ada"}, secret=generate_key())
    switched = SessionMiddleware(app_with_routes(), secret_key=KEY)
    with serve_asgi_in_thread(switched) as url, httpx.Client(base_url=url) as client:
        response = client.get("/view", headers={"Cookie": f"session={old_cookie}"})
    assert response.status_code == 200
    assert response.json() == {}


def test_legacy_cookies_false_and_a_past_date_read_nothing() -> None:
    old_cookie = starlettes_own_cookie({"user": "ada"})
    yesterday = datetime.date.fromtimestamp(time.time() - 86400)
    for option in (False, yesterday):
        middleware = SessionMiddleware(app_with_routes(), secret_key=KEY, legacy_cookies=option)
        with TestClient(middleware) as client:
            client.cookies.set("session", old_cookie)
            assert client.get("/view").json() == {}


def test_an_old_secret_other_than_the_key_is_read_with_starlette_cookies() -> None:
    old_secret = generate_key()
    old_cookie = starlettes_own_cookie({"user": "ada"}, secret=old_secret)
    tomorrow = datetime.date.fromtimestamp(time.time() + 86400)
    middleware = SessionMiddleware(
        app_with_routes(), keys=[KEY], legacy_cookies=starlette_cookies(old_secret, until=tomorrow)
    )
    with TestClient(middleware) as client:
        client.cookies.set("session", old_cookie)
        assert client.get("/view").json() == {"user": "ada"}


def test_an_old_weak_secret_is_refused_at_start_up() -> None:
    # Issue 22: reading cookies signed with "example" let anyone forge a session. The old
    # code read them, "knowing that anyone who guessed that secret can forge them".
    tomorrow = datetime.date.fromtimestamp(time.time() + 86400)
    with pytest.raises(ConfigurationError, match="legacy_cookies=False"):
        SessionMiddleware(
            app_with_routes(),
            keys=[KEY],
            legacy_cookies=starlette_cookies("example", until=tomorrow),
        )


def test_with_keys_instead_of_secret_key_the_default_reads_nothing() -> None:
    middleware = SessionMiddleware(app_with_routes(), keys=[KEY])
    assert middleware.policy.legacy_cookies is None
    assert SessionMiddleware(app_with_routes(), secret_key=KEY).policy.legacy_cookies is not None

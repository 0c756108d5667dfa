"""The middleware itself: plain ASGI messages, WebSockets, errors, Starlette and FastAPI."""

from __future__ import annotations

import asyncio
import datetime
import time
from collections.abc import MutableMapping
from typing import Any

import pytest
from fastapi import Depends, FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket

from client_session_asgi import (
    ConfigurationError,
    KeyRing,
    SessionMiddleware,
    SessionTooLarge,
    generate_key,
)
from client_session_core import UnserializableValue

KEY = generate_key()
Message = MutableMapping[str, Any]


def run_asgi(app: Any, scope: dict[str, Any]) -> list[Message]:
    """Run one request through ``app`` and return the messages it sent."""
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


def http_scope(*headers: tuple[bytes, bytes]) -> dict[str, Any]:
    return {"type": "http", "method": "GET", "path": "/", "headers": list(headers)}


def plain_app(start_headers: Any, touch: bool = True) -> Any:
    """An ASGI app that counts in the session (if ``touch``) and answers with ``start_headers``."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        body = b"{}"
        if touch:
            session = scope["session"]
            session["count"] = session.get("count", 0) + 1
            body = str(session["count"]).encode()
        await send({"type": "http.response.start", "status": 200, "headers": start_headers})
        await send({"type": "http.response.body", "body": body})

    return app


def header_values(message: Message, name: bytes) -> list[bytes]:
    return [value for key, value in message["headers"] if key.lower() == name]


# -- plain ASGI ------------------------------------------------------------------------------


def test_several_cookie_headers_are_joined() -> None:
    middleware = SessionMiddleware(plain_app([]), secret_key=KEY)
    cookie = middleware.codec.seal({"count": 41}).encode()
    _, body = run_asgi(
        middleware, http_scope((b"cookie", b"theme=dark"), (b"cookie", b"session=" + cookie))
    )
    assert body["body"] == b"42"


def test_headers_of_the_application_are_kept_and_vary_is_merged() -> None:
    existing = ((b"vary", b"Accept-Encoding"), (b"set-cookie", b"theme=dark; Path=/"))
    start, _ = run_asgi(SessionMiddleware(plain_app(existing), secret_key=KEY), http_scope())
    cookies = header_values(start, b"set-cookie")
    assert cookies[0] == b"theme=dark; Path=/"
    assert len(cookies) == 2
    assert cookies[1].startswith(b"session=")
    assert header_values(start, b"vary") == [b"Accept-Encoding, Cookie"]


@pytest.mark.parametrize("vary", [b"Cookie", b"accept, cookie", b"*"])
def test_vary_that_already_covers_cookie_is_left_alone(vary: bytes) -> None:
    start, _ = run_asgi(
        SessionMiddleware(plain_app([(b"Vary", vary)]), secret_key=KEY), http_scope()
    )
    assert header_values(start, b"vary") == [vary]


def test_untouched_response_is_passed_on_as_it_is() -> None:
    headers = [(b"content-type", b"application/json")]
    start, body = run_asgi(
        SessionMiddleware(plain_app(headers, touch=False), secret_key=KEY), http_scope()
    )
    assert start["headers"] is headers
    assert body == {"type": "http.response.body", "body": b"{}"}


def test_other_scopes_pass_through_without_a_session() -> None:
    seen: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope)

    scope = {"type": "lifespan"}
    run_asgi(SessionMiddleware(app, secret_key=KEY), scope)
    assert seen == [{"type": "lifespan"}]


# -- Starlette -------------------------------------------------------------------------------


async def counter(request: Request) -> JSONResponse:
    request.session["count"] = request.session.get("count", 0) + 1
    return JSONResponse({"count": request.session["count"]})


async def store(request: Request) -> JSONResponse:
    request.session["value"] = await request.json() if request.method == "POST" else object()
    return JSONResponse({})


async def with_theme(request: Request) -> JSONResponse:
    request.session["seen"] = True
    response = JSONResponse({})
    response.set_cookie("theme", "dark")
    return response


async def websocket_endpoint(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_json(dict(websocket.session))
    websocket.session["from_websocket"] = True  # not saved: no response carries it
    await websocket.close()


def starlette_app(**options: Any) -> SessionMiddleware:
    app = Starlette(
        routes=[
            Route("/counter", counter),
            Route("/store", store, methods=["GET", "POST"]),
            Route("/theme", with_theme),
            WebSocketRoute("/ws", websocket_endpoint),
        ]
    )
    options.setdefault("secret_key", KEY)
    return SessionMiddleware(app, **options)


def test_websocket_reads_the_session_and_does_not_write_it() -> None:
    client = TestClient(starlette_app())
    assert client.get("/counter").json() == {"count": 1}
    with client.websocket_connect("/ws") as websocket:
        assert websocket.receive_json() == {"count": 1}
    assert client.get("/counter").json() == {"count": 2}


def test_session_too_large_reaches_the_server() -> None:
    client = TestClient(starlette_app())
    with pytest.raises(SessionTooLarge):
        client.post("/store", json="x" * 5000)
    client = TestClient(starlette_app(), raise_server_exceptions=False)
    response = client.post("/store", json="x" * 5000)
    assert response.status_code == 500
    assert "set-cookie" not in response.headers


def test_chunking_makes_room_for_a_large_session() -> None:
    client = TestClient(starlette_app(max_chunks=3))
    assert client.post("/store", json="x" * 5000).status_code == 200
    assert len(client.cookies) >= 3


def test_unserializable_value_reaches_the_server() -> None:
    with pytest.raises(UnserializableValue, match="session\\['value'\\]"):
        TestClient(starlette_app()).get("/store")


def test_cookie_set_by_the_application_is_kept() -> None:
    response = TestClient(starlette_app()).get("/theme")
    cookies = response.headers.get_list("set-cookie")
    assert cookies[0].startswith("theme=dark")
    assert cookies[1].startswith("session=")


@pytest.mark.parametrize(
    "not_before",
    [time.time(), datetime.datetime.now(datetime.timezone.utc)],
    ids=["time.time()", "aware-datetime"],
)
def test_not_before_takes_what_time_time_and_a_datetime_give(
    not_before: float | datetime.datetime,
) -> None:
    # Issue 23: not_before=time.time() made every request a 500, and the argument's type said
    # int (mypy checks add_middleware's keyword arguments against it).
    app = Starlette(routes=[Route("/counter", counter)])
    app.add_middleware(SessionMiddleware, secret_key=KEY, not_before=not_before)
    client = TestClient(app)
    response = client.get("/counter")
    assert response.status_code == 200
    assert client.get("/counter").json() == {"count": 2}  # created after not_before: opens
    middleware = starlette_app(not_before=not_before)
    logged_out = middleware.codec.seal({"count": 41}, created_at=int(time.time()) - 3600)
    client = TestClient(middleware, cookies={"session": logged_out})
    assert client.get("/counter").json() == {"count": 1}  # created before: refused


def test_a_naive_datetime_for_not_before_is_refused() -> None:
    naive = datetime.datetime.now()  # the mistake under test
    with pytest.raises(ConfigurationError, match="has no time zone: give an aware datetime"):
        starlette_app(not_before=naive)


def test_rotation_opens_old_cookies_and_reseals_them() -> None:
    old_key = generate_key()
    before = TestClient(starlette_app(secret_key=None, keys=[old_key]))
    assert before.get("/counter").json() == {"count": 1}
    rotated = starlette_app(secret_key=None, keys=KeyRing([KEY, old_key]))
    after = TestClient(rotated, cookies={"session": before.cookies["session"]})
    response = after.get("/counter")
    assert response.json() == {"count": 2}
    new_only = starlette_app(secret_key=None, keys=[KEY])
    resealed = new_only.codec.load(f"session={response.cookies['session']}")
    assert resealed.data() == {"count": 2}


# -- FastAPI ---------------------------------------------------------------------------------


def test_fastapi_request_session_and_dependencies() -> None:
    api = FastAPI(openapi_url=None)
    api.add_middleware(SessionMiddleware, secret_key=KEY)

    def user_name(request: Request) -> str:
        return str(request.session.get("user", "anonymous"))

    @api.post("/login/{name}")
    async def login(name: str, request: Request) -> dict[str, str]:
        request.session["user"] = name
        return {"user": name}

    @api.get("/me")
    async def me(name: str = Depends(user_name)) -> dict[str, str]:
        return {"user": name}

    @api.get("/health")
    async def health() -> dict[str, bool]:
        return {"ok": True}

    client = TestClient(api)
    assert client.get("/me").json() == {"user": "anonymous"}
    login_response = client.post("/login/ada")
    assert "set-cookie" in login_response.headers
    me_response = client.get("/me")
    assert me_response.json() == {"user": "ada"}
    assert "set-cookie" not in me_response.headers
    assert me_response.headers["vary"] == "Cookie"
    health_response = client.get("/health")
    assert "vary" not in health_response.headers
    assert "set-cookie" not in health_response.headers

"""The middleware: which connections it handles (scopes, exclude, exclude_opt_key, as
Litestar's own session middleware), and request.set_session() and clear_session()."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from litestar import Litestar, Request, WebSocket, get, post, websocket
from litestar.middleware.session.client_side import CookieBackendConfig
from litestar.testing import TestClient
from litestar_cookies_helpers import aes_secret

from client_session_core.testing import ManualClock
from client_session_litestar import ClientSessionConfig, generate_key

AnyRequest = Request[Any, Any, Any]


@dataclasses.dataclass
class User:
    id: int
    name: str


@get("/count", sync_to_thread=False)
def count(request: AnyRequest) -> dict[str, Any]:
    request.session["n"] = request.session.get("n", 0) + 1
    return {"n": request.session["n"]}


@get("/static/page", sync_to_thread=False)
def static_page(request: AnyRequest) -> dict[str, Any]:
    return {"has_session": "session" in request.scope}


@get("/health", sync_to_thread=False, opt={"skip_session": True})
def health(request: AnyRequest) -> dict[str, Any]:
    return {"has_session": "session" in request.scope}


@post("/login", status_code=200, sync_to_thread=False)
def login(request: AnyRequest) -> dict[str, Any]:
    request.set_session(User(id=7, name="ann"))
    return {}


@post("/login-dict", status_code=200, sync_to_thread=False)
def login_dict(request: AnyRequest) -> dict[str, Any]:
    request.set_session({"user": "bob"})
    return {}


@post("/logout", status_code=200, sync_to_thread=False)
def logout(request: AnyRequest) -> dict[str, Any]:
    request.clear_session()
    return {}


@get("/view", sync_to_thread=False)
def view(request: AnyRequest) -> dict[str, Any]:
    return dict(request.session)


@websocket("/ws")
async def ws(socket: WebSocket[Any, Any, Any]) -> None:
    await socket.accept()
    has_session = "session" in socket.scope
    await socket.send_json(dict(socket.session) if has_session else None)
    await socket.close()


HANDLERS = [count, static_page, health, login, login_dict, logout, view, ws]


def client_for(config: Any) -> TestClient[Litestar]:
    app = Litestar(route_handlers=HANDLERS, middleware=[config.middleware], logging_config=None)
    return TestClient(app)


def ours(**options: Any) -> ClientSessionConfig:
    return ClientSessionConfig(secret=generate_key(), clock=ManualClock(), **options)


def test_set_session_starts_a_new_session_with_a_data_container_s_json() -> None:
    with client_for(ours()) as client:
        client.get("/count")
        created = client.cookies["session"]
        response = client.post("/login")
        assert response.headers["set-cookie"].startswith("session=")
        assert client.cookies["session"] != created
        assert client.get("/view").json() == {"id": 7, "name": "ann"}
        client.post("/login-dict")
        assert client.get("/view").json() == {"user": "bob"}


def test_set_session_makes_a_new_created_at() -> None:
    config = ours()
    with client_for(config) as client:
        client.get("/count")
        first = config.codec.load(f"session={client.cookies['session']}").created_at
        config.codec.clock.advance(100)  # type: ignore[attr-defined]
        client.post("/login-dict")
        second = config.codec.load(f"session={client.cookies['session']}").created_at
    assert first is not None
    assert second == first + 100


def test_clear_session_ends_the_session() -> None:
    with client_for(ours()) as client:
        client.get("/count")
        response = client.post("/logout")
        assert response.headers["set-cookie"].startswith("session=;")
        assert "Max-Age=0" in response.headers["set-cookie"]
        assert client.get("/count").json() == {"n": 1}


@pytest.mark.parametrize("config_class", [CookieBackendConfig, ClientSessionConfig])
def test_exclude_and_exclude_opt_key_skip_routes_as_litestar_does(config_class: Any) -> None:
    config: CookieBackendConfig | ClientSessionConfig
    if config_class is CookieBackendConfig:
        config = CookieBackendConfig(secret=aes_secret(generate_key()), exclude=["^/static"])
    else:
        config = ours(exclude=["^/static"])
    with client_for(config) as client:
        assert client.get("/static/page").json() == {"has_session": False}
        assert client.get("/health").json() == {"has_session": False}
        assert client.get("/count").json() == {"n": 1}


def test_a_custom_exclude_opt_key() -> None:
    with client_for(ours(exclude_opt_key="no_such_key")) as client:
        assert client.get("/health").json() == {"has_session": True}


def test_a_websocket_reads_the_session() -> None:
    with client_for(ours()) as client:
        client.post("/login-dict")
        with client.websocket_connect("/ws") as socket:
            assert socket.receive_json() == {"user": "bob"}


def test_scopes_http_alone_leaves_websockets_without_a_session() -> None:
    with client_for(ours(scopes={"http"})) as client:
        client.post("/login-dict")
        with client.websocket_connect("/ws") as socket:
            assert socket.receive_json() is None


def test_an_untouched_request_sends_no_cookie() -> None:
    with client_for(ours()) as client:
        client.get("/count")
        response = client.get("/static/page")
        assert "set-cookie" not in response.headers

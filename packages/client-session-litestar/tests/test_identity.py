"""The session's identity under Litestar: request.set_session() starts a new one (it replaces
the session, as at a login), request.session.regenerate() keeps the data under a new one."""

from __future__ import annotations

from typing import Any

from litestar import Litestar, Request, get, post
from litestar.testing import TestClient

from client_session_core import Session
from client_session_core.testing import ManualClock
from client_session_litestar import ClientSessionConfig, generate_key

AnyRequest = Request[Any, Any, Any]


def _session(request: AnyRequest) -> Session:
    session = request.session
    assert isinstance(session, Session)  # the core's session, in scope["session"]
    return session


@get("/start", sync_to_thread=False)
def start(request: AnyRequest) -> dict[str, Any]:
    _session(request)["cart"] = ["book"]
    return {"id": _session(request).id}


@post("/login", status_code=200, sync_to_thread=False)
def login(request: AnyRequest) -> dict[str, Any]:
    request.set_session({"user": "ann"})
    return {}


@post("/regenerate", status_code=200, sync_to_thread=False)
def regenerate(request: AnyRequest) -> dict[str, Any]:
    session = _session(request)
    before = session.id
    session.regenerate()
    session.bind_user("ann")
    return {"before": before, "after": session.id}


@get("/view", sync_to_thread=False)
def view(request: AnyRequest) -> dict[str, Any]:
    session = _session(request)
    return {"id": session.id, "user": session.user_id, "data": dict(session)}


def _client() -> TestClient[Litestar]:
    config = ClientSessionConfig(secret=generate_key(), clock=ManualClock())
    app = Litestar(
        route_handlers=[start, login, regenerate, view],
        middleware=[config.middleware],
        logging_config=None,
    )
    return TestClient(app)


def test_set_session_starts_a_new_identity() -> None:
    with _client() as client:
        first = client.get("/start").json()["id"]
        assert client.get("/view").json()["id"] == first  # kept across requests
        client.post("/login")
        view = client.get("/view").json()
        assert view["id"] != first
        assert view["data"] == {"user": "ann"}
        assert client.get("/view").json()["id"] == view["id"]


def test_regenerate_keeps_the_data_under_a_new_identity() -> None:
    with _client() as client:
        first = client.get("/start").json()["id"]
        changed = client.post("/regenerate").json()
        assert changed["before"] == first
        assert changed["after"] != first
        assert client.get("/view").json() == {
            "id": changed["after"],
            "user": "ann",
            "data": {"cart": ["book"]},
        }

"""The session's identity under Starlette: request.session is the core's session, so
regenerate() at login keeps the data under a new id, clear() at logout ends the identity."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from client_session_asgi import SessionMiddleware
from client_session_core import generate_key


async def start(request: Request) -> JSONResponse:
    request.session["cart"] = ["book"]
    return JSONResponse({"id": request.session.id})


async def login(request: Request) -> JSONResponse:
    before = request.session.id
    request.session.regenerate()
    request.session.bind_user("ann")
    return JSONResponse({"before": before, "after": request.session.id})


async def logout(request: Request) -> JSONResponse:
    request.session.clear()
    request.session["visits"] = 1  # filled again: a new session
    return JSONResponse({"id": request.session.id})


async def view(request: Request) -> JSONResponse:
    session = request.session
    return JSONResponse({"id": session.id, "user": session.user_id, "data": dict(session)})


def _client() -> TestClient:
    app = Starlette(
        routes=[
            Route("/start", start),
            Route("/login", login, methods=["POST"]),
            Route("/logout", logout, methods=["POST"]),
            Route("/view", view),
        ]
    )
    app.add_middleware(SessionMiddleware, secret_key=generate_key())
    return TestClient(app)


def test_regenerate_at_login_and_clear_at_logout_start_new_identities() -> None:
    with _client() as client:
        first = client.get("/start").json()["id"]
        assert client.get("/view").json()["id"] == first
        login = client.post("/login").json()
        assert login["before"] == first
        assert login["after"] != first
        assert client.get("/view").json() == {
            "id": login["after"],
            "user": "ann",
            "data": {"cart": ["book"]},
        }
        after_logout = client.post("/logout").json()["id"]
        assert after_logout not in (first, login["after"])
        assert client.get("/view").json() == {
            "id": after_logout,
            "user": None,
            "data": {"visits": 1},
        }

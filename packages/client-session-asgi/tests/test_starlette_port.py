"""Starlette 1.x's tests/middleware/test_session.py, run against our SessionMiddleware.

Each test keeps Starlette's name and checks the same behaviour (``nox -s upstream`` runs
Starlette's own file too). Where ours differs on purpose the test says how: a strong key
instead of ``secret_key="example"`` (refused), and expiry through an injected clock instead
of ``max_age=-1`` (refused).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from client_session_asgi import ConfigurationError, SessionMiddleware, generate_key
from client_session_conformance import ManualClock
from client_session_core import SessionCodec

KEY = generate_key()


def view_session(request: Request) -> JSONResponse:
    return JSONResponse({"session": request.session})


async def update_session(request: Request) -> JSONResponse:
    data = await request.json()
    request.session.update(data)
    return JSONResponse({"session": request.session})


async def inplace_update_session(request: Request) -> JSONResponse:
    data = await request.json()
    session = request.session
    session |= data
    return JSONResponse({"session": request.session})


async def popitem_session(request: Request) -> JSONResponse:
    request.session.popitem()
    return JSONResponse({"session": request.session})


async def pop_session(request: Request) -> JSONResponse:
    return JSONResponse({"value": request.scope["session"].pop("a")})


async def clear_session(request: Request) -> JSONResponse:
    request.session.clear()
    return JSONResponse({"session": request.session})


def no_session_access(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


ROUTES = [
    Route("/view_session", endpoint=view_session),
    Route("/update_session", endpoint=update_session, methods=["POST"]),
    Route("/inplace_update_session", endpoint=inplace_update_session, methods=["POST"]),
    Route("/popitem_session", endpoint=popitem_session, methods=["POST"]),
    Route("/pop_session", endpoint=pop_session, methods=["POST"]),
    Route("/clear_session", endpoint=clear_session, methods=["POST"]),
    Route("/no_session", endpoint=no_session_access),
]


def make_app(**options: Any) -> Starlette:
    options.setdefault("secret_key", KEY)
    return Starlette(routes=ROUTES, middleware=[Middleware(SessionMiddleware, **options)])


def test_session() -> None:
    client = TestClient(make_app())

    response = client.get("/view_session")
    assert response.json() == {"session": {}}

    response = client.post("/update_session", json={"some": "data"})
    assert response.json() == {"session": {"some": "data"}}

    # check cookie max-age
    set_cookie = response.headers["set-cookie"]
    max_age_matches = re.search(r"; Max-Age=([0-9]+);", set_cookie)
    assert max_age_matches is not None
    assert int(max_age_matches[1]) == 14 * 24 * 3600

    response = client.get("/view_session")
    assert response.json() == {"session": {"some": "data"}}

    response = client.post("/clear_session")
    assert response.json() == {"session": {}}

    response = client.get("/view_session")
    assert response.json() == {"session": {}}


def test_weak_secret_is_refused() -> None:
    # Starlette's tests use secret_key="example"; a guessable key forges every session.
    with pytest.raises(ConfigurationError, match="too short to be a secret"):
        SessionMiddleware(make_app(), secret_key="example")


@pytest.mark.parametrize("partitioned", [False, True])
def test_partitioned_session(partitioned: bool) -> None:
    app = make_app(https_only=True, same_site="none", partitioned=partitioned)
    client = TestClient(app, base_url="https://testserver")
    response = client.post("/update_session", json={"some": "data"})
    attributes = response.headers["set-cookie"].lower().split("; ")
    assert ("partitioned" in attributes) is partitioned

    response = client.post("/clear_session")
    attributes = response.headers["set-cookie"].lower().split("; ")
    assert ("partitioned" in attributes) is partitioned


def test_session_expires() -> None:
    # Starlette sets max_age=-1 to make the cookie expire at once; a non-positive max_age is
    # refused here, so the clock moves past max_age instead.
    with pytest.raises(ConfigurationError, match="max_age=-1 is not a positive"):
        TestClient(make_app(max_age=-1)).get("/view_session")
    clock = ManualClock()
    client = TestClient(make_app(max_age=60, clock=clock))

    response = client.post("/update_session", json={"some": "data"})
    assert response.json() == {"session": {"some": "data"}}

    expired_cookie_header = response.headers["set-cookie"]
    expired_session_match = re.search(r"session=([^;]*);", expired_cookie_header)
    assert expired_session_match is not None
    expired_session_value = expired_session_match[1]
    clock.advance(60)
    client = TestClient(
        make_app(max_age=60, clock=clock), cookies={"session": expired_session_value}
    )
    response = client.get("/view_session")
    assert response.json() == {"session": {}}


def test_secure_session() -> None:
    app = make_app(https_only=True)
    secure_client = TestClient(app, base_url="https://testserver")
    unsecure_client = TestClient(app, base_url="http://testserver")

    response = unsecure_client.get("/view_session")
    assert response.json() == {"session": {}}

    response = unsecure_client.post("/update_session", json={"some": "data"})
    assert response.json() == {"session": {"some": "data"}}

    response = unsecure_client.get("/view_session")
    assert response.json() == {"session": {}}

    response = secure_client.get("/view_session")
    assert response.json() == {"session": {}}

    response = secure_client.post("/update_session", json={"some": "data"})
    assert response.json() == {"session": {"some": "data"}}

    response = secure_client.get("/view_session")
    assert response.json() == {"session": {"some": "data"}}

    response = secure_client.post("/clear_session")
    assert response.json() == {"session": {}}

    response = secure_client.get("/view_session")
    assert response.json() == {"session": {}}


def test_session_cookie_subpath() -> None:
    second_app = make_app(path="/second_app")
    app = Starlette(routes=[Mount("/second_app", app=second_app)])
    client = TestClient(app, base_url="http://testserver/second_app")
    response = client.post("/update_session", json={"some": "data"})
    assert response.status_code == 200
    cookie = response.headers["set-cookie"]
    cookie_path_match = re.search(r"; path=(\S+);", cookie, re.IGNORECASE)
    assert cookie_path_match is not None
    cookie_path = cookie_path_match.groups()[0]
    assert cookie_path == "/second_app"


def test_invalid_session_cookie() -> None:
    app = make_app()
    client = TestClient(app)

    response = client.post("/update_session", json={"some": "data"})
    assert response.json() == {"session": {"some": "data"}}

    # we expect it to not raise an exception if we provide a bogus session cookie
    client = TestClient(app, cookies={"session": "invalid"})
    response = client.get("/view_session")
    assert response.json() == {"session": {}}


def test_session_cookie() -> None:
    client = TestClient(make_app(max_age=None))

    response = client.post("/update_session", json={"some": "data"})
    assert response.json() == {"session": {"some": "data"}}

    # check cookie max-age
    set_cookie = response.headers["set-cookie"]
    assert "Max-Age" not in set_cookie

    client.cookies.delete("session")
    response = client.get("/view_session")
    assert response.json() == {"session": {}}


def test_domain_cookie() -> None:
    client = TestClient(make_app(domain=".example.com"))

    response = client.post("/update_session", json={"some": "data"})
    assert response.json() == {"session": {"some": "data"}}

    set_cookie = response.headers["set-cookie"]
    assert "domain=.example.com" in set_cookie  # as configured, as Starlette writes it

    client.cookies.delete("session")
    response = client.get("/view_session")
    assert response.json() == {"session": {}}


def test_set_cookie_only_on_modification() -> None:
    client = TestClient(make_app())

    # Write to session - should send Set-Cookie
    response = client.post("/update_session", json={"some": "data"})
    assert "set-cookie" in response.headers

    # Read-only access - should NOT send Set-Cookie
    response = client.get("/view_session")
    assert response.json() == {"session": {"some": "data"}}
    assert "set-cookie" not in response.headers


def test_vary_cookie_on_access() -> None:
    client = TestClient(make_app())

    # Modifying session should add Vary: Cookie
    response = client.post("/update_session", json={"some": "data"})
    assert "cookie" in response.headers.get("vary", "").lower()

    # Reading a non-empty session should add Vary: Cookie
    response = client.get("/view_session")
    assert "cookie" in response.headers.get("vary", "").lower()

    # Not accessing session at all should NOT add Vary: Cookie
    response = client.get("/no_session")
    assert "cookie" not in response.headers.get("vary", "").lower()


@pytest.mark.parametrize("session_data", [{"a": "1"}, {"a": "1", "b": "2"}])
def test_vary_cookie_on_session_pop(session_data: dict[str, str]) -> None:
    # Starlette drives this one through httpx's ASGITransport; the TestClient is the same app.
    client = TestClient(make_app())
    response = client.post("/update_session", json=session_data)
    assert response.json() == {"session": session_data}

    response = client.post("/pop_session")
    assert response.json() == {"value": "1"}
    assert "set-cookie" in response.headers
    assert "cookie" in response.headers.get("vary", "").lower()


def test_session_tracks_modification() -> None:
    # As Starlette's Session, on a session opened from a cookie as the middleware opens it.
    codec = SessionMiddleware(make_app(), secret_key=KEY).codec

    def opened(data: dict[str, str]) -> Any:
        return codec.load(f"session={codec.seal(data)}")

    session = opened({"a": "1", "b": "2"})
    assert not session.modified

    session["c"] = "3"
    assert session.modified

    session = opened({"a": "1"})
    del session["a"]
    assert session.modified

    session = opened({"a": "1"})
    session.clear()
    assert session.modified

    session = opened({"a": "1"})
    session.pop("a")
    assert session.modified
    assert session.accessed

    session = opened({"a": "1"})
    session.pop("missing", None)
    assert not session.modified
    assert not session.accessed

    session = opened({"a": "1"})
    session.setdefault("b", "2")
    assert session.modified

    session = opened({"a": "1"})
    session.setdefault("a", "2")
    assert not session.modified

    # Ours beyond Starlette's: a change undone within the request is modified, as the
    # methods were called, but leaves nothing to write.
    session = opened({"a": "1"})
    session["a"] = "2"
    session["a"] = "1"
    assert session.modified
    assert isinstance(codec, SessionCodec)
    assert codec.commit(session).set_cookie == ()


@pytest.mark.parametrize(
    ("path", "data", "expected"),
    [
        ("/inplace_update_session", {"c": "3"}, {"a": "1", "b": "2", "c": "3"}),
        ("/popitem_session", None, {"a": "1"}),
    ],
)
def test_session_persists_mutations(
    path: str, data: dict[str, str] | None, expected: dict[str, str]
) -> None:
    client = TestClient(make_app())

    response = client.post("/update_session", json={"a": "1", "b": "2"})
    assert response.json() == {"session": {"a": "1", "b": "2"}}

    response = client.post(path, json=data)
    assert response.json() == {"session": expected}

    response = client.get("/view_session")
    assert response.json() == {"session": expected}

"""open_session: the session opened inside an ASGI endpoint, without the middleware.

Served by uvicorn on 127.0.0.1 (an ephemeral port), as a browser would see it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse

from client_session_asgi import KeyRing, SessionCodec, SessionPolicy, generate_key, open_session
from client_session_conformance import ManualClock
from client_session_conformance.serving import serve_asgi_in_thread

pytestmark = pytest.mark.network

CLOCK = ManualClock()
CODEC = SessionCodec(SessionPolicy(keys=KeyRing([generate_key()]), idle_timeout=600), clock=CLOCK)


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """A counter on /, the session through Starlette's request on /view, nothing on /untouched."""
    if scope["type"] == "lifespan":
        return
    session, send = open_session(scope, send, CODEC)
    if scope["path"] == "/":
        session["count"] = session.get("count", 0) + 1
        response = PlainTextResponse(str(session["count"]), headers={"Vary": "Accept-Encoding"})
    elif scope["path"] == "/view":
        response = JSONResponse(dict(Request(scope).session))  # what Starlette's request sees
    elif scope["path"] == "/clear":
        session.clear()
        response = PlainTextResponse("cleared")
    else:
        response = PlainTextResponse("untouched")
    await response(scope, receive, send)


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serve_asgi_in_thread(app) as url:
        yield url


def test_a_counter_continues_over_real_requests(base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=5) as client:
        first = client.get("/")
        assert first.text == "1"
        assert first.headers["vary"] == "Accept-Encoding, Cookie"
        assert first.headers["set-cookie"].startswith("session=")
        assert client.get("/").text == "2"
        assert client.get("/view").json() == {"count": 2}


def test_an_untouched_session_sends_no_header(base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=5) as client:
        client.get("/")
        response = client.get("/untouched")
        assert "set-cookie" not in response.headers
        assert "vary" not in response.headers


def test_clearing_deletes_the_cookie_and_expiry_is_the_servers(base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=5) as client:
        client.get("/")
        deleted = client.get("/clear")
        assert "Max-Age=0" in deleted.headers["set-cookie"]
        client.get("/")
        CLOCK.advance(600)  # idle for the whole timeout: the server refuses the cookie
        assert client.get("/").text == "1"


def test_a_bad_cookie_is_an_empty_session(base_url: str) -> None:
    response = httpx.get(f"{base_url}/view", headers={"Cookie": "session=garbage"}, timeout=5)
    assert response.status_code == 200
    assert response.json() == {}


def test_a_lifespan_scope_is_refused_with_the_fix() -> None:
    async def send(message: object) -> None:
        raise AssertionError("nothing is sent")

    with pytest.raises(ValueError, match="http or websocket scope"):
        open_session({"type": "lifespan"}, send, CODEC)

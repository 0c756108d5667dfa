"""A bad configuration at start-up (issue 23): Starlette and FastAPI build the middleware on
their first ASGI message, the lifespan start-up, where the error fails that start-up through
the protocol (``lifespan.startup.failed``) instead of leaving Starlette's ``__call__``, which
uvicorn's ``--lifespan auto`` took for "lifespan unsupported" before a 500 on every request.
The servers themselves are run in test_start_up_servers.py."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import warnings
from collections.abc import AsyncIterator, MutableMapping
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from client_session_asgi import ConfigurationError, SessionMiddleware, generate_key

Message = MutableMapping[str, Any]
WEAK = "hunter2hunter2"  # 14 characters: too short to be a key


async def home(request: Request) -> PlainTextResponse:
    return PlainTextResponse(str(request.session.get("user")))


def starlette_app(started: list[str] | None = None, **options: Any) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if started is not None:
            started.append("the application's own start-up")
        yield

    return Starlette(
        routes=[Route("/", home)],
        middleware=[Middleware(SessionMiddleware, **options)],
        lifespan=lifespan,
    )


def fastapi_app(**options: Any) -> FastAPI:
    app = FastAPI(openapi_url=None)
    app.add_middleware(SessionMiddleware, **options)
    app.add_api_route("/", home)
    return app


def run_lifespan(app: Any) -> tuple[list[Message], BaseException | None]:
    """Send ``app`` the lifespan start-up then shut-down, as a server does; what it sent, and
    the ConfigurationError it raised."""
    sent: list[Message] = []
    messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])

    async def receive() -> Message:
        return next(messages)

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}
    try:
        asyncio.run(app(scope, receive, send))
    except ConfigurationError as error:
        return sent, error
    return sent, None


@pytest.fixture
def no_keys_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLIENT_SESSION_KEYS", raising=False)
    monkeypatch.delenv("CLIENT_SESSION_KEYS_FILE", raising=False)


@pytest.mark.parametrize("make_app", [starlette_app, fastapi_app], ids=["starlette", "fastapi"])
def test_a_weak_key_fails_the_lifespan_start_up_with_the_message(make_app: Any) -> None:
    # Before: the ConfigurationError left the lifespan call, which uvicorn's --lifespan auto
    # logged as "ASGI 'lifespan' protocol appears unsupported." at INFO, and served 500s.
    sent, raised = run_lifespan(make_app(secret_key=WEAK))
    assert isinstance(raised, ConfigurationError)
    ((failed),) = sent
    assert failed["type"] == "lifespan.startup.failed"
    assert failed["message"] == f"client-session-asgi's SessionMiddleware cannot start: {raised}"
    assert "secret_key: key #1 is 14 characters long, too short to be a secret" in str(raised)
    assert "client-session keygen" in str(raised)
    assert WEAK not in failed["message"]


@pytest.mark.usefixtures("no_keys_in_the_environment")
@pytest.mark.parametrize("make_app", [starlette_app, fastapi_app], ids=["starlette", "fastapi"])
def test_no_key_fails_the_lifespan_start_up_naming_the_arguments(make_app: Any) -> None:
    # The core's message named only CLIENT_SESSION_KEYS; a Starlette user passes secret_key.
    sent, raised = run_lifespan(make_app())
    assert [message["type"] for message in sent] == ["lifespan.startup.failed"]
    assert str(raised) == (
        "no key: pass secret_key=... (or keys=, or policy=), or set the CLIENT_SESSION_KEYS "
        "environment variable, which is empty or unset (CLIENT_SESSION_KEYS_FILE for a key "
        "file); generate a key with `client-session keygen`"
    )


def test_the_application_behind_does_not_start() -> None:
    started: list[str] = []
    sent, raised = run_lifespan(starlette_app(started, secret_key=WEAK))
    assert raised is not None
    assert started == []
    # With a good key the lifespan reaches the application, as before.
    sent, raised = run_lifespan(starlette_app(started, secret_key=generate_key()))
    assert raised is None
    assert [message["type"] for message in sent] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]
    assert started == ["the application's own start-up"]


@pytest.mark.parametrize("make_app", [starlette_app, fastapi_app], ids=["starlette", "fastapi"])
def test_the_test_client_raises_the_error_when_its_block_starts(make_app: Any) -> None:
    client = TestClient(make_app(secret_key=generate_key(), same_site="none"))
    with warnings.catch_warnings():
        # Starlette's TestClient (0.40 at least) leaves its lifespan streams open when the
        # start-up fails, and anyio warns when they are collected: here, not in a later test.
        warnings.simplefilter("ignore", ResourceWarning)
        with (
            pytest.raises(ConfigurationError, match="same_site='none' needs https_only=True"),
            client,
        ):
            pass
        del client
        gc.collect()


@pytest.mark.parametrize("make_app", [starlette_app, fastapi_app], ids=["starlette", "fastapi"])
def test_without_lifespan_each_request_raises_the_error(make_app: Any) -> None:
    # No lifespan (uvicorn --lifespan off, a TestClient outside a with block): the first
    # request is the first message, and there is nothing else to fail. Every request raises,
    # not the first alone (Starlette keeps the middleware it built).
    client = TestClient(make_app(secret_key=WEAK))
    for _ in range(2):
        with pytest.raises(ConfigurationError, match="secret_key: key #1 is 14 characters"):
            client.get("/")


def test_a_middleware_built_by_starlette_with_bad_options_raises_for_its_codec() -> None:
    app = starlette_app(secret_key=WEAK)
    stack = app.build_middleware_stack()  # what Starlette.__call__ does on its first message
    middleware = stack
    while not isinstance(middleware, SessionMiddleware):
        middleware = middleware.app  # type: ignore[attr-defined]
    with pytest.raises(ConfigurationError, match="secret_key: key #1") as first:
        _ = middleware.codec
    with pytest.raises(ConfigurationError, match="secret_key: key #1") as second:
        _ = middleware.policy
    # A new exception each time: one object raised on every request grew its traceback.
    assert first.value is not second.value
    assert first.value.options == second.value.options


def test_a_subclass_built_by_starlette_fails_the_start_up_too() -> None:
    class AuditedSessionMiddleware(SessionMiddleware):
        def __init__(self, app: Any, secret_key: str) -> None:
            super().__init__(app, secret_key=secret_key)

    app = Starlette(middleware=[Middleware(AuditedSessionMiddleware, secret_key=WEAK)])
    sent, raised = run_lifespan(app)
    assert [message["type"] for message in sent] == ["lifespan.startup.failed"]
    assert raised is not None


def test_built_directly_the_error_is_raised_at_once() -> None:
    # An application wrapped by hand, or Litestar's DefineMiddleware (which builds at import
    # and keeps the lifespan to itself): the constructor raises, at import.
    with pytest.raises(ConfigurationError, match="secret_key: key #1 is 14 characters"):
        SessionMiddleware(Starlette(), secret_key=WEAK)


def test_built_directly_with_a_good_key_the_lifespan_passes_through() -> None:
    started: list[str] = []
    app = SessionMiddleware(
        starlette_app(started, secret_key=generate_key()), keys=[generate_key()]
    )
    sent, raised = run_lifespan(app)
    assert raised is None
    assert [message["type"] for message in sent] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]
    assert started == ["the application's own start-up"]

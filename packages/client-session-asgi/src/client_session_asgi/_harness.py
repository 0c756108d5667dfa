"""Conformance harnesses: the route contract on Starlette and on FastAPI, served by uvicorn.

Loaded only by client-session-conformance (entry points ``starlette`` and ``fastapi``),
never by the package itself; uvicorn and the frameworks are test dependencies.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp

from client_session_conformance import (
    Harness,
    append_nested,
    clear_session,
    count_visit,
    leave_untouched,
    merge_session,
    store_blob,
    view_session,
)
from client_session_core import Clock, SessionPolicy

from ._middleware import SessionMiddleware

__all__ = ["FastAPIHarness", "StarletteHarness", "serve_in_thread"]

_WAIT = 10.0  # seconds: the longest a server may take to start or to stop


class _ThreadServer(uvicorn.Server):
    """A uvicorn server that says when it is ready; it runs outside the main thread, where
    uvicorn leaves the signal handlers alone."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()


@contextlib.contextmanager
def serve_in_thread(app: ASGIApp) -> Iterator[str]:
    """Serve ``app`` with uvicorn on 127.0.0.1, on an ephemeral port, in a thread.

    Yields the base URL once the server accepts connections; stops the server and joins
    the thread on exit, waiting at most a few seconds for each.
    """
    config = uvicorn.Config(
        app,
        lifespan="off",
        http="h11",
        ws="none",
        log_config=None,  # leave the logging configuration of the test run alone
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=2,
    )
    server = _ThreadServer(config)
    # Binding here, to port 0, gives the port at once and cannot race another process.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [listener]}, name=f"uvicorn-{port}", daemon=True
    )
    thread.start()
    try:
        if not server.ready.wait(_WAIT):
            raise RuntimeError(f"uvicorn did not start on port {port} within {_WAIT} s")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(_WAIT)
        if thread.is_alive():
            server.force_exit = True
            thread.join(_WAIT)
        listener.close()


def _starlette_app(policy: SessionPolicy, clock: Clock) -> Starlette:
    async def counter(request: Request) -> JSONResponse:
        return JSONResponse(count_visit(request.session))

    async def view(request: Request) -> JSONResponse:
        return JSONResponse(view_session(request.session))

    async def merge(request: Request) -> JSONResponse:
        return JSONResponse(merge_session(request.session, await request.json()))

    async def clear(request: Request) -> JSONResponse:
        return JSONResponse(clear_session(request.session))

    async def untouched(request: Request) -> JSONResponse:
        return JSONResponse(leave_untouched())

    async def nested(request: Request) -> JSONResponse:
        return JSONResponse(append_nested(request.session, request.query_params["item"]))

    async def large(request: Request) -> JSONResponse:
        return JSONResponse(store_blob(request.session, int(request.query_params["size"])))

    return Starlette(
        routes=[
            Route("/counter", counter),
            Route("/view", view),
            Route("/merge", merge, methods=["POST"]),
            Route("/clear", clear, methods=["POST"]),
            Route("/untouched", untouched),
            Route("/nested", nested),
            Route("/large", large),
        ],
        middleware=[Middleware(SessionMiddleware, policy=policy, clock=clock)],
    )


def _fastapi_app(policy: SessionPolicy, clock: Clock) -> ASGIApp:
    from fastapi import FastAPI  # only this harness needs FastAPI

    app = FastAPI(openapi_url=None)
    app.add_middleware(SessionMiddleware, policy=policy, clock=clock)

    @app.get("/counter")
    async def counter(request: Request) -> dict[str, Any]:
        return count_visit(request.session)

    @app.get("/view")
    async def view(request: Request) -> dict[str, Any]:
        return view_session(request.session)

    @app.post("/merge")
    async def merge(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        return merge_session(request.session, body)

    @app.post("/clear")
    async def clear(request: Request) -> dict[str, Any]:
        return clear_session(request.session)

    @app.get("/untouched")
    async def untouched() -> dict[str, Any]:
        return leave_untouched()

    @app.get("/nested")
    async def nested(request: Request, item: str) -> dict[str, Any]:
        return append_nested(request.session, item)

    @app.get("/large")
    async def large(request: Request, size: int) -> dict[str, Any]:
        return store_blob(request.session, size)

    return app


class StarletteHarness(Harness):
    """The route contract as a Starlette application behind :class:`SessionMiddleware`."""

    name = "starlette"

    @contextlib.contextmanager
    def serve(self, policy: SessionPolicy, clock: Clock) -> Iterator[str]:
        """Serve it with uvicorn on 127.0.0.1 until the block ends."""
        with serve_in_thread(_starlette_app(policy, clock)) as url:
            yield url


class FastAPIHarness(Harness):
    """The route contract as a FastAPI application, with ``app.add_middleware``."""

    name = "fastapi"

    @contextlib.contextmanager
    def serve(self, policy: SessionPolicy, clock: Clock) -> Iterator[str]:
        """Serve it with uvicorn on 127.0.0.1 until the block ends."""
        with serve_in_thread(_fastapi_app(policy, clock)) as url:
            yield url

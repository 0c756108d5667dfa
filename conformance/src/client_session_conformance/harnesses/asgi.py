"""Conformance harnesses of client-session-asgi: the route contract on Starlette and on FastAPI,
behind its ``SessionMiddleware``, served by uvicorn in a thread.

Entry points ``starlette`` and ``fastapi``. Needs client-session-asgi, Starlette and uvicorn
(FastAPI for its harness only).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from client_session_asgi import SessionMiddleware
from client_session_conformance import (
    Harness,
    append_nested,
    clear_session,
    count_visit,
    leave_untouched,
    merge_session,
    remember_session,
    store_blob,
    view_session,
)
from client_session_conformance.serving import ASGIApp, serve_asgi_in_thread
from client_session_core import Clock, SessionPolicy

__all__ = ["FastAPIHarness", "StarletteHarness"]


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

    async def remember(request: Request) -> JSONResponse:
        seconds = int(request.query_params["seconds"])
        return JSONResponse(remember_session(request.session, seconds))

    return Starlette(
        routes=[
            Route("/counter", counter),
            Route("/view", view),
            Route("/merge", merge, methods=["POST"]),
            Route("/clear", clear, methods=["POST"]),
            Route("/untouched", untouched),
            Route("/nested", nested),
            Route("/large", large),
            Route("/remember", remember),
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

    @app.get("/remember")
    async def remember(request: Request, seconds: int) -> dict[str, Any]:
        return remember_session(request.session, seconds)

    return app


class StarletteHarness(Harness):
    """The route contract as a Starlette application behind :class:`SessionMiddleware`."""

    name = "starlette"

    @contextlib.contextmanager
    def serve(self, policy: SessionPolicy, clock: Clock) -> Iterator[str]:
        """Serve it with uvicorn on 127.0.0.1 until the block ends."""
        with serve_asgi_in_thread(_starlette_app(policy, clock)) as url:
            yield url


class FastAPIHarness(Harness):
    """The route contract as a FastAPI application, with ``app.add_middleware``."""

    name = "fastapi"

    @contextlib.contextmanager
    def serve(self, policy: SessionPolicy, clock: Clock) -> Iterator[str]:
        """Serve it with uvicorn on 127.0.0.1 until the block ends."""
        with serve_asgi_in_thread(_fastapi_app(policy, clock)) as url:
            yield url

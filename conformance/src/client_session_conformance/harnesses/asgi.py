"""Conformance harnesses of client-session-asgi: the route contract on Starlette and on FastAPI,
behind its ``SessionMiddleware``, served by uvicorn in a thread.

Entry points ``starlette`` and ``fastapi``. Needs client-session-asgi, Starlette and uvicorn
(FastAPI for its harness only). Both serve a key text through ``secret_key=`` (Starlette's
argument, as the README's quickstart), ``keys=`` and the ``CLIENT_SESSION_KEYS`` environment
variable (no key argument).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from client_session_asgi import SessionMiddleware
from client_session_conformance import (
    Harness,
    append_nested,
    arevoke_session,
    arevoke_user,
    clear_session,
    count_visit,
    end_session,
    leave_untouched,
    merge_session,
    regenerate_session,
    remember_session,
    start_session,
    store_blob,
    view_session,
    who_is,
)
from client_session_conformance.serving import ASGIApp, keys_in_environment, serve_asgi_in_thread
from client_session_core import Clock, SessionPolicy
from client_session_core.revocation import Revocations

__all__ = ["FastAPIHarness", "StarletteHarness"]


SECRET_KEY = "SessionMiddleware(secret_key=...)"
KEYS = "SessionMiddleware(keys=...)"
ENVIRONMENT = "CLIENT_SESSION_KEYS environment variable"


def _revocations(middleware_options: dict[str, Any]) -> Revocations | None:
    # The policy's, which the application keeps for its logout (docs/revocation.md).
    policy: SessionPolicy | None = middleware_options.get("policy")
    return None if policy is None else policy.revocations


def _starlette_app(**middleware_options: Any) -> Starlette:
    revocations = _revocations(middleware_options)

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

    async def logout(request: Request) -> JSONResponse:
        await arevoke_session(revocations, request.session)  # every copy, when configured
        return JSONResponse(end_session(request.session.clear))

    async def logout_everywhere(request: Request) -> JSONResponse:
        await arevoke_user(revocations, request.session)
        return JSONResponse(end_session(request.session.clear))

    async def regenerate(request: Request) -> JSONResponse:
        # docs/asgi.md's login: regenerate() keeps the data under a new identity.
        return JSONResponse(regenerate_session(request.session, request.query_params["user"]))

    async def whoami(request: Request) -> JSONResponse:
        return JSONResponse(who_is(request.session))

    async def login(request: Request) -> JSONResponse:
        body = await request.json()
        request.session.clear()  # Starlette's way to a new session, as at a login
        return JSONResponse(start_session(request.session, body))

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
            Route("/logout", logout, methods=["POST"]),
            Route("/login", login, methods=["POST"]),
            Route("/logout-everywhere", logout_everywhere, methods=["POST"]),
            Route("/regenerate", regenerate, methods=["POST"]),
            Route("/whoami", whoami),
        ],
        middleware=[Middleware(SessionMiddleware, **middleware_options)],
    )


def _fastapi_app(**middleware_options: Any) -> ASGIApp:
    from fastapi import FastAPI  # only this harness needs FastAPI

    revocations = _revocations(middleware_options)
    app = FastAPI(openapi_url=None)
    app.add_middleware(SessionMiddleware, **middleware_options)

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

    @app.post("/logout")
    async def logout(request: Request) -> dict[str, Any]:
        await arevoke_session(revocations, request.session)  # every copy, when configured
        return end_session(request.session.clear)

    @app.post("/logout-everywhere")
    async def logout_everywhere(request: Request) -> dict[str, Any]:
        await arevoke_user(revocations, request.session)
        return end_session(request.session.clear)

    @app.post("/regenerate")
    async def regenerate(request: Request, user: str) -> dict[str, Any]:
        return regenerate_session(request.session, user)

    @app.get("/whoami")
    async def whoami(request: Request) -> dict[str, Any]:
        return who_is(request.session)

    @app.post("/login")
    async def login(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        request.session.clear()  # Starlette's way to a new session, as at a login
        return start_session(request.session, body)

    return app


@contextlib.contextmanager
def _serve_with_key_text(
    make_app: Callable[..., ASGIApp], option: str, key_text: str, clock: Clock
) -> Iterator[str]:
    if option == SECRET_KEY:
        with serve_asgi_in_thread(make_app(secret_key=key_text, clock=clock)) as url:
            yield url
    elif option == KEYS:
        with serve_asgi_in_thread(make_app(keys=key_text, clock=clock)) as url:
            yield url
    elif option == ENVIRONMENT:
        # Starlette builds its middleware on the first request: the variable stays set.
        with keys_in_environment(key_text), serve_asgi_in_thread(make_app(clock=clock)) as url:
            yield url
    else:
        raise ValueError(f"no key-text option {option!r}")


class StarletteHarness(Harness):
    """The route contract as a Starlette application behind :class:`SessionMiddleware`."""

    name = "starlette"
    key_text_options: ClassVar[tuple[str, ...]] = (SECRET_KEY, KEYS, ENVIRONMENT)

    @contextlib.contextmanager
    def serve(self, policy: SessionPolicy, clock: Clock) -> Iterator[str]:
        """Serve it with uvicorn on 127.0.0.1 until the block ends."""
        with serve_asgi_in_thread(_starlette_app(policy=policy, clock=clock)) as url:
            yield url

    def serve_with_key_text(
        self, option: str, key_text: str, clock: Clock
    ) -> contextlib.AbstractContextManager[str]:
        """Serve it with the keys given as ``key_text`` through ``option``, Starlette's
        defaults otherwise."""
        return _serve_with_key_text(_starlette_app, option, key_text, clock)


class FastAPIHarness(Harness):
    """The route contract as a FastAPI application, with ``app.add_middleware``."""

    name = "fastapi"
    key_text_options: ClassVar[tuple[str, ...]] = (SECRET_KEY, KEYS, ENVIRONMENT)

    @contextlib.contextmanager
    def serve(self, policy: SessionPolicy, clock: Clock) -> Iterator[str]:
        """Serve it with uvicorn on 127.0.0.1 until the block ends."""
        with serve_asgi_in_thread(_fastapi_app(policy=policy, clock=clock)) as url:
            yield url

    def serve_with_key_text(
        self, option: str, key_text: str, clock: Clock
    ) -> contextlib.AbstractContextManager[str]:
        """Serve it with the keys given as ``key_text`` through ``option``, Starlette's
        defaults otherwise."""
        return _serve_with_key_text(_fastapi_app, option, key_text, clock)

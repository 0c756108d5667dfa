"""The route contract served by aiohttp's own server, through client-session-aiohttp.

``AiohttpHarness`` (entry point ``aiohttp``) serves it through aiohttp-session's ``setup`` with
:class:`~client_session_aiohttp.EncryptedCookieSessionStorage`, the drop-in most users take;
``AiohttpMiddlewareHarness`` through the package's own ``session_middleware``. Each takes a key
text as its first argument (``keys``, where aiohttp-session's storage took its secret) or from
the ``CLIENT_SESSION_KEYS`` environment variable.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from typing import TYPE_CHECKING, Any, ClassVar

import aiohttp_session
from aiohttp import web

from client_session_aiohttp import EncryptedCookieSessionStorage, session_middleware
from client_session_aiohttp import get_session as get_own_session
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
from client_session_conformance.serving import keys_in_environment, serve_asyncio_in_thread
from client_session_core import Clock, SessionCodec, SessionPolicy
from client_session_core.revocation import Revocations

if TYPE_CHECKING:
    from aiohttp.typedefs import Middleware

__all__ = ["AiohttpHarness", "AiohttpMiddlewareHarness", "serve_aiohttp_in_thread"]

HOST = "127.0.0.1"

STORAGE_KEYS = "EncryptedCookieSessionStorage(keys)"
MIDDLEWARE_KEYS = "session_middleware(keys)"
ENVIRONMENT = "CLIENT_SESSION_KEYS environment variable"

SessionGetter = Callable[[web.Request], Awaitable[MutableMapping[str, Any]]]


async def _new_own_session(request: web.Request) -> MutableMapping[str, Any]:
    # client-session-aiohttp's middleware hands out the core's Session: clear() is its way
    # to a new session (new lifetimes, none of the old data).
    session = await get_own_session(request)
    session.clear()
    return session


def _ender(session: MutableMapping[str, Any]) -> Callable[[], object]:
    # aiohttp-session's Session ends with invalidate(); the core's Session with clear().
    invalidate: Callable[[], object] | None = getattr(session, "invalidate", None)
    return session.clear if invalidate is None else invalidate


def serve_aiohttp_in_thread(app: web.Application) -> contextlib.AbstractContextManager[str]:
    """Serve ``app`` with aiohttp's AppRunner and TCPSite on 127.0.0.1, on an ephemeral port,
    on its own event loop in a background thread; yields the base URL."""

    async def start() -> tuple[int, Callable[[], Awaitable[None]]]:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, HOST, 0).start()
        except BaseException:
            await runner.cleanup()
            raise
        return runner.addresses[0][1], runner.cleanup

    return serve_asyncio_in_thread(start, name="aiohttp")


async def _json_object(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="the body is not JSON") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="the body is not a JSON object")
    return body


def _idle_setter(session: MutableMapping[str, Any]) -> Callable[[int], None] | None:
    # aiohttp-session's Session holds the core's as ``core``; the package's own middleware
    # hands out the core's Session itself (None: remember_session's default call).
    core = getattr(session, "core", None)
    if core is None:
        return None

    def set_idle_timeout(seconds: int) -> None:
        core.set_lifetime(idle_timeout=seconds)

    return set_idle_timeout


def _core(session: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    # aiohttp-session's Session holds the core's as ``core``; the package's own middleware
    # hands out the core's Session itself.
    core: MutableMapping[str, Any] = getattr(session, "core", session)
    return core


def contract_routes(
    get_session: SessionGetter,
    new_session: SessionGetter,
    revocations: Revocations | None = None,
) -> list[web.RouteDef]:
    """The route contract, each handler taking its session from ``get_session``, and a new
    session replacing it from ``new_session`` (aiohttp-session's ``new_session``); the
    logouts revoke through ``revocations``, the policy's, when given."""

    async def counter(request: web.Request) -> web.Response:
        return web.json_response(count_visit(await get_session(request)))

    async def view(request: web.Request) -> web.Response:
        return web.json_response(view_session(await get_session(request)))

    async def merge(request: web.Request) -> web.Response:
        body = await _json_object(request)
        return web.json_response(merge_session(await get_session(request), body))

    async def clear(request: web.Request) -> web.Response:
        return web.json_response(clear_session(await get_session(request)))

    async def untouched(request: web.Request) -> web.Response:
        return web.json_response(leave_untouched())

    async def nested(request: web.Request) -> web.Response:
        item = request.query["item"]
        return web.json_response(append_nested(await get_session(request), item))

    async def remember(request: web.Request) -> web.Response:
        session = await get_session(request)
        seconds = int(request.query["seconds"])
        return web.json_response(remember_session(session, seconds, _idle_setter(session)))

    async def large(request: web.Request) -> web.Response:
        size = int(request.query["size"])
        return web.json_response(store_blob(await get_session(request), size))

    async def logout(request: web.Request) -> web.Response:
        session = await get_session(request)
        await arevoke_session(revocations, _core(session))  # every copy, when configured
        return web.json_response(end_session(_ender(session)))

    async def logout_everywhere(request: web.Request) -> web.Response:
        session = await get_session(request)
        await arevoke_user(revocations, _core(session))
        return web.json_response(end_session(_ender(session)))

    async def regenerate(request: web.Request) -> web.Response:
        # docs/aiohttp.md's login: new_session() empties the session; the core's regenerate()
        # keeps the data under a new identity.
        core = _core(await get_session(request))
        return web.json_response(regenerate_session(core, request.query["user"]))

    async def whoami(request: web.Request) -> web.Response:
        return web.json_response(who_is(_core(await get_session(request))))

    async def login(request: web.Request) -> web.Response:
        body = await _json_object(request)
        return web.json_response(start_session(await new_session(request), body))

    return [
        web.get("/counter", counter),
        web.get("/view", view),
        web.post("/merge", merge),
        web.post("/clear", clear),
        web.get("/untouched", untouched),
        web.get("/nested", nested),
        web.get("/large", large),
        web.get("/remember", remember),
        web.post("/logout", logout),
        web.post("/login", login),
        web.post("/logout-everywhere", logout_everywhere),
        web.post("/regenerate", regenerate),
        web.get("/whoami", whoami),
    ]


@contextlib.contextmanager
def _serve_with_key_text(
    option: str, own_option: str, key_text: str, make_app: Callable[[str | None], web.Application]
) -> Iterator[str]:
    """Serve ``make_app(keys)``: ``key_text`` for ``own_option``, None (the environment's
    keys) for :data:`ENVIRONMENT`."""
    with contextlib.ExitStack() as stack:
        if option == own_option:
            app = make_app(key_text)
        elif option == ENVIRONMENT:
            stack.enter_context(keys_in_environment(key_text))
            app = make_app(None)
        else:
            raise ValueError(f"no key-text option {option!r}")
        yield stack.enter_context(serve_aiohttp_in_thread(app))


class AiohttpHarness(Harness):
    """The route contract on aiohttp, with aiohttp-session and our storage."""

    name = "aiohttp"
    key_text_options: ClassVar[tuple[str, ...]] = (STORAGE_KEYS, ENVIRONMENT)

    def serve(self, policy: SessionPolicy, clock: Clock) -> contextlib.AbstractContextManager[str]:
        """Serve the route contract with ``policy`` and ``clock`` on 127.0.0.1."""
        # The suite certifies the core's rule, a cookie written only when the content changed;
        # by default the storage writes after every assignment, as aiohttp-session does.
        storage = EncryptedCookieSessionStorage.from_codec(
            SessionCodec(policy, clock=clock), save_on_assignment=False
        )
        return serve_aiohttp_in_thread(self._app(storage, policy.revocations))

    def serve_with_key_text(
        self, option: str, key_text: str, clock: Clock
    ) -> contextlib.AbstractContextManager[str]:
        """Serve the route contract with the storage given the keys as ``key_text`` (or
        reading them from the environment), its other arguments at their defaults."""

        def make_app(keys: str | None) -> web.Application:
            return self._app(EncryptedCookieSessionStorage(keys, clock=clock))

        return _serve_with_key_text(option, STORAGE_KEYS, key_text, make_app)

    @staticmethod
    def _app(
        storage: EncryptedCookieSessionStorage, revocations: Revocations | None = None
    ) -> web.Application:
        app = web.Application()
        aiohttp_session.setup(app, storage)
        routes = contract_routes(
            aiohttp_session.get_session, aiohttp_session.new_session, revocations
        )
        app.add_routes(routes)
        return app


class AiohttpMiddlewareHarness(Harness):
    """The route contract on aiohttp, with client-session-aiohttp's own middleware."""

    name = "aiohttp-middleware"
    key_text_options: ClassVar[tuple[str, ...]] = (MIDDLEWARE_KEYS, ENVIRONMENT)

    def serve(self, policy: SessionPolicy, clock: Clock) -> contextlib.AbstractContextManager[str]:
        """Serve the route contract with ``policy`` and ``clock`` on 127.0.0.1."""
        codec = SessionCodec(policy, clock=clock)
        return serve_aiohttp_in_thread(self._app(session_middleware(codec), policy.revocations))

    def serve_with_key_text(
        self, option: str, key_text: str, clock: Clock
    ) -> contextlib.AbstractContextManager[str]:
        """Serve the route contract with the middleware given the keys as ``key_text`` (or
        reading them from the environment), its other options at their defaults."""

        def make_app(keys: str | None) -> web.Application:
            return self._app(session_middleware(keys, clock=clock))

        return _serve_with_key_text(option, MIDDLEWARE_KEYS, key_text, make_app)

    @staticmethod
    def _app(middleware: Middleware, revocations: Revocations | None = None) -> web.Application:
        app = web.Application(middlewares=[middleware])
        app.add_routes(contract_routes(get_own_session, _new_own_session, revocations))
        return app

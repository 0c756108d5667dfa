"""Calling an app in process, without sockets: one driver per interface (ASGI, WSGI, Tornado,
aiohttp).

A driver answers single requests (to get and check a cookie) and builds the loop the timer
runs: the same request, with the same Cookie header, ``n`` times. Each loop copies a prepared
request, so every variant pays the same for the harness and the difference is the session.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from .timing import RunMany

__all__ = ["Driver", "Reply", "driver_for"]


@dataclass(frozen=True, slots=True)
class Reply:
    """What a request got back: the status, the Set-Cookie values and the body."""

    status: int
    set_cookie: tuple[str, ...]
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()
    """Every response header the app sent (in process: not the server's own)."""


class Driver(Protocol):
    """Sends requests to one app in process."""

    def request(self, target: str, cookie: str | None) -> Reply:
        """One request for ``target`` (path and query) with a Cookie header, or none."""
        ...

    def repeat(self, target: str, cookie: str | None) -> RunMany:
        """A loop of the same request, for the timer."""
        ...


# -- ASGI --------------------------------------------------------------------------------------


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _discard(message: dict[str, Any]) -> None:
    return None


class AsgiDriver:
    """Awaits an ASGI app directly, on one event loop kept for the whole run."""

    def __init__(self, app: Any, loop: asyncio.AbstractEventLoop) -> None:
        self._app = app
        self._loop = loop

    @staticmethod
    def _scope(target: str, cookie: str | None) -> dict[str, Any]:
        url = urlsplit(target)
        headers = [(b"host", b"127.0.0.1")]
        if cookie:
            headers.append((b"cookie", cookie.encode("latin-1")))
        return {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": url.path,
            "raw_path": url.path.encode(),
            "query_string": url.query.encode(),
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
        }

    def request(self, target: str, cookie: str | None) -> Reply:
        messages: list[dict[str, Any]] = []

        async def keep(message: dict[str, Any]) -> None:
            messages.append(message)

        scope = self._scope(target, cookie)
        self._loop.run_until_complete(self._app(scope, _receive, keep))
        start, *bodies = messages
        headers = tuple(
            (name.decode("latin-1"), value.decode("latin-1")) for name, value in start["headers"]
        )
        set_cookie = tuple(value for name, value in headers if name == "set-cookie")
        body = b"".join(m.get("body", b"") for m in bodies)
        return Reply(start["status"], set_cookie, body, headers)

    def repeat(self, target: str, cookie: str | None) -> RunMany:
        app, scope = self._app, self._scope(target, cookie)

        async def many(count: int) -> None:
            for _ in range(count):
                await app(dict(scope), _receive, _discard)

        return lambda count: self._loop.run_until_complete(many(count))


# -- WSGI --------------------------------------------------------------------------------------


def _ignore_start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
    return None


class WsgiDriver:
    """Calls a WSGI app directly, consuming and closing its body as a server does."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self._app = app

    @staticmethod
    def _environ(target: str, cookie: str | None) -> dict[str, Any]:
        from werkzeug.test import EnvironBuilder

        url = urlsplit(target)
        headers = [("Cookie", cookie)] if cookie else []
        builder = EnvironBuilder(path=url.path, query_string=url.query, headers=headers)
        try:
            return builder.get_environ()
        finally:
            builder.close()

    def request(self, target: str, cookie: str | None) -> Reply:
        started: list[tuple[str, list[tuple[str, str]]]] = []

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            started.append((status, headers))

        body = self._app(self._environ(target, cookie), start)
        try:
            content = b"".join(body)
        finally:
            getattr(body, "close", lambda: None)()
        status, headers = started[0]
        set_cookie = tuple(value for name, value in headers if name.lower() == "set-cookie")
        return Reply(int(status.split()[0]), set_cookie, content)

    def repeat(self, target: str, cookie: str | None) -> RunMany:
        app, environ = self._app, self._environ(target, cookie)

        def run(count: int) -> None:
            for _ in range(count):
                body = app(environ.copy(), _ignore_start)
                for _chunk in body:
                    pass
                getattr(body, "close", lambda: None)()

        return run


# -- Tornado -----------------------------------------------------------------------------------


class _RecordingConnection:
    """The part of ``tornado.httputil.HTTPConnection`` a handler writes its response to."""

    context = None

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.finished: asyncio.Future[None] = loop.create_future()
        self.status = 0
        self.headers: list[tuple[str, str]] = []
        self.chunks: list[bytes] = []

    def _done(self) -> asyncio.Future[None]:
        future = self._loop.create_future()
        future.set_result(None)
        return future

    def set_close_callback(self, callback: object) -> None:
        return None

    def write_headers(self, start_line: Any, headers: Any, chunk: bytes | None = None) -> Any:
        self.status = start_line.code
        self.headers = list(headers.get_all())
        if chunk:
            self.chunks.append(chunk)
        return self._done()

    def write(self, chunk: bytes) -> Any:
        self.chunks.append(chunk)
        return self._done()

    def finish(self) -> None:
        self.finished.set_result(None)


class TornadoDriver:
    """Hands ``HTTPServerRequest`` objects to a Tornado ``Application``, as its server does."""

    def __init__(self, app: Any, loop: asyncio.AbstractEventLoop) -> None:
        self._app = app
        self._loop = loop

    async def _call(self, target: str, headers: Any) -> _RecordingConnection:
        from tornado.httputil import HTTPServerRequest

        connection = _RecordingConnection(self._loop)
        request = HTTPServerRequest(
            method="GET",
            uri=target,
            version="HTTP/1.1",
            headers=headers.copy(),
            connection=connection,  # type: ignore[arg-type]
        )
        self._app(request)
        await connection.finished
        return connection

    @staticmethod
    def _headers(cookie: str | None) -> Any:
        from tornado.httputil import HTTPHeaders

        headers = HTTPHeaders({"Host": "127.0.0.1"})
        if cookie:
            headers["Cookie"] = cookie
        return headers

    def request(self, target: str, cookie: str | None) -> Reply:
        connection = self._loop.run_until_complete(self._call(target, self._headers(cookie)))
        set_cookie = tuple(value for name, value in connection.headers if name == "Set-Cookie")
        return Reply(connection.status, set_cookie, b"".join(connection.chunks))

    def repeat(self, target: str, cookie: str | None) -> RunMany:
        headers = self._headers(cookie)

        async def many(count: int) -> None:
            for _ in range(count):
                await self._call(target, headers)

        return lambda count: self._loop.run_until_complete(many(count))


# -- aiohttp -----------------------------------------------------------------------------------


class AiohttpDriver:
    """Hands requests to an aiohttp ``Application`` as its server does (``app._handle``, which
    runs the middlewares and the route), and renders the cookies that ``response.set_cookie``
    left for ``prepare()``, so that every variant pays for its Set-Cookie headers."""

    def __init__(self, app: Any, loop: asyncio.AbstractEventLoop) -> None:
        self._app = app
        self._loop = loop
        # One mocked request per (target, cookie), never handled itself: each call handles a
        # clone of it. make_mocked_request builds its mocks anew on every call, some 300 us
        # that would bury the sessions' tens under its noise; a clone is a plain Request
        # over the same message, with its own storage and caches.
        self._templates: dict[tuple[str, str | None], Any] = {}
        app.freeze()

    def _request(self, target: str, cookie: str | None) -> Any:
        template = self._templates.get((target, cookie))
        if template is None:
            from aiohttp.test_utils import make_mocked_request

            headers = {"Host": "127.0.0.1", **({"Cookie": cookie} if cookie else {})}
            template = self._templates[(target, cookie)] = make_mocked_request(
                "GET", target, headers=headers, app=self._app, loop=self._loop
            )
        return template.clone()

    async def _call(self, target: str, cookie: str | None) -> tuple[Any, tuple[str, ...]]:
        response = await self._app._handle(self._request(target, cookie))
        rendered = tuple(morsel.OutputString() for morsel in response.cookies.values())
        return response, (*response.headers.getall("Set-Cookie", ()), *rendered)

    def request(self, target: str, cookie: str | None) -> Reply:
        response, set_cookie = self._loop.run_until_complete(self._call(target, cookie))
        return Reply(response.status, set_cookie, response.body or b"")

    def repeat(self, target: str, cookie: str | None) -> RunMany:
        async def many(count: int) -> None:
            for _ in range(count):
                await self._call(target, cookie)

        return lambda count: self._loop.run_until_complete(many(count))


def driver_for(interface: str, app: Any, loop: asyncio.AbstractEventLoop) -> Driver:
    """The driver for an app of ``interface`` ("asgi", "wsgi", "tornado" or "aiohttp")."""
    if interface == "asgi":
        return AsgiDriver(app, loop)
    if interface == "wsgi":
        return WsgiDriver(app)
    if interface == "aiohttp":
        return AiohttpDriver(app, loop)
    return TornadoDriver(app, loop)

"""SessionMixin over real requests: sync, async and streamed handlers, errors, laziness.

One Tornado HTTPServer on 127.0.0.1 (ephemeral port, its own event loop in a thread) serves
every handler below for the whole module; each test starts without cookies.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import logging
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from tornado.web import Application, HTTPError, RequestHandler

from client_session_conformance import ManualClock
from client_session_conformance.harnesses.tornado import serve_application
from client_session_core import Clock, Session
from client_session_tornado import (
    KeyRing,
    SessionCodec,
    SessionMixin,
    SessionPolicy,
    generate_key,
)

TIMEOUT = 10.0
TOO_LARGE = "x" * 5000


class CountingCodec(SessionCodec):
    """A codec that records the Cookie headers it is asked to parse."""

    __slots__ = ("loaded",)

    def __init__(self, policy: SessionPolicy, *, clock: Clock) -> None:
        super().__init__(policy, clock=clock)
        self.loaded: list[str | None] = []

    def load(self, cookie_header: str | None) -> Session:
        self.loaded.append(cookie_header)
        return super().load(cookie_header)


class Handler(SessionMixin, RequestHandler):
    def count(self) -> dict[str, int]:
        count: int = self.session.get("count", 0) + 1
        self.session["count"] = count
        return {"count": count}


class SyncCounter(Handler):
    def get(self) -> None:
        self.write(self.count())


class AsyncCounter(Handler):
    async def get(self) -> None:
        await asyncio.sleep(0)
        answer = self.count()
        await asyncio.sleep(0)
        self.write(answer)


class View(Handler):
    def get(self) -> None:
        self.write(dict(self.session.items()))


class Untouched(Handler):
    def get(self) -> None:
        self.write({"ok": True})


class VaryAlready(Handler):
    def get(self) -> None:
        self.set_header("Vary", self.get_argument("vary"))
        self.write(dict(self.session.items()))


class Redirect(Handler):
    def get(self) -> None:
        self.count()
        self.redirect("/view")


class Streamed(Handler):
    async def get(self) -> None:
        self.session["stage"] = "before the flush"
        self.write("the headers and a first chunk\n")
        await self.flush()
        # The test reads the headers, then lets the handler go on.
        await asyncio.wait_for(asyncio.wrap_future(self.settings["gate"]), TIMEOUT)
        self.session["stage"] = "after the flush"
        self.finish("the last chunk\n")


class OpenedAfterTheFlush(Handler):
    async def get(self) -> None:
        self.write("a first chunk\n")
        await self.flush()
        self.session["late"] = True
        self.finish("the last chunk\n")


class Fails(Handler):
    def get(self) -> None:
        self.count()
        raise RuntimeError("the handler failed half-way")


class Forbidden(Handler):
    async def get(self) -> None:
        self.count()
        raise HTTPError(403)


class SendsError(Handler):
    def get(self) -> None:
        self.count()
        self.send_error(int(self.get_argument("status")))


class Large(Handler):
    def get(self) -> None:
        self.session["blob"] = TOO_LARGE
        self.write({"size": len(TOO_LARGE)})


class LargeStreamed(Handler):
    async def get(self) -> None:
        self.session["blob"] = TOO_LARGE
        self.write("a first chunk\n")
        await self.flush()
        self.finish("never sent\n")


class LargeOnAnErrorPage(Handler):
    def get(self) -> None:
        self.session["blob"] = TOO_LARGE
        raise HTTPError(404)


class LargeOnAJsonErrorPage(LargeOnAnErrorPage):
    def write_error(self, status_code: int, **kwargs: Any) -> None:
        # The usual JSON error page: it writes and lets send_error() finish.
        self.write({"error": status_code})


class Unconfigured(Handler):
    def get(self) -> None:
        self.write(dict(self.session.items()))


@dataclass(frozen=True)
class Served:
    url: str
    codec: CountingCodec
    application: Application


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    codec = CountingCodec(SessionPolicy(keys=KeyRing([generate_key()])), clock=ManualClock())
    application = Application(
        [
            ("/sync", SyncCounter),
            ("/async", AsyncCounter),
            ("/view", View),
            ("/untouched", Untouched),
            ("/vary", VaryAlready),
            ("/redirect", Redirect),
            ("/streamed", Streamed),
            ("/opened-after-the-flush", OpenedAfterTheFlush),
            ("/fails", Fails),
            ("/forbidden", Forbidden),
            ("/send-error", SendsError),
            ("/large", Large),
            ("/large-streamed", LargeStreamed),
            ("/large-on-an-error-page", LargeOnAnErrorPage),
            ("/large-on-a-json-error-page", LargeOnAJsonErrorPage),
        ],
        client_session=codec,
    )
    with serve_application(application) as url:
        yield Served(url, codec, application)


@dataclass(frozen=True)
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def values(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key.lower() == name.lower()]

    @property
    def set_cookies(self) -> list[str]:
        return self.values("Set-Cookie")

    @property
    def cookie(self) -> str:
        """The ``name=value`` of the one Set-Cookie, to send back."""
        [set_cookie] = self.set_cookies
        return set_cookie.split(";")[0]

    def json(self) -> Any:
        return json.loads(self.body)


def connect(url: str) -> http.client.HTTPConnection:
    address = urlsplit(url)
    assert address.hostname is not None
    return http.client.HTTPConnection(address.hostname, address.port, timeout=TIMEOUT)


def fetch(url: str, path: str, *cookie_headers: str) -> Reply:
    connection = connect(url)
    try:
        connection.putrequest("GET", path)
        for header in cookie_headers:
            connection.putheader("Cookie", header)
        connection.endheaders()
        response = connection.getresponse()
        return Reply(response.status, response.getheaders(), response.read())
    finally:
        connection.close()


# -- sync and async handlers -------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/sync", "/async"])
def test_a_counter_continues_in_sync_and_async_handlers(served: Served, path: str) -> None:
    first = fetch(served.url, path)
    assert first.json() == {"count": 1}
    assert first.values("Vary") == ["Cookie"]
    second = fetch(served.url, path, first.cookie)
    assert second.json() == {"count": 2}
    assert fetch(served.url, "/view", second.cookie).json() == {"count": 2}


def test_a_read_sends_vary_and_no_cookie(served: Served) -> None:
    cookie = fetch(served.url, "/sync").cookie
    read = fetch(served.url, "/view", cookie)
    assert read.json() == {"count": 1}
    assert read.set_cookies == []
    assert read.values("Vary") == ["Cookie"]


def test_a_redirect_saves_the_session(served: Served) -> None:
    redirect = fetch(served.url, "/redirect")
    assert redirect.status == 302
    assert fetch(served.url, "/view", redirect.cookie).json() == {"count": 1}


# -- reading the Cookie header lazily -------------------------------------------------------------


def test_an_untouched_session_parses_no_cookie_and_sends_nothing(served: Served) -> None:
    cookie = fetch(served.url, "/sync").cookie
    loads_before = len(served.codec.loaded)
    for header in (cookie, "session=garbage"):
        untouched = fetch(served.url, "/untouched", header)
        assert untouched.json() == {"ok": True}
        assert untouched.set_cookies == []
        assert untouched.values("Vary") == []
    assert len(served.codec.loaded) == loads_before


def test_several_cookie_headers_are_joined(served: Served) -> None:
    cookie = fetch(served.url, "/sync").cookie
    assert fetch(served.url, "/view", "theme=dark", cookie).json() == {"count": 1}
    assert served.codec.loaded[-1] == f"theme=dark; {cookie}"


def test_a_bad_cookie_is_an_empty_session_and_is_deleted(served: Served) -> None:
    reply = fetch(served.url, "/view", "session=garbage")
    assert reply.status == 200
    assert reply.json() == {}
    assert "Max-Age=0" in reply.set_cookies[0]


@pytest.mark.parametrize(
    ("present", "expected"),
    [
        ("Accept-Encoding", ["Accept-Encoding, Cookie"]),
        ("Origin, cookie", ["Origin, cookie"]),
        ("*", ["*"]),
    ],
)
def test_vary_is_merged_not_repeated(served: Served, present: str, expected: list[str]) -> None:
    assert fetch(served.url, f"/vary?vary={quote(present)}").values("Vary") == expected


# -- streaming ------------------------------------------------------------------------------


def test_a_streamed_response_carries_the_session_from_its_first_flush(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    gate: Future[None] = Future()
    served.application.settings["gate"] = gate
    connection = connect(served.url)
    try:
        connection.request("GET", "/streamed")
        response = connection.getresponse()
        # The headers are out while the handler still waits at the gate.
        assert not gate.done()
        headers = Reply(response.status, response.getheaders(), b"")
        gate.set_result(None)
        body = response.read()
    finally:
        gate.cancel()
        connection.close()
    assert headers.values("Transfer-Encoding") == ["chunked"]
    assert headers.values("Vary") == ["Cookie"]
    assert body == b"the headers and a first chunk\nthe last chunk\n"
    assert fetch(served.url, "/view", headers.cookie).json() == {"stage": "before the flush"}
    assert "changed the session after the response headers were sent" in caplog.text


def test_a_session_opened_after_the_flush_warns_that_changes_are_lost(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    reply = fetch(served.url, "/opened-after-the-flush")
    assert reply.body == b"a first chunk\nthe last chunk\n"
    assert reply.set_cookies == []
    assert [r.levelname for r in caplog.records if r.name == "client_session"] == ["WARNING"]


# -- errors and error pages -------------------------------------------------------------------


def test_a_failed_handler_saves_nothing(served: Served, caplog: pytest.LogCaptureFixture) -> None:
    cookie = fetch(served.url, "/sync").cookie
    failed = fetch(served.url, "/fails", cookie)
    assert failed.status == 500
    assert failed.set_cookies == []
    assert failed.values("Vary") == ["Cookie"]
    assert "the handler failed half-way" in caplog.text
    assert fetch(served.url, "/view", cookie).json() == {"count": 1}


def test_an_http_error_page_below_500_saves_the_session(served: Served) -> None:
    forbidden = fetch(served.url, "/forbidden")
    assert forbidden.status == 403
    assert fetch(served.url, "/view", forbidden.cookie).json() == {"count": 1}


@pytest.mark.parametrize(("status", "saved"), [(400, True), (404, True), (503, False)])
def test_send_error_saves_the_session_below_500(served: Served, status: int, saved: bool) -> None:
    cookie = fetch(served.url, "/sync").cookie
    error = fetch(served.url, f"/send-error?status={status}", cookie)
    assert error.status == status
    assert bool(error.set_cookies) is saved
    after = error.cookie if saved else cookie
    assert fetch(served.url, "/view", after).json() == {"count": 2 if saved else 1}


@pytest.mark.parametrize("path", ["/large", "/large-streamed"])
def test_a_session_too_large_is_a_logged_500_that_keeps_the_cookie(
    served: Served, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    cookie = fetch(served.url, "/sync").cookie
    too_large = fetch(served.url, path, cookie)
    assert too_large.status == 500
    assert too_large.set_cookies == []
    assert b"never sent" not in too_large.body
    assert any(
        record.exc_info and "over the limit of 4096 bytes" in str(record.exc_info[1])
        for record in caplog.records
    )
    assert fetch(served.url, "/view", cookie).json() == {"count": 1}


@pytest.mark.parametrize("path", ["/large-on-an-error-page", "/large-on-a-json-error-page"])
def test_a_session_too_large_on_an_error_page_is_a_logged_500(
    served: Served, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    reply = fetch(served.url, path)
    assert reply.status == 500
    assert reply.set_cookies == []
    assert reply.body == b""
    assert "could not be saved with the 404 error page" in caplog.text
    assert "over the limit of 4096 bytes" in caplog.text


def test_an_unconfigured_application_says_how_to_configure_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with serve_application(Application([("/", Unconfigured)])) as url:
        reply = fetch(url, "/")
    assert reply.status == 500
    assert "no 'client_session' setting" in caplog.text


@pytest.fixture(autouse=True)
def _capture_warnings_and_errors(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)

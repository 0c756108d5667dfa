"""The engine over real sockets: the test project in gunicorn (WSGI, another process) and in
uvicorn (ASGI, Django's ASGIHandler), with django.contrib.auth on the SQLite database the
conftest made, messages and CSRF kept in the session, and the tests' clock."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.core.handlers.asgi import ASGIHandler
from django.test import override_settings
from djangotestproject import PASSWORD, TESTS

from client_session_conformance import ManualClock, parse_set_cookie
from client_session_conformance.serving import (
    gunicorn_unavailable,
    serve_asgi_in_thread,
    serve_with_gunicorn,
)
from client_session_django import session_policy

DAY = 24 * 3600


class Browser:
    """Keeps the cookies it is sent (Max-Age=0 removes one) and sends them back."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=10.0)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = self.http.request(method, path, headers=headers, **kwargs)
        self.http.cookies.clear()
        for value in response.headers.get_list("set-cookie"):
            cookie = parse_set_cookie(value)
            if cookie.attributes.get("max-age") == "0":
                self.cookies.pop(cookie.name, None)
            else:
                self.cookies[cookie.name] = cookie.value
        return response

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)


@contextlib.contextmanager
def gunicorn(clock: ManualClock) -> Iterator[str]:
    reason = gunicorn_unavailable()
    if reason is not None:
        pytest.skip(reason)
    # The worker imports the project from the tests' directory, with the same settings module
    # and database (the conftest put those two in the environment).
    path = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS), path]))
    try:
        with serve_with_gunicorn(
            "djangotestproject.serving:application_from_config",
            session_policy(),
            clock,
            probe_path="/untouched",
        ) as url:
            yield url
    finally:
        if path is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = path


@contextlib.contextmanager
def uvicorn(clock: ManualClock) -> Iterator[str]:
    with override_settings(CLIENT_SESSION_CLOCK=clock):
        application = ASGIHandler()  # the middleware reads the settings now
    with serve_asgi_in_thread(application) as url:
        yield url


@pytest.fixture(scope="module", params=["gunicorn", "uvicorn"])
def server(request: pytest.FixtureRequest) -> Iterator[tuple[str, ManualClock]]:
    clock = ManualClock()
    serve = gunicorn if request.param == "gunicorn" else uvicorn
    with serve(clock) as url:
        yield url, clock


@pytest.fixture
def browser(server: tuple[str, ManualClock]) -> Iterator[Browser]:
    browser = Browser(server[0])
    yield browser
    browser.http.close()


def test_counter(browser: Browser) -> None:
    for expected in range(1, 4):
        assert browser.get("/counter").json() == {"count": expected}
    response = browser.get("/view")
    assert response.json() == {"count": 3}
    assert response.headers.get_list("set-cookie") == []


def test_login_cycle_key_logout(browser: Browser) -> None:
    browser.get("/counter")
    before = browser.cookies["sessionid"]
    response = browser.post("/login", json={"username": "ada", "password": PASSWORD})
    assert response.status_code == 200, response.text[:500]
    assert response.json() == {"ok": True}
    assert browser.cookies["sessionid"] != before
    assert browser.get("/whoami").json() == {"user": "ada"}
    browser.post("/logout")
    assert "sessionid" not in browser.cookies
    assert browser.get("/whoami").json() == {"user": None}


def test_messages(browser: Browser) -> None:
    browser.get("/message", params={"text": "one"})
    assert browser.get("/messages").json() == {"messages": ["one"]}
    assert browser.get("/messages").json() == {"messages": []}


def test_csrf_from_the_session(browser: Browser) -> None:
    token = browser.get("/csrf").json()["token"]
    assert "csrftoken" not in browser.cookies
    assert browser.post("/protected", headers={"X-CSRFToken": token}).status_code == 200
    assert browser.post("/protected", headers={"X-CSRFToken": "x" * 64}).status_code == 403


def test_set_expiry_enforced_by_the_server(
    server: tuple[str, ManualClock], browser: Browser
) -> None:
    _, clock = server
    answer = browser.post("/expiry", json={"seconds": 600}).json()
    assert answer["age"] == 600
    value = browser.cookies["sessionid"]
    clock.advance(600)
    replay = Browser(server[0])
    replay.cookies["sessionid"] = value
    assert replay.get("/view").json() == {}
    replay.http.close()


def test_remember_me_off_is_a_browser_session(browser: Browser) -> None:
    browser.post("/login", json={"username": "ada", "password": PASSWORD, "remember": "no"})
    response = browser.get("/counter")
    cookie = next(
        parse_set_cookie(value)
        for value in response.headers.get_list("set-cookie")
        if value.startswith("sessionid=")
    )
    assert "max-age" not in cookie.attributes
    assert browser.get("/whoami").json() == {"user": "ada"}


@pytest.mark.parametrize("cookie", ["sessionid=garbage", "sessionid=" + "A" * 4000, "sessionid"])
def test_bad_cookies(browser: Browser, cookie: str) -> None:
    response = browser.get("/view", headers={"Cookie": cookie})
    assert response.status_code == 200
    assert response.json() == {}

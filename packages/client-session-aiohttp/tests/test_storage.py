"""EncryptedCookieSessionStorage beyond aiohttp-session's own tests: the core's rules through
aiohttp-session's API, its options, and its errors."""

from __future__ import annotations

import json
import sys
from http.cookies import SimpleCookie
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from aiohttp_session import get_session, new_session, setup

from client_session_aiohttp import ConfigurationError, EncryptedCookieSessionStorage
from client_session_conformance import ManualClock

COOKIE = "AIOHTTP_SESSION"
DAY = 24 * 3600


def app_with(storage: EncryptedCookieSessionStorage, **routes: Any) -> web.Application:
    app = web.Application()
    setup(app, storage)
    for path, handler in routes.items():
        app.router.add_get(f"/{path}", handler)
    return app


def set_cookies(resp: Any) -> list[SimpleCookie]:
    cookies = []
    for header in resp.headers.getall("Set-Cookie", ()):
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(header)
        cookies.append(cookie)
    return cookies


async def view(request: web.Request) -> web.Response:
    session = await get_session(request)
    return web.json_response(dict(session))


def test_a_read_varies_on_cookie_and_renews_the_cookie_when_due(
    key: str, clock: ManualClock, run_with_client: Any
) -> None:
    storage = EncryptedCookieSessionStorage(key, max_age=1000, clock=clock)

    async def scenario(client: TestClient) -> None:
        client.session.cookie_jar.update_cookies({COOKIE: storage.codec.seal({"user": "ada"})})
        resp = await client.get("/view")
        assert await resp.json() == {"user": "ada"}
        assert resp.headers.getall("Vary") == ["Cookie"]
        assert set_cookies(resp) == []
        clock.advance(250)  # renew_after=0.25 of the 1000 s idle timeout
        resp = await client.get("/view")
        (renewed,) = set_cookies(resp)
        assert renewed[COOKIE]["max-age"] == "1000"
        assert storage.codec.load(f"{COOKIE}={renewed[COOKIE].value}") == {"user": "ada"}

    run_with_client(app_with(storage, view=view), scenario)


def test_an_untouched_session_sends_nothing(key: str, run_with_client: Any) -> None:
    async def untouched(request: web.Request) -> web.Response:
        await get_session(request)
        return web.Response(text="ok")

    storage = EncryptedCookieSessionStorage(key)

    async def scenario(client: TestClient) -> None:
        client.session.cookie_jar.update_cookies({COOKIE: "garbage"})
        resp = await client.get("/untouched")
        assert "Set-Cookie" not in resp.headers
        assert "Vary" not in resp.headers

    run_with_client(app_with(storage, untouched=untouched), scenario)


def test_an_in_place_change_is_saved_without_changed(key: str, run_with_client: Any) -> None:
    async def add(request: web.Request) -> web.Response:
        session = await get_session(request)
        session["cart"].append(request.query["item"])
        return web.Response(text="ok")

    storage = EncryptedCookieSessionStorage(key)

    async def scenario(client: TestClient) -> None:
        client.session.cookie_jar.update_cookies({COOKIE: storage.codec.seal({"cart": []})})
        await client.get("/add", params={"item": "tea"})
        resp = await client.get("/view")
        assert await resp.json() == {"cart": ["tea"]}

    run_with_client(app_with(storage, add=add, view=view), scenario)


@pytest.mark.parametrize("save_on_assignment", [True, False])
def test_an_equal_assignment_writes_only_as_configured(
    key: str, run_with_client: Any, save_on_assignment: bool
) -> None:
    async def same(request: web.Request) -> web.Response:
        session = await get_session(request)
        session["user"] = "ada"
        return web.Response(text="ok")

    async def forced(request: web.Request) -> web.Response:
        session = await get_session(request)
        session.changed()
        return web.Response(text="ok")

    storage = EncryptedCookieSessionStorage(key, save_on_assignment=save_on_assignment)

    async def scenario(client: TestClient) -> None:
        client.session.cookie_jar.update_cookies({COOKIE: storage.codec.seal({"user": "ada"})})
        resp = await client.get("/same")
        assert len(set_cookies(resp)) == (1 if save_on_assignment else 0)
        resp = await client.get("/forced")
        assert len(set_cookies(resp)) == 1

    run_with_client(app_with(storage, same=same, forced=forced), scenario)


def test_max_age_is_the_idle_timeout_and_the_cookies_max_age(
    key: str, run_with_client: Any
) -> None:
    storage = EncryptedCookieSessionStorage(key, max_age=3600)
    assert storage.codec.policy.idle_timeout == 3600
    assert storage.codec.policy.absolute_lifetime == 30 * DAY  # the drop-ins' (issue 23)
    remember_me = EncryptedCookieSessionStorage(key, max_age=60 * DAY)
    assert remember_me.codec.policy.absolute_lifetime == 60 * DAY

    async def login(request: web.Request) -> web.Response:
        session = await get_session(request)
        session["user"] = request.query["user"]
        if "browser" in request.query:
            session.max_age = None  # this session only: a browser-session cookie
        return web.Response(text="ok")

    async def scenario(client: TestClient) -> None:
        (persistent,) = set_cookies(await client.get("/login", params={"user": "ada"}))
        assert persistent[COOKIE]["max-age"] == "3600"
        (browser,) = set_cookies(await client.get("/login", params={"user": "bob", "browser": "1"}))
        assert browser[COOKIE]["max-age"] == ""
        assert browser[COOKIE]["expires"] == ""

    run_with_client(app_with(storage, login=login), scenario)


def test_without_max_age_the_cookie_is_a_browser_session_cookie_the_server_expires(
    key: str, clock: ManualClock, run_with_client: Any
) -> None:
    storage = EncryptedCookieSessionStorage(key, clock=clock)
    assert storage.max_age is None
    assert storage.codec.policy.persistent is False

    async def login(request: web.Request) -> web.Response:
        session = await get_session(request)
        assert session.max_age is None
        session["user"] = "ada"
        return web.Response(text="ok")

    async def scenario(client: TestClient) -> None:
        (written,) = set_cookies(await client.get("/login"))
        assert written[COOKIE]["max-age"] == ""
        clock.advance(storage.codec.policy.absolute_lifetime or 0)
        assert await (await client.get("/view")).json() == {}

    run_with_client(app_with(storage, login=login, view=view), scenario)


def test_identity_created_and_new_session(
    key: str, clock: ManualClock, run_with_client: Any
) -> None:
    created_at = int(clock()) - 600
    storage = EncryptedCookieSessionStorage(key, clock=clock)
    seen: dict[str, Any] = {}

    async def inspect(request: web.Request) -> web.Response:
        session = await get_session(request)
        seen.update(identity=session.identity, created=session.created, new=session.new)
        fresh = await new_session(request)
        seen.update(fresh_new=fresh.new, fresh_created=fresh.created, fresh_content=dict(fresh))
        fresh["user"] = "bob"
        return web.Response(text="ok")

    async def scenario(client: TestClient) -> None:
        cookie = storage.codec.seal({"user": "ada"}, created_at=created_at)
        client.session.cookie_jar.update_cookies({COOKIE: cookie})
        (written,) = set_cookies(await client.get("/inspect"))
        replaced = storage.codec.load(f"{COOKIE}={written[COOKIE].value}")
        assert replaced == {"user": "bob"}
        assert replaced.created_at == int(clock())  # a new session starts a new lifetime

    run_with_client(app_with(storage, inspect=inspect), scenario)
    assert seen == {
        "identity": None,
        "created": created_at,
        "new": False,
        "fresh_new": True,
        "fresh_created": int(clock()),
        "fresh_content": {},
    }


def test_a_session_too_large_is_a_500_that_keeps_the_cookie(
    key: str, run_with_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    async def large(request: web.Request) -> web.Response:
        session = await get_session(request)
        session["blob"] = "x" * 5000
        return web.Response(text="ok")

    storage = EncryptedCookieSessionStorage(key)

    async def scenario(client: TestClient) -> None:
        resp = await client.get("/large")
        assert resp.status == 500
        assert "Set-Cookie" not in resp.headers

    run_with_client(app_with(storage, large=large), scenario)
    assert "SessionTooLarge" in caplog.text


def test_encoder_and_decoder_are_used_together(key: str, run_with_client: Any) -> None:
    calls: list[str] = []

    def encoder(data: object) -> str:
        calls.append("encode")
        return json.dumps(data, sort_keys=True)

    def decoder(text: str) -> Any:
        calls.append("decode")
        return json.loads(text)

    storage = EncryptedCookieSessionStorage(key, encoder=encoder, decoder=decoder)

    async def login(request: web.Request) -> web.Response:
        session = await get_session(request)
        session["b"], session["a"] = 2, 1
        return web.Response(text="ok")

    async def scenario(client: TestClient) -> None:
        await client.get("/login")
        assert await (await client.get("/view")).json() == {"a": 1, "b": 2}

    run_with_client(app_with(storage, login=login, view=view), scenario)
    assert "encode" in calls
    assert "decode" in calls


def test_samesite_is_read_in_any_case(key: str) -> None:
    storage = EncryptedCookieSessionStorage(key, samesite="Strict", secure=True)
    assert storage.codec.policy.same_site == "strict"
    assert storage.codec.policy.secure is True


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_age": 60, "idle_timeout": 60}, "not both"),
        ({"max_age": 0}, "max_age=0 is not a positive"),
        ({"encoder": json.dumps}, "together"),
        ({"idle": 60}, "no option 'idle'"),
        ({"samesite": "none"}, "secure=True"),
        ({"cookie_name": "bad name"}, "not a cookie name"),
    ],
)
def test_a_bad_option_is_refused_at_start_up(
    key: str, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        EncryptedCookieSessionStorage(key, **options)


def test_without_aiohttp_session_the_storage_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import client_session_aiohttp

    monkeypatch.setitem(sys.modules, "aiohttp_session", None)
    monkeypatch.delitem(sys.modules, "client_session_aiohttp._storage")
    monkeypatch.delattr(client_session_aiohttp, "_storage")
    with pytest.raises(ImportError, match=r"client-session-aiohttp\[aiohttp-session\]"):
        client_session_aiohttp.EncryptedCookieSessionStorage  # noqa: B018


def test_errors_name_aiohttp_sessions_arguments(key: str) -> None:
    # Issue 13, finding 9: aiohttp-session's samesite and max_age, not the core's names.
    with pytest.raises(ConfigurationError, match=r"^samesite='none' needs secure=True"):
        EncryptedCookieSessionStorage(key, samesite="none")
    with pytest.raises(ConfigurationError, match=r"^max_age=0 is not a positive whole number"):
        EncryptedCookieSessionStorage(key, max_age=0)

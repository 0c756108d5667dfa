"""aiohttp-session's own tests of its cookie storages, run against ours.

Rewritten from aiohttp-session's ``tests/test_encrypted_cookie_storage.py``,
``tests/test_cookie_storage.py``, ``tests/test_path_domain.py``, ``tests/test_http_exception.py``
and ``tests/test_response_types.py`` (its test over a server): the same handlers and
assertions, with only the construction changed (``EncryptedCookieSessionStorage`` for
``EncryptedCookieStorage`` and ``SimpleCookieStorage``). Where a test made or read a cookie
with Fernet or JSON directly, it uses our codec (``storage.codec.seal`` / ``load``) instead;
where it slept, it moves a ``ManualClock``. Each test names the upstream test it comes from.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from http.cookies import SimpleCookie
from typing import Any, cast

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from aiohttp_session import Session, get_session, new_session, session_middleware

from client_session_aiohttp import EncryptedCookieSessionStorage
from client_session_conformance import ManualClock
from client_session_core import KeyRing, generate_key
from client_session_core import Session as CoreSession

COOKIE = "AIOHTTP_SESSION"
MAX_AGE = 1


def make_cookie(
    client: TestClient,
    storage: EncryptedCookieSessionStorage,
    data: dict[str, Any],
    *,
    path: str | None = None,
    domain: str | None = None,
) -> None:
    # Upstream: fernet.encrypt(json.dumps({"session": data, "created": ...})).
    cookie: SimpleCookie = SimpleCookie()
    cookie[COOKIE] = storage.codec.seal(data)
    if path is not None:
        cookie[COOKIE]["path"] = path
    if domain is not None:
        cookie[COOKIE]["domain"] = domain
    client.session.cookie_jar.update_cookies(cookie)


def open_cookie(storage: EncryptedCookieSessionStorage, value: str) -> CoreSession:
    # Upstream: json.loads(fernet.decrypt(value)), a {"session": ..., "created": ...} dict.
    assert type(value) is str
    session = storage.codec.load(f"{COOKIE}={value}")
    assert session.rejected is None
    return session


def create_app(
    handler: Any, storage: EncryptedCookieSessionStorage, method: str = "GET"
) -> web.Application:
    app = web.Application(middlewares=[session_middleware(storage)])
    app.router.add_route(method, "/", handler)
    return app


# -- test_encrypted_cookie_storage.py ------------------------------------------------------


def test_invalid_key() -> None:
    """test_invalid_key: a short key is refused at construction (ConfigurationError is a
    ValueError, as Fernet's error is)."""
    with pytest.raises(ValueError, match="32"):
        EncryptedCookieSessionStorage(b"123")


def test_str_key() -> None:
    """test_str_key: a key as text, from `client-session keygen` (upstream: Fernet's)."""
    assert EncryptedCookieSessionStorage(generate_key())


def test_create_new_session_broken_by_format(key: str, run_with_client: Any) -> None:
    """test_create_new_session_broken_by_format: a cookie under another key is a new session."""

    async def handler(request: web.Request) -> web.StreamResponse:
        session = await get_session(request)
        assert isinstance(session, Session)
        assert session.new
        assert not session._changed
        assert cast(MutableMapping[str, Any], {}) == session
        return web.Response(body=b"OK")

    storage = EncryptedCookieSessionStorage(key)
    other = EncryptedCookieSessionStorage(generate_key())

    async def scenario(client: TestClient) -> None:
        make_cookie(client, other, {"a": 1, "b": 12})
        resp = await client.get("/")
        assert resp.status == 200

    run_with_client(create_app(handler, storage), scenario)


def test_load_existing_session(key: str, run_with_client: Any) -> None:
    """test_load_existing_session (both files)."""

    async def handler(request: web.Request) -> web.StreamResponse:
        session = await get_session(request)
        assert isinstance(session, Session)
        assert not session.new
        assert not session._changed
        assert session.created is not None
        assert cast(MutableMapping[str, Any], {"a": 1, "b": 12}) == session
        return web.Response(body=b"OK")

    storage = EncryptedCookieSessionStorage(key)

    async def scenario(client: TestClient) -> None:
        make_cookie(client, storage, {"a": 1, "b": 12})
        resp = await client.get("/")
        assert resp.status == 200

    run_with_client(create_app(handler, storage), scenario)


def test_load_existing_session_with_key_ring(key: str, run_with_client: Any) -> None:
    """test_load_existing_session_with_fernet: built from a key object (a KeyRing, where
    upstream passes a Fernet)."""

    async def handler(request: web.Request) -> web.StreamResponse:
        session = await get_session(request)
        assert isinstance(session, Session)
        assert not session.new
        assert not session._changed
        assert session == {"a": 1, "b": 12}
        return web.Response(body=b"OK")

    storage = EncryptedCookieSessionStorage(KeyRing([key]))

    async def scenario(client: TestClient) -> None:
        make_cookie(client, storage, {"a": 1, "b": 12})
        resp = await client.get("/")
        assert resp.status == 200

    run_with_client(create_app(handler, storage), scenario)


def test_change_session(key: str, run_with_client: Any) -> None:
    """test_change_session (both files)."""

    async def handler(request: web.Request) -> web.StreamResponse:
        session = await get_session(request)
        session["c"] = 3
        return web.Response(body=b"OK")

    storage = EncryptedCookieSessionStorage(key)

    async def scenario(client: TestClient) -> None:
        make_cookie(client, storage, {"a": 1, "b": 2})
        resp = await client.get("/")
        assert resp.status == 200

        morsel = resp.cookies[COOKIE]
        cookie_data = open_cookie(storage, morsel.value)
        assert cookie_data == {"a": 1, "b": 2, "c": 3}
        assert cookie_data.created_at is not None  # upstream: "created" in cookie_data
        assert morsel["httponly"]
        assert morsel["path"] == "/"

    run_with_client(create_app(handler, storage), scenario)


def test_clear_cookie_on_session_invalidation(key: str, run_with_client: Any) -> None:
    """test_clear_cookie_on_session_invalidation (both files): the cookie is deleted with an
    empty value and path "/". Its HttpOnly follows the cookie it deletes, as in
    test_cookie_storage.py (test_encrypted_cookie_storage.py expects none: aiohttp's
    del_cookie drops the flags)."""

    async def handler(request: web.Request) -> web.StreamResponse:
        session = await get_session(request)
        session.invalidate()
        return web.Response(body=b"OK")

    storage = EncryptedCookieSessionStorage(key)

    async def scenario(client: TestClient) -> None:
        make_cookie(client, storage, {"a": 1, "b": 2})
        resp = await client.get("/")
        assert resp.status == 200

        # Upstream reads the Set-Cookie header itself, not resp.cookies.
        set_cookie_header = resp.headers.get("Set-Cookie")
        assert set_cookie_header is not None
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(set_cookie_header)
        morsel = cookie[COOKIE]
        assert morsel.value == ""
        assert morsel["max-age"] == "0"
        assert morsel["path"] == "/"
        assert morsel["httponly"] is True

    run_with_client(create_app(handler, storage), scenario)


def test_encrypted_cookie_session_fixation(key: str, run_with_client: Any) -> None:
    """test_encrypted_cookie_session_fixation."""

    async def login(request: web.Request) -> web.StreamResponse:
        session = await get_session(request)
        session["k"] = "v"
        return web.Response()

    async def logout(request: web.Request) -> web.StreamResponse:
        session = await get_session(request)
        session.invalidate()
        return web.Response()

    app = create_app(login, EncryptedCookieSessionStorage(key))
    app.router.add_route("DELETE", "/", logout)

    async def scenario(client: TestClient) -> None:
        resp = await client.get("/")
        assert COOKIE in resp.cookies
        evil_cookie = resp.cookies[COOKIE].value
        resp = await client.delete("/")
        assert resp.cookies[COOKIE].value == ""
        client.session.cookie_jar.update_cookies({COOKIE: evil_cookie})
        resp = await client.get("/")
        assert resp.cookies[COOKIE].value != evil_cookie

    run_with_client(app, scenario)


def test_max_age_expires_an_unused_session(
    key: str, clock: ManualClock, run_with_client: Any
) -> None:
    """test_fernet_ttl: a session unused for longer than max_age is a new one (upstream
    sleeps MAX_AGE + 1 s; here the storage's clock moves)."""

    async def login(request: web.Request) -> web.StreamResponse:
        session = await new_session(request)
        session["created"] = int(clock())
        return web.Response()

    async def handler(request: web.Request) -> web.StreamResponse:
        session = await get_session(request)
        created = session["created"] if not session.new else ""
        return web.Response(text=str(created))

    storage = EncryptedCookieSessionStorage(key, max_age=MAX_AGE, clock=clock)
    app = create_app(login, storage, "POST")
    app.router.add_route("GET", "/", handler)

    async def scenario(client: TestClient) -> None:
        resp = await client.post("/")
        assert COOKIE in resp.cookies
        cookie = resp.cookies[COOKIE].value
        clock.advance(MAX_AGE + 1)
        client.session.cookie_jar.update_cookies({COOKIE: cookie})
        resp = await client.get("/")
        assert await resp.text() == ""

    run_with_client(app, scenario)


# -- test_cookie_storage.py -----------------------------------------------------------------


def test_create_new_session(key: str, run_with_client: Any) -> None:
    """test_create_new_session."""

    async def handler(request: web.Request) -> web.StreamResponse:
        session = await get_session(request)
        assert isinstance(session, Session)
        assert session.new
        assert not session._changed
        assert cast(MutableMapping[str, Any], {}) == session
        return web.Response(body=b"OK")

    async def scenario(client: TestClient) -> None:
        resp = await client.get("/")
        assert resp.status == 200

    run_with_client(create_app(handler, EncryptedCookieSessionStorage(key)), scenario)


def test_dont_save_not_requested_session(key: str, run_with_client: Any) -> None:
    """test_dont_save_not_requested_session."""

    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(body=b"OK")

    storage = EncryptedCookieSessionStorage(key)

    async def scenario(client: TestClient) -> None:
        make_cookie(client, storage, {"a": 1, "b": 2})
        resp = await client.get("/")
        assert resp.status == 200
        assert COOKIE not in resp.cookies

    run_with_client(create_app(handler, storage), scenario)


# -- test_path_domain.py --------------------------------------------------------------------


def path_domain_app(
    handler: Any, key: str
) -> tuple[web.Application, EncryptedCookieSessionStorage]:
    storage = EncryptedCookieSessionStorage(
        key, max_age=10, path="/anotherpath", domain="127.0.0.1"
    )
    app = web.Application(middlewares=[session_middleware(storage)])
    app.router.add_route("GET", "/", handler)
    app.router.add_route("GET", "/anotherpath", handler)
    return app, storage


async def store_c(request: web.Request) -> web.StreamResponse:
    session = await get_session(request)
    session["c"] = 3
    return web.Response(body=b"OK")


@pytest.mark.parametrize(
    ("path", "domain", "kept"),
    [
        pytest.param("/anotherpath", "127.0.0.1", True, id="test_with_same_path_domain"),
        pytest.param("/NotTheSame", "127.0.0.1", False, id="test_with_different_path"),
        pytest.param("/anotherpath", "localhost", False, id="test_with_different_domain"),
    ],
)
def test_path_and_domain(
    key: str, run_with_client: Any, path: str, domain: str, kept: bool
) -> None:
    """test_with_same_path_domain, test_with_different_path, test_with_different_domain: a
    cookie the client does not send for this path or domain starts a new session."""
    app, storage = path_domain_app(store_c, key)

    async def scenario(client: TestClient) -> None:
        make_cookie(client, storage, {"a": 1, "b": 2}, path=path, domain=domain)
        resp = await client.get("/anotherpath")
        assert resp.status == 200
        morsel = resp.cookies[COOKIE]
        cookie_data = open_cookie(storage, morsel.value)
        assert cookie_data == ({"a": 1, "b": 2, "c": 3} if kept else {"c": 3})
        assert cookie_data.created_at is not None
        assert morsel["httponly"]
        assert morsel["path"] == "/anotherpath"
        assert morsel["domain"] == "127.0.0.1"

    run_with_client(app, scenario)


def test_invalidate_with_same_path_domain(key: str, run_with_client: Any) -> None:
    """test_invalidate_with_same_path_domain: deleted with the same path and domain."""

    async def handler(request: web.Request) -> web.StreamResponse:
        session = await get_session(request)
        session.invalidate()
        return web.Response(body=b"OK")

    app, storage = path_domain_app(handler, key)

    async def scenario(client: TestClient) -> None:
        make_cookie(client, storage, {"a": 1, "b": 2}, path="/anotherpath", domain="127.0.0.1")
        resp = await client.get("/anotherpath")
        assert resp.status == 200
        morsel = resp.cookies[COOKIE]
        assert morsel.value == ""  # upstream: the JSON "{}" of SimpleCookieStorage
        assert morsel["httponly"]
        assert morsel["path"] == "/anotherpath"
        assert morsel["domain"] == "127.0.0.1"

    run_with_client(app, scenario)


# -- test_http_exception.py -----------------------------------------------------------------


def test_exceptions(key: str, run_with_client: Any) -> None:
    """test_exceptions: a session changed before a raised HTTPFound is saved with it."""

    async def save(request: web.Request) -> web.StreamResponse:
        session = await get_session(request)
        session["message"] = "works"
        raise web.HTTPFound("/show")

    async def show(request: web.Request) -> web.StreamResponse:
        session = await get_session(request)
        message = session.get("message")
        return web.Response(text=str(message))

    app = web.Application(middlewares=[session_middleware(EncryptedCookieSessionStorage(key))])
    app.router.add_route("GET", "/save", save)
    app.router.add_route("GET", "/show", show)

    async def scenario(client: TestClient) -> None:
        resp = await client.get("/save")
        assert resp.status == 200
        assert str(resp.url)[-5:] == "/show"
        assert await resp.text() == "works"

    run_with_client(app, scenario)


# -- test_response_types.py -----------------------------------------------------------------


def test_stream_response(key: str, run_with_client: Any) -> None:
    """test_stream_response: aiohttp-session saves nothing with a StreamResponse."""

    async def stream_response(request: web.Request) -> web.StreamResponse:
        session = await get_session(request)
        session["will_not"] = "show up"
        return web.StreamResponse()

    app = web.Application(middlewares=[session_middleware(EncryptedCookieSessionStorage(key))])
    app.router.add_route("GET", "/stream", stream_response)

    async def scenario(client: TestClient) -> None:
        resp = await client.get("/stream")
        assert resp.status == 200
        assert COOKIE not in resp.cookies

    run_with_client(app, scenario)

"""Switching from aiohttp-session's EncryptedCookieStorage logs nobody out.

Every legacy cookie here is written by aiohttp-session's own ``EncryptedCookieStorage``
over a real server, then read by ours over another one.
"""

from __future__ import annotations

import base64
import logging
import os
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from aiohttp_session import get_session, setup
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from cryptography.fernet import Fernet

from client_session_aiohttp import ConfigurationError, EncryptedCookieSessionStorage
from client_session_conformance import ManualClock

COOKIE = "AIOHTTP_SESSION"
LOGGER = "client_session"


@pytest.fixture
def old_secret() -> bytes:
    # What aiohttp-session's README does: 32 random bytes.
    return os.urandom(32)


def legacy_cookie(run_with_client: Any, old_secret: bytes | Fernet, **storage: Any) -> str:
    """A session cookie written by aiohttp-session's EncryptedCookieStorage."""

    async def login(request: web.Request) -> web.StreamResponse:
        session = await get_session(request)
        session["user"] = "ada"
        session["cart"] = [1, 2]
        return web.Response(text="ok")

    app = web.Application()
    setup(app, EncryptedCookieStorage(old_secret, **storage))
    app.router.add_get("/login", login)
    written: list[str] = []

    async def scenario(client: TestClient) -> None:
        resp = await client.get("/login")
        assert resp.status == 200
        written.append(resp.cookies[COOKIE].value)

    run_with_client(app, scenario)
    return written[0]


async def view(request: web.Request) -> web.StreamResponse:
    session = await get_session(request)
    return web.json_response({"new": session.new, "content": dict(session)})


def our_app(storage: EncryptedCookieSessionStorage) -> web.Application:
    app = web.Application()
    setup(app, storage)
    app.router.add_get("/view", view)
    return app


def read_twice(
    run_with_client: Any, storage: EncryptedCookieSessionStorage, cookie: str
) -> list[tuple[dict[str, Any], str | None]]:
    """Two requests to our app, the first with ``cookie``: each answer and its Set-Cookie."""
    answers: list[tuple[dict[str, Any], str | None]] = []

    async def scenario(client: TestClient) -> None:
        client.session.cookie_jar.update_cookies({COOKIE: cookie})
        for _ in range(2):
            resp = await client.get("/view")
            assert resp.status == 200
            morsel = resp.cookies.get(COOKIE)
            answers.append((await resp.json(), None if morsel is None else morsel.value))

    run_with_client(our_app(storage), scenario)
    return answers


def signed_at(cookie: str, old_secret: bytes) -> int:
    """The time in the token: aiohttp-session's Fernet stamps it with ``time.time()``."""
    return Fernet(base64.urlsafe_b64encode(old_secret)).extract_timestamp(cookie)


def at_signing(cookie: str, old_secret: bytes) -> ManualClock:
    """A clock at the time ``cookie`` was written: the core judges it from that time."""
    return ManualClock(start=float(signed_at(cookie, old_secret)))


def test_a_legacy_cookie_is_read_once_and_resealed(
    key: str, old_secret: bytes, run_with_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    cookie = legacy_cookie(run_with_client, old_secret)
    clock = at_signing(cookie, old_secret)
    storage = EncryptedCookieSessionStorage(key, legacy_secret_key=old_secret, clock=clock)
    with caplog.at_level(logging.INFO, logger=LOGGER):
        (first, resealed), (second, again) = read_twice(run_with_client, storage, cookie)
    content = {"user": "ada", "cart": [1, 2]}
    assert first == {"new": False, "content": content}
    # Resealed in our format on that same response, and read as ours afterwards.
    assert resealed is not None
    assert storage.codec.load(f"{COOKIE}={resealed}") == content
    assert second == {"new": False, "content": content}
    assert again is None
    upgrades = [r for r in caplog.records if r.levelno == logging.INFO]
    assert len(upgrades) == 1
    assert COOKIE in upgrades[0].getMessage()
    assert "ada" not in caplog.text
    assert cookie not in caplog.text


def test_a_fernet_object_and_a_fernet_key_text_are_accepted(key: str, run_with_client: Any) -> None:
    fernet_key = Fernet.generate_key()
    cookie = legacy_cookie(run_with_client, Fernet(fernet_key))
    clock = at_signing(cookie, base64.urlsafe_b64decode(fernet_key))
    raw = base64.urlsafe_b64decode(fernet_key)
    for legacy_secret in (Fernet(fernet_key), fernet_key.decode(), raw):
        storage = EncryptedCookieSessionStorage(key, legacy_secret_key=legacy_secret, clock=clock)
        (first, resealed), _ = read_twice(run_with_client, storage, cookie)
        assert first["content"] == {"user": "ada", "cart": [1, 2]}
        assert resealed is not None


def test_a_legacy_cookie_under_another_secret_is_an_empty_session(
    key: str, old_secret: bytes, clock: ManualClock, run_with_client: Any
) -> None:
    cookie = legacy_cookie(run_with_client, os.urandom(32))
    storage = EncryptedCookieSessionStorage(key, legacy_secret_key=old_secret, clock=clock)
    (first, deleted), _ = read_twice(run_with_client, storage, cookie)
    assert first == {"new": True, "content": {}}
    assert deleted == ""  # a refused cookie is deleted


def test_without_the_option_a_legacy_cookie_is_an_empty_session(
    key: str, old_secret: bytes, clock: ManualClock, run_with_client: Any
) -> None:
    cookie = legacy_cookie(run_with_client, old_secret)
    storage = EncryptedCookieSessionStorage(key, clock=clock)
    (first, deleted), _ = read_twice(run_with_client, storage, cookie)
    assert first == {"new": True, "content": {}}
    assert deleted == ""


def test_reading_stops_at_legacy_until(
    key: str, old_secret: bytes, run_with_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    cookie = legacy_cookie(run_with_client, old_secret)
    clock = at_signing(cookie, old_secret)
    until = datetime.fromtimestamp(clock(), tz=timezone.utc) + timedelta(seconds=60)
    storage = EncryptedCookieSessionStorage(
        key, legacy_secret_key=old_secret, legacy_until=until, clock=clock
    )
    (before, _), _ = read_twice(run_with_client, storage, cookie)
    assert before["content"] == {"user": "ada", "cart": [1, 2]}
    clock.advance(60)  # the cookie itself is still young enough: the cut-off refuses it
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        (after, _), _ = read_twice(run_with_client, storage, cookie)
    assert after == {"new": True, "content": {}}
    (ended,) = caplog.records
    assert "are no longer read from" in ended.getMessage()


@pytest.mark.parametrize(
    ("max_age", "window"), [(None, 30 * 24 * 3600), (3600, 3600)], ids=["no-max-age", "max-age"]
)
def test_by_default_reading_stops_max_age_after_start_up(
    key: str, old_secret: bytes, max_age: int | None, window: int
) -> None:
    clock = ManualClock()
    storage = EncryptedCookieSessionStorage(
        key, max_age=max_age, legacy_secret_key=old_secret, clock=clock
    )
    legacy = storage.codec.policy.legacy_cookies
    assert legacy is not None
    assert legacy.until == int(clock()) + window


def test_by_default_a_cookie_is_read_while_the_storages_lifetimes_allow_it(
    key: str, old_secret: bytes, run_with_client: Any
) -> None:
    # Without max_age, aiohttp-session's tokens never expired; here each is read until the
    # storage's absolute lifetime (30 days unless given) has passed since its own time (the
    # idle timeout does not count from an old signature, which is no last activity).
    cookie = legacy_cookie(run_with_client, old_secret)
    clock = at_signing(cookie, old_secret)
    storage = EncryptedCookieSessionStorage(
        key, legacy_secret_key=old_secret, legacy_until=clock() + 60 * 24 * 3600, clock=clock
    )
    clock.advance(30 * 24 * 3600 - 1)
    (before, _), _ = read_twice(run_with_client, storage, cookie)
    assert before["content"] == {"user": "ada", "cart": [1, 2]}
    clock.advance(1)
    (after, _), _ = read_twice(run_with_client, storage, cookie)
    assert after == {"new": True, "content": {}}


def test_the_legacy_max_age_is_honoured(key: str, old_secret: bytes, run_with_client: Any) -> None:
    cookie = legacy_cookie(run_with_client, old_secret, max_age=60)
    clock = at_signing(cookie, old_secret)
    storage = EncryptedCookieSessionStorage(
        key,
        max_age=60,
        legacy_secret_key=old_secret,
        legacy_until=clock() + 3600,  # the token's own age limit, not the cut-off, refuses it
        clock=clock,
    )
    (fresh, _), _ = read_twice(run_with_client, storage, cookie)
    assert fresh["content"] == {"user": "ada", "cart": [1, 2]}
    clock.advance(120)
    (stale, _), _ = read_twice(run_with_client, storage, cookie)
    assert stale == {"new": True, "content": {}}


def test_a_bad_legacy_secret_is_refused_at_start_up(key: str) -> None:
    with pytest.raises(ConfigurationError, match="legacy_secret_key") as raised:
        EncryptedCookieSessionStorage(key, legacy_secret_key="not a fernet key")
    assert "not a fernet key" not in str(raised.value)


def test_a_naive_legacy_until_is_refused_at_start_up(key: str, old_secret: bytes) -> None:
    with pytest.raises(ConfigurationError, match="time zone"):
        EncryptedCookieSessionStorage(
            key, legacy_secret_key=old_secret, legacy_until=datetime(2027, 1, 1)
        )

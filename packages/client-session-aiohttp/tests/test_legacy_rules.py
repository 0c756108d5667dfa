"""aiohttp-session's Fernet cookies, judged by our rules from the time in their token (issue 22),
and the old secret held to a key's strength. Over aiohttp's test client, with cookies written by
aiohttp-session's own ``EncryptedCookieStorage`` (or Fernet itself, for a chosen time)."""

from __future__ import annotations

import base64
import json
import logging
import os
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from aiohttp_session import get_session, setup
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from cryptography.fernet import Fernet, MultiFernet

from client_session_aiohttp import (
    ConfigurationError,
    EncryptedCookieSessionStorage,
    aiohttp_session_cookies,
    session_middleware,
)
from client_session_aiohttp import get_session as our_get_session
from client_session_aiohttp._legacy import fernet_token_time
from client_session_conformance import ManualClock
from client_session_core import SECURITY_LOGGER
from client_session_core.adapter import LegacySession

COOKIE = "AIOHTTP_SESSION"
LOGGER = "client_session"
CONTENT = {"user": "ada"}
YEAR = 365 * 24 * 3600
# 32 bytes a person typed: what aiohttp-session's own README once showed as a secret.
TYPED_SECRET = b"Thirty  two  length  bytes  key."


@pytest.fixture
def old_secret() -> bytes:
    return os.urandom(32)


def aiohttp_sessions_cookie(run_with_client: Any, old_secret: bytes) -> tuple[str, int]:
    """A cookie aiohttp-session's EncryptedCookieStorage (max_age=None) wrote, and its time."""

    async def login(request: web.Request) -> web.StreamResponse:
        (await get_session(request)).update(CONTENT)
        return web.Response(text="ok")

    app = web.Application()
    setup(app, EncryptedCookieStorage(old_secret))
    app.router.add_get("/", login)
    written: list[str] = []

    async def scenario(client: TestClient[web.Request, web.Application]) -> None:
        written.append((await client.get("/")).cookies[COOKIE].value)

    run_with_client(app, scenario)
    token_time = Fernet(base64.urlsafe_b64encode(old_secret)).extract_timestamp(written[0])
    return written[0], token_time


def opened(
    run_with_client: Any, storage: EncryptedCookieSessionStorage, cookie: str
) -> tuple[dict[str, Any], str | None]:
    """The session a request with ``cookie`` sees, and the session cookie its response sets."""

    async def view(request: web.Request) -> web.StreamResponse:
        return web.json_response(dict(await get_session(request)))

    app = web.Application()
    setup(app, storage)
    app.router.add_get("/", view)
    answers: list[tuple[dict[str, Any], str | None]] = []

    async def scenario(client: TestClient[web.Request, web.Application]) -> None:
        client.session.cookie_jar.update_cookies({COOKIE: cookie})
        response = await client.get("/")
        morsel = response.cookies.get(COOKIE)
        answers.append((await response.json(), None if morsel is None else morsel.value))

    run_with_client(app, scenario)
    return answers[0]


def refusals(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]


@pytest.mark.parametrize(
    ("not_before_after_signing", "reason"),
    [(True, "not_before"), (False, "expired_absolute")],
    ids=["not-before", "no-age-limit"],
)
def test_without_max_age_an_old_cookie_is_refused_five_years_later(
    key: str,
    old_secret: bytes,
    run_with_client: Any,
    caplog: pytest.LogCaptureFixture,
    not_before_after_signing: bool,
    reason: str,
) -> None:
    # The review's reproducer: aiohttp-session's max_age=None tokens never expire, and the
    # old code resealed one as a fresh session at T0 + 5 years, not_before or not.
    cookie, signed_at = aiohttp_sessions_cookie(run_with_client, old_secret)
    clock = ManualClock(start=signed_at + 5 * YEAR)
    options: dict[str, Any] = {}  # the storage's defaults: max_age=None
    if not_before_after_signing:
        options["not_before"] = signed_at + 1
    storage = EncryptedCookieSessionStorage(
        key, legacy_secret_key=old_secret, clock=clock, **options
    )
    legacy = storage.codec.policy.legacy_cookies
    assert legacy is not None
    assert legacy.until > clock()  # the reading window is open
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        assert opened(run_with_client, storage, cookie) == ({}, "")  # refused, so deleted
    assert refusals(caplog) == [f"session cookie {COOKIE!r} refused: {reason}"]


@pytest.mark.parametrize(
    ("options", "later", "reason"),
    [
        # The storage's defaults (max_age=None): 30 days from the token's own time.
        ({}, 30 * 24 * 3600, "expired_absolute"),
        # The idle timeout does not count from an old signature: the absolute lifetime does.
        ({"idle_timeout": 1800}, 30 * 24 * 3600, "expired_absolute"),
    ],
    ids=["absolute-lifetime", "with-an-idle-timeout"],
)
def test_no_new_process_lengthens_the_life_of_an_old_cookie(
    key: str,
    old_secret: bytes,
    run_with_client: Any,
    caplog: pytest.LogCaptureFixture,
    options: dict[str, Any],
    later: int,
    reason: str,
) -> None:
    # The old code started each old cookie's lifetimes at the upgrade, in every process that
    # read it, and each start-up opened a new 30-day window: a restart re-armed the cookie.
    cookie, signed_at = aiohttp_sessions_cookie(run_with_client, old_secret)
    first = EncryptedCookieSessionStorage(
        key, legacy_secret_key=old_secret, clock=ManualClock(start=signed_at + 60), **options
    )
    assert opened(run_with_client, first, cookie)[0] == CONTENT
    restarted = EncryptedCookieSessionStorage(
        key, legacy_secret_key=old_secret, clock=ManualClock(start=signed_at + later), **options
    )
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        assert opened(run_with_client, restarted, cookie) == ({}, "")
    assert refusals(caplog) == [f"session cookie {COOKIE!r} refused: {reason}"]


def test_the_resealed_session_keeps_the_tokens_time(
    key: str, old_secret: bytes, run_with_client: Any
) -> None:
    cookie, signed_at = aiohttp_sessions_cookie(run_with_client, old_secret)
    clock = ManualClock(start=signed_at + 60)
    storage = EncryptedCookieSessionStorage(key, legacy_secret_key=old_secret, clock=clock)
    content, resealed = opened(run_with_client, storage, cookie)
    assert content == CONTENT
    assert resealed
    assert storage.codec.load(f"{COOKIE}={resealed}").created_at == signed_at


@pytest.mark.parametrize("at", [0, 1_500_000_000, 1_800_000_000, 2**32 - 1])
def test_the_reader_gives_the_time_in_the_token_of_a_fernet_and_a_multifernet(at: int) -> None:
    secret = os.urandom(32)
    fernet = Fernet(base64.urlsafe_b64encode(secret))
    payload = json.dumps({"created": at, "session": CONTENT}).encode()
    token = fernet.encrypt_at_time(payload, at).decode()
    rotated = MultiFernet([Fernet(Fernet.generate_key()), fernet])
    for old in (secret, fernet, rotated):
        reader = aiohttp_session_cookies(old, until=at + 60)
        assert reader.read(token, at) == LegacySession(CONTENT, at)
    # The token's own field, for a MultiFernet without extract_timestamp (cryptography < 44).
    assert fernet_token_time(token.encode()) == fernet.extract_timestamp(token) == at


def test_a_token_spelled_otherwise_never_opens() -> None:
    # The fuzzer found Fernet's decoder taking a space, missing padding and set unused bits:
    # other spellings of one token, each an altered cookie, and each must stay closed.
    secret = os.urandom(32)
    at = 1_800_000_000
    payload = json.dumps({"created": at, "session": CONTENT}).encode()
    token = Fernet(base64.urlsafe_b64encode(secret)).encrypt_at_time(payload, at).decode()
    reader = aiohttp_session_cookies(secret, until=at + 60)
    assert reader.read(token, at) == LegacySession(CONTENT, at)
    middle = len(token) // 2
    for altered in (
        token[:middle] + " " + token[middle:],
        token[:middle] + "\n" + token[middle:],
        token.rstrip("="),
        token + "=",
        token.replace("-", "+").replace("_", "/"),
    ):
        if altered != token:
            assert reader.read(altered, at) is None, repr(altered[middle - 2 : middle + 3])


@pytest.mark.parametrize(
    "old_secret",
    [TYPED_SECRET, base64.urlsafe_b64encode(TYPED_SECRET).decode(), b"x" * 32],
    ids=["typed-bytes", "typed-as-fernet-key-text", "repeated"],
)
def test_a_weak_legacy_secret_key_is_refused_at_start_up(key: str, old_secret: Any) -> None:
    # Issue 22: anyone who guesses the old secret forges a Fernet token, which would be
    # resealed as a valid session. A Fernet key text is judged by the 32 bytes it encodes.
    with pytest.raises(ConfigurationError) as raised:
        EncryptedCookieSessionStorage(key, legacy_secret_key=old_secret)
    message = str(raised.value)
    assert message.startswith(
        "legacy_secret_key is too weak to trust the aiohttp-session cookies signed with it "
    )
    assert "forge" in message
    assert "Stop reading them with EncryptedCookieSessionStorage(legacy_secret_key=None)" in (
        message
    )
    assert "Thirty" not in message
    assert "xxxx" not in message


def test_a_weak_secret_of_aiohttp_session_cookies_is_refused() -> None:
    with pytest.raises(ConfigurationError) as raised:
        aiohttp_session_cookies(TYPED_SECRET)
    message = str(raised.value)
    assert message.startswith("secret_key is too weak to trust the aiohttp-session cookies ")
    assert "Stop reading them with legacy_cookies=None" in message


def test_a_fernet_object_is_taken_as_the_application_built_it(key: str) -> None:
    # Its keys cannot be read back (cryptography keeps them private): it is not judged. The
    # same key given as bytes is (the test above); docs/aiohttp.md says which to prefer.
    weak = Fernet(base64.urlsafe_b64encode(TYPED_SECRET))
    storage = EncryptedCookieSessionStorage(key, legacy_secret_key=weak)
    assert storage.codec.policy.legacy_cookies is not None
    strong = EncryptedCookieSessionStorage(key, legacy_secret_key=Fernet.generate_key().decode())
    assert strong.codec.policy.legacy_cookies is not None


def test_reading_is_announced_once_when_the_storage_is_built(
    key: str, old_secret: bytes, run_with_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    clock = ManualClock()
    with caplog.at_level(logging.INFO, logger=LOGGER):
        storage = EncryptedCookieSessionStorage(
            key, max_age=3600, legacy_secret_key=old_secret, clock=clock
        )
        for _ in range(3):
            assert opened(run_with_client, storage, storage.codec.seal(CONTENT))[0] == CONTENT
    (announced,) = caplog.records
    assert (announced.name, announced.levelno) == (LOGGER, logging.INFO)
    assert announced.getMessage() == (
        f"session cookie {COOKIE!r}: reading the cookies of aiohttp-session's "
        "EncryptedCookieStorage until 2027-01-15 09:00:00 UTC, each for at most 2592000 s after "
        "it was signed and never one signed before not_before, and resealing them in ours"
    )


def test_the_middleware_announces_reading_once_when_it_is_made(
    key: str, old_secret: bytes, run_with_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    async def view(request: web.Request) -> web.StreamResponse:
        return web.json_response(dict(await our_get_session(request)))

    with caplog.at_level(logging.INFO, logger=LOGGER):
        middleware = session_middleware(
            key,
            cookie_name=COOKIE,
            legacy_cookies=aiohttp_session_cookies(old_secret),
        )
        app = web.Application(middlewares=[middleware])
        app.router.add_get("/", view)

        async def scenario(client: TestClient[web.Request, web.Application]) -> None:
            for _ in range(3):
                assert (await client.get("/")).status == 200

        run_with_client(app, scenario)
    (announced,) = caplog.records
    assert "reading the cookies of aiohttp-session's EncryptedCookieStorage until" in (
        announced.getMessage()
    )


def test_a_forged_cookie_is_a_warning_on_the_security_logger(
    key: str, run_with_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    storage = EncryptedCookieSessionStorage(key, clock=ManualClock())
    value = storage.codec.seal(CONTENT)
    forged = value[:-2] + ("A" if value[-2] != "A" else "B") + value[-1]
    with caplog.at_level(logging.WARNING):
        assert opened(run_with_client, storage, forged) == ({}, "")
    (record,) = caplog.records
    assert (record.name, record.levelno) == (SECURITY_LOGGER, logging.WARNING)
    assert record.name == "client_session.security"
    assert record.getMessage() == f"session cookie {COOKIE!r} refused: forged"

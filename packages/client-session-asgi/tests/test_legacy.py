"""Starlette's own session cookies, written by Starlette's SessionMiddleware, read by ours."""

from __future__ import annotations

import datetime
import logging
import sys
import time
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.config import Config
from starlette.datastructures import Secret
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware as StarletteSessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from client_session_asgi._legacy import legacy_cookies_for, starlette_cookies
from client_session_core import ConfigurationError, generate_key
from client_session_core.adapter import LegacyCookies, LegacySession

SECRET = generate_key()
DAY = 24 * 3600


def starlette_cookie(content: dict[str, Any], *, secret: str = SECRET, **options: Any) -> str:
    """The session cookie Starlette's own SessionMiddleware sets for ``content``."""

    async def store(request: Request) -> JSONResponse:
        request.session.update(content)
        return JSONResponse({})

    app = Starlette(
        routes=[Route("/", store)],
        middleware=[Middleware(StarletteSessionMiddleware, secret_key=secret, **options)],
    )
    with TestClient(app) as client:
        response = client.get("/")
    header = response.headers["set-cookie"]
    return header.partition("=")[2].partition(";")[0]


def now() -> int:
    return int(time.time())


def test_a_starlette_cookie_reads_to_its_session_and_the_time_its_signature_covers() -> None:
    content = {"user": "ada", "cart": [1, 2], "nested": {"é": None}}
    before = now()
    cookie = starlette_cookie(content)
    after = now()
    found = starlette_cookies(SECRET, until=after + 60).read(cookie, after)
    assert found is not None
    # Issue 22: the core judges an old cookie from its own signing time, never from now.
    assert found == LegacySession(content, found.signed_at)
    assert before <= found.signed_at <= after


@pytest.mark.parametrize("secret", [generate_key(), SECRET + "x"])
def test_a_cookie_signed_under_another_secret_is_no_session(secret: str) -> None:
    cookie = starlette_cookie({"user": "ada"})
    assert starlette_cookies(secret, until=now() + 60).read(cookie, now()) is None


def test_a_tampered_cookie_is_no_session() -> None:
    cookie = starlette_cookie({"user": "ada"})
    signed_part = cookie.partition(".")[2]
    forged = "eyJ1c2VyIjoiZ3JhY2UifQ==." + signed_part  # {"user":"grace"}, old signature
    assert starlette_cookies(SECRET, until=now() + 60).read(forged, now()) is None
    assert starlette_cookies(SECRET, until=now() + 60).read(cookie[:-2], now()) is None


def test_starlettes_max_age_is_honoured_on_the_codecs_clock() -> None:
    written = now()
    cookie = starlette_cookie({"user": "ada"}, max_age=DAY)
    reader = starlette_cookies(SECRET, until=written + 30 * DAY, max_age=DAY)
    # itsdangerous: expired when the age is more than max_age, or negative.
    assert reader.read(cookie, written + DAY - 1) is not None
    assert reader.read(cookie, written + DAY + 2) is None
    assert reader.read(cookie, written - 5) is None


def test_without_max_age_starlette_set_no_age_limit() -> None:
    written = now()
    cookie = starlette_cookie({"user": "ada"}, max_age=None)
    reader = starlette_cookies(SECRET, until=written + 400 * DAY, max_age=None)
    assert reader.read(cookie, written + 300 * DAY) is not None


def test_the_reader_is_off_from_its_cut_off_date() -> None:
    cookie = starlette_cookie({"user": "ada"})
    assert starlette_cookies(SECRET, until=now()).read(cookie, now()) is None


def test_true_reads_for_max_age_from_start_up() -> None:
    legacy = legacy_cookies_for(True, secret_key=SECRET, max_age=DAY, clock=lambda: 1000.5)
    assert isinstance(legacy, LegacyCookies)
    assert legacy.until == 1000 + DAY
    # Without max_age, for the drop-in cap of every adapter (before: Starlette's 14 days).
    legacy = legacy_cookies_for(True, secret_key=SECRET, max_age=None, clock=lambda: 1000.0)
    assert legacy is not None
    assert legacy.until == 1000 + 30 * DAY


def test_a_date_reads_until_that_date() -> None:
    legacy = legacy_cookies_for(datetime.date(2027, 1, 15), secret_key=SECRET, max_age=DAY)
    assert legacy is not None
    assert legacy.until == 1_800_000_000 - 8 * 3600


def test_a_timestamp_reads_until_then() -> None:
    # The kit's rule for every drop-in: a timestamp is a cut-off, as a date is.
    legacy = legacy_cookies_for(1_900_000_000, secret_key=SECRET, max_age=DAY)
    assert legacy is not None
    assert legacy.until == 1_900_000_000


def test_false_none_and_a_given_reader_are_taken_as_they_are() -> None:
    assert legacy_cookies_for(False, secret_key=SECRET, max_age=DAY) is None
    assert legacy_cookies_for(None, secret_key=SECRET, max_age=DAY) is None  # type: ignore[arg-type]
    given = starlette_cookies(generate_key(), until=now() + 60)
    assert legacy_cookies_for(given, secret_key=None, max_age=DAY) is given


def test_without_a_secret_key_true_reads_nothing_and_a_date_is_an_error() -> None:
    assert legacy_cookies_for(True, secret_key=None, max_age=DAY) is None
    with pytest.raises(ConfigurationError, match="starlette_cookies"):
        legacy_cookies_for(datetime.date(2027, 1, 1), secret_key=None, max_age=DAY)


@pytest.mark.parametrize("option", ["yes", b"2030-01-01", [1]])
def test_another_option_is_an_error(option: Any) -> None:
    with pytest.raises(ConfigurationError, match="legacy_cookies is True, False"):
        legacy_cookies_for(option, secret_key=SECRET, max_age=DAY)


def test_without_itsdangerous_true_reads_nothing_and_says_so_at_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Issue 22: a DEBUG line turned the default off, and users holding Starlette's cookies
    # were logged out without a word.
    monkeypatch.setitem(sys.modules, "itsdangerous", None)  # import itsdangerous fails
    with caplog.at_level(logging.DEBUG, logger="client_session"):
        assert legacy_cookies_for(True, secret_key=SECRET, max_age=DAY) is None
    (record,) = caplog.records
    assert (record.name, record.levelno) == ("client_session", logging.WARNING)
    message = record.getMessage()
    assert "itsdangerous is not installed" in message
    assert "pip install 'client-session-asgi[legacy]'" in message
    assert "legacy_cookies=False" in message
    assert SECRET not in message


def test_without_itsdangerous_an_explicit_reader_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "itsdangerous", None)  # import itsdangerous fails
    with pytest.raises(ConfigurationError, match=r"client-session-asgi\[legacy\]"):
        legacy_cookies_for(datetime.date(2027, 1, 1), secret_key=SECRET, max_age=DAY)
    with pytest.raises(ConfigurationError, match=r"client-session-asgi\[legacy\]"):
        starlette_cookies(SECRET, until=now() + 60)


@pytest.mark.parametrize(
    "old_secret",
    ["example", "your-secret-key", "changeme-changeme-changeme-changeme", Secret("example")],
    ids=["example", "placeholder", "repetition", "starlette-secret"],
)
def test_a_weak_old_secret_is_refused_saying_the_risk_and_the_way_out(old_secret: Any) -> None:
    # Issue 22: anyone who guesses the old secret forges a Starlette cookie, which would be
    # resealed as a valid session of ours.
    with pytest.raises(ConfigurationError) as raised:
        starlette_cookies(old_secret, until=now() + 60)
    message = str(raised.value)
    assert message.startswith(
        "secret_key of starlette_cookies() is too weak to trust the Starlette session cookies "
    )
    assert "forge" in message
    assert "Stop reading them with SessionMiddleware(legacy_cookies=False)" in message
    assert str(old_secret) not in message.replace("secret_key", "")


def test_no_old_secret_is_refused() -> None:
    # Starlette would have signed with str(None), "None".
    with pytest.raises(ConfigurationError, match="is a NoneType, not text or bytes"):
        starlette_cookies(None, until=now() + 60)


def test_a_strong_old_secret_from_starlette_config_is_read_by_its_value() -> None:
    old_secret = Config(environ={"SECRET_KEY": SECRET})("SECRET_KEY", cast=Secret)
    cookie = starlette_cookie({"user": "ada"})
    found = starlette_cookies(old_secret, until=now() + 60).read(cookie, now())
    assert found is not None
    assert found.data == {"user": "ada"}

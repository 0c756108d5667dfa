"""Starlette's own cookies, judged by our rules from the time their signature covers (issue 22),
through the middleware and Starlette's TestClient.

Starlette's middleware signs with the real time: each test writes its cookie now, and moves
the middleware's clock (a new middleware is a new process, started later).
"""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware as StarletteSessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from client_session_asgi import SessionMiddleware, generate_key, starlette_cookies
from client_session_conformance import ManualClock
from client_session_core import SECURITY_LOGGER

KEY = generate_key()
DAY = 24 * 3600
YEAR = 365 * DAY
CONTENT = {"user": "ada"}


async def store(request: Request) -> JSONResponse:
    request.session.update(CONTENT)
    return JSONResponse({})


async def view(request: Request) -> JSONResponse:
    return JSONResponse(dict(request.session))


def starlettes_cookie(**options: Any) -> tuple[str, int]:
    """A cookie Starlette's own SessionMiddleware sets, and the whole second it was signed in."""
    app = Starlette(
        routes=[Route("/", store)],
        middleware=[Middleware(StarletteSessionMiddleware, secret_key=KEY, **options)],
    )
    with TestClient(app) as client:
        header = client.get("/").headers["set-cookie"]
    cookie = header.partition("=")[2].partition(";")[0]
    found = starlette_cookies(KEY, until=int(time.time()) + 60, max_age=None).read(
        cookie, int(time.time())
    )
    assert found is not None
    return cookie, found.signed_at


def ours(clock: ManualClock, **options: Any) -> SessionMiddleware:
    """Our middleware with the one-line switch's arguments, started at ``clock``'s time."""
    app = Starlette(routes=[Route("/", view)])
    return SessionMiddleware(app, secret_key=KEY, clock=clock, **options)


def opened(middleware: SessionMiddleware, cookie: str) -> tuple[dict[str, Any], str | None]:
    """What a request with ``cookie`` sees, and the session cookie its response sets."""
    with TestClient(middleware) as client:
        client.cookies.set("session", cookie)
        response = client.get("/")
    set_cookie = response.headers.get("set-cookie")
    value = None if set_cookie is None else set_cookie.partition("=")[2].partition(";")[0]
    return response.json(), value


def refusals(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]


@pytest.mark.parametrize(
    ("not_before_after_signing", "reason"),
    [(True, "not_before"), (False, "expired_absolute")],
    ids=["not-before", "no-age-limit"],
)
def test_without_max_age_an_old_cookie_is_refused_five_years_later(
    not_before_after_signing: bool, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    # The review's reproducer: Starlette's max_age=None set no age limit, and the old code
    # resealed the cookie as a fresh session at T0 + 5 years, not_before or not.
    cookie, signed_at = starlettes_cookie(max_age=None)
    clock = ManualClock(start=signed_at + 5 * YEAR)
    options: dict[str, Any] = {"max_age": None}
    if not_before_after_signing:
        options["not_before"] = signed_at + 1
    middleware = ours(clock, **options)
    assert middleware.policy.legacy_cookies is not None
    assert middleware.policy.legacy_cookies.until > clock()  # the reading window is open
    with caplog.at_level(logging.DEBUG, logger="client_session"):
        session, set_cookie = opened(middleware, cookie)
    assert session == {}
    assert set_cookie == "null"  # refused, so deleted (Starlette's spelling)
    assert refusals(caplog) == [f"session cookie 'session' refused: {reason}"]


@pytest.mark.parametrize(
    ("options", "later"),
    [({"max_age": None}, 30 * DAY), ({"absolute_lifetime": 3600}, 3600)],
    ids=["max-age-none", "absolute-lifetime"],
)
def test_no_new_process_lengthens_the_life_of_an_old_cookie(
    options: dict[str, Any], later: int, caplog: pytest.LogCaptureFixture
) -> None:
    # The old code started each old cookie's lifetimes at the upgrade, in every process: a
    # restart re-armed them. Now they count from the cookie's own signature.
    cookie, signed_at = starlettes_cookie(max_age=options.get("max_age", 14 * DAY))
    first = ours(ManualClock(start=signed_at + 60), **options)
    assert opened(first, cookie)[0] == CONTENT
    restarted = ours(ManualClock(start=signed_at + later), **options)
    assert restarted.policy.legacy_cookies is not None
    assert restarted.policy.legacy_cookies.until > signed_at + later  # its window is open
    with caplog.at_level(logging.DEBUG, logger="client_session"):
        assert opened(restarted, cookie) == ({}, "null")
    assert refusals(caplog) == ["session cookie 'session' refused: expired_absolute"]


def test_the_resealed_session_keeps_the_old_cookies_signing_time() -> None:
    cookie, signed_at = starlettes_cookie(max_age=None)
    clock = ManualClock(start=signed_at + DAY)
    middleware = ours(clock, max_age=None)
    session, resealed = opened(middleware, cookie)
    assert session == CONTENT
    assert resealed is not None
    assert middleware.codec.load(f"session={resealed}").created_at == signed_at
    # So our own cookie ends 30 days (the absolute lifetime) after the old one was signed.
    clock.set(signed_at + 30 * DAY - 1)
    assert opened(middleware, resealed)[0] == CONTENT
    clock.set(signed_at + 30 * DAY)
    assert opened(middleware, resealed)[0] == {}


def test_reading_is_announced_once_when_the_middleware_is_built(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = ManualClock()
    app = Starlette(
        routes=[Route("/", view)],
        middleware=[Middleware(SessionMiddleware, secret_key=KEY, max_age=600, clock=clock)],
    )
    # Starlette builds the middleware when the TestClient starts, once.
    with caplog.at_level(logging.INFO, logger="client_session"), TestClient(app) as client:
        for _ in range(3):
            assert client.get("/").json() == {}
    (announced,) = caplog.records
    assert (announced.name, announced.levelno) == ("client_session", logging.INFO)
    assert announced.getMessage() == (
        "session cookie 'session': reading the cookies of Starlette's SessionMiddleware until "
        "2027-01-15 08:10:00 UTC, each for at most 2592000 s after it was signed and never one "
        "signed before not_before, and resealing them in ours"
    )


def test_without_legacy_cookies_nothing_is_announced(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="client_session"):
        ours(ManualClock(), legacy_cookies=False)
        SessionMiddleware(Starlette(), keys=[KEY])  # no old secret: nothing to read
    assert caplog.records == []


def test_a_forged_cookie_is_a_warning_on_the_security_logger(
    caplog: pytest.LogCaptureFixture,
) -> None:
    middleware = ours(ManualClock())
    value = middleware.codec.seal(CONTENT)
    forged = value[:-2] + ("A" if value[-2] != "A" else "B") + value[-1]
    with caplog.at_level(logging.WARNING):
        assert opened(middleware, forged)[0] == {}
    (record,) = caplog.records
    assert (record.name, record.levelno) == (SECURITY_LOGGER, logging.WARNING)
    assert record.name == "client_session.security"
    assert record.getMessage() == "session cookie 'session' refused: forged"
    assert value[:20] not in caplog.text

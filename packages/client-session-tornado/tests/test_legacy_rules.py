"""Tornado's signed cookies, judged by our rules from the time their signature covers (issue 22),
over Tornado's own server: a new Application is a new process, started later."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest
import tornado.web
from tornado.web import create_signed_value

from client_session_conformance import ManualClock
from client_session_conformance.harnesses.tornado import serve_application
from client_session_core import SECURITY_LOGGER, KeyRing, SessionPolicy, generate_key
from client_session_tornado import (
    SessionMixin,
    client_session_codec,
    session_codec,
    tornado_signed_cookies,
)

KEY = generate_key()
COOKIE_SECRET = generate_key()
SIGNED_AT = 1_800_000_000  # 2027-01-15 08:00:00 UTC
DAY = 24 * 3600
CONTENT = {"user": "ada"}


class View(SessionMixin, tornado.web.RequestHandler):
    def get(self) -> None:
        self.write(dict(self.session))


def old_cookie(version: int) -> str:
    """What ``set_signed_cookie("session", json.dumps(CONTENT))`` sent at ``SIGNED_AT``."""
    value = json.dumps(CONTENT).encode()
    signed = create_signed_value(
        COOKIE_SECRET, "session", value, version=version, clock=lambda: SIGNED_AT
    )
    return signed.decode()


def legacy(until: int = SIGNED_AT + 60 * DAY) -> Any:
    return tornado_signed_cookies(COOKIE_SECRET, name="session", until=until, max_age_days=31)


def application(clock: ManualClock, **options: Any) -> tornado.web.Application:
    """The application after the switch, started at ``clock``'s time."""
    codec = client_session_codec(KEY, clock=clock, legacy_cookies=legacy(), **options)
    return tornado.web.Application([(r"/", View)], client_session=codec)


def opened(app: tornado.web.Application, cookie: str) -> tuple[dict[str, Any], str | None]:
    """The session a request with ``cookie`` sees, and the session cookie its response sets."""
    with serve_application(app) as url:
        response = httpx.get(f"{url}/", headers={"Cookie": f"session={cookie}"})
    set_cookie = response.headers.get("set-cookie")
    value = None if set_cookie is None else set_cookie.partition("=")[2].partition(";")[0]
    return response.json(), value


def refusals(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]


@pytest.mark.parametrize("version", [1, 2])
def test_an_old_cookie_signed_before_not_before_is_refused(
    version: int, caplog: pytest.LogCaptureFixture
) -> None:
    # The old code resealed it as a session created now, which not_before did not stop.
    app = application(
        ManualClock(start=SIGNED_AT + 3600), not_before=SIGNED_AT + 1, idle_timeout=None
    )
    with caplog.at_level(logging.DEBUG, logger="client_session"):
        assert opened(app, old_cookie(version)) == ({}, "")  # refused, so deleted
    assert refusals(caplog) == ["session cookie 'session' refused: not_before"]


@pytest.mark.parametrize("version", [1, 2])
def test_no_new_application_lengthens_the_life_of_an_old_cookie(
    version: int, caplog: pytest.LogCaptureFixture
) -> None:
    # Within max_age_days (31) and the cut-off, but 12 hours (the absolute lifetime) after it
    # was signed: a new process no longer starts the old cookie's lifetimes again.
    first = application(ManualClock(start=SIGNED_AT + 60), idle_timeout=None)
    session, resealed = opened(first, old_cookie(version))
    assert session == CONTENT
    assert resealed
    assert session_codec(first).load(f"session={resealed}").created_at == SIGNED_AT
    restarted = application(ManualClock(start=SIGNED_AT + 12 * 3600), idle_timeout=None)
    with caplog.at_level(logging.DEBUG, logger="client_session"):
        assert opened(restarted, old_cookie(version)) == ({}, "")
    assert refusals(caplog) == ["session cookie 'session' refused: expired_absolute"]


def test_reading_is_announced_once_when_the_codec_is_made(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = ManualClock(start=SIGNED_AT)
    with caplog.at_level(logging.INFO, logger="client_session"):
        app = application(clock)
        with serve_application(app) as url:
            for _ in range(3):
                assert httpx.get(f"{url}/").json() == {}
    (announced,) = caplog.records
    assert (announced.name, announced.levelno) == ("client_session", logging.INFO)
    assert announced.getMessage() == (
        "session cookie 'session': reading the cookies of Tornado's set_signed_cookie until "
        "2027-03-16 08:00:00 UTC, each for at most 43200 s after it was signed and never one "
        "signed before not_before, and resealing them in ours"
    )


@pytest.mark.parametrize(
    "setting",
    [
        # These codecs run on the real clock: a cut-off that has not passed.
        lambda: {"keys": KEY, "legacy_cookies": legacy(until=2**32 - 1)},
        lambda: SessionPolicy(keys=KeyRing([KEY]), legacy_cookies=legacy(until=2**32 - 1)),
    ],
    ids=["dict", "policy"],
)
def test_a_setting_built_on_the_first_request_announces_reading_once(
    setting: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app = tornado.web.Application([(r"/", View)], client_session=setting())
    with caplog.at_level(logging.INFO, logger="client_session"), serve_application(app) as url:
        for _ in range(3):
            assert httpx.get(f"{url}/").json() == {}
    announced = [r for r in caplog.records if "reading the cookies of" in r.getMessage()]
    assert len(announced) == 1


def test_a_forged_cookie_is_a_warning_on_the_security_logger(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = application(ManualClock(start=SIGNED_AT))
    value = session_codec(app).seal(CONTENT)
    forged = value[:-2] + ("A" if value[-2] != "A" else "B") + value[-1]
    with caplog.at_level(logging.WARNING):
        assert opened(app, forged) == ({}, "")
    (record,) = caplog.records
    assert (record.name, record.levelno) == (SECURITY_LOGGER, logging.WARNING)
    assert record.name == "client_session.security"
    assert record.getMessage() == "session cookie 'session' refused: forged"

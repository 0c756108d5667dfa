"""Flask's own session cookies, written by Flask's SecureCookieSessionInterface, read by ours."""

from __future__ import annotations

import datetime
import time
import uuid
from typing import Any

import flask
import httpx
import pytest
from markupsafe import Markup

from client_session_conformance.serving import serve_wsgi_in_thread
from client_session_core import ConfigurationError, LegacyCookies, LegacySession, generate_key
from client_session_wsgi._flask_legacy import flask_cookies, flask_legacy_cookies_for
from client_session_wsgi.flask import EncryptedCookieSessionInterface

SECRET = generate_key()
DAY = 24 * 3600


def flask_app(secret: str | None = SECRET, **config: Any) -> flask.Flask:
    """An app on Flask's own session interface (the one the switch replaces)."""
    app = flask.Flask(__name__)
    app.config.update(SECRET_KEY=secret, **config)
    return app


def flask_cookie(app: flask.Flask, content: dict[str, Any], *, permanent: bool = False) -> str:
    """The session cookie Flask's own SecureCookieSessionInterface sets for ``content``."""

    @app.get("/store")
    def store() -> str:
        flask.session.update(content)
        flask.session.permanent = permanent
        return ""

    response = app.test_client().get("/store")
    header = response.headers["Set-Cookie"]
    return header.partition("=")[2].partition(";")[0]


def now() -> int:
    return int(time.time())


def test_a_flask_cookie_reads_to_its_session_with_flasks_tagged_types() -> None:
    app = flask_app()
    content = {
        "user": "ada",
        "t": (1, 2),
        "b": b"\xff",
        "m": Markup("<b>"),
        "u": uuid.UUID(int=7),
        "d": datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
    }
    cookie = flask_cookie(app, content)
    legacy = flask_cookies(app, until=now() + 60)
    assert legacy is not None
    assert legacy.read(cookie, now()) == LegacySession(content, persistent=False)


def test_permanent_comes_out_of_the_content_into_the_persistent_flag() -> None:
    app = flask_app()
    cookie = flask_cookie(app, {"user": "ada"}, permanent=True)
    legacy = flask_cookies(app, until=now() + 60)
    assert legacy is not None
    assert legacy.read(cookie, now()) == LegacySession({"user": "ada"}, persistent=True)


def test_a_cookie_under_another_secret_key_is_no_session() -> None:
    cookie = flask_cookie(flask_app(), {"user": "ada"})
    legacy = flask_cookies(flask_app(generate_key()), until=now() + 60)
    assert legacy is not None
    assert legacy.read(cookie, now()) is None


@pytest.mark.skipif(
    not hasattr(flask.sessions.SessionInterface, "get_cookie_partitioned"),
    reason="SECRET_KEY_FALLBACKS came with Flask 3.1",
)
def test_a_cookie_under_a_secret_key_fallback_reads_as_in_flask() -> None:
    old = generate_key()
    cookie = flask_cookie(flask_app(old), {"user": "ada"})
    app = flask_app(SECRET, SECRET_KEY_FALLBACKS=[old])
    legacy = flask_cookies(app, until=now() + 60)
    assert legacy is not None
    assert legacy.read(cookie, now()) == LegacySession({"user": "ada"}, persistent=False)


def test_a_tampered_cookie_is_no_session() -> None:
    app = flask_app()
    cookie = flask_cookie(app, {"user": "ada"})
    legacy = flask_cookies(app, until=now() + 60)
    assert legacy is not None
    # The signed content changed (a signature's last character may carry only padding bits).
    assert legacy.read(("X" if cookie[0] != "X" else "Y") + cookie[1:], now()) is None
    assert legacy.read("eyJ1c2VyIjoiZ3JhY2UifQ" + cookie[cookie.index(".") :], now()) is None


def test_permanent_session_lifetime_is_honoured_on_the_codecs_clock() -> None:
    app = flask_app(PERMANENT_SESSION_LIFETIME=DAY)
    written = now()
    cookie = flask_cookie(app, {"user": "ada"})
    legacy = flask_cookies(app, until=written + 30 * DAY)
    assert legacy is not None
    assert legacy.read(cookie, written + DAY - 1) is not None
    assert legacy.read(cookie, written + DAY + 2) is None
    assert legacy.read(cookie, written - 5) is None


def test_without_a_secret_key_there_is_nothing_to_read() -> None:
    assert flask_cookies(flask_app(None), until=now() + 60) is None


def test_true_reads_for_permanent_session_lifetime_from_start_up() -> None:
    app = flask_app(PERMANENT_SESSION_LIFETIME=DAY)
    legacy = flask_legacy_cookies_for(True, app, started=1000.7)
    assert isinstance(legacy, LegacyCookies)
    assert legacy.until == 1000 + DAY


def test_a_date_false_and_a_given_reader() -> None:
    app = flask_app()
    legacy = flask_legacy_cookies_for(datetime.date(2027, 1, 15), app, started=0)
    assert legacy is not None
    assert legacy.until == 1_800_000_000 - 8 * 3600
    assert flask_legacy_cookies_for(False, app, started=0) is None
    assert flask_legacy_cookies_for(legacy, app, started=0) is legacy
    with pytest.raises(ConfigurationError, match="legacy_cookies is True, False"):
        flask_legacy_cookies_for("yes", app, started=0)  # type: ignore[arg-type]


def test_the_one_attribute_switch_logs_nobody_out_over_werkzeug() -> None:
    old = flask_app()
    old_cookie = flask_cookie(old, {"user": "ada", "t": (1, 2)}, permanent=True)
    switched = flask_app()
    switched.session_interface = EncryptedCookieSessionInterface()  # the quickstart line

    @switched.get("/view")
    def view() -> str:
        return repr((sorted(flask.session.items()), flask.session.permanent))

    with serve_wsgi_in_thread(switched) as url, httpx.Client(base_url=url) as client:
        response = client.get("/view", headers={"Cookie": f"session={old_cookie}"})
        assert response.text == repr(([("t", (1, 2)), ("user", "ada")], True))
        resealed = response.headers["set-cookie"].partition("=")[2].partition(";")[0]
        assert "Max-Age=" in response.headers["set-cookie"]  # still permanent
        response = client.get("/view", headers={"Cookie": f"session={resealed}"})
        assert response.text == repr(([("t", (1, 2)), ("user", "ada")], True))


def test_an_assignment_of_an_equal_value_sends_the_cookie_as_in_flask() -> None:
    app = flask_app()
    app.session_interface = EncryptedCookieSessionInterface()

    @app.get("/login")
    def login() -> str:
        flask.session["user"] = "ada"
        return ""

    client = app.test_client()
    assert "Set-Cookie" in client.get("/login").headers
    assert "Set-Cookie" in client.get("/login").headers  # the same value again


def test_a_max_cookie_size_below_the_floor_only_raises_the_floor() -> None:
    app = flask_app(MAX_COOKIE_SIZE=100)
    interface = EncryptedCookieSessionInterface()
    codec = interface.get_codec(app)
    assert codec is not None
    assert codec.policy.max_cookie_size == 512

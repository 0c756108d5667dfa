"""``ClientSession``: the Flask extension form, whose set-up checks the configuration at once.

Issue 23: with ``app.session_interface = EncryptedCookieSessionInterface()`` a missing key was
Flask's "no secret key was set", which never names ``CLIENT_SESSION_KEYS``, and a weak one a
500 on the first request. ``ClientSession(app)`` and ``init_app`` fail where the app is set up.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

import flask
import pytest
from flask.sessions import SecureCookieSessionInterface

from client_session_conformance import ManualClock
from client_session_wsgi import ConfigurationError, KeyRing, SessionPolicy, generate_key
from client_session_wsgi.flask import ClientSession, EncryptedCookieSessionInterface

T0 = 1_800_000_000


@pytest.fixture(autouse=True)
def _no_keys_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLIENT_SESSION_KEYS", raising=False)


def counting_app(**config: Any) -> flask.Flask:
    app = flask.Flask(__name__)
    app.config.update(TESTING=True, **config)

    @app.get("/count")
    def count() -> str:
        flask.session["n"] = flask.session.get("n", 0) + 1
        return str(flask.session["n"])

    return app


def test_client_session_app_installs_the_interface_and_registers_itself() -> None:
    app = counting_app(SECRET_KEY=generate_key())
    extension = ClientSession(app)
    assert type(app.session_interface) is EncryptedCookieSessionInterface
    assert app.extensions["client_session"] is extension
    client = app.test_client()
    assert [client.get("/count").text for _ in range(3)] == ["1", "2", "3"]


def test_one_extension_serves_apps_made_by_a_factory_and_keeps_none_of_them() -> None:
    client_session = ClientSession()

    def create_app(cookie_name: str) -> flask.Flask:
        app = counting_app(SECRET_KEY=generate_key(), SESSION_COOKIE_NAME=cookie_name)
        client_session.init_app(app)
        return app

    first, second = create_app("first"), create_app("second")
    assert not hasattr(client_session, "app")
    assert first.session_interface is not second.session_interface
    assert first.extensions["client_session"] is second.extensions["client_session"]
    assert first.test_client().get("/count").headers["Set-Cookie"].startswith("first=")
    assert second.test_client().get("/count").headers["Set-Cookie"].startswith("second=")


def test_no_key_is_an_error_at_set_up_naming_both_ways() -> None:
    app = counting_app()
    with pytest.raises(ConfigurationError) as caught:
        ClientSession(app)
    message = str(caught.value)
    assert "CLIENT_SESSION_KEYS (in app.config, or the environment variable" in message
    assert "SECRET_KEY" in message
    assert "client-session keygen" in message
    # The app is left as it was.
    assert type(app.session_interface) is SecureCookieSessionInterface
    assert "client_session" not in app.extensions


def test_a_key_in_the_environment_is_enough(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLIENT_SESSION_KEYS", generate_key())
    app = counting_app()
    ClientSession(app)
    assert app.test_client().get("/count").text == "1"


@pytest.mark.parametrize(
    ("config", "named"),
    [
        ({"SECRET_KEY": "dev"}, "SECRET_KEY"),
        ({"SECRET_KEY": "changeme" * 5}, "SECRET_KEY"),
        ({"CLIENT_SESSION_KEYS": "short"}, "CLIENT_SESSION_KEYS"),
        ({"SECRET_KEY": generate_key(), "SECRET_KEY_FALLBACKS": "old"}, "SECRET_KEY_FALLBACKS"),
    ],
)
def test_a_weak_key_is_an_error_at_set_up_not_a_500_later(
    config: dict[str, Any], named: str
) -> None:
    app = counting_app(**config)
    with pytest.raises(ConfigurationError, match=named):
        ClientSession(app)
    assert "client_session" not in app.extensions


def test_a_weak_secret_key_read_for_flasks_cookies_is_an_error_at_set_up() -> None:
    app = counting_app(CLIENT_SESSION_KEYS=generate_key(), SECRET_KEY="dev")
    with pytest.raises(ConfigurationError) as caught:
        ClientSession(app)
    message = str(caught.value)
    assert message.startswith("SECRET_KEY is too weak to trust the Flask session cookies")
    assert "ClientSession(app, legacy_cookies=False)" in message
    ClientSession(app, legacy_cookies=False)  # the way out it names
    assert app.test_client().get("/count").text == "1"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"SESSION_COOKIE_SAMESITE": "None"}, "SESSION_COOKIE_SAMESITE = 'None' needs "),
        ({"CLIENT_SESSION_MAX_CHUNKS": 20}, "CLIENT_SESSION_MAX_CHUNKS"),
        ({"CLIENT_SESSION_ABSOLUTE_LIFETIME": -1}, "CLIENT_SESSION_ABSOLUTE_LIFETIME must be"),
        ({"CLIENT_SESSION_NOT_BEFORE": "yesterday"}, "CLIENT_SESSION_NOT_BEFORE must be"),
    ],
)
def test_an_impossible_setting_is_an_error_at_set_up_in_flasks_words(
    config: dict[str, Any], message: str
) -> None:
    app = counting_app(SECRET_KEY=generate_key(), **config)
    with pytest.raises(ConfigurationError, match=rf"^{message}"):
        ClientSession(app)


def test_a_not_before_still_ahead_is_an_error_at_set_up_naming_its_setting() -> None:
    app = counting_app(SECRET_KEY=generate_key(), CLIENT_SESSION_NOT_BEFORE=T0 + 3600)
    # In Flask's words: the setting and its value (the core's Option part, spelled by Flask).
    ahead = r"^CLIENT_SESSION_NOT_BEFORE = 1800003600 is 3600 s in the future"
    with pytest.raises(ConfigurationError, match=ahead):
        ClientSession(app, clock=ManualClock(T0))


def test_the_line_saying_which_old_cookies_are_read_comes_at_set_up(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = counting_app(SECRET_KEY=generate_key(), PERMANENT_SESSION_LIFETIME=24 * 3600)
    with caplog.at_level(logging.DEBUG, logger="client_session"):
        ClientSession(app, clock=ManualClock(T0))
        assert [record.getMessage() for record in caplog.records] == [
            "session cookie 'session': reading the cookies of Flask's "
            "SecureCookieSessionInterface until 2027-01-16 08:00:00 UTC, each for at most "
            "2592000 s after it was signed and never one signed before not_before, and "
            "resealing them in ours"
        ]
        caplog.clear()
        client = app.test_client()
        for _ in range(3):
            client.get("/count")
    assert not [record for record in caplog.records if "reading the cookies" in record.message]


def test_a_date_to_read_flasks_cookies_until_without_a_secret_key_fails_at_set_up() -> None:
    app = counting_app(CLIENT_SESSION_KEYS=generate_key())
    with pytest.raises(ConfigurationError, match="and the app has none: set SECRET_KEY"):
        ClientSession(app, legacy_cookies=datetime.date(2027, 1, 15))


def test_a_policy_that_would_discard_a_setting_fails_at_set_up() -> None:
    policy = SessionPolicy(keys=KeyRing.of(generate_key()))
    app = counting_app(SESSION_COOKIE_SECURE=True)
    with pytest.raises(ConfigurationError, match=r"SESSION_COOKIE_SECURE = True \(the policy"):
        ClientSession(app, policy=policy)
    app.config["SESSION_COOKIE_SECURE"] = False  # Flask's default: nothing to discard
    ClientSession(app, policy=policy)
    assert "Max-Age=1800" in app.test_client().get("/count").headers["Set-Cookie"]


def test_the_options_reach_the_interface_each_app_gets() -> None:
    clock = ManualClock(T0)

    class Named(EncryptedCookieSessionInterface):
        def get_cookie_name(self, app: flask.Flask) -> str:
            return "named"

    client_session = ClientSession(clock=clock, legacy_cookies=False)
    client_session.session_interface_class = Named
    app = counting_app(SECRET_KEY=generate_key(), PERMANENT_SESSION_LIFETIME=60)
    client_session.init_app(app)
    assert type(app.session_interface) is Named
    client = app.test_client()
    assert client.get("/count").headers["Set-Cookie"].startswith("named=")
    assert client.get("/count").text == "2"
    clock.advance(60)  # PERMANENT_SESSION_LIFETIME, on the extension's clock
    assert client.get("/count").text == "1"
    codec = app.session_interface.get_codec(app)
    assert codec is not None
    assert codec.policy.legacy_cookies is None

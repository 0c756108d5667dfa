"""Flask's own session cookies, written by Flask's SecureCookieSessionInterface, read by ours.

The old cookies are signed by Flask's own interface (itsdangerous) at the time a test chooses,
and our interface reads them on a ManualClock: a restart is a new interface, later.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import flask
import httpx
import pytest
from itsdangerous import TimestampSigner
from markupsafe import Markup

from client_session_conformance import ManualClock
from client_session_conformance.serving import serve_wsgi_in_thread
from client_session_core import ConfigurationError, KeyRing, SessionPolicy, generate_key
from client_session_core.adapter import LegacyCookies, LegacySession
from client_session_wsgi._flask_legacy import flask_cookies, flask_legacy_cookies_for
from client_session_wsgi._flask_reads import AppSettings
from client_session_wsgi.flask import EncryptedCookieSessionInterface

SECRET = generate_key()
DAY = 24 * 3600
T0 = 1_800_000_000  # deploy day: when the old cookies of these tests are signed
# Flask 3.1 added SECRET_KEY_FALLBACKS (and SESSION_COOKIE_PARTITIONED's hook with it).
FALLBACKS_READ = hasattr(flask.sessions.SessionInterface, "get_cookie_partitioned")


def flask_app(secret: str | None = SECRET, **config: Any) -> flask.Flask:
    """An app on Flask's own session interface (the one the switch replaces)."""
    app = flask.Flask(__name__)
    app.config.update(SECRET_KEY=secret, **config)
    return app


@contextmanager
def signing_at(moment: int | None) -> Iterator[None]:
    """itsdangerous signs at ``moment`` (None: at the real time)."""
    if moment is None:
        yield
        return
    with mock.patch.object(TimestampSigner, "get_timestamp", return_value=moment):
        yield


def flask_cookie(
    content: dict[str, Any],
    *,
    secret: str = SECRET,
    permanent: bool = False,
    at: int | None = T0,
) -> str:
    """The session cookie Flask's own SecureCookieSessionInterface sets for ``content`` under
    ``secret``, signed at ``at`` (None: now)."""
    app = flask_app(secret)

    @app.get("/store")
    def store() -> str:
        flask.session.update(content)
        flask.session.permanent = permanent
        return ""

    with signing_at(at):
        response = app.test_client().get("/store")
    header = response.headers["Set-Cookie"]
    return header.partition("=")[2].partition(";")[0]


def switched_app(clock: ManualClock, **config: Any) -> flask.Flask:
    """An app switched to our interface (the quickstart line), whose /view shows the session."""
    app = flask_app(**config)
    app.session_interface = EncryptedCookieSessionInterface(clock=clock)

    @app.get("/view")
    def view() -> dict[str, Any]:
        return dict(flask.session)

    return app


def test_a_flask_cookie_reads_to_its_session_and_signing_time_with_flasks_tagged_types() -> None:
    content = {
        "user": "ada",
        "t": (1, 2),
        "b": b"\xff",
        "m": Markup("<b>"),
        "u": uuid.UUID(int=7),
        "d": datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
    }
    cookie = flask_cookie(content)
    legacy = flask_cookies(flask_app(), until=T0 + 60)
    assert legacy is not None
    assert legacy.read(cookie, T0 + 5) == LegacySession(content, T0, persistent=False)


def test_permanent_comes_out_of_the_content_into_the_persistent_flag() -> None:
    cookie = flask_cookie({"user": "ada"}, permanent=True)
    legacy = flask_cookies(flask_app(), until=T0 + 60)
    assert legacy is not None
    assert legacy.read(cookie, T0) == LegacySession({"user": "ada"}, T0, persistent=True)


def test_a_cookie_under_another_secret_key_is_no_session() -> None:
    cookie = flask_cookie({"user": "ada"})
    legacy = flask_cookies(flask_app(generate_key()), until=T0 + 60)
    assert legacy is not None
    assert legacy.read(cookie, T0) is None


@pytest.mark.skipif(not FALLBACKS_READ, reason="SECRET_KEY_FALLBACKS came with Flask 3.1")
def test_a_cookie_under_a_secret_key_fallback_reads_as_in_flask() -> None:
    old = generate_key()
    cookie = flask_cookie({"user": "ada"}, secret=old)
    legacy = flask_cookies(flask_app(SECRET, SECRET_KEY_FALLBACKS=[old]), until=T0 + 60)
    assert legacy is not None
    assert legacy.read(cookie, T0) == LegacySession({"user": "ada"}, T0, persistent=False)


def test_a_tampered_cookie_is_no_session() -> None:
    cookie = flask_cookie({"user": "ada"})
    legacy = flask_cookies(flask_app(), until=T0 + 60)
    assert legacy is not None
    # The signed content changed (a signature's last character may carry only padding bits).
    assert legacy.read(("X" if cookie[0] != "X" else "Y") + cookie[1:], T0) is None
    assert legacy.read("eyJ1c2VyIjoiZ3JhY2UifQ" + cookie[cookie.index(".") :], T0) is None


def test_permanent_session_lifetime_is_honoured_on_the_codecs_clock() -> None:
    cookie = flask_cookie({"user": "ada"})
    legacy = flask_cookies(flask_app(PERMANENT_SESSION_LIFETIME=DAY), until=T0 + 30 * DAY)
    assert legacy is not None
    assert legacy.read(cookie, T0 + DAY) is not None
    assert legacy.read(cookie, T0 + DAY + 1) is None
    assert legacy.read(cookie, T0 - 1) is None  # signed after "now": not read


def test_without_a_secret_key_there_is_nothing_to_read() -> None:
    assert flask_cookies(flask_app(None), until=T0 + 60) is None


def test_true_reads_for_permanent_session_lifetime_from_start_up() -> None:
    app = AppSettings(flask_app(PERMANENT_SESSION_LIFETIME=DAY))
    legacy = flask_legacy_cookies_for(True, app, started=1000.7)
    assert isinstance(legacy, LegacyCookies)
    assert legacy.until == 1000 + DAY


def test_a_date_false_and_a_given_reader() -> None:
    app = AppSettings(flask_app())
    legacy = flask_legacy_cookies_for(datetime.date(2027, 1, 15), app, started=0)
    assert legacy is not None
    assert legacy.until == 1_800_000_000 - 8 * 3600
    assert flask_legacy_cookies_for(False, app, started=0) is None
    assert flask_legacy_cookies_for(legacy, app, started=0) is legacy
    with pytest.raises(ConfigurationError, match="legacy_cookies is True, False"):
        flask_legacy_cookies_for("yes", app, started=0)  # type: ignore[arg-type]


def test_a_timestamp_and_none_as_every_drop_in_takes_them() -> None:
    # The kit's legacy_cookies rule, shared with the other drop-ins.
    app = AppSettings(flask_app())
    legacy = flask_legacy_cookies_for(T0 + 60, app, started=0)
    assert legacy is not None
    assert legacy.until == T0 + 60
    assert flask_legacy_cookies_for(None, app, started=0) is None
    codec = EncryptedCookieSessionInterface(legacy_cookies=None).get_codec(flask_app())
    assert codec is not None
    assert codec.policy.legacy_cookies is None


# -- issue 22: a legacy reader is no door ------------------------------------------------------


@pytest.mark.parametrize("days_later", [0, 45, 400])
def test_a_weak_secret_key_beside_client_session_keys_refuses_to_start(days_later: int) -> None:
    # The review's reproducer: SECRET_KEY = "dev" and a strong CLIENT_SESSION_KEYS, as the
    # migration guide advised; a cookie forged with Flask's own interface under "dev" was
    # resealed as {"user_id": 1} on deploy day, and again 45 and 400 days later after a
    # restart (each restart opened a new reading window).
    now = T0 + days_later * DAY
    forged = flask_cookie({"user_id": 1}, secret="dev", at=now)
    app = switched_app(ManualClock(now), secret="dev", CLIENT_SESSION_KEYS=generate_key())
    with pytest.raises(ConfigurationError) as caught:
        app.session_interface.get_codec(app)  # type: ignore[attr-defined]
    message = str(caught.value)
    assert message.startswith("SECRET_KEY is too weak to trust the Flask session cookies")
    assert "3 characters long" in message
    assert "anyone who guesses it can forge such a cookie" in message
    assert "EncryptedCookieSessionInterface(legacy_cookies=False)" in message
    assert "dev" not in message.replace("SECRET_KEY", "")
    # The first request fails the same way (a 500, the error logged by Flask): no session.
    client = app.test_client()
    client.set_cookie("session", forged)
    response = client.get("/view")
    assert response.status_code == 500
    assert b"user_id" not in response.data


def test_legacy_cookies_off_lets_a_weak_secret_key_serve_flask_alone() -> None:
    # The way out the error names: SECRET_KEY stays for Flask's other uses, no old cookie is read.
    app = flask_app("dev", CLIENT_SESSION_KEYS=generate_key())
    app.session_interface = EncryptedCookieSessionInterface(legacy_cookies=False)
    codec = app.session_interface.get_codec(app)
    assert codec is not None
    assert codec.policy.legacy_cookies is None


@pytest.mark.skipif(not FALLBACKS_READ, reason="SECRET_KEY_FALLBACKS came with Flask 3.1")
def test_a_weak_secret_key_fallback_is_refused_by_its_place_in_the_list() -> None:
    app = flask_app(
        SECRET, CLIENT_SESSION_KEYS=generate_key(), SECRET_KEY_FALLBACKS=[generate_key(), "dev"]
    )
    interface = EncryptedCookieSessionInterface()
    with pytest.raises(ConfigurationError, match=r"^SECRET_KEY_FALLBACKS\[1\] is too weak"):
        interface.get_codec(app)


@pytest.mark.skipif(not FALLBACKS_READ, reason="SECRET_KEY_FALLBACKS came with Flask 3.1")
def test_a_string_of_fallbacks_would_be_one_character_keys_in_flask_and_is_refused() -> None:
    # flask#6089: Flask's interface would accept cookies signed with any one character.
    old = generate_key()
    app = flask_app(SECRET, CLIENT_SESSION_KEYS=generate_key(), SECRET_KEY_FALLBACKS=old)
    with pytest.raises(ConfigurationError, match="must be a list") as caught:
        flask_cookies(app, until=T0 + 60)
    assert old not in str(caught.value)


@pytest.mark.skipif(FALLBACKS_READ, reason="Flask 3.1 and later read SECRET_KEY_FALLBACKS")
def test_fallbacks_flask_does_not_read_are_not_judged() -> None:
    app = flask_app(SECRET, CLIENT_SESSION_KEYS=generate_key(), SECRET_KEY_FALLBACKS=["dev"])
    assert flask_cookies(app, until=T0 + 60) is not None


def test_a_weak_secret_key_that_is_the_session_key_is_refused_as_a_key() -> None:
    # Without CLIENT_SESSION_KEYS it seals our cookies too: the key's own error comes first.
    app = flask_app("dev")
    with pytest.raises(ConfigurationError, match="key #1 is 3 characters long"):
        EncryptedCookieSessionInterface().get_codec(app)


def test_an_old_cookie_is_read_from_its_own_signing_time_whatever_the_restarts(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Flask's own limit (PERMANENT_SESSION_LIFETIME, 400 days here) would read it for a year;
    # the absolute lifetime, counted from its signature, reads it for 30 days, and a restart
    # (a new interface, a new reading window) does not give it more.
    cookie = flask_cookie({"user": "ada"})
    config = {"PERMANENT_SESSION_LIFETIME": 400 * DAY, "CLIENT_SESSION_ABSOLUTE_LIFETIME": 30 * DAY}
    for days_later, expected in ((0, {"user": "ada"}), (29, {"user": "ada"}), (45, {}), (400, {})):
        clock = ManualClock(T0 + days_later * DAY)
        client = switched_app(clock, **config).test_client()
        client.set_cookie("session", cookie)
        with caplog.at_level(logging.DEBUG, logger="client_session"):
            caplog.clear()
            assert client.get("/view").json == expected, days_later
        if not expected:
            assert "session cookie 'session' refused: expired_absolute" in caplog.messages


def test_the_resealed_session_keeps_the_old_cookies_signing_time_as_its_start() -> None:
    clock = ManualClock(T0 + 29 * DAY)
    app = switched_app(clock, CLIENT_SESSION_ABSOLUTE_LIFETIME=30 * DAY)
    client = app.test_client()
    client.set_cookie("session", flask_cookie({"user": "ada"}))
    response = client.get("/view")
    assert response.json == {"user": "ada"}
    resealed = response.headers["Set-Cookie"].partition("=")[2].partition(";")[0]
    codec = app.session_interface.get_codec(app)  # type: ignore[attr-defined]
    assert codec.load(f"session={resealed}").origin.created_at == T0
    clock.advance(DAY)  # 30 days after the old cookie was signed, not after the upgrade
    assert client.get("/view").json == {}


def test_an_old_cookie_signed_before_not_before_is_refused() -> None:
    before, after = flask_cookie({"user": "ada"}), flask_cookie({"user": "bob"}, at=T0 + 20)
    clock = ManualClock(T0 + 60)
    app = flask_app()
    policy = SessionPolicy(keys=KeyRing.of(generate_key()), not_before=T0 + 10)
    legacy = flask_cookies(app, until=T0 + DAY)
    assert legacy is not None
    app.session_interface = EncryptedCookieSessionInterface(
        policy, clock=clock, legacy_cookies=legacy
    )

    @app.get("/view")
    def view() -> dict[str, Any]:
        return dict(flask.session)

    for cookie, expected in ((before, {}), (after, {"user": "bob"})):
        client = app.test_client()
        client.set_cookie("session", cookie)
        assert client.get("/view").json == expected


def test_an_old_cookie_signed_before_client_session_not_before_is_refused() -> None:
    # The drop-in's own setting, no policy: Flask's settings stay in force.
    before, after = flask_cookie({"user": "ada"}), flask_cookie({"user": "bob"}, at=T0 + 20)
    app = switched_app(ManualClock(T0 + 60), CLIENT_SESSION_NOT_BEFORE=T0 + 10.5)
    for cookie, expected in ((before, {}), (after, {"user": "bob"})):
        client = app.test_client()
        client.set_cookie("session", cookie)
        assert client.get("/view").json == expected


def test_reading_is_announced_once_at_start_up_not_per_request(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = ManualClock(T0)
    app = switched_app(clock, PERMANENT_SESSION_LIFETIME=DAY)
    client = app.test_client()
    with caplog.at_level(logging.DEBUG, logger="client_session"):
        for _ in range(3):
            client.get("/view")
    announced = [record for record in caplog.records if "reading the cookies" in record.message]
    assert [(record.levelno, record.getMessage()) for record in announced] == [
        (
            logging.INFO,
            "session cookie 'session': reading the cookies of Flask's "
            "SecureCookieSessionInterface until 2027-01-16 08:00:00 UTC, each for at most "
            "2592000 s after it was signed and never one signed before not_before, and "
            "resealing them in ours",
        )
    ]


def test_a_cut_off_already_past_is_a_warning_at_start_up(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = flask_app()
    app.session_interface = EncryptedCookieSessionInterface(
        clock=ManualClock(T0), legacy_cookies=datetime.date(2027, 1, 1)
    )
    with caplog.at_level(logging.DEBUG, logger="client_session"):
        app.session_interface.get_codec(app)
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    assert "no longer read: their cut-off, 2027-01-01 00:00:00 UTC, has passed" in record.message


def test_a_date_with_no_secret_key_to_read_with_is_a_start_up_error() -> None:
    app = flask_app(None, CLIENT_SESSION_KEYS=generate_key())
    app.session_interface = EncryptedCookieSessionInterface(
        legacy_cookies=datetime.date(2027, 1, 15)
    )
    with pytest.raises(ConfigurationError, match="and the app has none: set SECRET_KEY"):
        app.session_interface.get_codec(app)


def test_the_default_with_no_secret_key_says_at_start_up_that_nothing_is_read(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = flask_app(None, CLIENT_SESSION_KEYS=generate_key())
    app.session_interface = EncryptedCookieSessionInterface()
    with caplog.at_level(logging.DEBUG, logger="client_session"):
        codec = app.session_interface.get_codec(app)
    assert codec is not None
    assert codec.policy.legacy_cookies is None
    (record,) = caplog.records
    assert record.levelno == logging.INFO
    assert record.getMessage().startswith(
        "the cookies of Flask's SecureCookieSessionInterface are not read: the app has no "
        "SECRET_KEY"
    )


# -- an old session too large for our cookies ----------------------------------------------------

# Flask compresses it into one small cookie; sealed (never compressed) it needs two.
LARGE = {"user": "ada", "blob": "x" * 4000}


def test_an_old_session_too_large_to_reseal_is_an_empty_session_never_a_500(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # It answered 500 on every request until it expired (Flask's error page failed too).
    old = flask_cookie(LARGE)
    assert len(old) < 200
    app = switched_app(ManualClock(T0))
    client = app.test_client()
    client.set_cookie("session", old)
    with caplog.at_level(logging.DEBUG, logger="client_session"):
        response = client.get("/view")
    assert (response.status_code, response.json) == (200, {})
    assert "session cookie 'session' refused: too_large" in caplog.messages
    assert "xxxx" not in caplog.text
    # Deleted, although the Flask drop-in leaves other cookies it cannot read alone
    # (clear_invalid=False): it is this application's, and would be read again each request.
    assert response.headers.getlist("Set-Cookie") == [
        "session=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly"
    ]


def test_client_session_max_chunks_reseals_a_large_old_session_over_werkzeug() -> None:
    old = flask_cookie(LARGE)
    for chunks, expected in ((1, {}), (2, LARGE)):
        app = switched_app(ManualClock(T0), CLIENT_SESSION_MAX_CHUNKS=chunks)
        with serve_wsgi_in_thread(app) as url, httpx.Client(base_url=url) as client:
            response = client.get("/view", headers={"Cookie": f"session={old}"})
            assert (response.status_code, response.json()) == (200, expected)
            set_cookie = response.headers.get_list("set-cookie")
            if chunks == 1:
                assert [value.partition(";")[0] for value in set_cookie] == ["session="]
                continue
            assert [value.partition("=")[0] for value in set_cookie] == [
                "session",
                "sessionC1",
                "sessionC2",
            ]
            cookies = "; ".join(value.partition(";")[0] for value in set_cookie)
            assert client.get("/view", headers={"Cookie": cookies}).json() == LARGE


def test_max_chunks_is_checked_in_the_flask_settings_words() -> None:
    app = flask_app(CLIENT_SESSION_MAX_CHUNKS=12)
    with pytest.raises(ConfigurationError, match=r"^CLIENT_SESSION_MAX_CHUNKS must be"):
        EncryptedCookieSessionInterface().get_codec(app)


def test_the_one_attribute_switch_logs_nobody_out_over_werkzeug() -> None:
    old_cookie = flask_cookie({"user": "ada", "t": (1, 2)}, permanent=True, at=None)
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

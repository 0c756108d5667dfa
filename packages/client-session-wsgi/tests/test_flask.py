"""The Flask session interface: Flask's own session tests, ported, and what it adds.

The ported tests keep the names and the assertions of ``tests/test_basic.py`` in Flask 3.1
(pallets/flask), with strong keys in place of ``"test key"``, which the core refuses.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import flask
import pytest
from flask.config import ConfigAttribute
from flask.sessions import SessionMixin
from flask.testing import FlaskClient
from markupsafe import Markup
from werkzeug.http import parse_date

from client_session_conformance import ManualClock
from client_session_core import LifetimeTooLong, UnserializableValue
from client_session_core.revocation import MemoryRevocationStore, Revocations
from client_session_core.wire import FLAG_IDENTITY, Envelope
from client_session_wsgi import (
    ConfigurationError,
    KeyRing,
    SessionCodec,
    SessionMiddleware,
    SessionPolicy,
    SessionTooLarge,
    generate_key,
)
from client_session_wsgi.flask import EncryptedCookieSession, EncryptedCookieSessionInterface

SECRET_KEY = generate_key()


@pytest.fixture
def app() -> flask.Flask:
    app = flask.Flask("flask_test")
    app.config.update(TESTING=True, SECRET_KEY=SECRET_KEY)
    app.session_interface = EncryptedCookieSessionInterface()
    return app


@pytest.fixture
def client(app: flask.Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(autouse=True)
def _no_keys_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLIENT_SESSION_KEYS", raising=False)


def request_session() -> EncryptedCookieSession:
    """The session of the request context kept by ``with client:``, without touching it."""
    from flask.globals import request_ctx

    context = request_ctx._get_current_object()
    # Flask 3.1.3 keeps it in `_session` (its `session` property marks it accessed); earlier
    # versions in a plain `session` attribute.
    session = getattr(context, "_session", None)
    if session is None:
        session = context.session
    assert isinstance(session, EncryptedCookieSession)
    return session


# -- ported from Flask's tests/test_basic.py ---------------------------------------------------


def test_session_accessed(app: flask.Flask, client: FlaskClient) -> None:
    @app.post("/")
    def do_set() -> str:
        flask.session["value"] = flask.request.form["value"]
        return "value set"

    @app.get("/")
    def do_get() -> str:
        return str(flask.session.get("value", "None"))

    @app.get("/nothing")
    def do_nothing() -> str:
        return ""

    with client:
        rv = client.get("/nothing")
        assert "cookie" not in rv.vary
        assert not request_session().accessed
        assert not request_session().modified

    with client:
        rv = client.post(data={"value": "42"})
        assert rv.text == "value set"
        assert "cookie" in rv.vary
        assert request_session().accessed
        assert request_session().modified

    with client:
        rv = client.get()
        assert rv.text == "42"
        assert "cookie" in rv.vary
        assert request_session().accessed
        assert not request_session().modified

    with client:
        rv = client.get("/nothing")
        assert rv.text == ""
        assert "cookie" not in rv.vary
        assert not request_session().accessed
        assert not request_session().modified


def test_session_path(app: flask.Flask, client: FlaskClient) -> None:
    app.config.update(APPLICATION_ROOT="/foo")

    @app.route("/")
    def index() -> str:
        flask.session["testing"] = 42
        return "Hello World"

    rv = client.get("/", "http://example.com:8080/foo")
    assert "path=/foo" in rv.headers["set-cookie"].lower()


def test_session_using_application_root(app: flask.Flask, client: FlaskClient) -> None:
    class PrefixPathMiddleware:
        def __init__(self, app: Any, prefix: str) -> None:
            self.app = app
            self.prefix = prefix

        def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
            environ["SCRIPT_NAME"] = self.prefix
            return self.app(environ, start_response)

    app.wsgi_app = PrefixPathMiddleware(app.wsgi_app, "/bar")  # type: ignore[method-assign]
    app.config.update(APPLICATION_ROOT="/bar")

    @app.route("/")
    def index() -> str:
        flask.session["testing"] = 42
        return "Hello World"

    rv = client.get("/", "http://example.com:8080/")
    assert "path=/bar" in rv.headers["set-cookie"].lower()


def test_session_using_session_settings(app: flask.Flask, client: FlaskClient) -> None:
    app.config.update(
        SERVER_NAME="www.example.com:8080",
        APPLICATION_ROOT="/test",
        SESSION_COOKIE_DOMAIN=".example.com",
        SESSION_COOKIE_HTTPONLY=False,
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_PARTITIONED=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_PATH="/",
    )

    @app.route("/")
    def index() -> str:
        flask.session["testing"] = 42
        return "Hello World"

    @app.route("/clear")
    def clear() -> str:
        flask.session.pop("testing", None)
        return "Goodbye World"

    # https, unlike Flask's test: a Secure cookie is only sent back over https, and only a
    # session that had a cookie has one to delete (Flask deletes on any pop(), even of a
    # session that was already empty).
    rv = client.get("/", "https://www.example.com:8080/test/")
    cookie = rv.headers["set-cookie"].lower()
    assert "domain=example.com" in cookie or "domain=.example.com" in cookie
    assert "path=/" in cookie
    assert "secure" in cookie
    assert "httponly" not in cookie
    assert "samesite" in cookie
    assert "partitioned" in cookie

    rv = client.get("/clear", "https://www.example.com:8080/test/")
    cookie = rv.headers["set-cookie"].lower()
    assert "session=;" in cookie
    assert "domain=example.com" in cookie or "domain=.example.com" in cookie
    assert "path=/" in cookie
    assert "secure" in cookie
    assert "samesite" in cookie
    assert "partitioned" in cookie


def test_session_using_samesite_attribute(app: flask.Flask, client: FlaskClient) -> None:
    @app.route("/")
    def index() -> str:
        # Flask's test stores 42 each time; a write that leaves the content as it was sends
        # no cookie here, so each request stores a new value.
        flask.session["testing"] = flask.session.get("testing", 0) + 1
        return "Hello World"

    app.config.update(SESSION_COOKIE_SAMESITE="invalid")

    with pytest.raises(ValueError, match="SESSION_COOKIE_SAMESITE"):
        client.get("/")

    app.config.update(SESSION_COOKIE_SAMESITE=None)
    rv = client.get("/")
    cookie = rv.headers["set-cookie"].lower()
    assert "samesite" not in cookie

    app.config.update(SESSION_COOKIE_SAMESITE="Strict")
    rv = client.get("/")
    cookie = rv.headers["set-cookie"].lower()
    assert "samesite=strict" in cookie

    app.config.update(SESSION_COOKIE_SAMESITE="Lax")
    rv = client.get("/")
    cookie = rv.headers["set-cookie"].lower()
    assert "samesite=lax" in cookie


def test_missing_session(app: flask.Flask) -> None:
    app.secret_key = None

    def expect_exception(f: Any, *args: Any, **kwargs: Any) -> None:
        with pytest.raises(RuntimeError, match="session is unavailable"):
            f(*args, **kwargs)

    with app.test_request_context():
        assert flask.session.get("missing_key") is None
        expect_exception(flask.session.__setitem__, "foo", 42)
        expect_exception(flask.session.pop, "foo")


def test_session_secret_key_fallbacks(app: flask.Flask, client: FlaskClient) -> None:
    @app.post("/")
    def set_session() -> str:
        flask.session["a"] = 1
        return ""

    @app.get("/")
    def get_session() -> dict[str, Any]:
        return dict(flask.session)

    key_0, key_1, key_2, key_3, other = (generate_key() for _ in range(5))
    # Set session with initial secret key, and two valid expiring keys
    app.secret_key, app.config["SECRET_KEY_FALLBACKS"] = key_0, [key_1, key_2]
    client.post()
    assert client.get().json == {"a": 1}
    # Change secret key, session can't be loaded and appears empty
    app.secret_key = other
    assert client.get().json == {}
    # Rotate the valid keys, session can be loaded
    app.secret_key, app.config["SECRET_KEY_FALLBACKS"] = key_3, [key_0, key_1]
    assert client.get().json == {"a": 1}


def test_session_expiration(app: flask.Flask, client: FlaskClient) -> None:
    permanent = True

    @app.route("/")
    def index() -> str:
        flask.session["test"] = 42
        flask.session.permanent = permanent
        return ""

    @app.route("/test")
    def test() -> str:
        return str(flask.session.permanent)

    rv = client.get("/")
    assert "set-cookie" in rv.headers
    match = re.search(r"(?i)\bexpires=([^;]+)", rv.headers["set-cookie"])
    assert match is not None
    expires = parse_date(match.group(1))
    assert expires is not None
    expected = datetime.now(timezone.utc) + app.permanent_session_lifetime
    assert expires.year == expected.year
    assert expires.month == expected.month
    assert expires.day == expected.day

    rv = client.get("/test")
    assert rv.data == b"True"

    permanent = False
    rv = client.get("/")
    assert "set-cookie" in rv.headers
    match = re.search(r"\bexpires=([^;]+)", rv.headers["set-cookie"])
    assert match is None


def test_session_stored_last(app: flask.Flask, client: FlaskClient) -> None:
    @app.after_request
    def modify_session(response: flask.Response) -> flask.Response:
        flask.session["foo"] = 42
        return response

    @app.route("/")
    def dump_session_contents() -> str:
        return repr(flask.session.get("foo"))

    assert client.get("/").data == b"None"
    assert client.get("/").data == b"42"


def test_session_special_types(app: flask.Flask, client: FlaskClient) -> None:
    now = datetime.now(timezone.utc).replace(microsecond=0)
    the_uuid = uuid.uuid4()

    @app.route("/")
    def dump_session_contents() -> tuple[str, int]:
        flask.session["t"] = (1, 2, 3)
        flask.session["b"] = b"\xff"
        flask.session["m"] = Markup("<html>")
        flask.session["u"] = the_uuid
        flask.session["d"] = now
        flask.session["t_tag"] = {" t": "not-a-tuple"}
        flask.session["di_t_tag"] = {" t__": "not-a-tuple"}
        flask.session["di_tag"] = {" di": "not-a-dict"}
        return "", 204

    @app.route("/read")
    def read() -> tuple[str, int]:
        return "", 204

    client.get("/")
    # Flask's test reads the session object the view wrote; this one reads it back from the
    # cookie, through the encryption and the tagged JSON.
    with client:
        client.get("/read")
        s = flask.session
        assert s["t"] == (1, 2, 3)
        assert type(s["b"]) is bytes
        assert s["b"] == b"\xff"
        assert type(s["m"]) is Markup
        assert s["m"] == Markup("<html>")
        assert s["u"] == the_uuid
        assert s["d"] == now
        assert s["t_tag"] == {" t": "not-a-tuple"}
        assert s["di_t_tag"] == {" t__": "not-a-tuple"}
        assert s["di_tag"] == {" di": "not-a-dict"}


def test_session_cookie_setting(app: flask.Flask) -> None:
    is_permanent = True

    @app.route("/bump")
    def bump() -> str:
        rv = flask.session["foo"] = flask.session.get("foo", 0) + 1
        flask.session.permanent = is_permanent
        return str(rv)

    @app.route("/read")
    def read() -> str:
        return str(flask.session.get("foo", 0))

    def run_test(expect_header: bool) -> None:
        with app.test_client() as c:
            assert c.get("/bump").data == b"1"
            assert c.get("/bump").data == b"2"
            assert c.get("/bump").data == b"3"

            rv = c.get("/read")
            set_cookie = rv.headers.get("set-cookie")
            assert (set_cookie is not None) == expect_header
            assert rv.data == b"3"

    is_permanent = True
    app.config["SESSION_REFRESH_EACH_REQUEST"] = True
    run_test(expect_header=True)

    is_permanent = True
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    run_test(expect_header=False)

    is_permanent = False
    app.config["SESSION_REFRESH_EACH_REQUEST"] = True
    run_test(expect_header=False)

    is_permanent = False
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    run_test(expect_header=False)


def test_session_vary_cookie(app: flask.Flask, client: FlaskClient) -> None:
    @app.route("/set")
    def set_session() -> str:
        flask.session["test"] = "test"
        return ""

    @app.route("/get")
    def get() -> str:
        return str(flask.session.get("test"))

    @app.route("/getitem")
    def getitem() -> str:
        return str(flask.session["test"])

    @app.route("/setdefault")
    def setdefault() -> str:
        return str(flask.session.setdefault("test", "default"))

    @app.route("/clear")
    def clear() -> str:
        flask.session.clear()
        return ""

    @app.route("/vary-cookie-header-set")
    def vary_cookie_header_set() -> flask.Response:
        response = flask.Response()
        response.vary.add("Cookie")
        flask.session["test"] = "test"
        return response

    @app.route("/vary-header-set")
    def vary_header_set() -> flask.Response:
        response = flask.Response()
        response.vary.update(("Accept-Encoding", "Accept-Language"))
        flask.session["test"] = "test"
        return response

    @app.route("/no-vary-header")
    def no_vary_header() -> str:
        return ""

    def expect(path: str, header_value: str | None = "Cookie") -> None:
        rv = client.get(path)

        if header_value:
            # The 'Vary' key should exist in the headers only once.
            assert len(rv.headers.get_all("Vary")) == 1
            assert rv.headers["Vary"] == header_value
        else:
            assert "Vary" not in rv.headers

    expect("/set")
    expect("/get")
    expect("/getitem")
    expect("/setdefault")
    expect("/clear")
    expect("/vary-cookie-header-set")
    expect("/vary-header-set", "Accept-Encoding, Accept-Language, Cookie")
    expect("/no-vary-header", None)


def test_session_refresh_vary(app: flask.Flask, client: FlaskClient) -> None:
    @app.get("/login")
    def login() -> str:
        flask.session["user_id"] = 1
        flask.session.permanent = True
        return ""

    @app.get("/ignored")
    def ignored() -> str:
        return ""

    rv = client.get("/login")
    assert rv.headers["Vary"] == "Cookie"
    rv = client.get("/ignored")
    assert rv.headers["Vary"] == "Cookie"


def test_max_cookie_size(app: flask.Flask, client: FlaskClient) -> None:
    # Flask only warns about a cookie over MAX_COOKIE_SIZE, which browsers then drop
    # silently; here it is SessionTooLarge, raised when the session is saved.
    app.config["MAX_COOKIE_SIZE"] = 1000

    @app.route("/")
    def index() -> str:
        flask.session["blob"] = "x" * 1000
        return ""

    with pytest.raises(SessionTooLarge):
        client.get("/")
    app.config["MAX_COOKIE_SIZE"] = 0  # Flask's "no warning": the browser limit remains
    assert "set-cookie" in client.get("/").headers


# -- what the encrypted interface adds ------------------------------------------------------------


def test_session_is_a_flask_session_mixin(app: flask.Flask) -> None:
    with app.test_request_context():
        session = app.session_interface.open_session(app, flask.request)
        assert isinstance(session, SessionMixin)
        assert isinstance(session, dict)
        assert session.new
        assert not session.permanent


def test_nested_in_place_change_is_saved(app: flask.Flask, client: FlaskClient) -> None:
    @app.route("/add/<item>")
    def add(item: str) -> dict[str, Any]:
        cart = flask.session.setdefault("cart", {"items": []})
        cart["items"].append(item)
        return dict(flask.session)

    client.get("/add/apple")
    assert client.get("/add/pear").json == {"cart": {"items": ["apple", "pear"]}}


def test_session_too_large_is_a_logged_500_outside_testing(
    app: flask.Flask, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["TESTING"] = False

    @app.route("/")
    def index() -> str:
        flask.session["blob"] = "x" * 5000
        return "stored"

    with caplog.at_level(logging.ERROR):
        rv = app.test_client().get("/")
    assert rv.status_code == 500
    assert "set-cookie" not in rv.headers
    assert any(r.exc_info and r.exc_info[0] is SessionTooLarge for r in caplog.records)


def test_bad_cookie_is_an_empty_session_never_a_500(app: flask.Flask) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        return dict(flask.session)

    client = app.test_client()
    for value in ("garbage", "", "A" * 4000, "eyJ.forged.value"):
        client.set_cookie("session", value)
        rv = client.get("/")
        assert rv.status_code == 200
        assert rv.json == {}


def test_a_forged_cookie_is_a_warning_on_the_security_logger(
    app: flask.Flask, caplog: pytest.LogCaptureFixture
) -> None:
    # Issue 22: operators alert on forgeries; garbage and expired cookies stay at DEBUG.
    @app.route("/")
    def index() -> dict[str, Any]:
        return dict(flask.session)

    codec = app.session_interface.get_codec(app)  # type: ignore[attr-defined]
    value = codec.seal({"user": "ada"})
    forged = value[:-2] + ("A" if value[-2] != "A" else "B") + value[-1]
    client = app.test_client()
    with caplog.at_level(logging.DEBUG, logger="client_session"):
        for cookie in (forged, "garbage"):
            client.set_cookie("session", cookie)
            assert client.get("/").json == {}
    # The refusals: what the security logger says, and the DEBUG lines. Other lines of the
    # package (the INFO announcing which old cookies are read, logged where a codec is built
    # for the first time in the process) are not this test's matter.
    refusals = [
        (r.name, r.levelname, r.getMessage())
        for r in caplog.records
        if r.name == "client_session.security" or r.levelno == logging.DEBUG
    ]
    assert refusals == [
        ("client_session.security", "WARNING", "session cookie 'session' refused: forged"),
        ("client_session", "DEBUG", "session cookie 'session' refused: malformed"),
    ]
    assert forged not in caplog.text


def flask_signed_cookie(content: dict[str, Any]) -> str:
    """The cookie Flask's own SecureCookieSessionInterface writes under SECRET_KEY."""
    signed = flask.Flask("signed")
    signed.secret_key = SECRET_KEY

    @signed.route("/")
    def write() -> str:
        flask.session.update(content)
        return ""

    rv = signed.test_client().get("/")
    return str(rv.headers["set-cookie"].split(";")[0].split("=", 1)[1])


def test_flasks_own_cookies_are_read_once_and_resealed(app: flask.Flask) -> None:
    @app.route("/")
    def read() -> dict[str, Any]:
        return dict(flask.session)

    client = app.test_client()
    client.set_cookie("session", flask_signed_cookie({"user": "ada"}))
    response = client.get("/")
    assert response.json == {"user": "ada"}
    resealed = response.headers["set-cookie"].split(";")[0].split("=", 1)[1]
    codec = app.session_interface.get_codec(app)  # type: ignore[attr-defined]
    assert codec.load(f"session={resealed}").rejected is None


def test_with_legacy_cookies_off_flasks_own_cookies_are_refused(app: flask.Flask) -> None:
    app.session_interface = EncryptedCookieSessionInterface(legacy_cookies=False)

    @app.route("/")
    def read() -> dict[str, Any]:
        return dict(flask.session)

    client = app.test_client()
    client.set_cookie("session", flask_signed_cookie({"user": "ada"}))
    assert client.get("/").json == {}


def test_session_transaction(app: flask.Flask, client: FlaskClient) -> None:
    @app.route("/")
    def read() -> dict[str, Any]:
        return dict(flask.session)

    with client.session_transaction() as session:
        session["user"] = "ada"
    assert client.get("/").json == {"user": "ada"}


def test_permanent_session_lifetime_is_enforced_by_the_server(app: flask.Flask) -> None:
    clock = ManualClock()
    app.session_interface = EncryptedCookieSessionInterface(clock=clock)
    app.config["PERMANENT_SESSION_LIFETIME"] = 600

    @app.route("/")
    def count() -> str:
        flask.session["n"] = flask.session.get("n", 0) + 1
        return str(flask.session["n"])

    @app.route("/read")
    def read() -> str:
        return str(flask.session.get("n", 0))

    client = app.test_client()
    assert client.get("/").text == "1"
    clock.advance(599)
    # A browser-session cookie, read but not written: its lifetime runs from the last write.
    assert client.get("/read").text == "1"
    clock.advance(1)
    assert client.get("/read").text == "0"


def test_refresh_each_request_slides_a_permanent_session(app: flask.Flask) -> None:
    clock = ManualClock()
    app.session_interface = EncryptedCookieSessionInterface(clock=clock)
    app.config["PERMANENT_SESSION_LIFETIME"] = 600

    @app.route("/login")
    def login() -> str:
        flask.session["user"] = "ada"
        flask.session.permanent = True
        return ""

    @app.route("/read")
    def read() -> str:
        return str(flask.session.get("user"))

    client = app.test_client()
    client.get("/login")
    for _ in range(3):
        clock.advance(500)
        rv = client.get("/read")
        assert rv.text == "ada"
        assert "Max-Age=600" in rv.headers["set-cookie"]


def test_an_overridden_should_set_cookie_is_asked(app: flask.Flask) -> None:
    class AlwaysResend(EncryptedCookieSessionInterface):
        def should_set_cookie(self, app: flask.Flask, session: SessionMixin) -> bool:
            return True

    app.session_interface = AlwaysResend()

    @app.route("/login")
    def login() -> str:
        flask.session["user"] = "ada"  # not permanent: Flask's own rule would not resend
        return ""

    @app.route("/read")
    def read() -> str:
        return str(flask.session.get("user"))

    client = app.test_client()
    client.get("/login")
    rv = client.get("/read")
    assert rv.text == "ada"
    assert "set-cookie" in rv.headers


def test_created_at_survives_a_refresh(app: flask.Flask) -> None:
    clock = ManualClock()
    app.session_interface = EncryptedCookieSessionInterface(clock=clock)
    created: list[int | None] = []

    @app.route("/login")
    def login() -> str:
        flask.session["user"] = "ada"
        flask.session.permanent = True
        return ""

    @app.route("/read")
    def read() -> str:
        session = flask.session._get_current_object()  # type: ignore[attr-defined]
        created.append(session.created_at)
        return ""

    client = app.test_client()
    client.get("/login")
    clock.advance(100)
    client.get("/read")
    clock.advance(100)
    client.get("/read")
    assert created == [int(clock()) - 200] * 2


def test_string_fallbacks_are_refused(app: flask.Flask, client: FlaskClient) -> None:
    app.config["SECRET_KEY_FALLBACKS"] = generate_key()
    with pytest.raises(ConfigurationError, match="SECRET_KEY_FALLBACKS must be a list"):
        client.get("/")


@pytest.mark.parametrize("secret_key", ["dev", "test key", b"\x00" * 16, "changeme" * 5])
def test_weak_secret_key_is_a_configuration_error(
    app: flask.Flask, client: FlaskClient, secret_key: str | bytes
) -> None:
    app.secret_key = secret_key
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        client.get("/")
    with pytest.raises(ConfigurationError):
        app.session_interface.get_codec(app)  # type: ignore[attr-defined]


def test_client_session_keys_setting_comes_first(app: flask.Flask) -> None:
    primary, old = generate_key(), generate_key()
    app.config["CLIENT_SESSION_KEYS"] = f"{primary}, {old}"
    codec = app.session_interface.get_codec(app)  # type: ignore[attr-defined]
    assert [key.kid for key in codec.policy.keys] == [key.kid for key in KeyRing([primary, old])]
    ring = KeyRing([generate_key()])
    app.config["CLIENT_SESSION_KEYS"] = ring
    assert app.session_interface.get_codec(app).policy.keys is ring  # type: ignore[attr-defined]
    app.config["CLIENT_SESSION_KEYS"] = 42
    with pytest.raises(ConfigurationError, match="CLIENT_SESSION_KEYS is a key text"):
        app.session_interface.get_codec(app)  # type: ignore[attr-defined]


def test_keys_from_the_environment_without_a_secret_key(
    app: flask.Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.secret_key = None
    interface: EncryptedCookieSessionInterface = app.session_interface  # type: ignore[assignment]
    assert interface.get_codec(app) is None
    key = generate_key()
    monkeypatch.setenv("CLIENT_SESSION_KEYS", key)
    codec = interface.get_codec(app)
    assert codec is not None
    assert codec.policy.keys.primary.kid == KeyRing([key]).primary.kid


def test_the_settings_kept_per_app_never_show_the_keys(app: flask.Flask) -> None:
    primary, old = generate_key(), generate_key()
    app.secret_key = primary
    app.config["SECRET_KEY_FALLBACKS"] = [old]
    interface: EncryptedCookieSessionInterface = app.session_interface  # type: ignore[assignment]
    interface.get_codec(app)
    kept = app.extensions["client_session_wsgi"]  # what a traceback with locals could show
    shown = repr(kept)
    assert primary not in shown
    assert old not in shown
    assert "app.config['SECRET_KEY']" in shown  # what was read, named
    assert "values hidden" in shown


def test_codec_is_cached_and_rebuilt_when_the_config_changes(app: flask.Flask) -> None:
    interface: EncryptedCookieSessionInterface = app.session_interface  # type: ignore[assignment]
    first = interface.get_codec(app)
    assert interface.get_codec(app) is first
    app.config["SESSION_COOKIE_NAME"] = "sid"
    second = interface.get_codec(app)
    assert second is not first
    assert second is not None
    assert second.policy.cookie_name == "sid"


def test_a_change_to_any_setting_rebuilds_the_codec(app: flask.Flask) -> None:
    interface: EncryptedCookieSessionInterface = app.session_interface  # type: ignore[assignment]
    changes: list[tuple[str, Any]] = [
        ("SESSION_COOKIE_DOMAIN", "example.com"),
        ("SESSION_COOKIE_PATH", "/app"),
        ("SESSION_COOKIE_HTTPONLY", False),
        ("SESSION_COOKIE_SECURE", True),
        ("SESSION_COOKIE_SAMESITE", "Strict"),
        ("PERMANENT_SESSION_LIFETIME", 60),
        ("MAX_COOKIE_SIZE", 1024),
        ("SECRET_KEY", generate_key()),
        ("CLIENT_SESSION_KEYS", generate_key()),
    ]
    for name, value in changes:
        before = interface.get_codec(app)
        assert interface.get_codec(app) is before, name
        app.config[name] = value
        after = interface.get_codec(app)
        assert after is not before, name
        assert after is not None
    assert after.policy.secure
    assert after.policy.max_cookie_size == 1024


def test_a_fallback_key_appended_in_place_is_seen(app: flask.Flask) -> None:
    interface: EncryptedCookieSessionInterface = app.session_interface  # type: ignore[assignment]
    app.config["SECRET_KEY_FALLBACKS"] = fallbacks = []
    first = interface.get_codec(app)
    assert first is not None
    old = generate_key()
    fallbacks.append(old)
    second = interface.get_codec(app)
    assert second is not None
    assert [key.kid for key in second.policy.keys][1] == KeyRing([old]).primary.kid


def test_overridden_cookie_hooks_are_asked_on_every_request(app: flask.Flask) -> None:
    names = ["first"]

    class NamedByHook(EncryptedCookieSessionInterface):
        def get_cookie_name(self, app: flask.Flask) -> str:
            return names[-1]

    interface = NamedByHook()
    first = interface.get_codec(app)
    assert interface.get_codec(app) is first
    names.append("second")
    second = interface.get_codec(app)
    assert first is not None
    assert second is not None
    assert (first.policy.cookie_name, second.policy.cookie_name) == ("first", "second")


def test_an_app_attribute_computed_elsewhere_is_asked_on_every_request() -> None:
    lifetimes = [60]

    class LifetimeFromElsewhere(flask.Flask):
        @property
        def permanent_session_lifetime(self) -> timedelta:  # type: ignore[override]
            return timedelta(seconds=lifetimes[-1])

    other = LifetimeFromElsewhere(__name__)
    other.secret_key = generate_key()
    interface = EncryptedCookieSessionInterface()
    first = interface.get_codec(other)
    assert interface.get_codec(other) is first
    lifetimes.append(120)
    second = interface.get_codec(other)  # nothing in the config changed: its answer did
    assert first is not None
    assert second is not None
    assert (first.policy.idle_timeout, second.policy.idle_timeout) == (60, 120)
    assert interface.get_codec(other) is second


def test_a_setting_read_under_another_name_rebuilds_the_codec() -> None:
    # An app class whose secret_key is another config key: no list of setting names holds
    # it, and the codec is still rebuilt when it changes, as it is read from there.
    class SecretElsewhere(flask.Flask):
        secret_key: ConfigAttribute[str | bytes | None] = ConfigAttribute("APP_SECRET")

    other = SecretElsewhere(__name__)
    first_key, second_key = generate_key(), generate_key()
    other.config["APP_SECRET"] = first_key
    interface = EncryptedCookieSessionInterface(legacy_cookies=False)
    first = interface.get_codec(other)
    assert interface.get_codec(other) is first
    other.config["APP_SECRET"] = second_key
    second = interface.get_codec(other)
    assert first is not None
    assert second is not None
    assert first.policy.keys.primary.kid == KeyRing.from_secret_key(first_key).primary.kid
    assert second.policy.keys.primary.kid == KeyRing.from_secret_key(second_key).primary.kid


def test_a_setting_set_to_none_where_it_was_unset_rebuilds_the_codec(app: flask.Flask) -> None:
    # Unset, the drop-in caps a session (30 days, or PERMANENT_SESSION_LIFETIME when
    # longer); None is no cap. Both read as None with config.get, so a cache keyed on
    # config.get values kept the capped codec.
    interface: EncryptedCookieSessionInterface = app.session_interface  # type: ignore[assignment]
    first = interface.get_codec(app)
    assert first is not None
    assert first.policy.absolute_lifetime == 31 * 24 * 3600  # Flask's default lifetime
    app.config["CLIENT_SESSION_ABSOLUTE_LIFETIME"] = None
    second = interface.get_codec(app)
    assert second is not None
    assert second.policy.absolute_lifetime is None


def test_a_setting_the_settings_code_does_not_read_keeps_the_codec(
    app: flask.Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    interface: EncryptedCookieSessionInterface = app.session_interface  # type: ignore[assignment]
    first = interface.get_codec(app)
    app.config["SOMETHING_ELSE"] = "changed"
    # With SECRET_KEY set, the CLIENT_SESSION_KEYS variable is never read.
    monkeypatch.setenv("CLIENT_SESSION_KEYS", generate_key())
    assert interface.get_codec(app) is first


def test_the_keys_variable_is_read_again_while_the_config_holds_no_key(
    app: flask.Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.secret_key = None
    key, new = generate_key(), generate_key()
    monkeypatch.setenv("CLIENT_SESSION_KEYS", key)
    interface: EncryptedCookieSessionInterface = app.session_interface  # type: ignore[assignment]
    first = interface.get_codec(app)
    assert interface.get_codec(app) is first
    monkeypatch.setenv("CLIENT_SESSION_KEYS", new)
    second = interface.get_codec(app)
    assert second is not None
    assert second.policy.keys.primary.kid == KeyRing([new]).primary.kid


def test_a_policy_is_checked_again_when_a_setting_changes(app: flask.Flask) -> None:
    policy = SessionPolicy(keys=KeyRing([generate_key()]), secure=False)
    interface = EncryptedCookieSessionInterface(policy)
    assert interface.get_codec(app) is not None
    app.config["SESSION_COOKIE_SECURE"] = True
    with pytest.raises(ConfigurationError, match="SESSION_COOKIE_SECURE = True"):
        interface.get_codec(app)


def test_rebuild_codec_builds_it_again_now(app: flask.Flask) -> None:
    interface: EncryptedCookieSessionInterface = app.session_interface  # type: ignore[assignment]
    first = interface.get_codec(app)
    rebuilt = interface.rebuild_codec(app)
    assert rebuilt is not first
    assert rebuilt is not None
    assert interface.get_codec(app) is rebuilt


def test_policy_mode_uses_the_policy_and_the_core_renewal(app: flask.Flask) -> None:
    clock = ManualClock()
    policy = SessionPolicy(keys=KeyRing([generate_key()]), idle_timeout=600, renew_after=0.5)
    app.session_interface = EncryptedCookieSessionInterface(policy, clock=clock)

    @app.route("/login")
    def login() -> str:
        flask.session["user"] = ("ada", 1)
        return ""

    @app.route("/read")
    def read() -> str:
        return repr(flask.session.get("user"))

    client = app.test_client()
    cookie = client.get("/login").headers["set-cookie"]
    assert cookie.startswith("session=")
    assert "Max-Age=600" in cookie  # the core's default: persistent
    clock.advance(200)
    rv = client.get("/read")
    assert rv.text == "('ada', 1)"  # Flask's tagged JSON still applies
    assert "set-cookie" not in rv.headers
    clock.advance(200)
    assert "set-cookie" in client.get("/read").headers  # half the idle window: renewed


def test_flask_reads_what_the_middleware_wrote() -> None:
    """One policy, two adapters: plain JSON values cross between them both ways."""
    policy = SessionPolicy(keys=KeyRing([generate_key()]))
    app = flask.Flask("interop")
    app.session_interface = EncryptedCookieSessionInterface(policy)

    @app.route("/")
    def bump() -> dict[str, Any]:
        flask.session["n"] = flask.session.get("n", 0) + 1
        return dict(flask.session)

    codec = SessionCodec(policy)
    client = app.test_client()
    client.set_cookie("session", codec.seal({"n": 41, "name": "ada"}))
    assert client.get("/").json == {"n": 42, "name": "ada"}
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert codec.load(f"session={cookie.value}") == {"n": 42, "name": "ada"}
    assert isinstance(SessionMiddleware(app, policy).codec, SessionCodec)


def test_cookie_under_a_fallback_key_is_resealed_under_secret_key(
    app: flask.Flask, client: FlaskClient
) -> None:
    old, new = generate_key(), generate_key()

    @app.route("/login")
    def login() -> str:
        flask.session["user"] = "ada"
        return ""

    @app.route("/read")
    def read() -> str:
        return str(flask.session.get("user"))

    app.secret_key = old
    client.get("/login")
    app.secret_key, app.config["SECRET_KEY_FALLBACKS"] = new, [old]
    rv = client.get("/read")
    assert rv.text == "ada"
    assert "set-cookie" in rv.headers  # resealed under the new key
    app.config["SECRET_KEY_FALLBACKS"] = []
    assert client.get("/read").text == "ada"


def test_a_cookie_that_does_not_open_is_left_alone(app: flask.Flask, client: FlaskClient) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        return dict(flask.session)

    client.set_cookie("session", "forged")
    rv = client.get("/")
    assert rv.json == {}
    assert "set-cookie" not in rv.headers


def test_a_value_json_cannot_hold_names_its_key(app: flask.Flask, client: FlaskClient) -> None:
    @app.route("/<kind>")
    def store(kind: str) -> str:
        flask.session["fine"] = 1
        if kind == "cycle":
            loop: list[Any] = []
            loop.append(loop)
            flask.session["bad"] = loop
        else:
            flask.session["bad"] = object() if kind == "object" else float("nan")
        return ""

    for kind in ("object", "nan", "cycle"):
        with pytest.raises(UnserializableValue, match="'bad'"):
            client.get(f"/{kind}")


def test_a_cookie_holding_a_json_constant_that_is_not_json_opens_empty(
    app: flask.Flask, client: FlaskClient
) -> None:
    codec = app.session_interface.get_codec(app)  # type: ignore[attr-defined]
    now = int(codec.clock())
    sealed = codec._sealer.seal(b'{"n":NaN}', "session", now, now)

    @app.route("/")
    def index() -> dict[str, Any]:
        return dict(flask.session)

    client.set_cookie("session", sealed)
    assert client.get("/").json == {}


@pytest.mark.parametrize(
    "content",
    [
        {"count": 41, "name": "ada", "ratio": 0.5, "admin": False, "gone": None},
        {" t": 1},  # one key that is a tag's: Flask escapes it
        {" t": 1, "other": 2},
        {"page": Markup("<b>hi</b>")},  # a str subclass, tagged
        {"pair": (1, 2), "when": datetime(2026, 11, 30, tzinfo=timezone.utc)},
        {},
    ],
)
def test_the_bytes_are_flasks_tagged_json(content: dict[str, Any]) -> None:
    from flask.json.tag import TaggedJSONSerializer

    from client_session_wsgi.flask import TaggedJSONSessionSerializer

    tagged = TaggedJSONSerializer()
    serializer = TaggedJSONSessionSerializer(tagged)
    payload = serializer.dumps(content)

    expected = json.dumps(tagged.tag(content), separators=(",", ":"), ensure_ascii=False)
    assert payload == expected.encode()
    assert serializer.loads(payload) == content


def test_a_tag_registered_later_applies_to_plain_values_too() -> None:
    from flask.json.tag import JSONTag, TaggedJSONSerializer

    from client_session_wsgi.flask import TaggedJSONSessionSerializer

    class TagInt(JSONTag):
        key = " i"

        def check(self, value: Any) -> bool:
            return type(value) is int

        def to_json(self, value: Any) -> Any:
            return str(value)

        def to_python(self, value: Any) -> Any:
            return int(value)

    tagged = TaggedJSONSerializer()
    serializer = TaggedJSONSessionSerializer(tagged)
    assert serializer.dumps({"count": 41}) == b'{"count":41}'
    tagged.register(TagInt, index=0)
    assert serializer.dumps({"count": 41}) == b'{"count":{" i":"41"}}'
    assert serializer.loads(b'{"count":{" i":"41"}}') == {"count": 41}


@pytest.mark.parametrize(
    "content",
    [
        {"greeting": " t"},  # a value that is a tag's key
        {"note": " leading space", "pair": (1, 2)},
        {"nested": {"when": datetime(2026, 12, 1, tzinfo=timezone.utc)}},
        {"plain": {"deep": [1, "two", None]}},
    ],
)
def test_every_payload_reads_back_whether_or_not_it_can_hold_a_tag(
    content: dict[str, Any],
) -> None:
    from flask.json.tag import TaggedJSONSerializer

    from client_session_wsgi.flask import TaggedJSONSessionSerializer

    serializer = TaggedJSONSessionSerializer(TaggedJSONSerializer())
    assert serializer.loads(serializer.dumps(content)) == content


def test_a_registered_tag_whose_key_has_no_space_is_untagged() -> None:
    from flask.json.tag import JSONTag, TaggedJSONSerializer

    from client_session_wsgi.flask import TaggedJSONSessionSerializer

    class TagSet(JSONTag):
        key = "set"

        def check(self, value: Any) -> bool:
            return isinstance(value, set)

        def to_json(self, value: Any) -> Any:
            return sorted(value)

        def to_python(self, value: Any) -> Any:
            return set(value)

    tagged = TaggedJSONSerializer()
    serializer = TaggedJSONSessionSerializer(tagged)
    tagged.register(TagSet)
    payload = serializer.dumps({"seen": {3, 1}})
    assert payload == b'{"seen":{"set":[1,3]}}'
    assert serializer.loads(payload) == {"seen": {1, 3}}


def test_a_key_list_setting_splits_at_commas_and_line_feeds_only(app: flask.Flask) -> None:
    # docs/wire-format.md, "Key text": a passphrase in a key list keeps its spaces.
    passphrase = "correct horse battery staple, kept in a vault: 42 / q7".replace(",", ";")
    primary = generate_key()
    app.config["CLIENT_SESSION_KEYS"] = f"{primary}\r\n {passphrase} \n"
    codec = app.session_interface.get_codec(app)  # type: ignore[attr-defined]
    assert [key.kid for key in codec.policy.keys] == [
        key.kid for key in KeyRing.from_text(f"{primary}\n{passphrase}")
    ]


def _policy(app: flask.Flask) -> Any:
    return app.session_interface.get_codec(app).policy  # type: ignore[attr-defined]


def test_an_absolute_lifetime_by_default_and_from_its_setting(app: flask.Flask) -> None:
    # Issue 13, finding 4: Flask caps nothing, so a cookie used once a month lived for ever.
    day = 24 * 3600
    policy = _policy(app)
    assert (policy.idle_timeout, policy.absolute_lifetime) == (31 * day, 31 * day)
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(days=7)
    assert (_policy(app).idle_timeout, _policy(app).absolute_lifetime) == (7 * day, 30 * day)
    app.config["CLIENT_SESSION_ABSOLUTE_LIFETIME"] = timedelta(hours=12)
    assert (_policy(app).idle_timeout, _policy(app).absolute_lifetime) == (12 * 3600, 12 * 3600)
    app.config["CLIENT_SESSION_ABSOLUTE_LIFETIME"] = 3 * day
    assert _policy(app).absolute_lifetime == 3 * day
    app.config["CLIENT_SESSION_ABSOLUTE_LIFETIME"] = None
    assert (_policy(app).idle_timeout, _policy(app).absolute_lifetime) == (7 * day, None)


def test_a_session_ends_at_its_absolute_lifetime_however_active(app: flask.Flask) -> None:
    clock = ManualClock(1_800_000_000)
    app.session_interface = EncryptedCookieSessionInterface(clock=clock)
    app.config["CLIENT_SESSION_ABSOLUTE_LIFETIME"] = 3 * 24 * 3600

    @app.route("/count")
    def count() -> str:
        flask.session.permanent = True
        flask.session["n"] = flask.session.get("n", 0) + 1
        return str(flask.session["n"])

    client = app.test_client()
    answers = []
    for _ in range(4):  # a request a day: never idle for long
        answers.append(client.get("/count").get_data(as_text=True))
        clock.advance(24 * 3600)
    assert answers == ["1", "2", "3", "1"]


def test_errors_name_the_flask_settings(app: flask.Flask) -> None:
    # Issue 13, finding 9: the app's settings, not the core's option names.
    app.config["SESSION_COOKIE_SAMESITE"] = "None"
    with pytest.raises(ConfigurationError) as caught:
        app.session_interface.get_codec(app)  # type: ignore[attr-defined]
    assert str(caught.value).startswith(
        "SESSION_COOKIE_SAMESITE = 'None' needs SESSION_COOKIE_SECURE = True: browsers"
    )
    app.config.update(SESSION_COOKIE_SAMESITE="Lax", CLIENT_SESSION_ABSOLUTE_LIFETIME=-1)
    with pytest.raises(ConfigurationError, match=r"^CLIENT_SESSION_ABSOLUTE_LIFETIME must be"):
        app.session_interface.get_codec(app)  # type: ignore[attr-defined]


def test_a_permanent_session_lifetime_of_zero_is_named_as_flasks_setting(app: flask.Flask) -> None:
    # The kit's max_age rule words it; the message names the app's own setting.
    app.config["PERMANENT_SESSION_LIFETIME"] = 0
    with pytest.raises(ConfigurationError) as caught:
        app.session_interface.get_codec(app)  # type: ignore[attr-defined]
    assert str(caught.value).startswith(
        "PERMANENT_SESSION_LIFETIME = 0 is not a positive whole number of seconds"
    )


def test_a_bytes_secret_key_too_short_is_named(app: flask.Flask) -> None:
    app.secret_key = b"\x01" * 16
    with pytest.raises(ConfigurationError, match=r"^SECRET_KEY: key #1 is 16 bytes"):
        app.session_interface.get_codec(app)  # type: ignore[attr-defined]


def test_remember_me_up_to_client_session_max_session_lifetime(app: flask.Flask) -> None:
    clock = ManualClock(1_800_000_000)
    app.session_interface = EncryptedCookieSessionInterface(clock=clock)
    day = 24 * 3600
    app.config["CLIENT_SESSION_MAX_SESSION_LIFETIME"] = timedelta(days=90)
    assert _policy(app).max_session_lifetime == 90 * day

    @app.route("/remember")
    def remember() -> str:
        flask.session.permanent = True
        flask.session["user"] = "ada"
        flask.session.set_lifetime(idle_timeout=60 * day)  # past the 31 days of the policy
        return "ok"

    client = app.test_client()
    response = client.get("/remember")
    assert f"Max-Age={60 * day};" in response.headers["Set-Cookie"]
    clock.advance(59 * day)
    assert client.get("/remember").status_code == 200  # still the same session, slid
    app.config["CLIENT_SESSION_MAX_SESSION_LIFETIME"] = 3600
    named = r"^CLIENT_SESSION_MAX_SESSION_LIFETIME \(3600 s\) is shorter than PERMANENT_"
    with pytest.raises(ConfigurationError, match=named):
        _policy(app)


# -- issue 23: errors in Flask's words, CLIENT_SESSION_NOT_BEFORE, a policy beside settings -----

DAY = 24 * 3600
T0 = 1_800_000_000


def test_with_no_key_a_write_names_both_ways_to_set_one(app: flask.Flask) -> None:
    # Flask's own message names SECRET_KEY alone; the interface reads CLIENT_SESSION_KEYS first.
    app.secret_key = None
    with app.test_request_context():
        assert flask.session.get("user") is None
        with pytest.raises(RuntimeError) as caught:
            flask.session["user"] = "ada"
    message = str(caught.value)
    assert message.startswith(
        "The session is unavailable because no key was set: set CLIENT_SESSION_KEYS (in "
        "app.config, or the environment variable of that name) to a key from "
        "`client-session keygen`, or set the app's SECRET_KEY"
    )
    # The test client hands out the same session (it said "did not open a session").
    client = app.test_client()
    with (
        pytest.raises(RuntimeError, match="set CLIENT_SESSION_KEYS"),
        client.session_transaction() as test_session,
    ):
        test_session["user"] = "ada"


@pytest.mark.parametrize(
    ("config", "limit", "source"),
    [
        (
            {"CLIENT_SESSION_MAX_SESSION_LIFETIME": timedelta(days=40)},
            40 * DAY,
            "from CLIENT_SESSION_MAX_SESSION_LIFETIME: ",
        ),
        (
            {},
            31 * DAY,
            "from the absolute lifetime, CLIENT_SESSION_ABSOLUTE_LIFETIME (by default 30 days, "
            "or PERMANENT_SESSION_LIFETIME when longer), as CLIENT_SESSION_MAX_SESSION_LIFETIME "
            "is not set: ",
        ),
        (
            {"CLIENT_SESSION_ABSOLUTE_LIFETIME": None, "PERMANENT_SESSION_LIFETIME": 7 * DAY},
            7 * DAY,
            "from PERMANENT_SESSION_LIFETIME, as neither CLIENT_SESSION_MAX_SESSION_LIFETIME nor "
            "CLIENT_SESSION_ABSOLUTE_LIFETIME is set: ",
        ),
    ],
)
def test_a_lifetime_too_long_names_the_flask_setting(
    app: flask.Flask, config: dict[str, Any], limit: int, source: str
) -> None:
    app.config.update(config)

    @app.route("/remember")
    def remember() -> str:
        flask.session["user"] = "ada"
        flask.session.set_lifetime(idle_timeout=100 * DAY)
        return "ok"

    with pytest.raises(LifetimeTooLong) as caught:
        app.test_client().get("/remember")
    error = caught.value
    assert (error.label, error.seconds, error.limit) == ("idle_timeout", 100 * DAY, limit)
    assert str(error) == (
        f"session.set_lifetime(idle_timeout={100 * DAY}) is longer than the longest session "
        f"lifetime, {limit} s, {source}shorten it, or raise CLIENT_SESSION_MAX_SESSION_LIFETIME "
        "(seconds or a timedelta)"
    )


def test_a_lifetime_too_long_under_a_policy_keeps_the_policys_words(app: flask.Flask) -> None:
    policy = SessionPolicy(keys=KeyRing([generate_key()]), max_session_lifetime=DAY)
    app.session_interface = EncryptedCookieSessionInterface(policy)

    @app.route("/remember")
    def remember() -> str:
        flask.session["user"] = "ada"
        flask.session.set_lifetime(absolute_lifetime=2 * DAY)
        return "ok"

    with pytest.raises(LifetimeTooLong, match=r"raise max_session_lifetime$"):
        app.test_client().get("/remember")


def test_a_session_too_large_names_client_session_max_chunks(
    app: flask.Flask, client: FlaskClient
) -> None:
    @app.route("/big")
    def big() -> str:
        flask.session["blob"] = uuid.uuid4().hex * 200
        return ""

    with pytest.raises(SessionTooLarge) as caught:
        client.get("/big")
    assert str(caught.value).endswith("or allow chunking with CLIENT_SESSION_MAX_CHUNKS")
    assert caught.value.limit == 4093  # MAX_COOKIE_SIZE, Flask's default


@pytest.mark.parametrize(
    "logout",
    [T0 + 5, T0 + 5.75, datetime.fromtimestamp(T0 + 5.75, tz=timezone.utc)],
    ids=["int", "time.time()", "aware datetime"],
)
def test_client_session_not_before_logs_everyone_out_and_keeps_flasks_settings(
    app: flask.Flask, logout: object
) -> None:
    # Issue 23: a policy was the only way, and it dropped every Flask setting.
    clock = ManualClock(T0)
    app.session_interface = EncryptedCookieSessionInterface(clock=clock)
    app.config.update(SESSION_COOKIE_SAMESITE="Strict", PERMANENT_SESSION_LIFETIME=7 * DAY)

    @app.route("/login")
    def login() -> str:
        flask.session["user"] = "ada"
        return ""

    @app.route("/whoami")
    def whoami() -> str:
        return str(flask.session.get("user", "nobody"))

    client = app.test_client()
    client.get("/login")
    clock.advance(10)
    assert client.get("/whoami").text == "ada"
    app.config["CLIENT_SESSION_NOT_BEFORE"] = logout
    assert _policy(app).not_before == T0 + 5
    assert client.get("/whoami").text == "nobody"
    cookie = client.get("/login").headers["Set-Cookie"]
    assert "SameSite=Strict" in cookie
    assert "Max-Age" not in cookie  # not permanent: a browser-session cookie, as with Flask
    assert client.get("/whoami").text == "ada"


def test_client_session_not_before_refuses_a_naive_datetime_in_its_name(app: flask.Flask) -> None:
    app.config["CLIENT_SESSION_NOT_BEFORE"] = datetime(2027, 1, 1)
    with pytest.raises(ConfigurationError, match=r"^CLIENT_SESSION_NOT_BEFORE datetime\.datetime"):
        _policy(app)


def _cookie_value(response: Any) -> str:
    return str(response.headers["Set-Cookie"].split(";", 1)[0].partition("=")[2])


def test_client_session_write_identity_false_seals_no_new_identity_and_keeps_one(
    app: flask.Flask,
) -> None:
    # Identities rolled out readers first (docs/migrating.md): a server of the previous
    # release refuses a cookie with flag bit 2.
    @app.route("/count")
    def count() -> str:
        flask.session["n"] = flask.session.get("n", 0) + 1
        return str(flask.session["n"])

    carrying = app.test_client()
    value = _cookie_value(carrying.get("/count"))
    writer = app.session_interface.get_codec(app)  # type: ignore[attr-defined]
    sealed_id = writer.load(f"session={value}").sealed_id
    app.config["CLIENT_SESSION_WRITE_IDENTITY"] = False
    assert _policy(app).write_identity is False
    value = _cookie_value(app.test_client().get("/count"))
    assert Envelope.parse(value).flags & FLAG_IDENTITY == 0
    value = _cookie_value(carrying.get("/count"))
    assert Envelope.parse(value).flags & FLAG_IDENTITY
    codec = app.session_interface.get_codec(app)  # type: ignore[attr-defined]
    assert codec.load(f"session={value}").sealed_id == sealed_id


def test_client_session_write_identity_is_named_in_its_errors(app: flask.Flask) -> None:
    app.config["CLIENT_SESSION_WRITE_IDENTITY"] = "no"
    with pytest.raises(
        ConfigurationError, match=r"^CLIENT_SESSION_WRITE_IDENTITY must be True or False"
    ):
        _policy(app)
    app.config["CLIENT_SESSION_WRITE_IDENTITY"] = False
    app.config["CLIENT_SESSION_REVOCATIONS"] = Revocations(MemoryRevocationStore(), autostart=False)
    with pytest.raises(
        ConfigurationError,
        match=r"^CLIENT_SESSION_REVOCATIONS needs CLIENT_SESSION_WRITE_IDENTITY = True: ",
    ):
        _policy(app)


def _app_with_policy(policy: SessionPolicy, **config: Any) -> flask.Flask:
    app = flask.Flask("flask_test")
    app.config.update(TESTING=True, **config)
    app.session_interface = EncryptedCookieSessionInterface(policy, clock=ManualClock(T0))

    @app.route("/")
    def index() -> str:
        flask.session["user"] = "ada"
        return ""

    return app


_SETTINGS_A_POLICY_DECIDES = [
    ("SESSION_COOKIE_NAME", "sid", "SESSION_COOKIE_NAME = 'sid' (the policy has cookie_name="),
    ("SESSION_COOKIE_DOMAIN", ".example.com", "_DOMAIN = '.example.com' (the policy has dom"),
    ("SESSION_COOKIE_PATH", "/app", "SESSION_COOKIE_PATH = '/app' (the policy has path='/')"),
    ("APPLICATION_ROOT", "/app", "APPLICATION_ROOT = '/app' (the policy has path='/')"),
    ("SESSION_COOKIE_HTTPONLY", False, "HTTPONLY = False (the policy has http_only=True)"),
    ("SESSION_COOKIE_SECURE", True, "SESSION_COOKIE_SECURE = True (the policy has secure=F"),
    ("SESSION_COOKIE_SAMESITE", "Strict", "SAMESITE = 'Strict' (the policy has same_site="),
    ("SESSION_COOKIE_PARTITIONED", True, "PARTITIONED = True (the policy has partitioned="),
    ("PERMANENT_SESSION_LIFETIME", timedelta(days=7), "=7) (the policy has idle_timeout=1800)"),
    ("SESSION_REFRESH_EACH_REQUEST", False, "= False (the policy has renew_after=0.25)"),
    ("MAX_COOKIE_SIZE", 2048, "MAX_COOKIE_SIZE = 2048 (the policy has max_cookie_size=4096)"),
    ("CLIENT_SESSION_ABSOLUTE_LIFETIME", 3600, "(the policy has absolute_lifetime=43200)"),
    ("CLIENT_SESSION_MAX_SESSION_LIFETIME", 90 * DAY, "(the policy has max_session_lifetime="),
    ("CLIENT_SESSION_NOT_BEFORE", T0, f"NOT_BEFORE = {T0} (the policy has not_before=None)"),
    ("CLIENT_SESSION_MAX_CHUNKS", 2, "MAX_CHUNKS = 2 (the policy has max_chunks=1)"),
    ("CLIENT_SESSION_WRITE_IDENTITY", False, "= False (the policy has write_identity=True)"),
    ("CLIENT_SESSION_KEYS", generate_key(), "CLIENT_SESSION_KEYS (other keys than the pol"),
]


@pytest.mark.parametrize(
    ("setting", "value", "named"),
    _SETTINGS_A_POLICY_DECIDES,
    ids=[setting for setting, _, _ in _SETTINGS_A_POLICY_DECIDES],
)
def test_a_policy_never_silently_discards_a_setting_the_app_changed(
    setting: str, value: object, named: str
) -> None:
    # Issue 23: the cookie became Max-Age=1800; SameSite=Lax whatever the app's settings said.
    app = _app_with_policy(SessionPolicy(keys=KeyRing([generate_key()])), **{setting: value})
    with pytest.raises(ConfigurationError) as caught:
        app.test_client().get("/")
    message = str(caught.value)
    assert message.startswith(
        "a SessionPolicy decides the session cookie alone, and would discard what app.config sets: "
    )
    assert named in message
    assert "CLIENT_SESSION_NOT_BEFORE logs everyone out" in message
    if setting == "CLIENT_SESSION_KEYS":
        assert str(value) not in message


def test_a_policy_beside_settings_it_holds_too_or_left_at_flasks_defaults_is_used() -> None:
    key = generate_key()
    policy = SessionPolicy(
        keys=KeyRing([key]),
        cookie_name="sid",
        path="/app",
        secure=True,
        same_site="strict",
        idle_timeout=7 * DAY,
        absolute_lifetime=30 * DAY,
        renew_after=None,
        not_before=T0 - 60,
    )
    app = _app_with_policy(
        policy,
        SECRET_KEY=generate_key(),  # serves Flask's extensions: no session setting
        CLIENT_SESSION_KEYS=f"{key}\n",
        SESSION_COOKIE_NAME="sid",
        APPLICATION_ROOT="/app",
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_HTTPONLY=True,  # Flask's default
        PERMANENT_SESSION_LIFETIME=timedelta(days=7),
        CLIENT_SESSION_ABSOLUTE_LIFETIME=timedelta(days=30),
        SESSION_REFRESH_EACH_REQUEST=False,
        CLIENT_SESSION_NOT_BEFORE=T0 - 59.5,
    )
    cookie = app.test_client().get("/").headers["Set-Cookie"]
    assert cookie.startswith("sid=")
    assert f"Max-Age={7 * DAY}" in cookie


def test_a_setting_changed_after_the_first_request_is_checked_against_the_policy() -> None:
    app = _app_with_policy(SessionPolicy(keys=KeyRing([generate_key()])))
    client = app.test_client()
    assert client.get("/").status_code == 200
    app.config["SESSION_COOKIE_SECURE"] = True
    with pytest.raises(ConfigurationError, match="SESSION_COOKIE_SECURE = True"):
        client.get("/")

"""Django's session behaviour through the engine, with Django's test client.

Each test runs with this package's SessionMiddleware and with Django's own (the engine works
under both), and with a ManualClock as the codec's clock: time moves, nobody sleeps.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from django.test import Client, override_settings
from django.test.utils import modify_settings
from djangotestproject import PASSWORD

from client_session_conformance import ManualClock, parse_set_cookie
from client_session_core import ConfigurationError, KeyRing, SessionCodec, SessionPolicy
from client_session_core.wire import Envelope
from client_session_django import SessionStore, session_codec, session_policy

OURS = "client_session_django.SessionMiddleware"
DJANGOS = "django.contrib.sessions.middleware.SessionMiddleware"
DAY = 24 * 3600
AGE = 14 * DAY  # Django's default SESSION_COOKIE_AGE


@pytest.fixture
def clock() -> Iterator[ManualClock]:
    clock = ManualClock()
    with override_settings(CLIENT_SESSION_CLOCK=clock):
        yield clock


@pytest.fixture(params=[OURS, DJANGOS], ids=["ours", "djangos"])
def middleware(request: pytest.FixtureRequest, clock: ManualClock) -> Iterator[str]:
    with modify_settings(MIDDLEWARE={"remove": OURS, "prepend": request.param}):
        yield request.param


@pytest.fixture
def client(middleware: str) -> Client:
    return Client()


def replay(value: str, path: str = "/view") -> Any:
    """The JSON of ``path`` for a browser that sends only this session cookie."""
    browser = Client()
    browser.cookies["sessionid"] = value
    return browser.get(path).json()


def set_cookies(response: Any) -> dict[str, dict[str, str | None]]:
    """The response's Set-Cookie headers, as the handler writes them: name -> attributes."""
    found = {}
    for morsel in response.cookies.values():
        cookie = parse_set_cookie(morsel.output(header="").strip())
        found[cookie.name] = {"value": cookie.value, **cookie.attributes}
    return found


def test_counter_continues_and_reads_write_nothing(client: Client) -> None:
    for expected in range(1, 6):
        response = client.get("/counter")
        assert response.json() == {"count": expected}
        assert "sessionid" in set_cookies(response)
        assert "Cookie" in response["Vary"]
    response = client.get("/view")
    assert response.json() == {"count": 5}
    assert set_cookies(response) == {}
    assert "Cookie" in response["Vary"]
    # (CsrfViewMiddleware reads the session on every request here, CSRF_USE_SESSIONS: the
    # conformance suite checks that a route which never touches it sends no Vary.)
    assert set_cookies(client.get("/untouched")) == {}


def test_the_cookie_is_sealed_not_signed(client: Client) -> None:
    client.get("/counter")
    value = client.cookies["sessionid"].value
    opened = session_codec().load(f"sessionid={value}")
    assert dict(opened) == {"count": 1}
    assert "count" not in value


def test_nested_changes_are_saved(client: Client) -> None:
    client.get("/nested?item=a")
    response = client.get("/nested?item=b")
    assert response.json() == {"cart": ["a", "b"]}
    assert client.get("/view").json() == {"cart": ["a", "b"]}


def test_login_logout_through_auth(client: Client, clock: ManualClock) -> None:
    client.get("/counter")
    before = client.cookies["sessionid"].value
    assert client.post("/login", {"username": "ada", "password": PASSWORD}).json() == {"ok": True}
    after_login = client.cookies["sessionid"].value
    assert after_login != before  # cycle_key: a new value, a new session lifetime
    assert client.get("/whoami").json() == {"user": "ada"}
    # The data from before the login is kept, as Django's cycle_key keeps it.
    assert client.get("/view").json()["count"] == 1
    # A planted (pre-login) cookie still opens, but carries no login.
    planted = Client()
    planted.cookies["sessionid"] = before
    assert planted.get("/whoami").json() == {"user": None}
    response = client.post("/logout")
    assert set_cookies(response)["sessionid"]["max-age"] == "0"
    assert client.get("/whoami").json() == {"user": None}
    # The old logged-in cookie, replayed after logout, is still valid by design (no server
    # state): it ends with its lifetime. The docs say so.
    replay = Client()
    replay.cookies["sessionid"] = after_login
    clock.advance(AGE)
    assert replay.get("/whoami").json() == {"user": None}


def test_wrong_password_leaves_no_login(client: Client) -> None:
    response = client.post("/login", {"username": "ada", "password": "wrong" * 8})
    assert response.status_code == 403
    assert client.get("/whoami").json() == {"user": None}


def test_messages_session_storage(client: Client) -> None:
    client.get("/message?text=hello")
    client.get("/message?text=again")
    assert client.get("/messages").json() == {"messages": ["hello", "again"]}
    assert client.get("/messages").json() == {"messages": []}


def test_csrf_token_kept_in_the_session(middleware: str) -> None:
    client = Client(enforce_csrf_checks=True)
    token = client.get("/csrf").json()["token"]
    assert "csrftoken" not in client.cookies  # CSRF_USE_SESSIONS: no csrftoken cookie
    assert client.post("/protected", HTTP_X_CSRFTOKEN=token).json() == {"ok": True}
    assert client.post("/protected", HTTP_X_CSRFTOKEN="x" * 64).status_code == 403
    fresh = Client(enforce_csrf_checks=True)
    assert fresh.post("/protected", HTTP_X_CSRFTOKEN=token).status_code == 403


@pytest.mark.parametrize(
    "cookie",
    ["garbage", "v1.AAAA", "x" * 3000, "", "\u00e9t\u00e9", "a=b=c", '"quoted"'],
)
def test_bad_cookies_give_an_empty_session(
    client: Client, cookie: str, caplog: pytest.LogCaptureFixture
) -> None:
    client.cookies["sessionid"] = cookie
    with caplog.at_level(logging.DEBUG, logger="client_session"):
        response = client.get("/view")
    assert response.status_code == 200
    assert response.json() == {}
    assert client.get("/counter").json() == {"count": 1}
    assert all(cookie not in record.getMessage() for record in caplog.records if cookie)


def test_tampered_cookie_is_refused(client: Client) -> None:
    client.get("/counter")
    value = client.cookies["sessionid"].value
    flipped = value[:-3] + ("A" if value[-3] != "A" else "B") + value[-2:]
    client.cookies["sessionid"] = flipped
    assert client.get("/view").json() == {}


def test_a_forged_cookie_is_a_warning_on_djangos_suspicious_session_logger(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    # Issue 22: Django logs a corrupted session at WARNING on django.security.SuspiciousSession,
    # which operators alert on; garbage and expired cookies stay at DEBUG.
    client.get("/counter")
    value = client.cookies["sessionid"].value
    flipped = value[:-3] + ("A" if value[-3] != "A" else "B") + value[-2:]
    with caplog.at_level(logging.DEBUG):
        for cookie in (flipped, "garbage"):
            client.cookies["sessionid"] = cookie
            assert client.get("/view").json() == {}
    refused = [r for r in caplog.records if "refused" in r.getMessage()]
    assert [(r.name, r.levelname, r.getMessage()) for r in refused] == [
        (
            "django.security.SuspiciousSession",
            "WARNING",
            "session cookie 'sessionid' refused: forged",
        ),
        ("client_session", "DEBUG", "session cookie 'sessionid' refused: malformed"),
    ]
    assert flipped not in caplog.text


def test_idle_expiry_from_inside_the_cookie(client: Client, clock: ManualClock) -> None:
    client.get("/counter")
    value = client.cookies["sessionid"].value
    clock.advance(AGE - 1)
    assert replay(value) == {"count": 1}
    clock.advance(1)
    assert replay(value) == {}


@pytest.mark.parametrize(
    ("body", "age", "browser_close"),
    [
        ({"seconds": 3600}, 3600, False),
        ({"delta": 7200}, 7200, False),
        ({"at": "in an hour"}, 3600, False),
        ({"seconds": 0}, AGE, True),
        ({"default": True}, AGE, False),
    ],
    ids=["seconds", "timedelta", "datetime", "browser-session", "default"],
)
def test_set_expiry_variants(
    client: Client, clock: ManualClock, body: dict[str, Any], age: int, browser_close: bool
) -> None:
    if body.get("at") == "in an hour":
        body = {"at": clock() + 3600}
    answer = client.post("/expiry", body, content_type="application/json").json()
    assert answer["age"] == age
    assert answer["date"] == clock() + age
    assert answer["browser_close"] is browser_close
    attributes = set_cookies(client.post("/expiry", body, content_type="application/json"))
    cookie = attributes.get("sessionid")
    if cookie is not None:  # written again only when something changed
        assert ("max-age" not in cookie) is browser_close
    # The server refuses the session once its own lifetime has passed, whatever the browser
    # keeps: the cookie is replayed as it is.
    value = client.cookies["sessionid"].value
    clock.advance(age - 1)
    assert replay(value) != {}
    clock.advance(1)
    assert replay(value) == {}


def test_set_expiry_max_age(middleware: str, clock: ManualClock) -> None:
    client = Client()
    response = client.post("/expiry", {"seconds": 3600}, content_type="application/json")
    cookie = set_cookies(response)["sessionid"]
    assert cookie["max-age"] == "3600"
    response = client.post("/expiry", {"seconds": 0}, content_type="application/json")
    assert "max-age" not in set_cookies(response)["sessionid"]


def test_seconds_expiry_slides_with_use(client: Client, clock: ManualClock) -> None:
    client.post("/expiry", {"seconds": 400}, content_type="application/json")
    for _ in range(5):
        clock.advance(300)  # past the renewal point (a quarter), within the lifetime
        assert client.get("/counter").json()["count"] >= 1
    assert client.get("/view").json()["user"] == "someone"


def test_set_expiry_beyond_cookie_age_is_refused(clock: ManualClock) -> None:
    store = SessionStore()
    ceiling = session_policy().session_lifetime_ceiling  # the absolute lifetime by default
    store.set_expiry(ceiling)
    with pytest.raises(ValueError, match="CLIENT_SESSION_MAX_SESSION_LIFETIME"):
        store.set_expiry(ceiling + 1)
    with pytest.raises(TypeError, match="whole seconds"):
        store.set_expiry("tomorrow")  # type: ignore[arg-type]


def test_set_expiry_is_sealed_in_the_header_not_the_data(clock: ManualClock) -> None:
    store = SessionStore()
    store["user"] = "x"
    store.set_expiry(3600)
    store.save()
    envelope = Envelope.parse(store.session_key or "")
    assert envelope.lifetime == (3600, 0)
    assert SessionStore(store.session_key).load().data() == {"user": "x"}
    # A "_session_expiry" in the data is only data: the header says how long a session lives.
    value = session_codec().seal({"_session_expiry": 1, "user": "y"})
    clock.advance(AGE - 1)
    assert SessionStore(value).get_expiry_age() == AGE


def test_remember_me_up_to_max_session_lifetime(clock: ManualClock) -> None:
    month = 30 * DAY
    with override_settings(CLIENT_SESSION_MAX_SESSION_LIFETIME=month):
        store = SessionStore()
        store["user"] = "x"
        store.set_expiry(month)
        assert store.get_expiry_age() == month
        store.save()
        value = store.session_key
        clock.advance(month - 1)  # used once just before it runs out: it slides
        assert SessionStore(value)["user"] == "x"
        with pytest.raises(ValueError, match="CLIENT_SESSION_MAX_SESSION_LIFETIME"):
            SessionStore().set_expiry(month + 1)
        later = SessionStore()
        later["user"] = "z"
        with pytest.raises(ValueError, match="nearer date"):
            later.set_expiry(timedelta(days=40))
    with (
        pytest.raises(ValueError, match=r"CLIENT_SESSION_MAX_SESSION_LIFETIME .*shorter than"),
        override_settings(CLIENT_SESSION_MAX_SESSION_LIFETIME=DAY),
    ):
        session_codec()


def test_a_datetime_is_an_absolute_deadline_in_djangos_api(clock: ManualClock) -> None:
    store = SessionStore()
    store["user"] = "x"
    deadline = datetime.fromtimestamp(clock() + 5000, tz=timezone.utc)
    store.set_expiry(deadline)
    assert store.get_expiry_date() == deadline
    assert store.get_expiry_age() == 5000
    assert store.get_expiry_age(modification=deadline - timedelta(seconds=10)) == 10
    assert store.get_expire_at_browser_close() is False
    store.save()
    value = store.session_key
    clock.advance(4000)
    session = SessionStore(value)
    session["seen"] = True  # a change reseals it: the deadline does not move
    session.save()
    assert SessionStore(session.session_key).get_expiry_date() == deadline
    clock.advance(1000)
    assert SessionStore(session.session_key).is_empty()


def test_store_api(clock: ManualClock) -> None:
    store = SessionStore()
    assert store.is_empty()
    assert not store.exists("anything")
    store["a"] = 1
    store.update({"b": 2})
    assert store.setdefault("c", 3) == 3
    assert store.pop("b") == 2
    assert store.pop("missing", "default") == "default"
    store.set_test_cookie()
    assert store.test_cookie_worked()
    store.delete_test_cookie()
    assert sorted(store.keys()) == ["a", "c"]
    assert store.modified
    assert store.accessed
    store.save()
    key = store.session_key
    assert key
    reopened = SessionStore(key)
    assert dict(reopened.items()) == {"a": 1, "c": 3}
    assert not reopened.modified
    reopened.cycle_key()
    assert reopened.modified
    reopened.save()
    assert reopened.session_key not in (None, key)
    reopened.flush()
    assert reopened.is_empty()
    assert reopened.session_key is None
    SessionStore.clear_expired()


def test_session_key_changes_on_every_save(clock: ManualClock) -> None:
    store = SessionStore()
    store["a"] = 1
    store.save()
    first = store.session_key
    store.save()
    assert store.session_key != first


def test_save_every_request(middleware: str, clock: ManualClock) -> None:
    with override_settings(SESSION_SAVE_EVERY_REQUEST=True):
        client = Client()
        client.get("/counter")
        assert "sessionid" in set_cookies(client.get("/view"))
        assert "sessionid" in set_cookies(client.get("/untouched"))


def test_expire_at_browser_close(middleware: str, clock: ManualClock) -> None:
    with override_settings(SESSION_EXPIRE_AT_BROWSER_CLOSE=True):
        client = Client()
        cookie = set_cookies(client.get("/counter"))["sessionid"]
        assert "max-age" not in cookie
        assert "expires" not in cookie
        clock.advance(AGE)
        assert client.get("/view").json() == {}  # the server still enforces the lifetime


def test_cookie_attributes_follow_django_settings(middleware: str, clock: ManualClock) -> None:
    with override_settings(
        SESSION_COOKIE_NAME="__Host-sid",
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_AGE=600,
    ):
        client = Client()
        cookie = set_cookies(client.get("/counter", secure=True))["__Host-sid"]
        assert "secure" in cookie
        assert str(cookie["samesite"]).lower() == "strict"
        assert cookie["max-age"] == "600"
        assert cookie["path"] == "/"


def test_key_rotation_with_secret_key_fallbacks(middleware: str, clock: ManualClock) -> None:
    old = "the old Django secret key; long and random: 8f1Qz"
    new = "the new Django secret key; long and random: Zp04w"
    with override_settings(SECRET_KEY=old):
        client = Client()
        client.get("/counter")
        under_old_key = client.cookies["sessionid"].value
    # A new client in each block: the middleware reads the settings when it is built.
    with override_settings(SECRET_KEY=new, SECRET_KEY_FALLBACKS=[old]):
        client = Client()
        client.cookies["sessionid"] = under_old_key
        response = client.get("/view")
        assert response.json() == {"count": 1}
        assert "sessionid" in set_cookies(response)  # resealed under the new key
        assert client.get("/counter").json() == {"count": 2}
        under_new_key = client.cookies["sessionid"].value
    with override_settings(SECRET_KEY=new):
        assert replay(under_new_key) == {"count": 2}
        assert replay(under_old_key) == {}  # the old key is gone from the ring


def test_client_session_keys_setting(middleware: str, clock: ManualClock) -> None:
    ring = KeyRing(["a separate session key ring entry; long: 5tB8"])
    with override_settings(CLIENT_SESSION_KEYS=ring):
        client = Client()
        client.get("/counter")
        value = client.cookies["sessionid"].value
        policy = SessionPolicy(keys=ring, cookie_name="sessionid")
        assert SessionCodec(policy, clock=clock).load(f"sessionid={value}") == {"count": 1}


def test_weak_secret_key_fails_at_start_up() -> None:
    with (
        override_settings(SECRET_KEY="django-insecure-" + "k" * 40),
        pytest.raises(ConfigurationError, match="SECRET_KEY"),
    ):
        Client().get("/untouched")


def test_session_too_large_is_a_500(middleware: str, clock: ManualClock) -> None:
    client = Client(raise_request_exception=False)
    client.get("/counter")
    before = client.cookies["sessionid"].value
    for _ in range(300):
        response = client.get("/nested?item=" + "y" * 20)
        if response.status_code == 500:
            break
    assert response.status_code == 500
    assert client.cookies["sessionid"].value != before  # saved until it no longer fit


def test_the_admin_accepts_the_middleware() -> None:
    # admin.E410 asks for Django's SessionMiddleware, or a subclass: ours is one.
    from django.contrib.admin.checks import check_dependencies

    assert [error.id for error in check_dependencies()] == []


def test_admin_login(middleware: str) -> None:
    client = Client()
    assert client.get("/admin/").status_code == 302  # to the login page
    client.get("/admin/login/")
    response = client.post("/admin/login/?next=/admin/", {"username": "root", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    page = client.get("/admin/")
    assert page.status_code == 200
    assert b"Site administration" in page.content
    assert client.get("/admin/auth/user/").status_code == 200


def test_a_key_list_setting_splits_at_commas_and_line_feeds_only() -> None:
    # docs/wire-format.md, "Key text": a passphrase in a key list keeps its spaces.
    passphrase = "a separate session key ring entry; long: 5tB8"
    key = KeyRing.from_text(passphrase).primary
    with override_settings(CLIENT_SESSION_KEYS=f" {passphrase} ,\n"):
        assert [ring_key.kid for ring_key in session_policy().keys] == [key.kid]


@pytest.mark.skipif(
    not hasattr(SessionStore, "aitems"), reason="Django 5.0 added the async session API"
)
def test_async_session_api(clock: ManualClock) -> None:
    import asyncio

    async def use(store: SessionStore) -> dict[str, Any]:
        await store.aset("a", 1)
        await store.aupdate({"b": 2})
        assert await store.aget("a") == 1
        assert await store.apop("missing", None) is None
        await store.aset_expiry(600)
        assert await store.aget_expiry_age() == 600
        await store.acycle_key()
        await store.asave()
        return dict(await store.aitems())

    store = SessionStore()
    # set_expiry is sealed in the header, not stored under _session_expiry.
    assert asyncio.run(use(store)) == {"a": 1, "b": 2}
    opened = SessionStore(store.session_key)
    assert dict(opened.items()) == {"a": 1, "b": 2}
    assert opened.get_expiry_age() == 600
    assert not store.is_empty()


def test_an_absolute_lifetime_by_default_and_from_its_setting() -> None:
    # Issue 13, finding 4: Django's sessions have no absolute lifetime; here they do unless
    # CLIENT_SESSION_ABSOLUTE_LIFETIME = None says otherwise.
    day = 24 * 3600
    with override_settings(SESSION_COOKIE_AGE=14 * day):
        assert session_policy().absolute_lifetime == 30 * day
    with override_settings(SESSION_COOKIE_AGE=60 * day):
        assert session_policy().absolute_lifetime == 60 * day
    with override_settings(SESSION_COOKIE_AGE=14 * day, CLIENT_SESSION_ABSOLUTE_LIFETIME=None):
        assert session_policy().absolute_lifetime is None
    with override_settings(SESSION_COOKIE_AGE=14 * day, CLIENT_SESSION_ABSOLUTE_LIFETIME=43200):
        policy = session_policy()
        assert (policy.idle_timeout, policy.absolute_lifetime) == (43200, 43200)


def test_errors_name_the_django_settings() -> None:
    # Issue 13, finding 9: the project's settings, not the core's option names.
    with (
        override_settings(SESSION_COOKIE_SAMESITE="None", SESSION_COOKIE_SECURE=False),
        pytest.raises(ConfigurationError) as caught,
    ):
        session_policy()
    assert str(caught.value).startswith(
        "SESSION_COOKIE_SAMESITE = 'None' needs SESSION_COOKIE_SECURE = True: browsers"
    )
    with (
        override_settings(CLIENT_SESSION_MAX_CHUNKS=12),
        pytest.raises(ConfigurationError, match=r"^CLIENT_SESSION_MAX_CHUNKS must be"),
    ):
        session_policy()


@pytest.mark.parametrize("expiry", [3600, 0, "deadline"])
def test_cycle_key_keeps_set_expiry_as_djangos_engines_do(clock: ManualClock, expiry: Any) -> None:
    # A view may call set_expiry before login(), which cycles the key.
    store = SessionStore()
    store["user"] = "x"
    store.save()
    clock.advance(100)
    store = SessionStore(store.session_key)
    if expiry == "deadline":
        expiry = datetime.fromtimestamp(clock() + 5000, tz=timezone.utc)
    store.set_expiry(expiry)
    before = (store.get_expiry_date(), store.get_expire_at_browser_close())
    store.cycle_key()
    assert (store.get_expiry_date(), store.get_expire_at_browser_close()) == before
    assert store["user"] == "x"


def test_set_cookie_morsels_carry_their_own_attributes_as_headers_alternate() -> None:
    # The attribute text is parsed once and kept while it repeats: a morsel built for another
    # header in between must not lend its attributes to the next.
    from client_session_django._middleware import SetCookie

    kept = "sessionid=abc; Path=/; Max-Age=60; HttpOnly; SameSite=Lax"
    deleted = "sessionid=; Domain=example.com; Path=/app; Max-Age=0; Secure; SameSite=Strict"
    first, second, third = SetCookie(kept), SetCookie(deleted), SetCookie(kept)
    for morsel, header in ((first, kept), (second, deleted), (third, kept)):
        assert morsel.OutputString() == header
    assert (first.key, first.value, first["max-age"], first["httponly"]) == (
        "sessionid",
        "abc",
        "60",
        True,
    )
    assert (first["domain"], first["secure"], first["samesite"]) == ("", "", "Lax")
    assert (second.value, second["max-age"], second["domain"], second["path"]) == (
        "",
        "0",
        "example.com",
        "/app",
    )
    assert (second["secure"], second["httponly"], second["samesite"]) == (True, "", "Strict")
    assert dict(third) == dict(first)
    third["max-age"] = "1"  # a morsel's attributes are its own, not the kept ones
    assert SetCookie(kept)["max-age"] == "60"


def _reopened(store: SessionStore) -> SessionStore:
    store.save()
    assert store.session_key is not None
    return SessionStore(store.session_key)


def test_cycle_key_is_the_cores_regenerate_a_new_identity_and_the_data_kept(
    clock: ManualClock,
) -> None:
    store = SessionStore()
    store["cart"] = ["book"]
    store.core.bind_user("7")
    store = _reopened(store)
    before, created = store.core.id, store.core.created_at
    clock.advance(100)
    store.cycle_key()  # what django.contrib.auth.login() calls
    assert store.core.regenerated
    assert store.modified
    after = store.core.id
    assert after != before
    reopened = _reopened(store)
    assert reopened.core.id == after
    assert reopened["cart"] == ["book"]
    assert reopened.core.user_id == "7"  # regenerate() keeps the bound user
    assert reopened.core.created_at == created + 100  # a new session lifetime


def test_the_identity_is_kept_across_saves_and_ends_with_flush(clock: ManualClock) -> None:
    store = SessionStore()
    store["count"] = 1
    first = store.core.id
    store = _reopened(store)
    store["count"] = 2
    assert _reopened(store).core.id == first
    store.flush()  # logout: refilled, a new session
    store["count"] = 1
    assert store.core.id != first
    assert store.core.user_id is None

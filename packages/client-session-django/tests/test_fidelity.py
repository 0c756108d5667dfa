"""Django's session API as Django documents it, where the engine differed (issue 23): pop's
keyword, ``modified = False``, ``encode``/``decode``, settings read when asked, the
set_expiry ceiling named as it is, and ``CLIENT_SESSION_NOT_BEFORE`` beside the settings."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from django.test import Client, override_settings
from django.test.utils import modify_settings

from client_session_conformance import ManualClock, parse_set_cookie
from client_session_core import KeyRing, SessionCodec, SessionPolicy, generate_key
from client_session_core.wire import FLAG_IDENTITY, FLAG_PERSISTENT, Envelope, Sealer
from client_session_django import SessionStore
from client_session_django._settings import session_codec

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


def set_cookies(response: Any) -> dict[str, dict[str, str | None]]:
    found = {}
    for morsel in response.cookies.values():
        cookie = parse_set_cookie(morsel.output(header="").strip())
        found[cookie.name] = {"value": cookie.value, **cookie.attributes}
    return found


# -- pop(key, default=...) ------------------------------------------------------------------


def test_pop_takes_its_default_by_keyword(clock: ManualClock) -> None:
    store = SessionStore()
    store["a"] = 1
    assert store.pop("a", default=None) == 1
    assert store.pop("missing", default="d") == "d"
    assert store.pop("missing", None) is None
    with pytest.raises(KeyError):
        store.pop("missing")

    async def apop() -> Any:
        await store.aset("b", 2)
        return (await store.apop("b", default=0), await store.apop("b", default=0))

    assert asyncio.run(apop()) == (2, 0)


# -- modified = False -----------------------------------------------------------------------


def test_modified_false_saves_nothing(middleware: str, clock: ManualClock) -> None:
    client = Client()
    client.get("/counter")
    response = client.get("/preview?draft=x")
    assert response.json() == {"count": 1, "draft": "x"}
    assert set_cookies(response) == {}
    assert client.get("/view").json() == {"count": 1}
    # Nor a renewal, which would carry the draft: the next request that uses it renews.
    clock.advance(AGE // 4 + 1)
    assert set_cookies(client.get("/preview?draft=y")) == {}
    assert "sessionid" in set_cookies(client.get("/view"))
    assert client.get("/view").json() == {"count": 1}


def test_a_change_after_modified_false_is_saved(clock: ManualClock) -> None:
    store = SessionStore()
    store["kept"] = 1
    store.save()
    store = SessionStore(store.session_key)
    store["draft"] = "x"
    store.modified = False
    assert store.modified is False
    assert store.commit().set_cookie == ()
    store["later"] = 2
    assert store.modified is True
    store.save()
    assert dict(SessionStore(store.session_key).items()) == {"kept": 1, "draft": "x", "later": 2}


class CountingSealer(Sealer):
    """The core's sealer, counting the cookies it seals."""

    seals = 0

    def seal(self, *args: Any, **kwargs: Any) -> str:
        self.seals += 1
        return super().seal(*args, **kwargs)


def test_modified_is_decided_without_sealing(clock: ManualClock) -> None:
    # Django's SessionMiddleware asks `modified` on every response; the answer is the
    # codec's decision, from the session's content, not a cookie sealed to be thrown away.
    codec = SessionCodec(session_codec().policy, clock=clock)
    sealer = CountingSealer(codec.policy.keys)
    codec._sealer = sealer  # the codec's only sealer: its key ring does not change
    store = SessionStore(codec=codec)
    store["count"] = 1
    assert store.modified  # a new session that holds something
    assert sealer.seals == 0
    (written,) = store.commit().set_cookie
    assert sealer.seals == 1
    value = written.partition(";")[0].partition("=")[2]
    reopened = SessionStore(value, codec=codec)
    assert reopened["count"] == 1
    assert not reopened.modified  # read, unchanged, fresh
    reopened["count"] = 1
    assert reopened.modified  # Django's flag: any assignment, of an equal value too
    idle = SessionStore(value, codec=codec)
    assert idle["count"] == 1
    assert not idle.modified
    clock.advance(AGE // 4 + 1)
    assert idle.modified  # its renewal is due
    assert sealer.seals == 1


def test_modified_false_still_deletes_an_emptied_session(clock: ManualClock) -> None:
    # As Django's middleware deletes the cookie of an empty session whatever `modified` says.
    store = SessionStore()
    store["kept"] = 1
    store.save()
    store = SessionStore(store.session_key)
    store.flush()
    store.modified = False
    (deletion,) = store.commit().set_cookie
    assert parse_set_cookie(deletion).attributes["max-age"] == "0"


# -- encode() and decode() ------------------------------------------------------------------


def test_encode_seals_a_cookie_value_and_decode_opens_one(clock: ManualClock) -> None:
    store = SessionStore()
    data = {"a test key": "a test value"}
    encoded = store.encode(data)
    assert store.decode(encoded) == data
    assert dict(SessionStore(encoded).items()) == data  # a cookie value of this engine
    assert data["a test key"] not in encoded  # sealed, not signed
    clock.advance(AGE)
    assert store.decode(encoded) == {}  # expired as a cookie would be


def test_decode_of_a_bad_value_is_empty_and_a_forged_one_is_logged(
    clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    store = SessionStore()
    encoded = store.encode({"user": "ada"})
    forged = encoded[:-3] + ("A" if encoded[-3] != "A" else "B") + encoded[-2:]
    with caplog.at_level(logging.DEBUG):
        assert store.decode(forged) == {}
        assert store.decode("bad:encoded:value") == {}
    assert [(r.name, r.levelname) for r in caplog.records if "refused" in r.getMessage()] == [
        ("django.security.SuspiciousSession", "WARNING"),
        ("client_session", "DEBUG"),
    ]


# -- settings read when asked ---------------------------------------------------------------


def test_get_expire_at_browser_close_reads_the_setting_when_asked(clock: ManualClock) -> None:
    store = SessionStore()  # made under SESSION_EXPIRE_AT_BROWSER_CLOSE = False
    with override_settings(SESSION_EXPIRE_AT_BROWSER_CLOSE=True):
        store.set_expiry(10)
        assert store.get_expire_at_browser_close() is False
        store.set_expiry(0)
        assert store.get_expire_at_browser_close() is True
        store.set_expiry(None)
        assert store.get_expire_at_browser_close() is True
    store.set_expiry(None)
    assert store.get_expire_at_browser_close() is False
    store.set_expiry(0)
    assert store.get_expire_at_browser_close() is True


# -- set_expiry's ceiling, named --------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "ceiling", "named"),
    [
        (
            {},
            30 * DAY,
            "the absolute lifetime, CLIENT_SESSION_ABSOLUTE_LIFETIME (by default 30 days, or "
            "SESSION_COOKIE_AGE when longer), as CLIENT_SESSION_MAX_SESSION_LIFETIME is unset",
        ),
        (
            {"CLIENT_SESSION_ABSOLUTE_LIFETIME": 20 * DAY},
            20 * DAY,
            "the absolute lifetime, CLIENT_SESSION_ABSOLUTE_LIFETIME, as "
            "CLIENT_SESSION_MAX_SESSION_LIFETIME is unset",
        ),
        (
            {"CLIENT_SESSION_ABSOLUTE_LIFETIME": None},
            AGE,
            "SESSION_COOKIE_AGE, as CLIENT_SESSION_MAX_SESSION_LIFETIME is unset and "
            "CLIENT_SESSION_ABSOLUTE_LIFETIME is None",
        ),
        ({"CLIENT_SESSION_MAX_SESSION_LIFETIME": 40 * DAY}, 40 * DAY, "CLIENT_SESSION_MAX_"),
        (
            {"CLIENT_SESSION_POLICY": SessionPolicy(keys=KeyRing.of(generate_key()))},
            12 * 3600,
            "CLIENT_SESSION_POLICY's absolute_lifetime, as its max_session_lifetime is None",
        ),
    ],
)
def test_set_expiry_names_what_sets_its_ceiling(
    clock: ManualClock, settings: dict[str, Any], ceiling: int, named: str
) -> None:
    with override_settings(**settings):
        store = SessionStore()
        store.set_expiry(ceiling)
        with pytest.raises(ValueError, match="longest session lifetime") as seconds:
            store.set_expiry(ceiling + 1)
        with pytest.raises(ValueError, match="longest session lifetime") as date:
            store.set_expiry(timedelta(seconds=ceiling + 1))
    for caught in (seconds, date):
        assert f"{ceiling} s: {named}" in str(caught.value)
        assert "by default SESSION_COOKIE_AGE" not in str(caught.value)


# -- log everyone out: CLIENT_SESSION_NOT_BEFORE ---------------------------------------------


@pytest.mark.parametrize("as_", ["time.time()", "aware datetime"])
def test_not_before_logs_everyone_out_and_keeps_the_settings(
    middleware: str, clock: ManualClock, as_: str
) -> None:
    with override_settings(SESSION_COOKIE_SAMESITE="Strict"):
        client = Client()
        client.get("/counter")
        clock.advance(60.5)
        moment = clock() - 0.25  # what time.time() gives: a fraction of a second
        not_before = (
            moment if as_ == "time.time()" else datetime.fromtimestamp(moment, tz=timezone.utc)
        )
        assert client.get("/view").json() == {"count": 1}
        with override_settings(CLIENT_SESSION_NOT_BEFORE=not_before):
            cookies = client.cookies
            client = Client()  # its middleware built after the change, as at a restart
            client.cookies = cookies
            assert client.get("/view").json() == {}
            cookie = set_cookies(client.get("/counter"))["sessionid"]
            assert client.get("/view").json() == {"count": 1}
    # Every other setting still applies (a whole policy replaced them all before).
    assert cookie["max-age"] == str(AGE)
    assert str(cookie["samesite"]).lower() == "strict"


# -- identities rolled out readers first: CLIENT_SESSION_WRITE_IDENTITY ----------------------


def test_write_identity_false_writes_cookies_the_previous_release_reads(
    middleware: str, clock: ManualClock
) -> None:
    with override_settings(CLIENT_SESSION_WRITE_IDENTITY=False):
        client = Client()
        value = str(set_cookies(client.get("/counter"))["sessionid"]["value"])
        # No flag bit 2 (the identity block), which the release before identities refuses.
        assert Envelope.parse(value).flags == FLAG_PERSISTENT
        assert client.get("/view").json() == {"count": 1}
    # A cookie that carries an identity keeps it through a server that writes none.
    client = Client()
    client.get("/counter")
    carried = session_codec().load(f"sessionid={client.cookies['sessionid'].value}").sealed_id
    with override_settings(CLIENT_SESSION_WRITE_IDENTITY=False):
        value = str(set_cookies(client.get("/counter"))["sessionid"]["value"])
        assert Envelope.parse(value).flags == FLAG_PERSISTENT | FLAG_IDENTITY
        assert session_codec().load(f"sessionid={value}").sealed_id == carried


# -- what Django's own session tests found (upstream/run_upstream_tests.py django) -------------


def test_set_expiry_of_a_moment_past_ends_the_session_at_this_response(
    middleware: str, clock: ManualClock
) -> None:
    client = Client()
    client.get("/counter")
    response = client.post("/expiry", {"at": clock() - 10}, content_type="application/json")
    assert set_cookies(response)["sessionid"]["max-age"] == "0"  # deleted, not kept a second
    assert client.get("/view").json() == {}


def test_set_expiry_keeps_the_moment_as_given_in_the_request(clock: ManualClock) -> None:
    store = SessionStore()
    store["user"] = "ada"
    deadline = datetime.fromtimestamp(clock() + 600.123456, tz=timezone.utc)
    store.set_expiry(deadline)
    assert store.get_expiry_date() == deadline
    assert store.get_expiry_date(modification=deadline - timedelta(seconds=5)) == deadline
    store.save()
    # The cookie holds it to the second, rounded down: the server never keeps it longer.
    assert SessionStore(store.session_key).get_expiry_date() == deadline.replace(microsecond=0)


def test_session_cache_and_session_key_as_sessionbase_has_them(clock: ManualClock) -> None:
    store = SessionStore()
    store["a"] = 1
    store.save()
    reopened = SessionStore(store.session_key)
    assert not hasattr(reopened, "_session_cache")  # until it is opened, as Django's
    assert reopened["a"] == 1
    assert hasattr(reopened, "_session_cache")
    reopened._session_key = "1234567"  # shorter than SessionBase's 8 characters: no key
    assert reopened.session_key is None


def test_load_reads_what_the_cookie_holds(clock: ManualClock) -> None:
    store = SessionStore()
    store["a"] = 1
    store.save()
    reopened = SessionStore(store.session_key)
    reopened["a"] = 2
    assert reopened.load().data() == {"a": 1}  # not saved yet
    reopened.save()
    assert reopened.load().data() == {"a": 2}
    assert SessionStore().load().data() == {}


def test_request_cookies_given_by_code_and_the_key_after_the_response(
    clock: ManualClock,
) -> None:
    from django.http import HttpRequest, HttpResponse
    from django.test import RequestFactory

    from client_session_django import SessionMiddleware

    def count(request: HttpRequest) -> HttpResponse:
        request.session["count"] = request.session.get("count", 0) + 1
        return HttpResponse(str(request.session["count"]))

    request = RequestFactory().get("/")
    response = SessionMiddleware(count)(request)
    value = response.cookies["sessionid"].value
    assert request.session.session_key == value  # the value sent, as after Django's save()
    again = RequestFactory().get("/")
    again.COOKIES["sessionid"] = value  # as Django's middleware reads it
    assert SessionMiddleware(count)(again).content == b"2"


def test_another_engines_session_put_by_a_view_is_saved_as_django_saves_it(
    clock: ManualClock,
) -> None:
    from django.contrib.sessions.backends import signed_cookies
    from django.core import signing
    from django.http import HttpRequest, HttpResponse
    from django.test import RequestFactory

    from client_session_django import SessionMiddleware

    def replace(request: HttpRequest) -> HttpResponse:
        request.session = signed_cookies.SessionStore()
        request.session["a"] = 1
        return HttpResponse()

    response = SessionMiddleware(replace)(RequestFactory().get("/"))
    value = response.cookies["sessionid"].value
    assert signing.loads(value, salt=signed_cookies.__name__) == {"a": 1}

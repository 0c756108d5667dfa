"""Sessions written by Django's own signed_cookies engine, read once and resealed.

The old cookies are made by Django's real backend (django.contrib.sessions.backends
.signed_cookies), so the test reads exactly what a site switching engines has in its users'
browsers. That backend signs with the real time, so the codec's clock starts there.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from django.contrib.sessions.backends.signed_cookies import SessionStore as SignedCookieStore
from django.test import Client, override_settings
from django.test.utils import modify_settings

from client_session_conformance import ManualClock
from client_session_core import ConfigurationError, KeyRing, SessionPolicy, generate_key
from client_session_django import SessionStore, session_codec, session_policy, signed_cookies

OURS = "client_session_django.SessionMiddleware"
DJANGOS = "django.contrib.sessions.middleware.SessionMiddleware"
AGE = 14 * 24 * 3600


def signed_cookie(data: dict[str, object], **settings: object) -> str:
    """A session cookie value as Django's signed_cookies engine writes it."""
    with override_settings(**settings):
        store = SignedCookieStore()
        store.update(data)
        store.save()
        return store.session_key


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=float(int(time.time())))


@pytest.fixture(params=[OURS, DJANGOS], ids=["ours", "djangos"])
def reading(request: pytest.FixtureRequest, clock: ManualClock) -> Iterator[ManualClock]:
    with (
        modify_settings(MIDDLEWARE={"remove": OURS, "prepend": request.param}),
        override_settings(CLIENT_SESSION_CLOCK=clock, CLIENT_SESSION_READ_SIGNED_COOKIES=True),
    ):
        yield clock


def test_read_once_and_resealed(reading: ManualClock) -> None:
    old = signed_cookie({"user": "ada", "count": 3})
    client = Client()
    client.cookies["sessionid"] = old
    response = client.get("/counter")
    assert response.json() == {"count": 4}
    value = client.cookies["sessionid"].value
    assert value != old
    assert dict(session_codec().load(f"sessionid={value}")) == {"user": "ada", "count": 4}


def test_a_read_alone_reseals(reading: ManualClock) -> None:
    client = Client()
    client.cookies["sessionid"] = signed_cookie({"user": "ada"})
    response = client.get("/view")
    assert response.json() == {"user": "ada"}
    assert session_codec().load(f"sessionid={response.cookies['sessionid'].value}")


def test_rotated_secret_key(reading: ManualClock) -> None:
    old_key = "the previous Django secret key, long and random: Q7u1v"
    old = signed_cookie({"user": "ada"}, SECRET_KEY=old_key)
    with override_settings(SECRET_KEY_FALLBACKS=[old_key]):
        client = Client()
        client.cookies["sessionid"] = old
        assert client.get("/view").json() == {"user": "ada"}
    client = Client()
    client.cookies["sessionid"] = old
    assert client.get("/view").json() == {}


def test_too_old_tampered_or_past_the_cut_off(reading: ManualClock) -> None:
    old = signed_cookie({"user": "ada"})
    tampered = old.replace(old.split(":")[0], old.split(":")[0][:-1] + "A", 1)
    for value in (tampered, old[:-2]):
        client = Client()
        client.cookies["sessionid"] = value
        assert client.get("/view").json() == {}
    reading.advance(AGE + 1)  # older than signed_cookies' own SESSION_COOKIE_AGE
    client = Client()
    client.cookies["sessionid"] = old
    assert client.get("/view").json() == {}


def test_browser_session_flag_kept(reading: ManualClock) -> None:
    client = Client()
    client.cookies["sessionid"] = signed_cookie({"user": "ada", "_session_expiry": 0})
    cookie = client.get("/view").cookies["sessionid"]
    assert not cookie["max-age"]


def test_its_own_lifetime_kept(reading: ManualClock) -> None:
    client = Client()
    client.cookies["sessionid"] = signed_cookie({"user": "ada", "_session_expiry": 3600})
    assert int(client.get("/view").cookies["sessionid"]["max-age"]) == 3600
    reading.advance(3600)
    assert client.get("/view").json() == {}


def test_off_by_default(clock: ManualClock) -> None:
    with override_settings(CLIENT_SESSION_CLOCK=clock):
        client = Client()
        client.cookies["sessionid"] = signed_cookie({"user": "ada"})
        assert client.get("/view").json() == {}


def test_until_a_date(clock: ManualClock) -> None:
    yesterday = date.fromtimestamp(clock()) - timedelta(days=1)
    with override_settings(
        CLIENT_SESSION_CLOCK=clock, CLIENT_SESSION_READ_SIGNED_COOKIES=yesterday
    ):
        client = Client()
        client.cookies["sessionid"] = signed_cookie({"user": "ada"})
        assert client.get("/view").json() == {}


def test_bad_option(clock: ManualClock) -> None:
    with (
        override_settings(CLIENT_SESSION_READ_SIGNED_COOKIES="yes"),
        pytest.raises(ConfigurationError, match="CLIENT_SESSION_READ_SIGNED_COOKIES"),
    ):
        session_codec()


def test_the_upgrade_is_the_cores_logged_once_at_info(
    reading: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    assert session_policy().legacy_cookies is not None
    old = signed_cookie({"user": "ada"})
    client = Client()
    client.cookies["sessionid"] = old
    with caplog.at_level(logging.DEBUG, logger="client_session"):
        assert client.get("/view").json() == {"user": "ada"}
        assert client.get("/view").json() == {"user": "ada"}
    upgrades = [record for record in caplog.records if "signed_cookies" in record.getMessage()]
    assert [record.levelno for record in upgrades] == [logging.INFO]
    assert old not in caplog.text


def test_beside_a_session_policy(clock: ManualClock) -> None:
    policy = SessionPolicy(keys=KeyRing.of(generate_key()), cookie_name="sessionid")
    with override_settings(
        CLIENT_SESSION_POLICY=policy,
        CLIENT_SESSION_CLOCK=clock,
        CLIENT_SESSION_READ_SIGNED_COOKIES=True,
    ):
        client = Client()
        client.cookies["sessionid"] = signed_cookie({"user": "ada"})
        assert client.get("/view").json() == {"user": "ada"}
        assert session_codec().policy.keys is policy.keys
    reader = signed_cookies(until=int(clock()) + AGE, max_age=AGE)
    with (
        override_settings(
            CLIENT_SESSION_POLICY=SessionPolicy(
                keys=policy.keys, cookie_name="sessionid", legacy_cookies=reader
            ),
            CLIENT_SESSION_READ_SIGNED_COOKIES=True,
        ),
        pytest.raises(ConfigurationError, match="remove one of them"),
    ):
        session_codec()


def test_keys_of_their_own(clock: ManualClock) -> None:
    old_key = "the key of the site that wrote them, long and random: 4kPz"
    reader = signed_cookies(until=int(clock()) + AGE, max_age=AGE, secret_keys=[old_key])
    now = int(clock())
    assert reader.read(signed_cookie({"user": "ada"}, SECRET_KEY=old_key), now) is not None
    assert reader.read(signed_cookie({"user": "ada"}), now) is None
    for wrong in ("one key as a string", []):
        with pytest.raises(ConfigurationError, match="secret_keys") as raised:
            signed_cookies(until=now, max_age=AGE, secret_keys=wrong)  # type: ignore[arg-type]
        assert "one key as a string" not in str(raised.value)


@pytest.mark.parametrize(
    ("expiry", "lifetime"),
    [(3600, (3600, None)), (10**9, ("ceiling", None)), ("in an hour", (None, 3600))],
    ids=["seconds", "over-the-ceiling", "date"],
)
def test_set_expiry_becomes_the_sealed_lifetime(
    reading: ManualClock, expiry: Any, lifetime: tuple[Any, int | None]
) -> None:
    if expiry == "in an hour":
        expiry = datetime.fromtimestamp(reading() + 3600, tz=timezone.utc).isoformat()
    client = Client()
    client.cookies["sessionid"] = signed_cookie({"user": "ada", "_session_expiry": expiry})
    assert client.get("/view").json() == {"user": "ada"}
    store = SessionStore(client.cookies["sessionid"].value)
    if lifetime[0] == "ceiling":  # cut to max_session_lifetime, not refused
        lifetime = (session_policy().session_lifetime_ceiling, None)
    assert store.load().lifetime == lifetime
    assert "_session_expiry" not in store.load().data()

"""Sessions written by Django's own signed_cookies engine, read once and resealed.

The old cookies are made by Django's real backend (django.contrib.sessions.backends
.signed_cookies), so the test reads exactly what a site switching engines has in its users'
browsers, signed at the time a test chooses (Django's signing clock is set for the signature);
the codec reads them on a ManualClock, and a restart is a codec built again, later.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.backends.signed_cookies import SessionStore as SignedCookieStore
from django.core import signing
from django.test import Client, override_settings
from django.test.utils import modify_settings

from client_session_conformance import ManualClock
from client_session_core import ConfigurationError, KeyRing, SessionPolicy, generate_key
from client_session_django import SessionStore, session_codec, session_policy, signed_cookies

OURS = "client_session_django.SessionMiddleware"
DJANGOS = "django.contrib.sessions.middleware.SessionMiddleware"
DAY = 24 * 3600
AGE = 14 * DAY
T0 = 1_800_000_000  # deploy day: when the old cookies of these tests are signed


def signed_cookie(data: Mapping[str, object], *, at: int = T0, **settings: object) -> str:
    """A session cookie value as Django's signed_cookies engine writes it, signed at ``at``."""
    with (
        override_settings(**settings),
        mock.patch.object(
            signing.TimestampSigner, "timestamp", return_value=signing.b62_encode(at)
        ),
    ):
        store = SignedCookieStore()
        store.update(data)
        store.save()
        return str(store.session_key)


def forged_admin_session(secret_key: str, *, at: int = T0) -> str:
    """What anyone who guessed ``secret_key`` can sign, at any time ``at``: root's login, as
    django.contrib.auth keeps it (the session auth hash is an HMAC under SECRET_KEY too)."""
    with override_settings(SECRET_KEY=secret_key):
        root = User.objects.get(username="root")
        login = {
            "_auth_user_id": str(root.pk),
            "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
            "_auth_user_hash": root.get_session_auth_hash(),
        }
        return signed_cookie(login, at=at, SECRET_KEY=secret_key)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=T0)


@pytest.fixture(params=[OURS, DJANGOS], ids=["ours", "djangos"])
def reading(request: pytest.FixtureRequest, clock: ManualClock) -> Iterator[ManualClock]:
    with (
        modify_settings(MIDDLEWARE={"remove": OURS, "prepend": request.param}),
        override_settings(CLIENT_SESSION_CLOCK=clock, CLIENT_SESSION_READ_SIGNED_COOKIES=True),
    ):
        yield clock


@contextmanager
def started_at(moment: int, **settings: object) -> Iterator[ManualClock]:
    """The engine started (its codec built) at ``moment``, with these settings."""
    clock = ManualClock(start=moment)
    reading = {"CLIENT_SESSION_READ_SIGNED_COOKIES": True, **settings}
    with override_settings(CLIENT_SESSION_CLOCK=clock, **reading):
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
    old_key = "the previous Django secret key; long and random: Q7u1v"
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


def test_its_own_lifetime_kept_counted_from_its_signature(reading: ManualClock) -> None:
    # set_expiry(3600): an hour without a save ends it, in Django; an hour without use here.
    client = Client()
    client.cookies["sessionid"] = signed_cookie({"user": "ada", "_session_expiry": 3600})
    reading.advance(600)
    assert int(client.get("/view").cookies["sessionid"]["max-age"]) == 3600  # used: resealed
    reading.advance(3600)
    assert client.get("/view").json() == {}
    # One signed an hour ago and not used since has ended, though it is read for the first time.
    client = Client()
    client.cookies["sessionid"] = signed_cookie(
        {"user": "ada", "_session_expiry": 3600}, at=int(reading()) - 3600
    )
    assert client.get("/view").json() == {}


def test_off_by_default(clock: ManualClock) -> None:
    with override_settings(CLIENT_SESSION_CLOCK=clock):
        client = Client()
        client.cookies["sessionid"] = signed_cookie({"user": "ada"})
        assert client.get("/view").json() == {}


def test_until_a_date_already_past_reads_nothing_and_says_so_at_start_up(
    clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    yesterday = datetime.fromtimestamp(clock(), tz=timezone.utc).date() - timedelta(days=1)
    with (
        override_settings(CLIENT_SESSION_CLOCK=clock, CLIENT_SESSION_READ_SIGNED_COOKIES=yesterday),
        caplog.at_level(logging.DEBUG, logger="client_session"),
    ):
        client = Client()
        client.cookies["sessionid"] = signed_cookie({"user": "ada"})
        assert client.get("/view").json() == {}
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings[0].startswith(
        "session cookie 'sessionid': the cookies of Django's signed_cookies session engine are "
        "no longer read: their cut-off, 2027-01-14 00:00:00 UTC, has passed"
    )


def test_bad_option(clock: ManualClock) -> None:
    with (
        override_settings(CLIENT_SESSION_READ_SIGNED_COOKIES="yes"),
        pytest.raises(ConfigurationError, match="CLIENT_SESSION_READ_SIGNED_COOKIES"),
    ):
        session_codec()


def test_reading_is_announced_once_at_start_up_and_each_upgrade_once_at_info(
    reading: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    assert session_policy().legacy_cookies is not None
    old = signed_cookie({"user": "ada"})
    client = Client()
    client.cookies["sessionid"] = old
    with caplog.at_level(logging.DEBUG, logger="client_session"):
        for _ in range(3):
            assert client.get("/view").json() == {"user": "ada"}
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (
            logging.INFO,
            "session cookie 'sessionid': reading the cookies of Django's signed_cookies session "
            "engine until 2027-01-29 08:00:00 UTC, each for at most 2592000 s after it was "
            "signed and never one signed before not_before, and resealing them in ours",
        ),
        (
            logging.INFO,
            "session cookie 'sessionid' was in the format of Django's signed_cookies session "
            "engine: read once and resealed in ours",
        ),
    ]
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
        pytest.raises(ConfigurationError, match="Remove one of them"),
    ):
        session_codec()


def test_keys_of_their_own(clock: ManualClock) -> None:
    old_key = generate_key()  # the key of the site that wrote them
    reader = signed_cookies(until=int(clock()) + AGE, max_age=AGE, secret_keys=[old_key])
    now = int(clock())
    assert reader.read(signed_cookie({"user": "ada"}, SECRET_KEY=old_key), now) is not None
    assert reader.read(signed_cookie({"user": "ada"}), now) is None
    wrongs: list[Any] = ["one key as a string", []]
    for wrong in wrongs:
        with pytest.raises(ConfigurationError, match="secret_keys") as raised:
            signed_cookies(until=now, max_age=AGE, secret_keys=wrong)
        assert "one key as a string" not in str(raised.value)


@pytest.mark.parametrize(
    ("expiry", "lifetime"),
    [(3600, (3600, None)), (10**9, ("ceiling", None)), ("in an hour", (None, 3600))],
    ids=["seconds", "over-the-ceiling", "date"],
)
def test_set_expiry_becomes_the_sealed_lifetime(
    reading: ManualClock, expiry: Any, lifetime: tuple[Any, int | None]
) -> None:
    if expiry == "in an hour":  # of its signature: read later, it is still an hour from then
        expiry = datetime.fromtimestamp(T0 + 3600, tz=timezone.utc).isoformat()
    client = Client()
    client.cookies["sessionid"] = signed_cookie({"user": "ada", "_session_expiry": expiry})
    reading.advance(60)
    assert client.get("/view").json() == {"user": "ada"}
    store = SessionStore(client.cookies["sessionid"].value)
    if lifetime[0] == "ceiling":  # cut to max_session_lifetime, not refused
        lifetime = (session_policy().session_lifetime_ceiling, None)
    assert store.load().lifetime == lifetime
    assert store.load().origin.created_at == T0
    assert "_session_expiry" not in store.load().data()


def test_a_set_expiry_date_already_past_is_expired(reading: ManualClock) -> None:
    expiry = datetime.fromtimestamp(T0 + 60, tz=timezone.utc).isoformat()
    client = Client()
    client.cookies["sessionid"] = signed_cookie({"user": "ada", "_session_expiry": expiry})
    reading.advance(60)
    assert client.get("/view").json() == {}


# -- issue 22: a legacy reader is no door ------------------------------------------------------

INSECURE = "django-insecure-changeme"


@pytest.mark.parametrize("days_later", [0, 365])
def test_a_weak_secret_key_beside_client_session_keys_refuses_to_start(days_later: int) -> None:
    # The review's reproducer: SECRET_KEY = "django-insecure-changeme", a strong
    # CLIENT_SESSION_KEYS and CLIENT_SESSION_READ_SIGNED_COOKIES = True: root's session,
    # forged with Django's own signing, was resealed as a valid admin login a year later.
    now = T0 + days_later * DAY
    forged = forged_admin_session(INSECURE, at=now)
    with started_at(now, SECRET_KEY=INSECURE, CLIENT_SESSION_KEYS=generate_key()):
        with pytest.raises(ConfigurationError) as caught:
            session_codec()
        message = str(caught.value)
        assert message.startswith(
            "SECRET_KEY is too weak to trust the Django signed_cookies session cookies"
        )
        assert "anyone who guesses it can forge such a cookie" in message
        assert "Stop reading them with CLIENT_SESSION_READ_SIGNED_COOKIES = False" in message
        assert "changeme" not in message
        # Django builds the middleware at start-up (here, at the test client's first request).
        client = Client()
        client.cookies["sessionid"] = forged
        with pytest.raises(ConfigurationError, match=r"^SECRET_KEY is too weak"):
            client.get("/whoami")


def test_reading_off_lets_a_weak_secret_key_stay_for_django_alone() -> None:
    # The way out the error names: SECRET_KEY stays for Django, no old cookie is read.
    with override_settings(SECRET_KEY=INSECURE, CLIENT_SESSION_KEYS=generate_key()):
        client = Client()
        client.cookies["sessionid"] = forged_admin_session(INSECURE)
        assert client.get("/whoami").json() == {"user": None}


def test_a_weak_secret_key_fallback_is_refused_by_its_place_in_the_list() -> None:
    fallbacks = [generate_key(), INSECURE]
    with (
        started_at(T0, CLIENT_SESSION_KEYS=generate_key(), SECRET_KEY_FALLBACKS=fallbacks),
        pytest.raises(ConfigurationError, match=r"^SECRET_KEY_FALLBACKS\[1\] is too weak"),
    ):
        session_codec()


def test_a_string_of_fallbacks_would_be_one_character_keys_and_is_refused() -> None:
    old = generate_key()
    with (
        started_at(T0, CLIENT_SESSION_KEYS=generate_key(), SECRET_KEY_FALLBACKS=old),
        pytest.raises(ConfigurationError, match="must be a list") as caught,
    ):
        session_codec()
    assert old not in str(caught.value)


def test_a_weak_secret_key_that_is_the_session_key_is_refused_as_a_key() -> None:
    with (
        started_at(T0, SECRET_KEY=INSECURE),
        pytest.raises(ConfigurationError, match=r"^SECRET_KEY: key #1 is 24 characters long"),
    ):
        session_codec()


def test_a_policys_own_reader_of_djangos_settings_is_judged_too() -> None:
    policy = SessionPolicy(
        keys=KeyRing.of(generate_key()),
        cookie_name="sessionid",
        legacy_cookies=signed_cookies(until=T0 + AGE, max_age=AGE),
    )
    with (
        started_at(T0, CLIENT_SESSION_READ_SIGNED_COOKIES=False, SECRET_KEY=INSECURE),
        override_settings(CLIENT_SESSION_POLICY=policy),
        pytest.raises(ConfigurationError) as caught,
    ):
        session_codec()
    assert "CLIENT_SESSION_POLICY without its signed_cookies() reader" in str(caught.value)


def test_keys_given_to_the_reader_are_judged_when_it_is_built() -> None:
    with pytest.raises(ConfigurationError, match=r"^secret_keys\[1\] is too weak"):
        signed_cookies(until=T0 + AGE, max_age=AGE, secret_keys=[generate_key(), INSECURE])


def test_an_old_cookie_is_read_from_its_own_signing_time_whatever_the_restarts(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # signed_cookies' own limit (SESSION_COOKIE_AGE, 400 days here) would read it for a year;
    # the absolute lifetime, counted from its signature, reads it for 30 days, and a restart
    # (a codec built again, a new reading window) does not give it more.
    old = signed_cookie({"user": "ada"})
    settings = {"SESSION_COOKIE_AGE": 400 * DAY, "CLIENT_SESSION_ABSOLUTE_LIFETIME": 30 * DAY}
    for days_later, expected in ((0, {"user": "ada"}), (29, {"user": "ada"}), (45, {}), (365, {})):
        with started_at(T0 + days_later * DAY, **settings):
            client = Client()
            client.cookies["sessionid"] = old
            with caplog.at_level(logging.DEBUG, logger="client_session"):
                caplog.clear()
                assert client.get("/view").json() == expected, days_later
            if not expected:
                assert "session cookie 'sessionid' refused: expired_absolute" in caplog.messages


def test_the_resealed_session_keeps_the_old_cookies_signing_time_as_its_start() -> None:
    settings = {"SESSION_COOKIE_AGE": 400 * DAY, "CLIENT_SESSION_ABSOLUTE_LIFETIME": 30 * DAY}
    with started_at(T0 + 29 * DAY, **settings) as clock:
        client = Client()
        client.cookies["sessionid"] = signed_cookie({"user": "ada"})
        assert client.get("/view").json() == {"user": "ada"}
        resealed = client.cookies["sessionid"].value
        assert session_codec().load(f"sessionid={resealed}").origin.created_at == T0
        clock.advance(DAY)  # 30 days after the old cookie was signed, not after the upgrade
        assert client.get("/view").json() == {}


def test_an_old_cookie_signed_before_not_before_is_refused() -> None:
    before, after = signed_cookie({"user": "ada"}), signed_cookie({"user": "bob"}, at=T0 + 20)
    policy = SessionPolicy(
        keys=KeyRing.of(generate_key()), cookie_name="sessionid", not_before=T0 + 10
    )
    with started_at(T0 + 60, CLIENT_SESSION_POLICY=policy):
        for value, expected in ((before, {}), (after, {"user": "bob"})):
            client = Client()
            client.cookies["sessionid"] = value
            assert client.get("/view").json() == expected


# -- an old session too large for our cookies ----------------------------------------------------

# Django compresses it into one small cookie; sealed (never compressed) it needs two.
LARGE = {"user": "ada", "blob": "x" * 4000}


def test_an_old_session_too_large_to_reseal_is_deleted_never_a_500(
    reading: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    # It answered 500 on every request until it expired.
    old = signed_cookie(LARGE)
    assert len(old) < 200
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = old
    with caplog.at_level(logging.DEBUG, logger="client_session"):
        response = client.get("/view")
    assert (response.status_code, response.json()) == (200, {})
    deleted = response.cookies["sessionid"]
    assert (deleted.value, int(deleted["max-age"])) == ("", 0)
    assert "session cookie 'sessionid' refused: too_large" in caplog.messages
    assert "xxxx" not in caplog.text


def test_client_session_max_chunks_reseals_a_large_old_session(clock: ManualClock) -> None:
    with override_settings(
        CLIENT_SESSION_CLOCK=clock,
        CLIENT_SESSION_READ_SIGNED_COOKIES=True,
        CLIENT_SESSION_MAX_CHUNKS=2,
    ):
        client = Client()
        client.cookies["sessionid"] = signed_cookie(LARGE)
        response = client.get("/view")
        assert response.json() == LARGE
        assert sorted(response.cookies) == ["sessionid", "sessionidC1", "sessionidC2"]
        assert client.get("/view").json() == LARGE


def test_until_a_date(clock: ManualClock) -> None:
    tomorrow = date.fromtimestamp(clock()) + timedelta(days=2)
    with override_settings(CLIENT_SESSION_CLOCK=clock, CLIENT_SESSION_READ_SIGNED_COOKIES=tomorrow):
        client = Client()
        client.cookies["sessionid"] = signed_cookie({"user": "ada"})
        assert client.get("/view").json() == {"user": "ada"}

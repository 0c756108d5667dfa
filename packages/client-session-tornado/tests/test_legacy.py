"""Cookies written by Tornado's own set_signed_cookie (versions 1 and 2), read as sessions."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import httpx
import pytest
import tornado.web
from tornado.web import create_signed_value

from client_session_conformance.harnesses.tornado import serve_application
from client_session_core import (
    ConfigurationError,
    KeyRing,
    SessionCodec,
    SessionPolicy,
    generate_key,
)
from client_session_core.adapter import LegacySession
from client_session_tornado import SessionMixin, client_session_codec, tornado_signed_cookies
from client_session_tornado._legacy import signed_value_time

SECRET = generate_key()
DAY = 24 * 3600


def signed(
    value: bytes, *, name: str = "session", version: int = 2, secret: Any = SECRET, **kw: Any
) -> str:
    """What RequestHandler.set_signed_cookie(name, value) sends: Tornado's own signing."""
    return create_signed_value(secret, name, value, version=version, **kw).decode()


def now() -> int:
    return int(time.time())


@pytest.mark.parametrize("version", [1, 2])
def test_a_signed_json_object_reads_as_the_session_with_the_time_its_signature_covers(
    version: int,
) -> None:
    # Issue 22: the core judges an old cookie from its own signing time, never from now.
    at = now() - 3600
    cookie = signed(json.dumps({"user": "ada", "n": 1}).encode(), version=version, clock=lambda: at)
    legacy = tornado_signed_cookies(SECRET, name="session", until=now() + 60)
    assert legacy.read(cookie, now()) == LegacySession({"user": "ada", "n": 1}, at)


def test_versioned_secrets_of_tornados_key_rotation() -> None:
    secrets = {0: generate_key(), 1: SECRET}
    # One signing time: two reads of the clock may fall on either side of a second.
    at = now() - 5
    cookie = signed(b'{"user":"ada"}', secret=secrets, key_version=0, clock=lambda: at)
    legacy = tornado_signed_cookies(secrets, name="session", until=now() + 60)
    assert legacy.read(cookie, now()) == LegacySession({"user": "ada"}, at)


@pytest.mark.parametrize("at", [1, 1_300_000_000, 1_800_000_000, 2**32 - 1])
@pytest.mark.parametrize(("version", "key_version"), [(1, None), (2, None), (2, 0), (2, 12345)])
def test_the_time_is_the_timestamp_field_of_both_formats(
    at: int, version: int, key_version: int | None
) -> None:
    secret: Any = SECRET if key_version is None else {key_version: SECRET}
    value = create_signed_value(
        secret, "session", b"x|1:2|3", version=version, clock=lambda: at, key_version=key_version
    )
    assert signed_value_time(value) == at


def test_no_refused_cookie_reaches_tornados_log(caplog: pytest.LogCaptureFixture) -> None:
    # Tornado's version-1 check logs the value it refuses at WARNING: a cookie's content
    # never reaches a log through our reader, and Tornado's own use of it still logs.
    cookie = signed(b'{"user":"ada-the-secret-holder"}', version=1)
    tampered = cookie.replace("|", "|9", 1)
    other = tornado_signed_cookies(generate_key(), name="session", until=now() + 60)
    with caplog.at_level(logging.DEBUG):
        assert other.read(cookie, now()) is None
        assert other.read(tampered, now()) is None
    assert caplog.records == []
    with caplog.at_level(logging.DEBUG):
        tornado.web.decode_signed_value(generate_key(), "session", cookie, clock=time.time)
    assert [record.name for record in caplog.records] == ["tornado.general"]


@pytest.mark.parametrize("version", [1, 2])
def test_another_secret_or_another_name_is_no_session(version: int) -> None:
    cookie = signed(b'{"user":"ada"}', version=version)
    other_secret = tornado_signed_cookies(generate_key(), name="session", until=now() + 60)
    assert other_secret.read(cookie, now()) is None
    other_name = tornado_signed_cookies(SECRET, name="user", until=now() + 60)
    assert other_name.read(cookie, now()) is None


@pytest.mark.parametrize("version", [1, 2])
def test_max_age_days_is_honoured_on_the_codecs_clock(version: int) -> None:
    written = now()
    cookie = signed(b'{"user":"ada"}', version=version)
    legacy = tornado_signed_cookies(SECRET, name="session", until=written + 60 * DAY)
    assert legacy.read(cookie, written + 30 * DAY) is not None
    assert legacy.read(cookie, written + 32 * DAY) is None
    short = tornado_signed_cookies(SECRET, name="session", until=written + DAY, max_age_days=1)
    assert short.read(cookie, written + DAY // 2) is not None
    assert short.read(cookie, written + DAY + 2) is None


def test_decode_turns_a_bare_value_into_a_session() -> None:
    at = now()
    cookie = signed(b"42", name="user", clock=lambda: at)
    legacy = tornado_signed_cookies(
        SECRET, name="user", until=now() + 60, decode=lambda raw: {"user_id": raw.decode()}
    )
    assert legacy.read(cookie, now()) == LegacySession({"user_id": "42"}, at)


def test_a_signed_value_that_is_not_a_json_object_is_no_session() -> None:
    legacy = tornado_signed_cookies(SECRET, name="session", until=now() + 60)
    assert legacy.read(signed(b"42"), now()) is None
    assert legacy.read(signed(b"not json"), now()) is None
    assert legacy.read(signed(b'[["user", "ada"]]'), now()) is None


def test_a_cookie_secret_is_required() -> None:
    with pytest.raises(ConfigurationError, match="cookie_secret"):
        tornado_signed_cookies("", name="session", until=now() + 60)


@pytest.mark.parametrize(
    ("cookie_secret", "setting"),
    [
        ("my-tornado-cookie-secret-for-this-app", "cookie_secret"),
        (b"secret", "cookie_secret"),
        ({0: SECRET, 1: "changeme"}, "cookie_secret[1]"),
    ],
    ids=["words", "bytes", "one-version-of-a-dict"],
)
def test_a_weak_cookie_secret_is_refused_saying_the_risk_and_the_way_out(
    cookie_secret: Any, setting: str
) -> None:
    # Issue 22: anyone who guesses cookie_secret forges a signed cookie, which would be
    # resealed as a valid session.
    with pytest.raises(ConfigurationError) as raised:
        tornado_signed_cookies(cookie_secret, name="session", until=now() + 60)
    message = str(raised.value)
    assert message.startswith(f"{setting} is too weak to trust the Tornado signed cookies ")
    assert "forge" in message
    assert "Stop reading them with client_session_codec(legacy_cookies=None)" in message
    for weak in ("tornado-cookie", "changeme", "secret'"):
        assert weak not in message


def test_every_version_of_a_strong_cookie_secret_passes() -> None:
    secrets: dict[int, str | bytes] = {0: generate_key(), 1: generate_key().encode()}
    cookie = signed(b'{"user":"ada"}', secret=secrets, key_version=1)
    legacy = tornado_signed_cookies(secrets, name="session", until=now() + 60)
    found = legacy.read(cookie, now())
    assert found is not None
    assert found.data == {"user": "ada"}


class _Login(tornado.web.RequestHandler):
    """The application before the switch: the user id in a signed cookie."""

    def get(self) -> None:
        # set_secure_cookie was renamed set_signed_cookie in Tornado 6.3.
        set_signed_cookie = getattr(self, "set_signed_cookie", None) or self.set_secure_cookie
        set_signed_cookie("user", "42")


class _Whoami(SessionMixin, tornado.web.RequestHandler):
    """The application after the switch: the user id in the session."""

    def get(self) -> None:
        self.write({"user_id": self.session.get("user_id")})


def test_a_set_signed_cookie_user_is_a_session_after_the_switch_over_tornado() -> None:
    cookie_secret = generate_key()
    before = tornado.web.Application([(r"/login", _Login)], cookie_secret=cookie_secret)
    legacy = tornado_signed_cookies(
        cookie_secret,
        name="user",
        until=now() + 60,
        decode=lambda raw: {"user_id": raw.decode()},
    )
    after = tornado.web.Application(
        [(r"/whoami", _Whoami)],
        cookie_secret=cookie_secret,
        client_session=client_session_codec(SECRET, cookie_name="user", legacy_cookies=legacy),
    )
    with serve_application(before) as old_url, serve_application(after) as new_url:
        written = httpx.get(f"{old_url}/login").headers["set-cookie"]
        old_cookie = written.partition(";")[0]  # what Tornado's own set_signed_cookie wrote
        response = httpx.get(f"{new_url}/whoami", headers={"Cookie": old_cookie})
        assert response.json() == {"user_id": "42"}
        resealed = response.headers["set-cookie"].partition(";")[0]
        ours = SessionCodec(SessionPolicy(keys=KeyRing([SECRET]), cookie_name="user"))
        assert ours.load(resealed).data() == {"user_id": "42"}
        response = httpx.get(f"{new_url}/whoami", headers={"Cookie": resealed})
        assert response.json() == {"user_id": "42"}
        assert "set-cookie" not in response.headers

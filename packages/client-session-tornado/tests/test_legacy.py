"""Cookies written by Tornado's own set_signed_cookie (versions 1 and 2), read as sessions."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from tornado.web import create_signed_value

from client_session_core import ConfigurationError, LegacySession, generate_key
from client_session_tornado._legacy import tornado_signed_cookies

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
def test_a_signed_json_object_reads_as_the_session(version: int) -> None:
    cookie = signed(json.dumps({"user": "ada", "n": 1}).encode(), version=version)
    legacy = tornado_signed_cookies(SECRET, name="session", until=now() + 60)
    assert legacy.read(cookie, now()) == LegacySession({"user": "ada", "n": 1}, None)


def test_versioned_secrets_of_tornados_key_rotation() -> None:
    secrets = {0: generate_key(), 1: SECRET}
    cookie = signed(b'{"user":"ada"}', secret=secrets, key_version=0)
    legacy = tornado_signed_cookies(secrets, name="session", until=now() + 60)
    assert legacy.read(cookie, now()) == LegacySession({"user": "ada"}, None)


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
    cookie = signed(b"42", name="user")
    legacy = tornado_signed_cookies(
        SECRET, name="user", until=now() + 60, decode=lambda raw: {"user_id": raw.decode()}
    )
    assert legacy.read(cookie, now()) == LegacySession({"user_id": "42"}, None)


def test_a_signed_value_that_is_not_a_json_object_is_no_session() -> None:
    legacy = tornado_signed_cookies(SECRET, name="session", until=now() + 60)
    assert legacy.read(signed(b"42"), now()) is None
    assert legacy.read(signed(b"not json"), now()) is None


def test_a_cookie_secret_is_required() -> None:
    with pytest.raises(ConfigurationError, match="cookie_secret"):
        tornado_signed_cookies("", name="session", until=now() + 60)

"""LegacyCookies: an old format's reader, asked until its cut-off, never trusted blindly."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Mapping
from typing import Any

import pytest

from client_session_core import (
    JSONSerializer,
    LegacyCookies,
    LegacySession,
    cutoff_timestamp,
    signed_within,
)
from client_session_core._errors import ConfigurationError

NOW = 1_800_000_000
OLD_VALUE = "eyJ1c2VyIjoiYWRhIn0=.aDlk3w.signature-of-the-old-format"


def read_fixed(found: LegacySession | Mapping[str, Any] | None) -> Any:
    def reader(value: str, now: int) -> LegacySession | Mapping[str, Any] | None:
        return found if value == OLD_VALUE else None

    return reader


def legacy(found: Any, *, until: int = NOW + 60) -> LegacyCookies:
    return LegacyCookies(reader=read_fixed(found), until=until, label="the old framework")


def test_a_mapping_is_read_as_the_session_and_the_policy_keeps_persistence() -> None:
    assert legacy({"user": "ada"}).read(OLD_VALUE, NOW) == LegacySession({"user": "ada"}, None)


def test_a_legacy_session_carries_its_persistence() -> None:
    found = LegacySession({"user": "ada"}, persistent=True)
    assert legacy(found).read(OLD_VALUE, NOW) == found


def test_the_reader_is_given_the_value_and_the_codecs_time() -> None:
    seen = []

    def reader(value: str, now: int) -> dict[str, Any]:
        seen.append((value, now))
        return {}

    LegacyCookies(reader=reader, until=NOW + 1, label="x").read("value", NOW)
    assert seen == [("value", NOW)]


def test_from_the_cut_off_on_the_reader_is_no_longer_asked() -> None:
    asked = []

    def reader(value: str, now: int) -> dict[str, Any]:
        asked.append(now)
        return {"user": "ada"}

    cookies = LegacyCookies(reader=reader, until=NOW, label="x")
    assert cookies.read(OLD_VALUE, NOW - 1) is not None
    assert cookies.read(OLD_VALUE, NOW) is None
    assert cookies.read(OLD_VALUE, NOW + 3600) is None
    assert asked == [NOW - 1]


@pytest.mark.parametrize(
    "found",
    [None, ["not", "a", "session"], "a signed string", {1: "integer key"}, LegacySession([])],  # type: ignore[arg-type]
    ids=["none", "list", "string", "integer-key", "legacy-list"],
)
def test_what_is_not_a_session_is_no_session(found: Any) -> None:
    assert legacy(found).read(OLD_VALUE, NOW) is None


def test_any_exception_of_the_old_library_is_a_bad_cookie() -> None:
    def reader(value: str, now: int) -> dict[str, Any]:
        raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")

    assert LegacyCookies(reader=reader, until=NOW + 1, label="x").read(OLD_VALUE, NOW) is None


def test_upgrade_gives_the_bytes_in_our_serializer_and_logs_once_at_info_without_content(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.DEBUG, logger="client_session"):
        upgraded = legacy({"user": "ada"}).upgrade(OLD_VALUE, NOW, JSONSerializer(), "session")
    assert upgraded == (LegacySession({"user": "ada"}, None), b'{"user":"ada"}')
    (record,) = caplog.records
    assert record.levelno == logging.INFO
    message = record.getMessage()
    assert message == (
        "session cookie 'session' was in the format of the old framework: read once and "
        "resealed in ours"
    )
    assert "ada" not in message
    assert OLD_VALUE not in message


def test_a_session_our_serializer_cannot_hold_is_refused_and_not_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.DEBUG, logger="client_session"):
        found = legacy({"when": float("nan")}).upgrade(OLD_VALUE, NOW, JSONSerializer(), "s")
    assert found is None
    assert caplog.records == []


def test_a_value_that_does_not_read_is_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="client_session"):
        assert legacy({"user": "ada"}).upgrade("other", NOW, JSONSerializer(), "s") is None
    assert caplog.records == []


@pytest.mark.parametrize(
    ("until", "expected"),
    [
        (NOW, NOW),
        (NOW + 0.9, NOW),
        (datetime.date(2027, 1, 15), 1_800_000_000 - 1_800_000_000 % 86400),
        (datetime.datetime(2027, 1, 15, 8, tzinfo=datetime.timezone.utc), NOW),
    ],
)
def test_cutoff_timestamp(until: Any, expected: int) -> None:
    assert cutoff_timestamp(until) == expected


@pytest.mark.parametrize(
    ("signed_at", "max_age", "read"),
    [
        (NOW, 60, True),  # just signed
        (NOW - 60, 60, True),  # exactly max_age old: itsdangerous reads it (age > max_age fails)
        (NOW - 61, 60, False),
        (NOW + 1, 60, False),  # signed in the future
        (NOW + 1, None, False),
        (NOW - 10 * 365 * 86400, None, True),  # no max_age: no age limit
    ],
)
def test_signed_within_is_the_signed_formats_age_rule(
    signed_at: int, max_age: int | None, read: bool
) -> None:
    assert signed_within(signed_at, NOW, max_age) is read


@pytest.mark.parametrize("until", [True, datetime.datetime(2027, 1, 15), "2027-01-15", None])
def test_a_cut_off_that_is_no_time_is_refused(until: Any) -> None:
    with pytest.raises(ConfigurationError, match="cut-off"):
        cutoff_timestamp(until)


@pytest.mark.parametrize(
    ("reader", "until"),
    [("not callable", NOW), (read_fixed({}), 1.5), (read_fixed({}), True)],
)
def test_legacy_cookies_are_checked_at_construction(reader: Any, until: Any) -> None:
    with pytest.raises(ConfigurationError):
        LegacyCookies(reader=reader, until=until, label="x")


def test_a_legacy_session_carries_its_own_lifetime_cut_to_the_ceiling(make_codec: Any) -> None:
    # As Django's set_expiry, kept in the old cookie's content: resealed in our header.
    for lifetime, sealed in (((3600, 0), (3600, None)), ((0, 10**6), (None, 43200))):
        found = LegacySession({"user": "ada"}, lifetime=lifetime)
        assert legacy(found).read(OLD_VALUE, NOW) == found
        codec = make_codec(legacy_cookies=legacy(found))
        session = codec.load(f"session={OLD_VALUE}")
        assert (session.get("user"), session.lifetime) == ("ada", sealed)
        (set_cookie,) = codec.commit(session).set_cookie
        assert codec.load(set_cookie.split(";", 1)[0]).lifetime == sealed


@pytest.mark.parametrize("lifetime", [(1, 2, 3), (-1, 0), (True, 0), (2**32, 0), "3600"])
def test_a_lifetime_the_header_cannot_hold_is_no_session(lifetime: Any) -> None:
    found = LegacySession({"user": "ada"}, lifetime=lifetime)
    assert legacy(found).read(OLD_VALUE, NOW) is None

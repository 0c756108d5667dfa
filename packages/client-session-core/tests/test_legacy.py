"""LegacyCookies: an old format's reader, asked until its cut-off, never trusted blindly."""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Mapping
from typing import Any

import pytest

from client_session_core import JSONSerializer, generate_key
from client_session_core._errors import ConfigurationError
from client_session_core.adapter import (
    LegacyCookies,
    LegacySession,
    canonical_base64,
    check_legacy_secret,
    check_legacy_secrets,
    cutoff_timestamp,
    signed_within,
)

NOW = 1_800_000_000
OLD_VALUE = "eyJ1c2VyIjoiYWRhIn0=.aDlk3w.signature-of-the-old-format"
SIGNED_AT = NOW - 600


def read_fixed(found: LegacySession | Mapping[str, Any] | None) -> Any:
    def reader(value: str, now: int) -> LegacySession | Mapping[str, Any] | None:
        return found if value == OLD_VALUE else None

    return reader


def legacy(found: Any, *, until: int = NOW + 60) -> LegacyCookies:
    return LegacyCookies(reader=read_fixed(found), until=until, label="the old framework")


def test_a_legacy_session_is_read_with_its_signing_time() -> None:
    found = LegacySession({"user": "ada"}, SIGNED_AT)
    assert legacy(found).read(OLD_VALUE, NOW) == LegacySession({"user": "ada"}, SIGNED_AT)


def test_a_legacy_session_carries_its_persistence() -> None:
    found = LegacySession({"user": "ada"}, SIGNED_AT, persistent=True)
    assert legacy(found).read(OLD_VALUE, NOW) == found


def test_a_bare_mapping_has_no_signing_time_and_reads_nothing_said_once_at_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Issue 22: without its signing time an old cookie's age cannot be bounded.
    cookies = legacy({"user": "ada"})
    with caplog.at_level(logging.DEBUG, logger="client_session"):
        assert cookies.read(OLD_VALUE, NOW) is None
        assert cookies.read(OLD_VALUE, NOW) is None
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    assert "no old cookie's age can be bounded" in record.getMessage()
    assert "ada" not in caplog.text


@pytest.mark.parametrize("signed_at", [True, "1800000000", None, 1.5e9j])
def test_a_signing_time_that_is_no_time_is_no_session(signed_at: Any) -> None:
    assert legacy(LegacySession({"user": "ada"}, signed_at)).read(OLD_VALUE, NOW) is None


def test_the_reader_is_given_the_value_and_the_codecs_time() -> None:
    seen = []

    def reader(value: str, now: int) -> LegacySession:
        seen.append((value, now))
        return LegacySession({}, now)

    LegacyCookies(reader=reader, until=NOW + 1, label="x").read("value", NOW)
    assert seen == [("value", NOW)]


def test_from_the_cut_off_on_the_reader_is_no_longer_asked() -> None:
    asked = []

    def reader(value: str, now: int) -> LegacySession:
        asked.append(now)
        return LegacySession({"user": "ada"}, now)

    cookies = LegacyCookies(reader=reader, until=NOW, label="x")
    assert cookies.read(OLD_VALUE, NOW - 1) is not None
    assert cookies.read(OLD_VALUE, NOW) is None
    assert cookies.read(OLD_VALUE, NOW + 3600) is None
    assert asked == [NOW - 1]


def test_the_end_of_reading_is_said_once_at_warning(caplog: pytest.LogCaptureFixture) -> None:
    # Issue 22: the window closing silently logged everyone out without a word.
    cookies = legacy(LegacySession({"user": "ada"}, SIGNED_AT), until=NOW)
    with caplog.at_level(logging.DEBUG, logger="client_session"):
        for later in (NOW, NOW + 1, NOW + 86400):
            assert cookies.read(OLD_VALUE, later) is None
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    assert record.getMessage() == (
        "the cookies of the old framework are no longer read from 2027-01-15 08:00:00 UTC on "
        "(the cut-off of reading them): a user who still holds one starts a new session"
    )


@pytest.mark.parametrize(
    "found",
    [
        None,
        LegacySession(["not", "a", "session"], SIGNED_AT),  # type: ignore[arg-type]
        LegacySession("a signed string", SIGNED_AT),  # type: ignore[arg-type]
        LegacySession({1: "integer key"}, SIGNED_AT),  # type: ignore[dict-item]
    ],
    ids=["none", "list", "string", "integer-key"],
)
def test_what_is_not_a_session_is_no_session(found: Any) -> None:
    assert legacy(found).read(OLD_VALUE, NOW) is None


def test_any_exception_of_the_old_library_is_a_bad_cookie() -> None:
    def reader(value: str, now: int) -> LegacySession:
        raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")

    assert LegacyCookies(reader=reader, until=NOW + 1, label="x").read(OLD_VALUE, NOW) is None


def test_upgrade_gives_the_bytes_in_our_serializer_and_leaves_logging_to_the_codec(
    caplog: pytest.LogCaptureFixture,
) -> None:
    found = LegacySession({"user": "ada"}, SIGNED_AT)
    with caplog.at_level(logging.DEBUG, logger="client_session"):
        upgraded = legacy(found).upgrade(OLD_VALUE, NOW, JSONSerializer(), "session")
    assert upgraded == (found, b'{"user":"ada"}')
    assert caplog.records == []  # the codec logs the upgrade once it has judged the cookie


def test_a_session_our_serializer_cannot_hold_is_refused_and_not_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.DEBUG, logger="client_session"):
        nan = LegacySession({"when": float("nan")}, SIGNED_AT)
        found = legacy(nan).upgrade(OLD_VALUE, NOW, JSONSerializer(), "s")
    assert found is None
    assert caplog.records == []


def test_a_value_that_does_not_read_is_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="client_session"):
        found = LegacySession({"user": "ada"}, SIGNED_AT)
        assert legacy(found).upgrade("other", NOW, JSONSerializer(), "s") is None
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
        found = LegacySession({"user": "ada"}, NOW - 60, lifetime=lifetime)
        assert legacy(found).read(OLD_VALUE, NOW) == found
        codec = make_codec(legacy_cookies=legacy(found))
        session = codec.load(f"session={OLD_VALUE}")
        assert (session.get("user"), session.lifetime) == ("ada", sealed)
        (set_cookie,) = codec.commit(session).set_cookie
        assert codec.load(set_cookie.split(";", 1)[0]).lifetime == sealed


@pytest.mark.parametrize("lifetime", [(1, 2, 3), (-1, 0), (True, 0), (2**32, 0), "3600"])
def test_a_lifetime_the_header_cannot_hold_is_no_session(lifetime: Any) -> None:
    found = LegacySession({"user": "ada"}, SIGNED_AT, lifetime=lifetime)
    assert legacy(found).read(OLD_VALUE, NOW) is None


@pytest.mark.parametrize(
    ("secret", "weakness"),
    [
        ("dev", "3 characters long"),
        ("django-insecure-changeme", "24 characters long"),
        (b"short bytes", "11 bytes long"),
        ("changeme-changeme-changeme-changeme-changeme", "bits of guessing"),
        ("a" * 64, "bits of guessing"),
        # Placeholders copied from documentation: Tornado's, and startproject's prefix.
        ("__TODO:_GENERATE_YOUR_OWN_RANDOM_VALUE_HERE__", "worth about 0 bits"),
        ("django-insecure-k#2v@9z!q8m$x7w^b6n&c5(j4h3g-f2d1s0a=p9o8i7u6y5t4r", "about 0 bits"),
    ],
)
def test_a_weak_legacy_secret_is_refused_saying_the_risk_and_the_way_out(
    secret: str | bytes, weakness: str
) -> None:
    # Issue 22: a guessable old secret let anyone forge an old cookie, resealed as valid.
    with pytest.raises(ConfigurationError) as caught:
        check_legacy_secret(
            secret, setting="SECRET_KEY", label="Flask's", turn_off="LEGACY_COOKIES = False"
        )
    message = str(caught.value)
    assert message.startswith("SECRET_KEY is too weak to trust the Flask's cookies signed with")
    assert weakness in message
    assert "forge" in message
    assert "Stop reading them with LEGACY_COOKIES = False" in message
    shown = secret if isinstance(secret, str) else secret.decode()
    assert shown not in message.replace("SECRET_KEY", "")


@pytest.mark.parametrize(
    "secret",
    [
        generate_key(),
        "k#2v@9z!q8m$x7w^b6n&c5(j4h3g-f2d1s0a=p9o8i7u6y5t4r",  # Django's get_random_secret_key
        "a3f09c2e7b41d58e96a0c3f27b81e4d59c06a2f38e71b45d",  # secrets.token_hex(24)
        bytes.fromhex("9c1f4e07b2a85d36e1c07f4a92b3d6e85f017c2ab4d9e36f08a17b5c2e94d0f3"),
    ],
)
def test_a_legacy_secret_as_strong_as_a_key_passes(secret: str | bytes) -> None:
    check_legacy_secret(secret, setting="SECRET_KEY", label="x", turn_off="off")


def test_a_legacy_secret_that_is_no_text_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="SECRET_KEY is a int, not text or bytes"):
        check_legacy_secret(12345, setting="SECRET_KEY", label="x", turn_off="off")


@pytest.mark.parametrize(
    ("text", "padded", "canonical"),
    [
        ("SYMjjdde-flQJ_w", False, True),
        ("SYMjjdde+flQJ_w", False, False),  # the standard alphabet's spelling of the same bytes
        ("SYMjjdde-flQJ/w", False, False),
        ("SYMjjdde-flQJ_x", False, False),  # the last character's unused bits set
        ("SYMjjdde-flQJ_w=", False, False),  # padding where there is none
        ("SYMjjdde-flQJ_w ", False, False),
        ("SYMjjdde-flQJé_w", False, False),
        ("", False, True),
        ("gAAAAABl", True, True),
        ("gAAAAABl=", True, False),
        ("gAAAAAB", True, False),  # padding missing
        ("gAAAAAA=", True, True),
        ("gAAAAAB=", True, False),
        ("gAAA AABl", True, False),  # a space, as Fernet's decoder takes it
    ],
)
def test_canonical_base64_is_the_one_spelling_of_its_bytes(
    text: str, padded: bool, canonical: bool
) -> None:
    # The fuzzer found itsdangerous and Fernet opening other spellings of a signed value.
    assert canonical_base64(text, padded=padded) is canonical


def test_each_old_secret_of_a_list_or_of_versions_is_named_by_its_place() -> None:
    strong = generate_key()
    for secrets, named in (
        ([strong, "dev"], "FALLBACKS[1]"),
        ({0: strong, 7: "dev"}, "FALLBACKS[7]"),
    ):
        with pytest.raises(ConfigurationError, match=rf"^{re.escape(named)} is too weak"):
            check_legacy_secrets(secrets, setting="FALLBACKS", label="x", turn_off="off")
    check_legacy_secrets([strong], setting="FALLBACKS", label="x", turn_off="off")

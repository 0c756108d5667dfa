"""The codec with legacy cookies: read only when ours do not parse, resealed on that response."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from client_session_core import (
    ConfigurationError,
    InvalidReason,
    KeyRing,
    SessionCodec,
    SessionPolicy,
)
from client_session_core.adapter import LegacyCookies, LegacySession
from client_session_core.testing import ManualClock

from .conftest import NOW, PRIMARY_KEY

OLD_VALUE = "eyJ1c2VyIjoiYWRhIn0.aDlk3w.an-old-signature"
SIGNED_AT = NOW - 600  # ten minutes before the codec's clock


class CountingReader:
    """Reads one made-up old cookie, signed at SIGNED_AT unless told, and counts what it was
    asked."""

    def __init__(self, found: Any = None) -> None:
        self.found = LegacySession({"user": "ada"}, SIGNED_AT) if found is None else found
        self.asked: list[str] = []

    def __call__(self, value: str, now: int) -> Any:
        self.asked.append(value)
        return self.found if value == OLD_VALUE else None


def codec_with(
    reader: CountingReader, clock: ManualClock, *, until: int = NOW + 3600, **options: Any
) -> SessionCodec:
    legacy = LegacyCookies(reader=reader, until=until, label="the old framework")
    policy = SessionPolicy(keys=KeyRing([PRIMARY_KEY]), legacy_cookies=legacy, **options)
    return SessionCodec(policy, clock=clock)


def test_an_old_cookie_opens_and_is_resealed_in_ours_on_that_response(
    clock: ManualClock,
) -> None:
    codec = codec_with(CountingReader(), clock)
    session = codec.load(f"session={OLD_VALUE}")
    assert session.data() == {"user": "ada"}
    assert (session.new, session.rejected, session.modified) == (False, None, False)
    (set_cookie,) = codec.commit(session).set_cookie
    resealed = codec.load(set_cookie.partition(";")[0])
    assert resealed.data() == {"user": "ada"}
    assert not resealed.origin.needs_rekey
    # Its own signing time, not the upgrade's: a replayed old cookie is no fresh session.
    assert resealed.created_at == SIGNED_AT


def test_it_is_resealed_even_when_the_application_never_reads_it(clock: ManualClock) -> None:
    codec = codec_with(CountingReader(), clock)
    commit = codec.commit(codec.load(f"session={OLD_VALUE}"))
    assert len(commit.set_cookie) == 1
    assert commit.vary_cookie


def test_our_cookies_and_no_cookie_never_reach_the_reader(clock: ManualClock) -> None:
    reader = CountingReader()
    codec = codec_with(reader, clock)
    ours = codec.seal({"user": "grace"})
    assert codec.load(f"session={ours}").data() == {"user": "grace"}
    assert codec.load(None).data() == {}
    forged = ours[:-4] + ("AAAA" if not ours.endswith("AAAA") else "BBBB")
    assert codec.load(f"session={forged}").rejected is not None
    clock.advance(3 * 3600)
    assert codec.load(f"session={ours}").rejected is not None  # expired: ours, refused
    assert reader.asked == []


def test_an_old_cookie_that_does_not_read_is_a_bad_cookie(clock: ManualClock) -> None:
    reader = CountingReader()
    codec = codec_with(reader, clock)
    session = codec.load("session=not.an.old.cookie")
    assert session.data() == {}
    assert session.rejected is not None
    assert reader.asked == ["not.an.old.cookie"]
    assert codec.commit(session).set_cookie[0].startswith("session=; ")  # deleted


def test_from_the_cut_off_on_the_reader_is_not_asked(clock: ManualClock) -> None:
    reader = CountingReader()
    codec = codec_with(reader, clock, until=NOW + 60)
    clock.advance(60)
    assert codec.load(f"session={OLD_VALUE}").data() == {}
    assert reader.asked == []


@pytest.mark.parametrize(("persistent", "max_age"), [(True, True), (False, False)])
def test_the_old_cookies_persistence_is_kept(
    clock: ManualClock, persistent: bool, max_age: bool
) -> None:
    reader = CountingReader(LegacySession({"user": "ada"}, SIGNED_AT, persistent=persistent))
    codec = codec_with(reader, clock, persistent=not persistent)
    (set_cookie,) = codec.commit(codec.load(f"session={OLD_VALUE}")).set_cookie
    assert ("Max-Age=" in set_cookie) is max_age


def test_an_upgrade_is_logged_once_at_info_without_content(
    clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    codec = codec_with(CountingReader(), clock)
    with caplog.at_level(logging.DEBUG, logger="client_session"):
        codec.commit(codec.load(f"session={OLD_VALUE}"))
    (record,) = caplog.records
    assert record.levelno == logging.INFO
    assert record.getMessage() == (
        "session cookie 'session' was in the format of the old framework: read once and "
        "resealed in ours"
    )
    assert "ada" not in record.getMessage()
    assert OLD_VALUE not in record.getMessage()


# -- issue 22: an old cookie is judged by the same rules as ours -------------------------------


def test_an_old_cookie_signed_before_not_before_is_refused(clock: ManualClock) -> None:
    # "Log everyone out" also logs out whoever still holds an old framework's cookie.
    codec = codec_with(CountingReader(), clock, not_before=SIGNED_AT + 1)
    session = codec.load(f"session={OLD_VALUE}")
    assert (session.data(), session.rejected) == ({}, InvalidReason.NOT_BEFORE)
    assert codec.commit(session).set_cookie[0].startswith("session=; ")  # deleted
    signed_after = CountingReader(LegacySession({"user": "ada"}, SIGNED_AT + 1))
    codec = codec_with(signed_after, clock, not_before=SIGNED_AT + 1)
    assert codec.load(f"session={OLD_VALUE}").data() == {"user": "ada"}


@pytest.mark.parametrize(
    ("options", "limit"),
    [
        ({"idle_timeout": None, "absolute_lifetime": 7200}, 7200),
        # An old format with no age limit, under a policy with no absolute lifetime: the
        # ceiling (max_session_lifetime) bounds it, not the old format.
        ({"idle_timeout": 86400, "absolute_lifetime": None, "max_session_lifetime": 86400}, 86400),
    ],
)
def test_an_old_cookie_is_read_for_the_absolute_lifetime_from_its_signing_and_never_after(
    clock: ManualClock, options: dict[str, Any], limit: int
) -> None:
    reader = CountingReader(LegacySession({"user": "ada"}, NOW))
    codec = codec_with(reader, clock, until=NOW + 10 * 365 * 86400, **options)
    clock.advance(limit - 1)
    assert codec.load(f"session={OLD_VALUE}").data() == {"user": "ada"}
    clock.advance(1)
    expired = (InvalidReason.EXPIRED_IDLE, InvalidReason.EXPIRED_ABSOLUTE)
    assert codec.load(f"session={OLD_VALUE}").rejected in expired


def test_no_restart_lengthens_the_time_an_old_cookie_is_read(clock: ManualClock) -> None:
    # The review's reproducer: the reading window ran from start-up, and each restart opened
    # a replayed old cookie again. Now each cookie's time runs from its own signature.
    reader = CountingReader(LegacySession({"user": "ada"}, NOW))
    for _restart in range(3):
        clock.advance(43200 // 2)  # a new process, later each time, reading for a year
        codec = codec_with(
            reader,
            clock,
            until=int(clock()) + 365 * 86400,
            idle_timeout=None,
            absolute_lifetime=43200,
        )
        opened = codec.load(f"session={OLD_VALUE}").data() == {"user": "ada"}
        assert opened is (clock() - NOW < 43200)


def test_the_idle_timeout_does_not_count_from_an_old_signature(clock: ManualClock) -> None:
    # Tornado signs once, at login: a signing time is no last activity. Under the default
    # policy (30 minutes idle, 12 hours absolute) a cookie signed 2 hours ago is read, and
    # its resealed session goes on from now, ending 12 hours after the old signature.
    reader = CountingReader(LegacySession({"user": "ada"}, NOW - 7200))
    codec = codec_with(reader, clock)
    session = codec.load(f"session={OLD_VALUE}")
    assert session.data() == {"user": "ada"}
    (set_cookie,) = codec.commit(session).set_cookie
    resealed = codec.load(set_cookie.partition(";")[0])
    assert (resealed.created_at, resealed.data()) == (NOW - 7200, {"user": "ada"})
    assert "Max-Age=1800;" in set_cookie


def test_an_old_cookie_signed_in_the_future_is_refused(clock: ManualClock) -> None:
    skew = 60
    ahead = CountingReader(LegacySession({"user": "ada"}, NOW + skew + 1))
    session = codec_with(ahead, clock, clock_skew=skew).load(f"session={OLD_VALUE}")
    assert session.rejected is InvalidReason.FROM_THE_FUTURE
    within = CountingReader(LegacySession({"user": "ada"}, NOW + skew))
    assert codec_with(within, clock, clock_skew=skew).load(f"session={OLD_VALUE}").data()


def test_an_old_cookie_too_large_to_reseal_is_refused_and_deleted_never_an_error(
    clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    # Flask and Django allowed sessions our budget cannot hold once sealed: a 500 on every
    # request until the old cookie expired.
    large = CountingReader(LegacySession({"blob": "x" * 3900}, SIGNED_AT))
    codec = codec_with(large, clock)
    with caplog.at_level(logging.DEBUG, logger="client_session"):
        session = codec.load(f"session={OLD_VALUE}")
    assert (session.data(), session.rejected) == ({}, InvalidReason.TOO_LARGE)
    assert [record.getMessage() for record in caplog.records] == [
        "session cookie 'session' refused: too_large"
    ]
    assert "xxxx" not in caplog.text
    (deletion,) = codec.commit(session).set_cookie
    assert deletion.startswith("session=; ")
    # Deleted even where refused cookies are otherwise left alone (Flask's drop-in).
    leaving = codec_with(large, clock, clear_invalid=False)
    (deletion,) = leaving.commit(leaving.load(f"session={OLD_VALUE}")).set_cookie
    assert deletion.startswith("session=; ")
    # With chunks allowed, the same session fits and is resealed over several cookies.
    chunked = codec_with(large, clock, max_chunks=2).load(f"session={OLD_VALUE}")
    assert chunked.get("blob") == "x" * 3900


def test_reading_old_cookies_is_announced_in_one_line_at_start_up(
    clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="client_session"):
        codec_with(CountingReader(), clock, until=NOW + 86400)
    (record,) = caplog.records
    assert record.levelno == logging.INFO
    assert record.getMessage() == (
        "session cookie 'session': reading the cookies of the old framework until "
        "2027-01-16 08:00:00 UTC, each for at most 43200 s after it was signed and never one "
        "signed before not_before, and resealing them in ours"
    )


def test_a_cut_off_already_past_is_a_warning_at_start_up(
    clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="client_session"):
        codec_with(CountingReader(), clock, until=NOW)
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    assert "are no longer read: their cut-off, 2027-01-15 08:00:00 UTC, has passed" in (
        record.getMessage()
    )


def test_a_policy_takes_only_legacy_cookies() -> None:
    with pytest.raises(ConfigurationError, match="legacy_cookies must be a LegacyCookies"):
        SessionPolicy(keys=KeyRing([PRIMARY_KEY]), legacy_cookies=CountingReader())  # type: ignore[arg-type]

"""The codec with legacy cookies: read only when ours do not parse, resealed on that response."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from client_session_conformance import ManualClock
from client_session_core import (
    ConfigurationError,
    KeyRing,
    LegacyCookies,
    LegacySession,
    SessionCodec,
    SessionPolicy,
)

from .conftest import NOW, PRIMARY_KEY

OLD_VALUE = "eyJ1c2VyIjoiYWRhIn0.aDlk3w.an-old-signature"


class CountingReader:
    """Reads one made-up old cookie, and counts what it was asked."""

    def __init__(self, found: Any = None) -> None:
        self.found = {"user": "ada"} if found is None else found
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
    assert resealed.created_at == NOW


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
    reader = CountingReader(LegacySession({"user": "ada"}, persistent=persistent))
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
    assert "ada" not in record.getMessage()
    assert OLD_VALUE not in record.getMessage()


def test_a_policy_takes_only_legacy_cookies() -> None:
    with pytest.raises(ConfigurationError, match="legacy_cookies must be a LegacyCookies"):
        SessionPolicy(keys=KeyRing([PRIMARY_KEY]), legacy_cookies=CountingReader())  # type: ignore[arg-type]

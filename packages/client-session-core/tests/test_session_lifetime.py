"""A session's own lifetime ("remember me"): sealed in the header, enforced by the server."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from client_session_core import (
    ConfigurationError,
    InvalidReason,
    KeyRing,
    LifetimeTooLong,
    SessionCodec,
    SessionPolicy,
)
from client_session_core.adapter import Action
from client_session_core.wire import Envelope

DAY = 24 * 3600
MONTH = 30 * DAY


def _value(codec: SessionCodec, session: Any) -> tuple[str, str]:
    """The cookie value the commit of ``session`` sets, and its whole Set-Cookie."""
    (set_cookie,) = codec.commit(session).set_cookie
    return set_cookie.split(";", 1)[0].partition("=")[2], set_cookie


def _remembered(codec: SessionCodec, **lifetime: Any) -> str:
    session = codec.load(None)
    session["user"] = 7
    session.set_lifetime(**lifetime)
    return _value(codec, session)[0]


def test_without_a_lifetime_the_header_is_unchanged(codec: SessionCodec) -> None:
    session = codec.load(None)
    session["user"] = 7
    envelope = Envelope.parse(_value(codec, session)[0])
    assert (envelope.lifetime, envelope.flags, envelope.header_size) == (None, 0x05, 42)


def test_a_lifetime_is_sealed_in_the_header(make_codec: Any) -> None:
    codec = make_codec(max_session_lifetime=MONTH)
    envelope = Envelope.parse(_remembered(codec, idle_timeout=14 * DAY))
    assert (envelope.lifetime, envelope.flags, envelope.header_size) == ((14 * DAY, 0), 0x07, 50)
    assert codec.load(f"session={_remembered(codec, idle_timeout=14 * DAY)}").lifetime == (
        14 * DAY,
        None,
    )


def test_a_longer_idle_timeout_outlives_the_policys(make_codec: Any, clock: Any) -> None:
    codec = make_codec(max_session_lifetime=MONTH)
    value = _remembered(codec, idle_timeout=14 * DAY)
    clock.advance(13 * DAY)  # far past the policy's 30 minutes and 12 hours
    assert codec.load(f"session={value}").get("user") == 7
    clock.advance(DAY)
    assert codec.load(f"session={value}").rejected is InvalidReason.EXPIRED_IDLE


def test_a_shorter_idle_timeout_ends_sooner(codec: SessionCodec, clock: Any) -> None:
    value = _remembered(codec, idle_timeout=300, absolute_lifetime=3600)
    clock.advance(299)
    assert codec.load(f"session={value}").rejected is None
    clock.advance(1)
    assert codec.load(f"session={value}").rejected is InvalidReason.EXPIRED_IDLE


def test_the_ceiling_ends_a_session_kept_alive_by_use(make_codec: Any, clock: Any) -> None:
    codec = make_codec(max_session_lifetime=MONTH)
    value = _remembered(codec, idle_timeout=14 * DAY)
    for visits in (1, 2):  # used every 10 days: the idle timeout never ends it
        clock.advance(10 * DAY)
        session = codec.load(f"session={value}")
        session["visits"] = session.get("visits", 0) + 1
        assert session.data() == {"user": 7, "visits": visits}
        value = _value(codec, session)[0]
    clock.advance(10 * DAY)  # 30 days after it was created
    assert codec.load(f"session={value}").rejected is InvalidReason.EXPIRED_ABSOLUTE


def test_a_lowered_ceiling_shortens_sessions_already_sealed(make_codec: Any, clock: Any) -> None:
    value = _remembered(make_codec(max_session_lifetime=MONTH), absolute_lifetime=MONTH)
    clock.advance(2 * DAY)
    lowered = make_codec(max_session_lifetime=DAY)
    assert lowered.load(f"session={value}").rejected is InvalidReason.EXPIRED_ABSOLUTE


def test_a_cookie_sealed_under_a_higher_ceiling_is_resealed_with_the_lower_one(
    make_codec: Any, clock: Any
) -> None:
    # Its own lifetime was refused on every reseal (LifetimeTooLong): a 500 on each request
    # that changed the session, until the cookie expired.
    value = _remembered(make_codec(max_session_lifetime=2 * MONTH), absolute_lifetime=2 * MONTH)
    clock.advance(DAY)
    lowered = make_codec(max_session_lifetime=MONTH)
    session = lowered.load(f"session={value}")
    assert session.lifetime == (None, MONTH)  # what is enforced now
    session["x"] = 1
    (set_cookie,) = lowered.commit(session).set_cookie
    resealed = lowered.load(set_cookie.partition(";")[0])
    assert (resealed.get("x"), resealed.lifetime) == (1, (None, MONTH))


def test_max_age_follows_the_sessions_lifetime(make_codec: Any, clock: Any) -> None:
    codec = make_codec(max_session_lifetime=MONTH)
    session = codec.load(None)
    session["user"] = 7
    session.set_lifetime(absolute_lifetime=20 * DAY)
    assert "Max-Age=1728000;" in _value(codec, session)[1]
    session = codec.load(None)
    session["user"] = 7
    session.set_lifetime(idle_timeout=DAY)  # no absolute: the ceiling bounds it
    assert "Max-Age=86400;" in _value(codec, session)[1]


def test_a_browser_session_cookie_keeps_its_own_lifetime(make_codec: Any, clock: Any) -> None:
    codec = make_codec(max_session_lifetime=MONTH)
    session = codec.load(None)
    session["user"] = 7
    session.set_lifetime(idle_timeout=3 * DAY)
    session.persistent = False
    value, set_cookie = _value(codec, session)
    assert "Max-Age" not in set_cookie
    clock.advance(2 * DAY)
    assert codec.load(f"session={value}").rejected is None


def test_a_new_lifetime_is_a_change_and_the_same_one_is_not(make_codec: Any, clock: Any) -> None:
    codec = make_codec(max_session_lifetime=MONTH)
    value = _remembered(codec, idle_timeout=14 * DAY)
    same = codec.load(f"session={value}")
    same.set_lifetime(idle_timeout=14 * DAY)
    assert not same.modified
    assert codec.commit(same).action is Action.VARY
    other = codec.load(f"session={value}")
    other.set_lifetime(idle_timeout=7 * DAY)
    assert other.modified
    assert codec.commit(other).action is Action.RESEAL
    reset = codec.load(f"session={value}")
    reset.reset_lifetime()
    assert reset.lifetime is None
    commit = codec.commit(reset)
    assert commit.action is Action.RESEAL
    assert Envelope.parse(commit.set_cookie[0].split(";")[0][8:]).lifetime is None


def test_a_lifetime_set_after_the_commit_is_a_change_it_missed(make_codec: Any) -> None:
    codec = make_codec(max_session_lifetime=MONTH)
    session = codec.load(None)
    session["user"] = 7
    codec.commit(session)
    assert not session.unsaved
    session.set_lifetime(idle_timeout=DAY)
    assert session.unsaved


def test_renewal_is_a_fraction_of_the_sessions_own_idle_timeout(
    make_codec: Any, clock: Any
) -> None:
    codec = make_codec(max_session_lifetime=MONTH)
    value = _remembered(codec, idle_timeout=4 * DAY)
    clock.advance(DAY - 1)
    session = codec.load(f"session={value}")
    session.get("user")
    assert codec.commit(session).action is Action.VARY
    clock.advance(1)
    session = codec.load(f"session={value}")
    session.get("user")
    assert codec.commit(session).action is Action.RESEAL


def test_clearing_returns_to_the_policys_lifetime(make_codec: Any) -> None:
    codec = make_codec(max_session_lifetime=MONTH)
    session = codec.load(f"session={_remembered(codec, idle_timeout=DAY)}")
    session.clear()
    session["user"] = 8
    assert session.lifetime is None


def test_over_the_ceiling_raises_at_commit(make_codec: Any) -> None:
    codec = make_codec()  # no max_session_lifetime: the policy's 12 hours
    session = codec.load(None)
    session["user"] = 7
    session.set_lifetime(idle_timeout=DAY)
    with pytest.raises(LifetimeTooLong, match=r"idle_timeout=86400.*43200"):
        codec.commit(session)


@pytest.mark.parametrize(
    ("lifetime", "error", "message"),
    [
        ({}, ValueError, "needs idle_timeout"),
        ({"idle_timeout": 0}, ValueError, "positive whole number"),
        ({"absolute_lifetime": -5}, ValueError, "positive whole number"),
        ({"idle_timeout": 2**32}, ValueError, "positive whole number"),
        ({"idle_timeout": 10, "absolute_lifetime": 5}, ValueError, "could never apply"),
        ({"idle_timeout": True}, TypeError, "whole seconds"),
        # The compiled build refuses a float before the method runs, in its own words.
        ({"idle_timeout": 1.5}, TypeError, None),
    ],
)
def test_set_lifetime_refuses_what_it_cannot_seal(
    codec: SessionCodec, lifetime: dict[str, Any], error: type[Exception], message: str | None
) -> None:
    with pytest.raises(error, match=message):
        codec.load(None).set_lifetime(**lifetime)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_session_lifetime": 0}, "positive whole number"),
        ({"max_session_lifetime": "30d"}, "positive whole number"),
        ({"max_session_lifetime": 3600}, r"shorter than absolute_lifetime \(43200 s\)"),
        (
            {"max_session_lifetime": 600, "absolute_lifetime": None},
            r"shorter than idle_timeout \(1800 s\)",
        ),
    ],
)
def test_max_session_lifetime_is_checked_at_start_up(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        SessionPolicy(keys=KeyRing(["z76G3iWRnUMt72gCbxf2v3cqPNo0Q2vTnD7TFsg4z30"]), **options)


def test_the_ceiling_defaults_to_the_policys_own_lifetime() -> None:
    keys = KeyRing(["z76G3iWRnUMt72gCbxf2v3cqPNo0Q2vTnD7TFsg4z30"])
    assert SessionPolicy(keys=keys).session_lifetime_ceiling == 43200
    assert SessionPolicy(keys=keys, absolute_lifetime=None).session_lifetime_ceiling == 1800
    assert SessionPolicy(keys=keys, max_session_lifetime=MONTH).session_lifetime_ceiling == MONTH


def test_a_tampered_lifetime_is_forged(make_codec: Any) -> None:
    codec = make_codec(max_session_lifetime=MONTH)
    value = _remembered(codec, idle_timeout=DAY)
    raw = bytearray(Envelope.parse(value).raw)
    raw[45] ^= 0x01  # the idle field's last byte
    forged = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    assert codec.load(f"session={forged}").rejected is InvalidReason.FORGED

"""SessionPolicy(write_identity=False): session identities rolled out readers first.

A fleet upgraded server by server runs this release beside the previous one, which refuses
flag bit 2 (the identity block) as a reserved bit. With writing off, this release reads
identities and keeps the one a cookie carries, but seals none on a session that has none, so
that every cookie it writes opens on a server of the previous release.
"""

from __future__ import annotations

from typing import Any

import pytest

from client_session_core import ConfigurationError, KeyRing, Session, SessionCodec
from client_session_core.adapter import Action, LegacyCookies, LegacySession
from client_session_core.revocation import MemoryRevocationStore, Revocations
from client_session_core.testing import ManualClock
from client_session_core.wire import (
    FLAG_IDENTITY,
    FLAG_OWN_LIFETIME,
    FLAG_PERSISTENT,
    Envelope,
    Sealer,
)

from .conftest import NOW, OLD_KEY, PRIMARY_KEY, MakeCodec

# The flags the release before identities reads: any other bit is reserved there, and a cookie
# holding one is refused (docs/wire-format.md, "Flags").
PREVIOUS_RELEASE_FLAGS = FLAG_PERSISTENT | FLAG_OWN_LIFETIME


def _value(commit: Any) -> str:
    (set_cookie,) = commit.set_cookie
    return str(set_cookie.split(";", 1)[0].partition("=")[2])


def _previous_release_opens(value: str) -> bool:
    """Whether a server of the previous release reads ``value``'s header: no flag it does
    not know (the key, the tag and the lifetimes are the same in both releases)."""
    return Envelope.parse(value).flags & ~PREVIOUS_RELEASE_FLAGS == 0


def _reopen(codec: SessionCodec, value: str) -> Session:
    session = codec.load(f"session={value}")
    assert session.rejected is None
    return session


def _sealed_before_identities(codec: SessionCodec, created_at: int) -> str:
    # What the release before identities wrote: no flag bit 2, the JSON alone.
    return Sealer(codec.policy.keys).seal(
        b'{"count":5}', "session", created_at, created_at, FLAG_PERSISTENT
    )


@pytest.fixture
def reader_only(make_codec: MakeCodec) -> SessionCodec:
    return make_codec(write_identity=False)


def test_write_identity_is_on_by_default_and_must_be_a_bool(make_codec: MakeCodec) -> None:
    assert make_codec().policy.write_identity is True
    with pytest.raises(ConfigurationError, match=r"write_identity must be True or False, not 1"):
        make_codec(write_identity=1)


def test_revocations_with_identities_not_written_are_refused_naming_both(
    make_codec: MakeCodec,
) -> None:
    revocations = Revocations(MemoryRevocationStore())
    with pytest.raises(ConfigurationError) as refused:
        make_codec(write_identity=False, revocations=revocations)
    assert refused.value.options == ("revocations", "write_identity")
    assert "revocations needs write_identity=True" in str(refused.value)


def test_a_new_session_is_sealed_without_an_identity(reader_only: SessionCodec) -> None:
    session = reader_only.load(None)
    session["count"] = 1
    commit = reader_only.commit(session)
    assert commit.action is Action.START
    value = _value(commit)
    assert Envelope.parse(value).flags == FLAG_PERSISTENT
    assert _previous_release_opens(value)
    reopened = _reopen(reader_only, value)
    assert (reopened.origin.session_id, reopened["count"]) == (None, 1)


def test_a_cookie_with_an_identity_keeps_it_through_every_reseal(
    make_codec: MakeCodec, clock: ManualClock
) -> None:
    # Sealed by a server that writes identities (the second step under way), with a user.
    writer = make_codec(keys=KeyRing([OLD_KEY]))
    session = writer.load(None)
    session["count"] = 1
    session.bind_user("ada")
    value = _value(writer.commit(session))
    sealed_id = _reopen(writer, value).sealed_id
    reader = make_codec(keys=KeyRing([PRIMARY_KEY, OLD_KEY]), write_identity=False)
    for step in range(3):  # re-keyed (an older key), then changed, then renewed
        session = _reopen(reader, value)
        assert (session.sealed_id, session.user_id) == (sealed_id, "ada")
        if step == 1:
            session["count"] = 2
        else:
            session.mark_accessed()
        clock.advance(1000)
        commit = reader.commit(session)
        assert commit.action is Action.RESEAL
        value = _value(commit)
        assert Envelope.parse(value).flags == FLAG_PERSISTENT | FLAG_IDENTITY
    reopened = _reopen(reader, value)
    assert (reopened.sealed_id, reopened.user_id, reopened["count"]) == (sealed_id, "ada", 2)
    assert reopened.created_at == NOW  # one session, its lifetime kept


def test_id_and_bind_user_refuse_whatever_the_cookie_holds(
    make_codec: MakeCodec, reader_only: SessionCodec
) -> None:
    with_identity = make_codec().seal({"count": 1}, user_id="ada")
    for session in (reader_only.load(None), _reopen(reader_only, with_identity)):
        with pytest.raises(ConfigurationError) as refused:
            session.id  # noqa: B018 - the property is what raises
        assert refused.value.options == ("write_identity",)
        assert "session.id needs session identities" in str(refused.value)
        with pytest.raises(ConfigurationError, match=r"bind_user\(\) needs session identities"):
            session.bind_user("grace")
    # The bound user is read as the cookie holds it, and kept.
    assert _reopen(reader_only, with_identity).user_id == "ada"
    assert reader_only.load(None).user_id is None
    with pytest.raises(ConfigurationError, match="write_identity=True"):
        reader_only.load(None).sealed_id  # noqa: B018 - none is made


def test_regenerate_starts_a_new_lifetime_without_writing_an_identity(
    reader_only: SessionCodec, clock: ManualClock
) -> None:
    old = _sealed_before_identities(reader_only, NOW)
    clock.advance(60)
    session = _reopen(reader_only, old)
    session.regenerate()  # a login: works on every server of the rollout
    commit = reader_only.commit(session)
    assert commit.action is Action.START
    value = _value(commit)
    assert _previous_release_opens(value)
    reopened = _reopen(reader_only, value)
    assert (reopened.origin.session_id, reopened.created_at, reopened["count"]) == (
        None,
        NOW + 60,
        5,
    )


def test_regenerate_gives_a_cookie_that_carries_an_identity_a_new_one(
    make_codec: MakeCodec, reader_only: SessionCodec
) -> None:
    session_id = bytes(range(16))
    session = _reopen(reader_only, make_codec().seal({"count": 1}, session_id=session_id))
    session.regenerate()
    value = _value(reader_only.commit(session))
    assert Envelope.parse(value).flags & FLAG_IDENTITY
    assert _reopen(reader_only, value).sealed_id not in (session_id, None)


def test_a_cookie_from_before_identities_is_resealed_without_one(
    reader_only: SessionCodec, clock: ManualClock
) -> None:
    old = _sealed_before_identities(reader_only, NOW)
    clock.advance(60)
    session = _reopen(reader_only, old)
    session["count"] = 6
    value = _value(reader_only.commit(session))
    assert Envelope.parse(value).flags == FLAG_PERSISTENT
    reopened = _reopen(reader_only, value)
    assert (reopened.origin.session_id, reopened["count"], reopened.created_at) == (None, 6, NOW)


def test_clear_then_refill_starts_a_session_without_an_identity(
    make_codec: MakeCodec, reader_only: SessionCodec
) -> None:
    session = _reopen(reader_only, make_codec().seal({"count": 1}, user_id="ada"))
    session.clear()  # a logout: the next content is a new session, as a new one is sealed
    session["count"] = 1
    value = _value(reader_only.commit(session))
    assert _previous_release_opens(value)
    reopened = _reopen(reader_only, value)
    assert (reopened.origin.session_id, reopened.user_id) == (None, None)


def test_every_cookie_a_reader_only_server_writes_opens_on_the_previous_release(
    reader_only: SessionCodec, clock: ManualClock
) -> None:
    # A user's requests through the first step: a login, "remember me" (flag bit 1, which
    # the previous release reads), changes, renewals and a logout.
    session = reader_only.load(None)
    session["cart"] = [1]
    written = [_value(reader_only.commit(session))]
    session = _reopen(reader_only, written[-1])
    session.regenerate()
    session.set_lifetime(absolute_lifetime=6 * 3600)
    written.append(_value(reader_only.commit(session)))
    for _ in range(3):
        clock.advance(900)
        session = _reopen(reader_only, written[-1])
        session["cart"] = [*session["cart"], 2]
        written.append(_value(reader_only.commit(session)))
    assert Envelope.parse(written[-1]).flags == FLAG_PERSISTENT | FLAG_OWN_LIFETIME
    assert all(_previous_release_opens(value) for value in written)
    assert _previous_release_opens(reader_only.seal({"count": 1}))  # the tools' seal too


def test_an_old_frameworks_cookie_is_resealed_without_an_identity(
    make_codec: MakeCodec,
) -> None:
    def reader(value: str, now: int) -> LegacySession | None:
        return LegacySession({"user": "ada"}, NOW - 600) if value == "old.cookie" else None

    legacy = LegacyCookies(reader=reader, until=NOW + 3600, label="the old framework")
    codec = make_codec(write_identity=False, legacy_cookies=legacy)
    session = codec.load("session=old.cookie")
    assert session.data() == {"user": "ada"}
    value = _value(codec.commit(session))
    assert _previous_release_opens(value)
    assert _reopen(codec, value).origin.session_id is None

"""A session's identity: an id for its whole life, sealed where only the key reads it, a new
one at regenerate() and after a logout, and the user bound to it."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from client_session_core import KeyRing, Session, SessionCodec
from client_session_core.adapter import Action
from client_session_core.testing import ManualClock
from client_session_core.wire import (
    FLAG_IDENTITY,
    FLAG_PERSISTENT,
    Envelope,
    Sealer,
    identity_block,
    read_identity,
)

from .conftest import NOW, OLD_KEY, PRIMARY_KEY, MakeCodec


def _commit(codec: SessionCodec, session: Session) -> tuple[Action, str | None]:
    """The commit's action and the cookie value it sets (None when it sets none)."""
    commit = codec.commit(session)
    if not commit.set_cookie:
        return commit.action, None
    (set_cookie,) = commit.set_cookie
    return commit.action, set_cookie.split(";", 1)[0].partition("=")[2]


def _reopen(codec: SessionCodec, value: str | None) -> Session:
    assert value is not None
    session = codec.load(f"session={value}")
    assert session.rejected is None
    return session


def _started(codec: SessionCodec, **data: Any) -> tuple[Session, str | None]:
    session = codec.load(None)
    session.update(data or {"count": 1})
    action, value = _commit(codec, session)
    assert action is Action.START
    return session, value


def test_a_new_session_keeps_the_id_it_was_asked_for_when_first_sealed(codec: SessionCodec) -> None:
    session = codec.load(None)
    asked = session.id
    assert len(asked) == 22
    assert base64.urlsafe_b64decode(asked + "==") == session.sealed_id
    assert session.id == asked  # asked twice, one id
    session["count"] = 1
    _, value = _commit(codec, session)
    assert _reopen(codec, value).id == asked


def test_the_id_persists_across_reseals_renewals_and_a_key_rotation(
    make_codec: MakeCodec, clock: ManualClock
) -> None:
    codec = make_codec(keys=KeyRing([OLD_KEY]), renew_after=0.5)
    session, value = _started(codec)
    first = session.id
    for step in range(3):  # changed, then renewed (sliding expiry): the id stays
        session = _reopen(codec, value)
        assert session.id == first
        if step == 0:
            session["count"] = 2
        clock.advance(1000)
        action, value = _commit(codec, session)
        assert action is Action.RESEAL
    rotated = make_codec(keys=KeyRing([PRIMARY_KEY, OLD_KEY]))
    session = _reopen(rotated, value)
    assert session.origin.needs_rekey
    assert session["count"] == 2  # used: a cookie under an older key is resealed
    action, value = _commit(rotated, session)
    assert action is Action.RESEAL  # resealed under the new primary
    assert _reopen(make_codec(keys=KeyRing([PRIMARY_KEY])), value).id == first


def test_every_session_has_its_own_id(codec: SessionCodec) -> None:
    ids = {_started(codec)[0].id for _ in range(50)}
    assert len(ids) == 50


def test_the_cookie_never_shows_the_id_nor_the_user(codec: SessionCodec) -> None:
    # Sealed in the ciphertext: the cookie holds neither the id's bytes nor its text, nor the
    # user id, in the value or in its decoded bytes.
    for user in ("alice@example.com", "user-42", "Zoë"):
        session = codec.load(None)
        session["count"] = 1
        session.bind_user(user)
        commit = codec.commit(session)
        (set_cookie,) = commit.set_cookie
        value = set_cookie.split(";", 1)[0].partition("=")[2]
        raw = Envelope.parse(value).raw
        for secret in (session.sealed_id, session.id.encode(), user.encode()):
            assert secret not in raw
            assert secret not in set_cookie.encode()
        assert Envelope.parse(value).flags & FLAG_IDENTITY


def test_regenerate_starts_a_new_identity_and_lifetime_and_keeps_the_data(
    codec: SessionCodec, clock: ManualClock
) -> None:
    session, value = _started(codec, count=3, cart=["a"])
    before = session.id
    clock.advance(600)
    session = _reopen(codec, value)
    session.bind_user("42")
    session.set_lifetime(idle_timeout=900)
    session.persistent = False
    _, value = _commit(codec, session)
    clock.advance(600)
    session = _reopen(codec, value)
    assert session.created_at == NOW
    session.regenerate()
    assert session.regenerated
    assert session.id != before
    after = session.id
    assert session.unsaved
    assert session.modified
    action, value = _commit(codec, session)
    assert action is Action.START
    reopened = _reopen(codec, value)
    assert reopened.id == after
    assert reopened.created_at == NOW + 1200  # a new absolute lifetime
    assert reopened.data() == {"count": 3, "cart": ["a"]}
    assert reopened.user_id == "42"
    assert reopened.lifetime == (900, None)
    assert reopened.persistent is False


def test_regenerate_on_an_empty_session_writes_no_cookie(codec: SessionCodec) -> None:
    session = codec.load(None)
    session.regenerate()
    assert _commit(codec, session) == (Action.VARY, None)


def test_regenerate_after_the_commit_is_a_change_no_cookie_carries(codec: SessionCodec) -> None:
    session, value = _started(codec)
    session = _reopen(codec, value)
    assert session["count"] == 1
    assert _commit(codec, session) == (Action.VARY, None)
    assert not session.unsaved
    session.regenerate()
    assert session.unsaved


def test_bind_user_round_trips_and_none_unbinds(codec: SessionCodec) -> None:
    session, value = _started(codec)
    session = _reopen(codec, value)
    assert session.user_id is None
    session.bind_user("user-7")
    assert session.unsaved
    assert session.modified
    action, value = _commit(codec, session)
    assert action is Action.RESEAL
    session = _reopen(codec, value)
    assert session.user_id == "user-7"
    session.bind_user("user-7")  # the same user: no change
    assert not session.unsaved
    assert _commit(codec, session) == (Action.VARY, None)
    session.bind_user(None)
    assert session.unsaved
    action, value = _commit(codec, session)
    assert action is Action.RESEAL
    assert _reopen(codec, value).user_id is None


def test_a_binding_after_the_commit_is_a_change_no_cookie_carries(codec: SessionCodec) -> None:
    session, value = _started(codec)
    session = _reopen(codec, value)
    _commit(codec, session)
    session.bind_user("late")
    assert session.unsaved


@pytest.mark.parametrize(
    ("user", "error", "message"),
    [
        ("", ValueError, "1 to 128 bytes"),
        ("é" * 65, ValueError, "not 130"),
        ("\udc00", ValueError, "lone surrogate"),
        # The compiled build refuses another type at the call, in mypyc's words: both name it.
        (42, TypeError, r"\bint\b"),
        (b"42", TypeError, r"\bbytes\b"),
    ],
)
def test_bind_user_refuses_what_the_cookie_cannot_hold(
    codec: SessionCodec, user: Any, error: type[Exception], message: str
) -> None:
    session = codec.load(None)
    with pytest.raises(error, match=message):
        session.bind_user(user)
    assert session.user_id is None


def test_the_longest_user_id_is_128_bytes_of_utf8(codec: SessionCodec) -> None:
    session = codec.load(None)
    session["count"] = 1
    session.bind_user("é" * 64)
    _, value = _commit(codec, session)
    assert _reopen(codec, value).user_id == "é" * 64


def test_clear_and_refill_is_a_new_session_with_a_new_id_and_no_user(
    codec: SessionCodec, clock: ManualClock
) -> None:
    session, value = _started(codec)
    session = _reopen(codec, value)
    session.bind_user("9")
    _, value = _commit(codec, session)
    old = _reopen(codec, value)
    before = old.id
    clock.advance(60)
    old.clear()  # logout
    assert old.user_id is None
    old["count"] = 1  # and a new visitor's data
    assert old.id != before
    refilled = old.id
    action, value = _commit(codec, old)
    assert action is Action.START
    reopened = _reopen(codec, value)
    assert (reopened.id, reopened.user_id, reopened.created_at) == (refilled, None, NOW + 60)


def _sealed_before_identities(codec: SessionCodec, created_at: int) -> str:
    # What the release before identities wrote: no flag bit 2, the JSON alone.
    return Sealer(codec.policy.keys).seal(
        b'{"count":5}', "session", created_at, created_at, FLAG_PERSISTENT
    )


def test_an_old_cookie_without_an_id_opens_and_gets_one_when_resealed(
    codec: SessionCodec, clock: ManualClock
) -> None:
    old = _sealed_before_identities(codec, NOW)
    clock.advance(60)
    session = _reopen(codec, old)
    assert session.origin.session_id is None
    assert session["count"] == 5
    assert not session.unsaved  # not the application's change
    action, value = _commit(codec, session)
    assert action is Action.RESEAL  # an old cookie is resealed with an id when used
    reopened = _reopen(codec, value)
    assert reopened.origin.session_id is not None
    assert reopened.created_at == NOW  # its lifetime is kept
    assert value is not None
    assert Envelope.parse(value).flags == FLAG_PERSISTENT | FLAG_IDENTITY
    # The id asked on that request is the one sealed.
    session = _reopen(codec, old)
    asked = session.id
    _, value = _commit(codec, session)
    assert _reopen(codec, value).id == asked


def test_an_old_cookie_left_unused_is_left_alone(codec: SessionCodec) -> None:
    session = _reopen(codec, _sealed_before_identities(codec, NOW))
    assert _commit(codec, session) == (Action.NOTHING, None)


def test_the_identity_block_is_the_id_the_user_length_and_the_user() -> None:
    session_id = bytes(range(16))
    assert identity_block(session_id, None) == session_id + b"\x00"
    assert identity_block(session_id, "Zoë") == session_id + b"\x04Zo\xc3\xab"
    assert read_identity(session_id + b"\x04Zo\xc3\xab{}") == (session_id, "Zoë", b"{}")
    assert read_identity(session_id + b"\x00{}") == (session_id, None, b"{}")
    with pytest.raises(ValueError, match="16 bytes"):
        identity_block(session_id[:15], None)
    with pytest.raises(ValueError, match="1 to 128 bytes"):
        identity_block(session_id, "x" * 129)


def test_codec_seal_writes_an_identity_and_a_user(codec: SessionCodec) -> None:
    session_id = bytes(range(16))
    value = codec.seal({"count": 1}, session_id=session_id, user_id="u")
    session = _reopen(codec, value)
    assert (session.sealed_id, session.user_id) == (session_id, "u")


def test_a_session_made_by_hand_gets_an_id_when_asked() -> None:
    session = Session({"a": 1})
    assert len(session.id) == 22
    assert session.user_id is None

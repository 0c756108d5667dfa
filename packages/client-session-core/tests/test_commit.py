"""The commit decision, row by row of docs/policy.md, and changes made after a commit."""

from __future__ import annotations

from typing import Any

import pytest

from client_session_core import (
    Action,
    Commit,
    CookieOrigin,
    InvalidReason,
    KeyRing,
    SessionCodec,
)
from client_session_core._commit import commit_of
from client_session_core._session import cookie_origin


def _cookie(codec: SessionCodec, data: dict[str, Any] | None = None) -> str:
    session = codec.load(None)
    session.update(data or {"count": 1})
    (set_cookie,) = codec.commit(session).set_cookie
    return set_cookie.split(";", 1)[0]


def test_untouched_is_nothing(codec: SessionCodec) -> None:
    commit = codec.commit(codec.load(_cookie(codec)))
    assert (commit.action, commit.set_cookie, commit.vary_cookie) == (Action.NOTHING, (), False)


def test_untouched_with_a_refused_cookie_deletes_it(codec: SessionCodec) -> None:
    commit = codec.commit(codec.load("session=garbage"))
    assert commit.action is Action.DELETE
    assert commit.vary_cookie


def test_read_unchanged_and_fresh_is_vary_only(codec: SessionCodec) -> None:
    session = codec.load(_cookie(codec))
    session.get("count")
    commit = codec.commit(session)
    assert (commit.action, commit.set_cookie, commit.vary_cookie) == (Action.VARY, (), True)


def test_read_unchanged_with_renewal_due_is_a_reseal(codec: SessionCodec, clock: Any) -> None:
    header = _cookie(codec)
    clock.advance(codec.policy.renew_after * codec.policy.idle_timeout)  # type: ignore[operator]
    session = codec.load(header)
    session.get("count")
    assert codec.commit(session).action is Action.RESEAL


def test_read_unchanged_under_an_older_key_is_a_reseal(
    make_codec: Any, primary_key: str, old_key: str
) -> None:
    header = _cookie(make_codec(keys=KeyRing([old_key])))
    codec = make_codec(keys=KeyRing([primary_key, old_key]))
    session = codec.load(header)
    session.get("count")
    assert codec.commit(session).action is Action.RESEAL


@pytest.mark.parametrize("change", ["top", "nested", "persistent", "forced"])
def test_changed_is_a_reseal(codec: SessionCodec, change: str) -> None:
    session = codec.load(_cookie(codec, {"cart": [1]}))
    if change == "top":
        session["count"] = 2
    elif change == "nested":
        session["cart"].append(2)
    elif change == "persistent":
        session.persistent = False
    else:
        session.mark_modified()
    assert session.modified
    assert codec.commit(session).action is Action.RESEAL


def test_emptied_is_a_deletion(codec: SessionCodec) -> None:
    session = codec.load(_cookie(codec))
    del session["count"]
    assert codec.commit(session).action is Action.DELETE


@pytest.mark.parametrize("cleared", [False, True])
def test_new_or_cleared_then_filled_starts_a_session(codec: SessionCodec, cleared: bool) -> None:
    session = codec.load(_cookie(codec) if cleared else None)
    if cleared:
        session.clear()
    session["user"] = "ada"
    assert codec.commit(session).action is Action.START


@pytest.mark.parametrize(
    "late_change",
    [
        lambda session: session.__setitem__("late", True),
        lambda session: session["cart"].append(2),
        lambda session: setattr(session, "persistent", False),
        lambda session: session.mark_modified(),
    ],
)
def test_a_change_after_the_commit_is_a_missed_change(
    codec: SessionCodec, late_change: Any
) -> None:
    session = codec.load(_cookie(codec, {"cart": [1]}))
    session.get("cart")
    commit = codec.commit(session)
    assert not commit.missed_change(session)
    late_change(session)
    assert commit.missed_change(session)


def test_a_read_after_the_commit_is_no_missed_change(codec: SessionCodec) -> None:
    session = codec.load(_cookie(codec))
    commit = codec.commit(session)  # unused at the commit
    assert session.get("count") == 1
    assert not commit.missed_change(session)
    session["count"] = 2
    assert commit.missed_change(session)


def test_a_session_saved_then_left_alone_misses_nothing(codec: SessionCodec) -> None:
    session = codec.load(None)
    session["count"] = 1
    commit = codec.commit(session)
    assert commit.action is Action.START
    assert not commit.missed_change(session)


# A value other than the default for each field of the two named tuples.
_NOT_DEFAULT: dict[str, object] = {
    "set_cookie": ("session=x",),
    "vary_cookie": True,
    "action": Action.RESEAL,
    "content": b"{}",
    "persistent": True,
    "forced": True,
    "unwritable": True,
    "lifetime": (60, 3600),
    "plaintext": b"{}",
    "created_at": 7,
    "issued_at": 8,
    "needs_rekey": True,
    "rejected": InvalidReason.MALFORMED,
    "chunk_cookies": 2,
    "cookie_present": True,
}


@pytest.mark.parametrize(
    ("named_tuple", "builder"),
    [(Commit, commit_of), (CookieOrigin, cookie_origin)],
    ids=["Commit", "CookieOrigin"],
)
def test_the_request_path_builders_take_the_named_tuples_fields_in_order(
    named_tuple: Any, builder: Any
) -> None:
    # The codec builds these with tuple.__new__ (C in the compiled build): a field added to
    # the class and not to its builder, or in another order, would shift every field after.
    # (A compiled builder has no inspectable signature: its behaviour is what is checked.)
    assert type(builder()) is named_tuple
    assert builder() == named_tuple()
    for name in named_tuple._fields:
        value = _NOT_DEFAULT[name]
        if name == "persistent" and named_tuple is CookieOrigin:
            value = False  # its default is True
        assert builder(**{name: value}) == named_tuple(**{name: value}), name

"""The commit decision, row by row of docs/policy.md, and changes made after a commit."""

from __future__ import annotations

from typing import Any

import pytest

from client_session_core import InvalidReason, JSONSerializer, KeyRing, SessionCodec
from client_session_core.adapter import Action, Commit, CookieOrigin


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
    assert session.unsaved
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
        lambda session: session.clear(),
    ],
)
def test_a_change_after_the_commit_is_unsaved_again(codec: SessionCodec, late_change: Any) -> None:
    session = codec.load(_cookie(codec, {"cart": [1]}))
    session.get("cart")
    codec.commit(session)
    assert not session.unsaved  # what the commit wrote (or left) is what the session holds
    late_change(session)
    assert session.unsaved


def test_a_change_through_a_value_handed_out_before_the_commit_is_found(
    codec: SessionCodec,
) -> None:
    # The application kept the list and changes it after the headers went out, without
    # touching the session again: the content still tells it.
    session = codec.load(_cookie(codec, {"cart": [1]}))
    cart = session["cart"]
    codec.commit(session)
    assert not session.unsaved
    cart.append(2)
    assert session.unsaved


def test_a_change_through_a_value_stored_before_the_commit_is_found(codec: SessionCodec) -> None:
    session = codec.load(None)
    cart = [1]
    session["cart"] = cart
    codec.commit(session)
    assert not session.unsaved
    cart.append(2)
    assert session.unsaved


def test_a_read_after_the_commit_is_no_change(codec: SessionCodec) -> None:
    session = codec.load(_cookie(codec))
    commit = codec.commit(session)  # unused at the commit
    assert commit.action is Action.NOTHING
    assert session.get("count") == 1
    assert not session.unsaved
    assert session.accessed
    session["count"] = 2
    assert session.unsaved


def test_an_equal_assignment_after_the_commit_is_no_change(codec: SessionCodec) -> None:
    session = codec.load(_cookie(codec))
    session["count"] = 2
    codec.commit(session)
    session["count"] = 2  # the bytes the response carries
    assert not session.unsaved


def test_a_session_saved_then_left_alone_is_saved_but_still_modified(
    codec: SessionCodec,
) -> None:
    session = codec.load(None)
    session["count"] = 1
    commit = codec.commit(session)
    assert commit.action is Action.START
    assert not session.unsaved  # its cookie is on the response
    # The frameworks' flags keep telling the request's story (Flask's tests read them after
    # the response).
    assert session.modified
    assert session.accessed


class _CountingSerializer(JSONSerializer):
    def __init__(self) -> None:
        super().__init__()
        self.dumps_calls = 0

    def dumps(self, data: Any) -> bytes:
        self.dumps_calls += 1
        return super().dumps(data)


@pytest.mark.parametrize(
    "content", [{"count": 1}, {"user": 7, "name": "Ada", "admin": False, "ratio": 0.5}]
)
def test_a_session_untouched_since_its_commit_answers_without_serializing(
    make_codec: Any, content: dict[str, Any]
) -> None:
    # The late-change check of an adapter whose headers are sent (WSGI after start_response,
    # Tornado after flush()) runs on every request: when nothing reached the session since
    # the commit, and no value that changes in place was handed out, it costs no
    # serialization (the commit's was the request's one).
    serializer = _CountingSerializer()
    codec = make_codec(serializer=serializer)
    session = codec.load(f"session={codec.seal(content)}")
    serializer.dumps_calls = 0
    for key in content:
        session[key] = session[key]
    codec.commit(session)
    assert serializer.dumps_calls == 1
    assert not session.unsaved
    assert serializer.dumps_calls == 1


def test_the_decision_seals_nothing_and_commits_nothing(make_codec: Any) -> None:
    serializer = _CountingSerializer()
    codec = make_codec(serializer=serializer)
    session = codec.load(None)
    session["count"] = 1
    assert codec.decide(session) is Action.START
    assert serializer.dumps_calls == 1
    assert session.unsaved  # still measured against the request's cookie, not committed
    assert codec.commit(session).action is Action.START


def test_commit_and_cookie_origin_take_keywords_and_default_to_nothing() -> None:
    commit = Commit()
    assert (commit.set_cookie, commit.vary_cookie, commit.action) == ((), False, Action.NOTHING)
    commit = Commit(set_cookie=("session=x",), vary_cookie=True, action=Action.RESEAL)
    assert (commit.set_cookie, commit.vary_cookie, commit.action) == (
        ("session=x",),
        True,
        Action.RESEAL,
    )
    assert repr(commit) == (
        "Commit(set_cookie=('session=x',), vary_cookie=True, action=<Action.RESEAL: 'reseal'>)"
    )
    origin = CookieOrigin()
    assert (origin.plaintext, origin.persistent, origin.rejected) == (None, True, None)
    origin = CookieOrigin(rejected=InvalidReason.MALFORMED, chunk_cookies=2, cookie_present=True)
    assert (origin.rejected, origin.chunk_cookies, origin.cookie_present) == (
        InvalidReason.MALFORMED,
        2,
        True,
    )
    assert "rejected=<InvalidReason.MALFORMED" in repr(origin)
    with pytest.raises(TypeError):
        Commit(("session=x",))  # type: ignore[call-arg]

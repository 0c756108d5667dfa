"""The Session object: a dict that records reads and finds changes, nested ones included."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from client_session_core import InvalidReason, JSONSerializer, Session, UnserializableValue
from client_session_core.adapter import CookieOrigin

JSON = JSONSerializer()


def _opened(data: dict[str, Any], **origin: Any) -> Session:
    """A session as the codec returns it for a cookie that held ``data``."""
    fields = {"plaintext": JSON.dumps(data), "created_at": 100, "issued_at": 200, **origin}
    return Session(data, origin=CookieOrigin(**fields))


def test_a_new_session_is_new_empty_and_untouched() -> None:
    session = Session()
    assert (session.new, session.accessed, session.modified) == (True, False, False)
    assert (session.rejected, session.created_at) == (None, None)
    assert session.data() == {}


def test_an_opened_session_knows_its_origin() -> None:
    session = _opened({"a": 1}, persistent=False)
    assert not session.new
    assert session.created_at == 100
    assert session.persistent is False
    assert session.data() == {"a": 1}
    assert not session.accessed


def test_a_rejected_session_says_why() -> None:
    session = Session(origin=CookieOrigin(rejected=InvalidReason.FORGED, cookie_present=True))
    assert session.new
    assert session.rejected is InvalidReason.FORGED


@pytest.mark.parametrize(
    "read",
    [
        lambda s: s["a"],
        lambda s: s.get("zz"),
        lambda s: "a" in s,
        lambda s: list(s),
        lambda s: len(s),
        lambda s: s.keys(),
        lambda s: s.values(),
        lambda s: s.items(),
        lambda s: s.copy(),
        lambda s: bool(s),
        lambda s: json.dumps(s),
        lambda s: s.mark_accessed(),
    ],
)
def test_every_read_marks_the_session_accessed(read: Callable[[Session], object]) -> None:
    session = _opened({"a": 1})
    read(session)
    assert session.accessed
    assert not session.modified


def test_data_and_repr_do_not_mark_access() -> None:
    session = _opened({"a": 1})
    assert session.data() == {"a": 1}
    assert repr(session) == "Session({'a': 1})"
    assert not session.accessed


@pytest.mark.parametrize(
    "write",
    [
        lambda s: s.__setitem__("b", 2),
        lambda s: s.__delitem__("a"),
        lambda s: s.pop("a"),
        lambda s: s.popitem(),
        lambda s: s.setdefault("b", []),
        lambda s: s.update({"b": 2}),
        lambda s: s.update(b=2),
        lambda s: s.__ior__({"b": 2}),
        lambda s: s.clear(),
    ],
)
def test_every_write_is_found(write: Callable[[Session], object]) -> None:
    session = _opened({"a": 1})
    write(session)
    assert session.accessed
    assert session.modified


def test_setting_the_same_content_is_modified_but_no_change_to_write() -> None:
    session = _opened({"a": 1, "b": [1, 2]})
    session["a"] = 1
    session["b"] = [1, 2]
    assert session.accessed
    assert session.modified  # as Starlette's and Flask's sessions say after an assignment
    assert not session.unsaved  # but the cookie has nothing new


def test_nested_in_place_changes_are_found() -> None:
    session = _opened({"cart": {"items": ["apple"]}})
    session["cart"]["items"].append("pear")
    assert session.modified
    assert session.data() == {"cart": {"items": ["apple", "pear"]}}


def test_setdefault_returns_the_stored_value() -> None:
    session = _opened({"a": 1})
    assert session.setdefault("a", 5) == 1
    items = session.setdefault("items", [])
    items.append(1)
    assert session.data() == {"a": 1, "items": [1]}


def test_mark_modified_forces_a_save() -> None:
    session = _opened({"a": 1})
    session.mark_modified()
    assert (session.accessed, session.modified) == (True, True)
    assert session.unsaved  # the codec writes it


def test_the_flask_idiom_modified_true_forces_a_save_and_counts_as_access() -> None:
    session = _opened({"a": 1})
    session.modified = True
    assert (session.accessed, session.modified) == (True, True)
    session.modified = False
    assert not session.modified


def test_clear_is_remembered_even_if_refilled() -> None:
    session = _opened({"a": 1})
    session.clear()
    session["a"] = 1
    assert session.was_cleared
    assert session.modified


def test_changing_persistence_is_a_change() -> None:
    session = _opened({"a": 1}, persistent=True)
    session.persistent = False
    assert (session.accessed, session.modified, session.persistent) == (True, True, False)


def test_a_new_session_is_modified_once_it_holds_something() -> None:
    session = Session()
    session["a"] = 1
    assert session.modified
    assert session.unsaved
    del session["a"]
    assert session.modified  # a method changed it, as Starlette and Flask count
    assert not session.unsaved  # empty again: nothing to write


def test_keys_are_strings() -> None:
    session = Session()
    # The pure-Python build says "session keys are strings, not int"; the compiled one
    # refuses the argument's type before the method runs: "str object expected; got int".
    with pytest.raises(TypeError, match=r"str.*\bint\b"):
        session[1] = "x"  # type: ignore[index]
    assert dict(session.data()) == {}


def test_an_unserializable_value_counts_as_a_change() -> None:
    session = _opened({"a": 1})
    session["when"] = object()
    assert session.modified
    with pytest.raises(UnserializableValue, match=r"session\['when'\]"):
        JSON.dumps(session.data())


def test_it_is_a_dict_for_frameworks_and_json() -> None:
    session = _opened({"a": [1, {"b": None}]})
    assert isinstance(session, dict)
    assert json.loads(json.dumps(session)) == {"a": [1, {"b": None}]}
    assert session == {"a": [1, {"b": None}]}
    copy = session.copy()
    assert type(copy) is dict

"""Session.modified after each mutating dict method, as Starlette's and Flask's sessions say.

Code and tests read the flag (``if session.modified: ...``), so it follows the frameworks'
rule: any call that can change the dict sets it, whether or not the content ends up different.
The cookie itself is still written only when the content changed (or, with Flask, on any
assignment): that is the codec's decision, tested beside it.
"""

from __future__ import annotations

from typing import Any

from client_session_core import Session
from client_session_core.adapter import CookieOrigin


def opened(**content: Any) -> Session:
    """A session as a request would open it, holding ``content``, not yet touched."""
    return Session(content)


def test_a_session_nobody_touched_is_not_modified() -> None:
    session = opened(a="1")
    assert not session.modified
    assert not session.mutated


def test_setitem() -> None:
    session = opened(a="1")
    session["b"] = "2"
    assert session.modified
    assert session.mutated


def test_setitem_of_an_equal_value() -> None:
    session = opened(a="1")
    session["a"] = "1"
    assert session.modified
    assert session.mutated


def test_delitem() -> None:
    session = opened(a="1")
    del session["a"]
    assert session.modified
    assert session.accessed


def test_pop_of_a_present_key() -> None:
    session = opened(a="1")
    assert session.pop("a") == "1"
    assert session.modified
    assert session.accessed


def test_pop_of_a_missing_key_is_neither_a_change_nor_a_read() -> None:
    session = opened(a="1")
    assert session.pop("missing", None) is None
    assert not session.modified
    assert not session.accessed


def test_popitem() -> None:
    session = opened(a="1")
    assert session.popitem() == ("a", "1")
    assert session.modified


def test_setdefault_of_a_missing_key() -> None:
    session = opened(a="1")
    assert session.setdefault("b", "2") == "2"
    assert session.modified


def test_setdefault_of_a_present_key_is_a_read() -> None:
    session = opened(a="1")
    assert session.setdefault("a", "2") == "1"
    assert not session.modified
    assert session.accessed


def test_update() -> None:
    session = opened(a="1")
    session.update({"a": "1"})
    assert session.modified
    session = opened(a="1")
    session.update(b="2")
    assert session.modified
    assert dict(session) == {"a": "1", "b": "2"}


def test_clear() -> None:
    session = opened(a="1")
    session.clear()
    assert session.modified


def test_clear_of_an_empty_session() -> None:
    session = opened()
    session.clear()
    assert session.modified


def test_in_place_or() -> None:
    session = opened(a="1")
    session |= {"c": "3"}
    assert session.modified
    assert dict(session) == {"a": "1", "c": "3"}


def test_reads_are_not_changes() -> None:
    session = opened(a="1", nested={"x": [1]})
    assert session["a"] == "1"
    assert session.get("b") is None
    assert "a" in session
    assert len(session) == 2
    assert list(session.items())
    assert not session.modified
    assert not session.mutated
    assert session.accessed


def test_a_change_inside_a_nested_value_is_a_modification_but_no_method_call() -> None:
    origin = CookieOrigin(plaintext=b'{"nested":{"x":[1]}}', cookie_present=True)
    session = Session({"nested": {"x": [1]}}, origin)
    session["nested"]["x"].append(2)
    assert session.modified
    assert not session.mutated

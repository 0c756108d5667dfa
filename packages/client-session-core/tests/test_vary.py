"""Vary and the Cookie header: the one rule every adapter applies, and the value it sends."""

from __future__ import annotations

import pytest

from client_session_core.adapter import vary_covers_cookie, vary_with_cookie


@pytest.mark.parametrize(
    ("values", "covered"),
    [
        ([], False),
        ([""], False),
        (["Accept-Encoding"], False),
        (["Accept-Encoding, Cookies"], False),
        (["Cookie"], True),
        (["accept-encoding,\tCOOKIE "], True),
        (["Accept-Encoding", "Origin, cookie"], True),
        (["*"], True),
        (["Origin", " * "], True),
    ],
)
def test_vary_covers_cookie_when_it_names_cookie_or_star(values: list[str], covered: bool) -> None:
    assert vary_covers_cookie(values) is covered


@pytest.mark.parametrize(
    ("values", "merged"),
    [
        ([], "Cookie"),
        ([""], "Cookie"),
        (["Accept-Encoding"], "Accept-Encoding, Cookie"),
        (["Accept-Encoding", " Origin "], "Accept-Encoding, Origin, Cookie"),
        (["Accept-Encoding", ""], "Accept-Encoding, Cookie"),
        (["accept, cookie"], None),
        (["Origin", "*"], None),
    ],
)
def test_vary_with_cookie_is_the_one_value_to_send(values: list[str], merged: str | None) -> None:
    assert vary_with_cookie(values) == merged

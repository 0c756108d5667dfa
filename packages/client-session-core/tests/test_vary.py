"""When a response's Vary already covers the Cookie header: the one rule every adapter applies."""

from __future__ import annotations

import pytest

from client_session_core import vary_covers_cookie


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

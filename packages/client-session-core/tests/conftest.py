"""Fixtures shared by the core's tests: fixed keys, a clock moved by hand, a tiny browser."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from client_session_core import KeyRing, SessionCodec, SessionPolicy
from client_session_core.adapter import Commit
from client_session_core.testing import ManualClock

NOW = 1_800_000_000
# Made-up keys, fixed so that failures reproduce (generate_key() output has this shape).
PRIMARY_KEY = "z76G3iWRnUMt72gCbxf2v3cqPNo0Q2vTnD7TFsg4z30"
OLD_KEY = "6Qm0bWv3cIq7o-1dNfXkZ2yA8tLrHsP4eUgJ9CwVxYA"


class Browser:
    """Keeps the cookies a response sets and sends them back, as a user agent would.

    Only what these tests need of RFC 6265 section 5.3: a Set-Cookie replaces the cookie of
    the same name; Max-Age=0 deletes it.
    """

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def receive(self, commit: Commit) -> None:
        for header in commit.set_cookie:
            pair, _, attributes = header.partition("; ")
            name, _, value = pair.partition("=")
            if "Max-Age=0;" in attributes + ";":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value

    def header(self) -> str | None:
        if not self.cookies:
            return None
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())


MakeCodec = Callable[..., SessionCodec]


@pytest.fixture
def clock() -> ManualClock:
    """The core's testing clock, at 1_800_000_000 (2027-01-15T08:00:00Z) until moved."""
    return ManualClock(NOW)


@pytest.fixture
def primary_key() -> str:
    return PRIMARY_KEY


@pytest.fixture
def old_key() -> str:
    return OLD_KEY


@pytest.fixture
def browser() -> Browser:
    return Browser()


@pytest.fixture
def make_codec(clock: ManualClock) -> MakeCodec:
    """A codec on ``clock`` with the policy's defaults, the fixed primary key, and ``options``."""

    def make(**options: Any) -> SessionCodec:
        options.setdefault("keys", KeyRing([PRIMARY_KEY]))
        return SessionCodec(SessionPolicy(**options), clock=clock)

    return make


@pytest.fixture
def codec(make_codec: MakeCodec) -> SessionCodec:
    return make_codec()

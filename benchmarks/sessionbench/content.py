"""The sessions the benchmarks carry: the seed's counter, a typical login session, and
counters grown to a size."""

from __future__ import annotations

import json
import random
import string
from typing import Any

__all__ = [
    "SCENARIOS",
    "SESSION_SIZES",
    "blob",
    "counter_session",
    "filled_session",
    "login_session",
    "scenario_label",
    "session_of_size",
    "size_label",
]

SCENARIOS = ("counter", "login")
"""The sessions every variant is measured with, over the wire and in process: the seed's
counter, and :func:`login_session`. The counter route bumps ``count`` in either."""

SESSION_SIZES = (100, 1024, 3072)
"""Serialized sizes, in bytes, of the grown sessions (the scaling figure's x axis)."""

_START_COUNT = 41
_ALPHABET = string.ascii_letters + string.digits


def blob(length: int) -> str:
    """``length`` pseudo-random letters and digits: content zlib cannot shrink much (Flask
    compresses when it helps), the same in every process."""
    return "".join(random.Random(length).choices(_ALPHABET, k=length))


def counter_session() -> dict[str, Any]:
    """The seed's session: one counter (about 12 bytes of JSON)."""
    return {"count": _START_COUNT}


def login_session() -> dict[str, Any]:
    """What an application keeps after a login: a user id, a name, two roles, a 64-character
    CSRF token (32 random bytes in hex, as ``secrets.token_hex(32)`` makes) and the count,
    142 bytes of compact JSON."""
    token = format(random.Random(64).getrandbits(256), "064x")
    return {
        "user_id": 48213,
        "name": "Ada",
        "roles": ["admin", "editor"],
        "csrf": token,
        "count": _START_COUNT,
    }


def filled_session(name: str) -> dict[str, Any]:
    """The session ``GET /fill?session=NAME`` stores: "login", or a size in bytes."""
    return login_session() if name == "login" else session_of_size(int(name))


def scenario_label(scenario: str) -> str:
    """ "counter" -> "counter (12 B)", "login" -> "login (142 B)"."""
    data = login_session() if scenario == "login" else counter_session()
    return f"{scenario} ({len(json.dumps(data, separators=(',', ':')))} B)"


def session_of_size(size: int) -> dict[str, Any]:
    """A counter plus a ``blob`` whose compact JSON is ``size`` bytes long."""
    base = {"count": _START_COUNT, "blob": ""}
    padding = size - len(json.dumps(base, separators=(",", ":")))
    return {"count": _START_COUNT, "blob": blob(max(0, padding))}


def size_label(size: int) -> str:
    """100 -> "100 B", 1024 -> "1 KB"."""
    return f"{size // 1024} KB" if size % 1024 == 0 else f"{size} B"

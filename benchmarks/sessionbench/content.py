"""The sessions the benchmarks carry: the seed's counter, and counters grown to a size."""

from __future__ import annotations

import json
import random
import string
from typing import Any

__all__ = ["SESSION_SIZES", "blob", "counter_session", "session_of_size", "size_label"]

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


def session_of_size(size: int) -> dict[str, Any]:
    """A counter plus a ``blob`` whose compact JSON is ``size`` bytes long."""
    base = {"count": _START_COUNT, "blob": ""}
    padding = size - len(json.dumps(base, separators=(",", ":")))
    return {"count": _START_COUNT, "blob": blob(max(0, padding))}


def size_label(size: int) -> str:
    """100 -> "100 B", 1024 -> "1 KB"."""
    return f"{size // 1024} KB" if size % 1024 == 0 else f"{size} B"

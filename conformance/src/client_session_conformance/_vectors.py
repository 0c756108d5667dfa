"""The JSON test vectors: cookies every implementation must open, cookies it must refuse, and
Cookie headers it must read the same way.

They are ``valid.json``, ``invalid.json`` and ``cookie-headers.json`` in ``conformance/vectors/``
of the repository, shipped inside this package's wheel as ``client_session_conformance/vectors/``.
"""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from client_session_core import KeyRing, SessionPolicy

if sys.version_info >= (3, 11):
    from importlib.resources.abc import Traversable
else:
    from importlib.abc import Traversable

__all__ = [
    "CookieHeaderVector",
    "InvalidVector",
    "ValidVector",
    "load_cookie_header_vectors",
    "load_invalid_vectors",
    "load_valid_vectors",
]

# An editable install imports the package from src/, where the vectors are not: they are
# two directories up, at the top of the conformance distribution.
_REPOSITORY_VECTORS = Path(__file__).resolve().parents[2] / "vectors"


@dataclass(frozen=True, slots=True, kw_only=True)
class _Reader:
    """What every vector has: the reader it is read by."""

    description: str
    keys: tuple[str, ...]
    """The key ring, primary first, as the text :class:`~client_session_core.KeyRing` reads."""
    now: int
    """The time at which the cookie is presented, in seconds since the epoch."""
    cookie_name: str
    policy: Mapping[str, Any]
    """Every other :class:`~client_session_core.SessionPolicy` field the vector sets."""

    def key_ring(self) -> KeyRing:
        """The vector's keys as a key ring."""
        return KeyRing(self.keys)

    def session_policy(self, keys: KeyRing | None = None) -> SessionPolicy:
        """The policy the vector was made with (``keys`` saves deriving the ring again)."""
        return SessionPolicy(
            keys=self.key_ring() if keys is None else keys,
            cookie_name=self.cookie_name,
            **self.policy,
        )

    @property
    def configuration(self) -> tuple[Any, ...]:
        """What a server for this vector depends on, apart from the time (to share servers)."""
        return (self.keys, self.cookie_name, tuple(sorted(self.policy.items())))


@dataclass(frozen=True, slots=True, kw_only=True)
class _Vector(_Reader):
    cookie: str
    """The cookie's value (the part after ``<cookie_name>=``)."""

    @property
    def cookie_header(self) -> str:
        """The ``Cookie`` request header that presents the vector's cookie."""
        return f"{self.cookie_name}={self.cookie}"


@dataclass(frozen=True, slots=True, kw_only=True)
class ValidVector(_Vector):
    """A cookie that opens, at ``now``, under ``keys`` and ``policy``, to ``session``, with
    the identity ``session_id`` and ``user_id`` (flag bit 2; None for both in a cookie sealed
    by a release before identities)."""

    session: dict[str, Any]
    session_id: str | None = None
    """The session's id as ``Session.id`` gives it: the 16 sealed bytes in base64url, 22
    characters (the file holds them in hex)."""
    user_id: str | None = None
    """The user id sealed with it, or None when none is bound."""


@dataclass(frozen=True, slots=True, kw_only=True)
class InvalidVector(_Vector):
    """A cookie that must be refused; ``reason`` is the core's ``InvalidReason`` value."""

    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CookieHeaderVector(_Reader):
    """A ``Cookie`` header (``cookie_header``), the ``value`` a reader takes from it for
    ``cookie_name`` (None: no such cookie), and the ``session`` the header opens to: the
    vector's session, or an empty one refused for ``reason`` (None when there was nothing to
    refuse)."""

    cookie_header: str
    value: str | None
    session: dict[str, Any]
    reason: str | None


def _vectors_file(name: str) -> Traversable:
    packaged = resources.files(__package__ or __name__).joinpath("vectors").joinpath(name)
    if packaged.is_file():
        return packaged
    return _REPOSITORY_VECTORS / name


def _load(name: str) -> list[dict[str, Any]]:
    source = _vectors_file(name)
    if not source.is_file():
        raise FileNotFoundError(
            f"test vectors {name} not found in the installed package or at {_REPOSITORY_VECTORS}"
        )
    document = json.loads(source.read_text(encoding="utf-8"))
    entries = document["vectors"] if isinstance(document, dict) else document
    if not isinstance(entries, list):
        raise ValueError(f"{name}: expected a list of vectors (or {{'vectors': [...]}})")
    return entries


def _reader(entry: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "description": str(entry["description"]),
        "keys": tuple(entry["keys"]),
        "now": int(entry["now"]),
        "cookie_name": str(entry["cookie_name"]),
        "policy": dict(entry.get("policy") or {}),
    }


def _common(entry: Mapping[str, Any]) -> dict[str, Any]:
    return {**_reader(entry), "cookie": str(entry["cookie"])}


def load_valid_vectors() -> list[ValidVector]:
    """The vectors of ``valid.json``: each cookie opens to its ``session``."""
    return [
        ValidVector(
            **_common(entry),
            session=dict(entry["session"]),
            session_id=_id_text(entry.get("session_id")),
            user_id=entry.get("user_id"),
        )
        for entry in _load("valid.json")
    ]


def _id_text(hex_id: str | None) -> str | None:
    if hex_id is None:
        return None
    return base64.urlsafe_b64encode(bytes.fromhex(hex_id)).rstrip(b"=").decode("ascii")


def load_invalid_vectors() -> list[InvalidVector]:
    """The vectors of ``invalid.json``: each cookie is refused, for ``reason``."""
    return [
        InvalidVector(**_common(entry), reason=str(entry["reason"]))
        for entry in _load("invalid.json")
    ]


def load_cookie_header_vectors() -> list[CookieHeaderVector]:
    """The vectors of ``cookie-headers.json``: the value each Cookie header gives the
    cookie, and the session it opens to."""
    return [
        CookieHeaderVector(
            **_reader(entry),
            cookie_header=str(entry["header"]),
            value=None if entry["value"] is None else str(entry["value"]),
            session=dict(entry["session"]),
            reason=None if entry["reason"] is None else str(entry["reason"]),
        )
        for entry in _load("cookie-headers.json")
    ]

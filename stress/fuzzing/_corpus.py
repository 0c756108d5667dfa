"""The real cookies a fuzz run starts from, sealed by the codec as an application would.

Everything is fixed except the random salts and nonces the sealer draws: the keys are
derived from labels (made-up keys, never secrets), and the clock stands still, so a header
that opened or failed once does so again with the same keys (reproducers say which).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

from client_session_core import KeyRing, Session, SessionCodec, SessionPolicy
from client_session_core.wire import identity_block

__all__ = [
    "NOW",
    "Fixture",
    "Original",
    "SealedHeader",
    "build_fixture",
    "cookie_header",
    "key_material",
    "key_text",
    "stranger_header",
]

NOW = 1_800_000_000
"""The fuzz clock: every cookie is judged at this instant."""

KEY_LABELS = ("current", "previous", "stranger")
"""The ring holds "current" (primary) and "previous"; "stranger" seals cookies it can't open."""


def key_material(label: str) -> bytes:
    """The 32 key bytes for ``label``: made-up and reproducible, never a secret."""
    return hashlib.sha256(f"client-session fuzz key: {label}".encode()).digest()


def key_text(label: str) -> str:
    """``key_material(label)`` as the 43 base64url characters of ``client-session keygen``."""
    return base64.urlsafe_b64encode(key_material(label)).rstrip(b"=").decode()


class _FixedClock:
    """A clock that says ``now`` until it is moved (sealing happens at several times)."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@dataclass(frozen=True)
class Original:
    """A session as it was sealed: what a header carrying ``value`` must open to, exactly."""

    value: str
    """The envelope, as sent (for a chunked session, its chunks joined)."""
    data: dict[str, Any]
    plaintext: bytes
    """The serialized session, as ``session.origin.plaintext`` holds it."""
    session_id: bytes
    created_at: int
    issued_at: int
    persistent: bool

    @property
    def sealed(self) -> bytes:
        """What the sealer encrypted, as ``Sealer.open`` gives it back: the identity block
        (flag bit 2, which every cookie is written with), then the serialized session."""
        return identity_block(self.session_id, None) + self.plaintext

    def opened_as(self, session: Session) -> bool:
        """Whether ``session`` is this session, exactly: content, identity, timestamps and
        flag."""
        origin = session.origin
        return (
            origin.plaintext == self.plaintext
            and session.sealed_id == self.session_id
            and session.data() == self.data
            and origin.created_at == self.created_at
            and origin.issued_at == self.issued_at
            and origin.persistent == self.persistent
        )


@dataclass(frozen=True)
class SealedHeader:
    """A Cookie header as a browser sends it back, and the session it carries."""

    label: str
    header: str
    original: Original
    chunked: bool


@dataclass(frozen=True)
class Fixture:
    """One codec (a policy, a key ring, the fixed clock) and the real cookies it opens."""

    name: str
    codec: SessionCodec
    originals: dict[str, Original]
    """Every envelope this codec must open, by value."""
    headers: tuple[SealedHeader, ...]

    @property
    def policy(self) -> SessionPolicy:
        return self.codec.policy


def cookie_header(set_cookie: tuple[str, ...]) -> str:
    """The Cookie header a browser sends back after these Set-Cookie values."""
    pairs = [value.split(";", 1)[0] for value in set_cookie]
    return "; ".join(pair for pair in pairs if not pair.endswith("="))


def _payload(label: str, size: int) -> dict[str, Any]:
    # Distinct content for every original, with the JSON shapes sessions hold.
    filler = hashlib.sha256(label.encode()).hexdigest()
    return {
        "label": label,
        "user": {"id": 42, "name": "Zoë ✓", "roles": ["reader", "writer"]},
        "cart": [{"sku": i, "qty": i % 3 + 1} for i in range(3)],
        "ratio": 0.25,
        "flag": True,
        "none": None,
        "blob": (filler * (size // len(filler) + 1))[:size],
    }


def _seal(
    codec: SessionCodec,
    clock: _FixedClock,
    label: str,
    size: int,
    *,
    sealed_at: int,
    persistent: bool = True,
) -> SealedHeader:
    """Seal a session the way an application does (load, fill, commit) at ``sealed_at``."""
    clock.now = sealed_at
    session = codec.load(None)
    session.update(_payload(label, size))
    session.persistent = persistent
    set_cookie = codec.commit(session).set_cookie
    header = cookie_header(set_cookie)
    policy = codec.policy
    names = [policy.cookie_name, *(policy.chunk_name(i) for i in range(1, 10))]
    values = dict(pair.split("=", 1) for pair in header.split("; "))
    chunked = values[policy.cookie_name].startswith("chunks-")
    if chunked:
        value = "".join(values[name] for name in names[1:] if name in values)
    else:
        value = values[policy.cookie_name]
    data = session.data()
    original = Original(
        value=value,
        data=data,
        plaintext=policy.serializer.dumps(data),
        session_id=session.sealed_id,
        created_at=sealed_at,
        issued_at=sealed_at,
        persistent=persistent,
    )
    return SealedHeader(label=label, header=header, original=original, chunked=chunked)


def build_fixture(name: str, *, max_chunks: int, cookie_name: str = "session") -> Fixture:
    """A codec whose ring is (current, previous), and real cookies for it: small and
    large, persistent and not, sealed under the current and the previous key, and (with
    ``max_chunks`` > 1) chunked over several cookies."""
    clock = _FixedClock(NOW)

    def codec_for(*labels: str) -> SessionCodec:
        ring = KeyRing([key_text(label) for label in labels])
        policy = SessionPolicy(keys=ring, cookie_name=cookie_name, max_chunks=max_chunks)
        return SessionCodec(policy, clock=clock)

    codec = codec_for("current", "previous")
    before_rotation = codec_for("previous")
    sealed = [
        _seal(codec, clock, f"{name}/small", 40, sealed_at=NOW - 60),
        _seal(codec, clock, f"{name}/browser-session", 40, sealed_at=NOW - 30, persistent=False),
        _seal(codec, clock, f"{name}/medium", 1200, sealed_at=NOW - 5),
        # Sealed under the previous key before the rotation: opens, and is resealed.
        _seal(before_rotation, clock, f"{name}/previous-key", 100, sealed_at=NOW - 120),
    ]
    if max_chunks > 1:
        # Two of them, so that a chunk of one can be offered to the other.
        sealed.append(_seal(codec, clock, f"{name}/chunked", 6000, sealed_at=NOW - 10))
        sealed.append(_seal(codec, clock, f"{name}/chunked-too", 6200, sealed_at=NOW - 20))
    clock.now = NOW
    originals = {header.original.value: header.original for header in sealed}
    return Fixture(name=name, codec=codec, originals=originals, headers=tuple(sealed))


def stranger_header(fixture: Fixture) -> str:
    """A valid cookie sealed under a key outside the fixture's ring: it must not open."""
    clock = _FixedClock(NOW)
    policy = SessionPolicy(
        keys=KeyRing([key_text("stranger")]),
        cookie_name=fixture.policy.cookie_name,
        max_chunks=fixture.policy.max_chunks,
    )
    return _seal(SessionCodec(policy, clock=clock), clock, "stranger", 40, sealed_at=NOW).header

"""Generate the test vectors of the client-session v1 wire format from client-session-core.

::

    python conformance/vectors/generate.py           # (re)write every vector file
    python conformance/vectors/generate.py --check   # exit 1 if they differ from a fresh run

Like ``fernet/spec``'s ``generate.json`` and ``invalid.json``, the files pin the format so that
every adapter, and any implementation in another language, reads and writes the same cookies.
Keys, salts and nonces are derived from fixed labels and time is a fixed ``now``, so the output
is the same on every run; every vector is checked against the core's codec before it is written.
``docs/wire-format.md`` describes the format and the files' schema.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import logging
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from client_session_core import (
    MAX_DEPTH,
    ConfigurationError,
    JSONSerializer,
    Key,
    KeyFile,
    KeyRing,
    SessionCodec,
    SessionPolicy,
)
from client_session_core._cookies import parse_cookie_header
from client_session_core.wire import seal_for_test_vector

HERE = Path(__file__).resolve().parent
NOW = 1_800_000_000  # the conformance suite's ManualClock starts here: 2027-01-15T08:00:00Z
MINUTE = 60
DEFAULT_POLICY: dict[str, int | None] = {
    "idle_timeout": 1800,
    "absolute_lifetime": 43200,
    "clock_skew": 60,
    "not_before": None,
}
# Byte offsets of the envelope's fields (docs/wire-format.md, "Byte layout").
VERSION_AT = 0
FLAGS_AT = 1
KID_AT = 2
CREATED_AT = 6
ISSUED_AT = 10
SALT_AT = 14
NONCE_AT = 30
HEADER_SIZE = 42
LIFETIME_AT = 42  # with flags bit 1: idle at 42, absolute at 46 (uint32 each, 0 for none)
LIFETIME_HEADER_SIZE = 50
TAG_SIZE = 16
PERSISTENT = 0x01  # flags bit 0
OWN_LIFETIME = 0x02  # flags bit 1
IDENTITY = 0x04  # flags bit 2: the plaintext starts with the identity block
SESSION_ID_SIZE = 16  # the block: session id (16), user length (1), user id (UTF-8)
DAY = 24 * 3600
# The policy of the own-lifetime vectors: sessions may be given up to 30 days.
REMEMBER_POLICY: dict[str, int | None] = {"max_session_lifetime": 30 * DAY}
SERIALIZER = JSONSerializer()
I_JSON_MAX = 2**53 - 1  # RFC 7493 section 2.2: every reader keeps integers up to this exactly
# The least magnitude that rounds to infinity as a double (docs/wire-format.md, "Plaintext").
DOUBLE_OVERFLOW = 2**1024 - 2**970


def _label_bytes(label: str, size: int) -> bytes:
    return hashlib.sha256(f"client-session vectors: {label}".encode()).digest()[:size]


def _key_text(label: str) -> str:
    return base64.urlsafe_b64encode(_label_bytes(f"key {label}", 32)).rstrip(b"=").decode()


PRIMARY_KEY = _key_text("primary")
OLD_KEY = _key_text("old")
OTHER_KEY = _key_text("other")
# A passphrase as a framework's SECRET_KEY holds one: accepted when long and varied enough,
# then stretched with scrypt. Made up for the vectors, as every key here is. No comma: a text
# holding one is a key list wherever it arrives, never a passphrase ("Key text").
PASSPHRASE = "correct horse battery staple but much longer: 7 vectors / v1"  # noqa: S105


@dataclass(frozen=True)
class Sealed:
    """A cookie value and what went into it."""

    cookie: str
    raw: bytes
    plaintext: bytes
    created_at: int
    issued_at: int
    salt: bytes
    nonce: bytes
    flags: int
    kid: bytes
    lifetime: tuple[int, int] | None = None
    identity: tuple[bytes, str | None] | None = None


def session_id_for(label: str) -> bytes:
    """The session id of a vector, derived from its label as its salt and nonce are."""
    return _label_bytes(f"session id {label}", SESSION_ID_SIZE)


def seal(
    label: str,
    session: dict[str, Any] | bytes,
    *,
    key: str | Key = PRIMARY_KEY,
    cookie_name: str = "session",
    created_at: int = NOW,
    issued_at: int = NOW,
    persistent: bool = True,
    lifetime: tuple[int, int] | None = None,
    identity: tuple[bytes, str | None] | None = None,
    raw_identity: bool = False,
) -> Sealed:
    """Seal ``session`` (a dict, or plaintext bytes); salt and nonce derive from ``label``.

    ``lifetime`` is the session's own (idle, absolute) seconds, 0 for none (flags bit 1);
    ``identity`` the (session id, user id) whose block goes before the plaintext (flags bit
    2). ``raw_identity`` sets flags bit 2 over plaintext bytes that hold their own block, or a
    broken one (the invalid vectors')."""
    ring = KeyRing([key])
    plaintext = session if isinstance(session, bytes) else SERIALIZER.dumps(session)
    salt = _label_bytes(f"salt {label}", 16)
    nonce = _label_bytes(f"nonce {label}", 12)
    flags = PERSISTENT if persistent else 0
    if raw_identity:
        flags |= IDENTITY
    cookie = seal_for_test_vector(
        ring.primary,
        plaintext,
        cookie_name=cookie_name,
        created_at=created_at,
        issued_at=issued_at,
        flags=flags,
        lifetime=lifetime,
        identity=identity,
        salt=salt,
        nonce=nonce,
    )
    raw = base64.urlsafe_b64decode(cookie + "=" * (-len(cookie) % 4))
    kid = ring.primary.kid
    if lifetime is not None:
        flags |= OWN_LIFETIME
    if identity is not None:
        flags |= IDENTITY
    return Sealed(
        cookie, raw, plaintext, created_at, issued_at, salt, nonce, flags, kid, lifetime, identity
    )


def encode(raw: bytes) -> str:
    """base64url without padding."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def flip(raw: bytes, offset: int, mask: int = 0x01) -> str:
    """The cookie value of ``raw`` with the byte at ``offset`` XORed with ``mask``."""
    changed = bytearray(raw)
    changed[offset] ^= mask
    return encode(bytes(changed))


def codec_for(vector: dict[str, Any]) -> SessionCodec:
    """The codec a vector is read with: its keys, cookie name, policy and clock."""
    policy = SessionPolicy(
        keys=KeyRing(vector["keys"]), cookie_name=vector["cookie_name"], **vector["policy"]
    )
    now = vector["now"]
    return SessionCodec(policy, clock=lambda: now)


def valid_vector(
    description: str,
    session: dict[str, Any],
    *,
    keys: tuple[str, ...] = (PRIMARY_KEY,),
    sealing_key: str | None = None,
    cookie_name: str = "session",
    created_at: int = NOW,
    issued_at: int = NOW,
    persistent: bool = True,
    policy: dict[str, int | None] | None = None,
    lifetime: tuple[int, int] | None = None,
    plaintext: bytes | None = None,
    user_id: str | None = None,
    identity: bool = False,
) -> dict[str, Any]:
    """A cookie that opens, to ``session``, under ``keys`` and ``policy`` at ``NOW``.

    ``plaintext``, when given, is sealed instead of the compact JSON of ``session``: a
    text that a reader accepts but no writer writes (it then writes ``rewritten``).
    ``identity`` seals a session id (derived from the description) and ``user_id`` before it
    (flags bit 2); without it the cookie is one the release before identities wrote."""
    sealed = seal(
        description,
        session if plaintext is None else plaintext,
        key=sealing_key or keys[0],
        cookie_name=cookie_name,
        created_at=created_at,
        issued_at=issued_at,
        persistent=persistent,
        lifetime=lifetime,
        identity=(session_id_for(description), user_id) if identity or user_id else None,
    )
    # Only the vectors with their own lifetime have the "lifetime" member, so that every
    # vector written before it existed stays byte for byte what it was; only those with an
    # identity have "session_id" and "user_id".
    own: dict[str, Any] = {}
    if lifetime is not None:
        own["lifetime"] = {"idle": lifetime[0], "absolute": lifetime[1]}
    if sealed.identity is not None:
        own["session_id"] = sealed.identity[0].hex()
        own["user_id"] = sealed.identity[1]
    # Likewise "rewritten", only where the plaintext is not what a writer writes, and
    # "big_integers", only where the session holds an integer beyond the I-JSON range.
    written = SERIALIZER.dumps(session)
    rewritten = {} if written == sealed.plaintext else {"rewritten": written.decode("utf-8")}
    big = {"big_integers": True} if _holds_big_integer(session) else {}
    return {
        "description": description,
        "keys": list(keys),
        "now": NOW,
        "cookie_name": cookie_name,
        "policy": {**DEFAULT_POLICY, **(policy or {})},
        "session": session,
        "plaintext": sealed.plaintext.decode("utf-8"),
        "persistent": persistent,
        "flags": sealed.flags,
        "kid": sealed.kid.hex(),
        "created_at": sealed.created_at,
        "issued_at": sealed.issued_at,
        "salt": sealed.salt.hex(),
        "nonce": sealed.nonce.hex(),
        "cookie": sealed.cookie,
        **own,
        **rewritten,
        **big,
    }


def _holds_big_integer(value: Any) -> bool:
    """Whether ``value`` holds an integer outside the I-JSON range, -(2**53 - 1) to 2**53 - 1."""
    if isinstance(value, dict):
        return any(_holds_big_integer(item) for item in value.values())
    if isinstance(value, list):
        return any(_holds_big_integer(item) for item in value)
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) > I_JSON_MAX


def invalid_vector(
    description: str,
    reason: str,
    cookie: str,
    *,
    keys: tuple[str, ...] = (PRIMARY_KEY,),
    cookie_name: str = "session",
    policy: dict[str, int | None] | None = None,
) -> dict[str, Any]:
    """A cookie that must give an empty session, refused for ``reason``."""
    return {
        "description": description,
        "reason": reason,
        "keys": list(keys),
        "now": NOW,
        "cookie_name": cookie_name,
        "policy": {**DEFAULT_POLICY, **(policy or {})},
        "cookie": cookie,
    }


def nested_session(depth: int) -> dict[str, Any]:
    """A session whose arrays and objects nest ``depth`` levels, itself the first."""
    value: Any = []
    for _ in range(depth - 2):
        value = [value]
    return {"deep": value}


def valid_vectors() -> list[dict[str, Any]]:
    """Cookies that open, each to its session."""
    nested = {
        "user": {"id": 42, "roles": ["admin", "editor"]},
        "cart": [{"sku": "A-1", "qty": 2}, {"sku": "B-7", "qty": 1}],
        "preferences": {"beta": True, "theme": None, "ratio": 0.25, "depth": {"a": {"b": [[]]}}},
    }
    unicode = {
        "name": "Zoë Ça va?",
        "greeting": "こんにちは",
        "cookie": "\U0001f36a",
        "escapes": 'quote " backslash \\ newline \n tab \t nul \u0000',
    }
    return [
        valid_vector("counter, just created", {"count": 1}),
        valid_vector(
            "counter, renewed: created_at kept, issued_at later",
            {"count": 7},
            created_at=NOW - 50 * MINUTE,
            issued_at=NOW - 10 * MINUTE,
        ),
        valid_vector("unicode text, written as UTF-8 (not \\u escapes)", unicode),
        valid_vector("nested objects and arrays, booleans, null and a float", nested),
        valid_vector("empty object", {}),
        valid_vector(
            "sealed under the second (older) key of the ring",
            {"count": 2},
            keys=(PRIMARY_KEY, OLD_KEY),
            sealing_key=OLD_KEY,
        ),
        valid_vector(
            "browser-session cookie: the persistent flag is clear", {"count": 3}, persistent=False
        ),
        valid_vector("key derived from a passphrase with scrypt", {"count": 4}, keys=(PASSPHRASE,)),
        valid_vector(
            "another cookie name, bound into the associated data",
            {"count": 5},
            cookie_name="app_session",
        ),
        valid_vector(
            "idle: issued one second less than idle_timeout ago",
            {"count": 6},
            created_at=NOW - 1799,
            issued_at=NOW - 1799,
        ),
        valid_vector(
            "absolute: created one second less than absolute_lifetime ago",
            {"count": 8},
            created_at=NOW - 43199,
            issued_at=NOW - 60,
        ),
        valid_vector(
            "issued exactly clock_skew seconds in the future",
            {"count": 9},
            created_at=NOW,
            issued_at=NOW + 60,
        ),
        valid_vector(
            "created exactly at not_before",
            {"count": 10},
            created_at=NOW - 100,
            issued_at=NOW - 100,
            policy={"not_before": NOW - 100},
        ),
        valid_vector(
            f"nested exactly MAX_DEPTH ({MAX_DEPTH}) levels, the session object counting as one",
            nested_session(MAX_DEPTH),
        ),
        valid_vector(
            "no idle timeout: only the absolute lifetime applies",
            {"count": 11},
            created_at=NOW - 40000,
            issued_at=NOW - 40000,
            policy={"idle_timeout": None},
        ),
        *own_lifetime_valid_vectors(),
        *plaintext_valid_vectors(),
        *identity_valid_vectors(),
    ]


def identity_valid_vectors() -> list[dict[str, Any]]:
    """Cookies with the session's identity (flags bit 2): a session id, and a user id or none."""
    return [
        valid_vector("identity: a session id, no user bound", {"count": 20}, identity=True),
        valid_vector("identity: a session id and a user id", {"count": 21}, user_id="user-42"),
        valid_vector(
            "identity: a user id of 128 bytes of UTF-8, the longest (64 times U+00E9)",
            {"count": 22},
            user_id="\u00e9" * 64,
        ),
        valid_vector(
            "identity: a user id of one character outside the BMP (4 bytes of UTF-8)",
            {"count": 23},
            user_id="\U0001f36a",
        ),
        valid_vector("identity: an empty session object after the block", {}, identity=True),
        valid_vector(
            "identity on a browser-session cookie (flags 0x04)",
            {"count": 24},
            persistent=False,
            identity=True,
        ),
        valid_vector(
            "identity with an own lifetime (flags 0x07)",
            {"user": 25},
            created_at=NOW - 13 * DAY,
            issued_at=NOW - 13 * DAY,
            policy=REMEMBER_POLICY,
            lifetime=(14 * DAY, 0),
            user_id="25",
        ),
        valid_vector(
            "identity: sealed under the second (older) key of the ring",
            {"count": 26},
            keys=(PRIMARY_KEY, OLD_KEY),
            sealing_key=OLD_KEY,
            user_id="user-26",
        ),
    ]


def identity_invalid_vectors(base: Sealed) -> list[dict[str, Any]]:
    """Cookies with flags bit 2 that must not open: tampering, and authentic plaintexts whose
    identity block no writer writes (each sealed with the key, so the tag verifies)."""
    session_id = session_id_for("broken identity")
    content = SERIALIZER.dumps({"count": 30})
    marked = seal("identity", {"count": 31}, identity=(session_id, "user-31"))

    def broken(label: str, plaintext: bytes) -> str:
        return seal(label, plaintext, raw_identity=True).cookie

    return [
        invalid_vector(
            "identity: flag bit 2 cleared by a forger",
            "forged",
            flip(marked.raw, FLAGS_AT, IDENTITY),
        ),
        invalid_vector(
            "identity: flag bit 2 set by a forger on a cookie without one",
            "forged",
            flip(base.raw, FLAGS_AT, IDENTITY),
        ),
        invalid_vector(
            "identity: a changed byte of the encrypted session id",
            "forged",
            flip(marked.raw, HEADER_SIZE + 3),
        ),
        invalid_vector(
            "identity: an empty plaintext (no block)", "bad_payload", broken("empty", b"")
        ),
        invalid_vector(
            "identity: wrong id length, 16 bytes then nothing (the block cut short)",
            "bad_payload",
            broken("cut short", session_id),
        ),
        invalid_vector(
            "identity: wrong id length, a 15-byte id (the length byte then runs past the end)",
            "bad_payload",
            broken("15-byte id", session_id[:15] + b"\x00" + content),
        ),
        invalid_vector(
            "identity: flag bit 2 over a plaintext without a block (sealed by the key's holder)",
            "bad_payload",
            broken("no block", content),
        ),
        invalid_vector(
            "identity: user length 129, over the 128-byte limit (129 bytes follow)",
            "bad_payload",
            broken("user 129", session_id + bytes([129]) + b"u" * 129 + content),
        ),
        invalid_vector(
            "identity: user length 255 (the byte's largest value)",
            "bad_payload",
            broken("user 255", session_id + bytes([255]) + b"u" * 255 + content),
        ),
        invalid_vector(
            "identity: user length past the end of the plaintext",
            "bad_payload",
            broken("user past the end", session_id + bytes([8]) + b"user"),
        ),
        invalid_vector(
            "identity: a user id that is not UTF-8 (0xff)",
            "bad_payload",
            broken("user not utf-8", session_id + bytes([3]) + b"u\xffu" + content),
        ),
        invalid_vector(
            "identity: a user id holding a surrogate's UTF-8 bytes (ED A0 80)",
            "bad_payload",
            broken("user surrogate", session_id + bytes([3]) + b"\xed\xa0\x80" + content),
        ),
        invalid_vector(
            "identity: a user id cut inside a character (C3 of U+00E9)",
            "bad_payload",
            broken("user cut", session_id + bytes([1]) + b"\xc3\xa9" + content),
        ),
        invalid_vector(
            "identity: a block and no session after it",
            "bad_payload",
            broken("no session", session_id + b"\x00"),
        ),
        invalid_vector(
            "identity: a block and a JSON array after it",
            "bad_payload",
            broken("array", session_id + b"\x00[]"),
        ),
    ]


def plaintext_valid_vectors() -> list[dict[str, Any]]:
    """The edges of the plaintext rules, on the side that opens (docs/wire-format.md,
    "Plaintext"); some sealed as texts a reader accepts and no writer writes."""
    return [
        valid_vector(
            "integers at the ends of the I-JSON range, -(2**53 - 1) and 2**53 - 1, kept exactly",
            {"max": I_JSON_MAX, "min": -I_JSON_MAX},
        ),
        valid_vector(
            "2**53, one past the I-JSON range: kept exactly, or refused by a reader that cannot",
            {"n": I_JSON_MAX + 1},
        ),
        valid_vector(
            "2**1024 - 2**970 - 1, the largest integer below a double's overflow",
            {"n": DOUBLE_OVERFLOW - 1},
        ),
        valid_vector(
            "-(2**1024 - 2**970 - 1), its negative: the sign does not count",
            {"n": -(DOUBLE_OVERFLOW - 1)},
        ),
        valid_vector(
            "a float written with more digits than a double holds, just below the overflow",
            {"max": 1.7976931348623157e308},
            plaintext=b'{"max":1.7976931348623158e308}',
        ),
        valid_vector(
            "-0 is the integer zero, written back as 0; -0.0 and -0e0 are the float -0.0",
            {"integer": 0, "float": -0.0, "exponent": -0.0},
            plaintext=b'{"integer":-0,"float":-0.0,"exponent":-0e0}',
        ),
        valid_vector(
            "an escaped surrogate pair, in a member name and in a value, is one character",
            {"\U0001f600": "\U0001f600"},
            plaintext=b'{"\\ud83d\\ude00":"\\ud83d\\ude00"}',
        ),
    ]


def own_lifetime_valid_vectors() -> list[dict[str, Any]]:
    """Cookies with their own lifetime (flags bit 1) that open under ``REMEMBER_POLICY``."""
    return [
        valid_vector(
            "own lifetime: an idle timeout of 14 days, longer than the policy's",
            {"user": 1},
            created_at=NOW - 13 * DAY,
            issued_at=NOW - 13 * DAY,
            policy=REMEMBER_POLICY,
            lifetime=(14 * DAY, 0),
        ),
        valid_vector(
            "own lifetime: idle 5 minutes, absolute 1 hour, shorter than the policy's",
            {"user": 2},
            created_at=NOW - 3599,
            issued_at=NOW - 299,
            policy=REMEMBER_POLICY,
            lifetime=(300, 3600),
        ),
        valid_vector(
            "own lifetime: absolute 20 days and no idle timeout (the policy's does not apply)",
            {"user": 3},
            created_at=NOW - 19 * DAY,
            issued_at=NOW - 19 * DAY,
            policy=REMEMBER_POLICY,
            lifetime=(0, 20 * DAY),
        ),
        valid_vector(
            "own lifetime on a browser-session cookie",
            {"user": 4},
            created_at=NOW - 2 * DAY,
            issued_at=NOW - 2 * DAY,
            persistent=False,
            policy=REMEMBER_POLICY,
            lifetime=(3 * DAY, 0),
        ),
        valid_vector(
            "own lifetime: absolute 60 days, over max_session_lifetime, read within it",
            {"user": 5},
            created_at=NOW - 29 * DAY,
            issued_at=NOW - DAY,
            policy=REMEMBER_POLICY,
            lifetime=(0, 60 * DAY),
        ),
        valid_vector(
            "own lifetime: both fields 0, no idle timeout and the ceiling (30 days) alone, "
            "read within it",
            {"user": 13},
            created_at=NOW - 30 * DAY + 1,
            issued_at=NOW - 30 * DAY + 1,
            policy=REMEMBER_POLICY,
            lifetime=(0, 0),
        ),
        valid_vector(
            "own lifetime: an idle timeout of 10 minutes where the policy has none, "
            "issued 1 second less ago",
            {"user": 14},
            created_at=NOW - 599,
            issued_at=NOW - 599,
            policy={**REMEMBER_POLICY, "idle_timeout": None},
            lifetime=(600, 0),
        ),
        valid_vector(
            "own lifetime: no max_session_lifetime nor absolute_lifetime, so the ceiling is "
            "idle_timeout (30 minutes): created 1 second less ago",
            {"user": 15},
            created_at=NOW - 1799,
            issued_at=NOW - 299,
            policy={"absolute_lifetime": None},
            lifetime=(300, 0),
        ),
        valid_vector(
            "own lifetime: idle 2 hours, longer than its absolute 1 hour, read as it is "
            "(the policy's 30 idle minutes long past)",
            {"user": 16},
            created_at=NOW - 3599,
            issued_at=NOW - 3599,
            policy=REMEMBER_POLICY,
            lifetime=(7200, 3600),
        ),
    ]


def own_lifetime_invalid_vectors(base: Sealed) -> list[dict[str, Any]]:
    """Cookies with their own lifetime that must not open, and flag-bit-1 tampering."""
    # Young, so that its timestamps pass under either reading: the tampering vectors
    # reach the tag check (the lifetime is checked before it, as the timestamps are).
    remembered = seal(
        "remembered",
        {"user": 6},
        created_at=NOW - MINUTE,
        issued_at=NOW - MINUTE,
        lifetime=(14 * DAY, 0),
    )
    raw = remembered.raw
    # (description, reason, created and issued seconds ago, own lifetime, reader's policy)
    expired: list[tuple[str, str, int, int, tuple[int, int], dict[str, int | None] | None]] = [
        ("own lifetime: idle 5 minutes, issued 5 minutes ago", "expired_idle", 300, 300,
         (300, 3600), REMEMBER_POLICY),
        ("own lifetime: absolute 1 hour, created 1 hour ago", "expired_absolute", 3600, 60,
         (0, 3600), REMEMBER_POLICY),
        ("own lifetime: absolute 60 days, over max_session_lifetime (30 days) and that old",
         "expired_absolute", 30 * DAY, DAY, (0, 60 * DAY), REMEMBER_POLICY),
        ("own lifetime: idle 14 days, read where max_session_lifetime is not set (12 hours)",
         "expired_absolute", DAY, DAY, (14 * DAY, 0), None),
        ("own lifetime: both fields 0, created max_session_lifetime (30 days) ago",
         "expired_absolute", 30 * DAY, DAY, (0, 0), REMEMBER_POLICY),
        ("own lifetime: an idle timeout of 10 minutes where the policy has none, issued "
         "10 minutes ago", "expired_idle", 600, 600, (600, 0),
         {**REMEMBER_POLICY, "idle_timeout": None}),
        ("own lifetime: no max_session_lifetime nor absolute_lifetime, so the ceiling is "
         "idle_timeout (30 minutes): created 30 minutes ago", "expired_absolute", 1800, 60,
         (300, 0), {"absolute_lifetime": None}),
        ("own lifetime: idle 2 hours, longer than its absolute 1 hour, created 1 hour ago",
         "expired_absolute", 3600, 3600, (7200, 3600), REMEMBER_POLICY),
    ]  # fmt: skip
    return [
        *(
            invalid_vector(
                description,
                reason,
                seal(
                    description,
                    {"user": 7 + index},
                    created_at=NOW - created_ago,
                    issued_at=NOW - issued_ago,
                    lifetime=lifetime,
                ).cookie,
                policy=policy,
            )
            for index, (description, reason, created_ago, issued_ago, lifetime, policy) in (
                enumerate(expired)
            )
        ),
        invalid_vector(
            "own lifetime: tampered idle field",
            "forged",
            flip(raw, LIFETIME_AT + 3),
            policy=REMEMBER_POLICY,
        ),
        invalid_vector(
            "own lifetime: tampered absolute field (0 to 2**24 seconds)",
            "forged",
            flip(raw, LIFETIME_AT + 4),
            policy=REMEMBER_POLICY,
        ),
        invalid_vector(
            "own lifetime: flag bit 1 cleared",
            "forged",
            flip(raw, FLAGS_AT, OWN_LIFETIME),
            policy=REMEMBER_POLICY,
        ),
        invalid_vector(
            "flag bit 1 set on a cookie without a lifetime",
            "forged",
            flip(base.raw, FLAGS_AT, OWN_LIFETIME),
        ),
        invalid_vector(
            "own lifetime: a further reserved flag (bit 3) set as well",
            "unknown_version",
            flip(raw, FLAGS_AT, 0x08),
            policy=REMEMBER_POLICY,
        ),
        invalid_vector(
            "own lifetime: truncated below the 66-byte minimum",
            "malformed",
            encode(raw[: LIFETIME_HEADER_SIZE + 15]),
            policy=REMEMBER_POLICY,
        ),
    ]


def invalid_vectors() -> list[dict[str, Any]]:
    """Cookies that must not open, each with the reason the core gives."""
    # {"count":12} is 12 bytes, so the envelope is 70 bytes: 94 characters, with a last
    # character that carries 2 data bits (the padding and canonical-form vectors need that).
    base = seal("base", {"count": 12}, created_at=NOW - 10 * MINUTE, issued_at=NOW - MINUTE)
    raw = base.raw
    _require(len(raw) % 3 == 1, "the base envelope must need padding")
    tag_at = len(raw) - TAG_SIZE
    last = base.cookie[-1]
    non_canonical = chr(ord(last) + 1)  # same data bits, non-zero trailing bits
    _require(non_canonical not in "AQgw", "the last character must become non-canonical")
    collision = Key(base64.urlsafe_b64decode(OTHER_KEY + "="))
    collision.kid = KeyRing([PRIMARY_KEY]).primary.kid  # as if two keys shared an id
    created_after_issued = bytearray(raw)
    created_after_issued[CREATED_AT : CREATED_AT + 4] = (NOW - 30).to_bytes(4, "big")
    too_long = seal("too long", {"blob": "x" * 3100})

    vectors = [
        invalid_vector(
            "tampered version byte (0x01 -> 0x00)", "unknown_version", flip(raw, VERSION_AT)
        ),
        invalid_vector("tampered flags byte (persistent bit)", "forged", flip(raw, FLAGS_AT)),
        invalid_vector("tampered key id", "unknown_key", flip(raw, KID_AT + 3)),
        invalid_vector(
            "tampered created_at (still before issued_at)", "forged", flip(raw, CREATED_AT + 3)
        ),
        invalid_vector("tampered issued_at", "forged", flip(raw, ISSUED_AT + 3)),
        invalid_vector("tampered salt", "forged", flip(raw, SALT_AT + 5)),
        invalid_vector("tampered nonce", "forged", flip(raw, NONCE_AT + 5)),
        invalid_vector("tampered ciphertext", "forged", flip(raw, HEADER_SIZE)),
        invalid_vector("tampered tag", "forged", flip(raw, tag_at + TAG_SIZE - 1)),
        invalid_vector(
            "created_at moved after issued_at (checked before the tag)",
            "from_the_future",
            encode(bytes(created_after_issued)),
        ),
        invalid_vector(
            "truncated below the 58-byte minimum", "malformed", encode(raw[: HEADER_SIZE + 15])
        ),
        invalid_vector("truncated tag (3 bytes short)", "forged", encode(raw[:-3])),
        invalid_vector("empty value", "malformed", ""),
        invalid_vector(
            "sealed under a key that is not in the ring",
            "unknown_key",
            base.cookie,
            keys=(OTHER_KEY,),
        ),
        invalid_vector(
            "sealed under the old key after it left the ring",
            "unknown_key",
            seal("rotated out", {"count": 14}, key=OLD_KEY).cookie,
            keys=(PRIMARY_KEY,),
        ),
        invalid_vector(
            "key id of a ring key, sealed under another key (a key id collision)",
            "forged",
            seal("collision", {"count": 15}, key=collision).cookie,
        ),
        invalid_vector(
            "sealed for cookie name 'session', read as 'other'",
            "forged",
            base.cookie,
            cookie_name="other",
        ),
        invalid_vector(
            "version 2 (not one this release reads)", "unknown_version", flip(raw, VERSION_AT, 0x03)
        ),
        invalid_vector("reserved flag bit 3 set", "unknown_version", flip(raw, FLAGS_AT, 0x08)),
        invalid_vector("reserved flag bit 7 set", "unknown_version", flip(raw, FLAGS_AT, 0x80)),
        invalid_vector(
            "standard base64 alphabet character '+'",
            "malformed",
            base.cookie[:20] + "+" + base.cookie[21:],
        ),
        invalid_vector(
            "standard base64 alphabet character '/'",
            "malformed",
            base.cookie[:20] + "/" + base.cookie[21:],
        ),
        invalid_vector(
            "character outside base64 ('.')", "malformed", base.cookie[:20] + "." + base.cookie[21:]
        ),
        invalid_vector("padded with '='", "malformed", base.cookie + "=="),
        invalid_vector(
            "non-canonical last character (non-zero trailing bits)",
            "malformed",
            base.cookie[:-1] + non_canonical,
        ),
        invalid_vector("impossible length (4n+1 characters)", "malformed", base.cookie + "A" * 3),
        invalid_vector(
            "longer than max_cookie_size x max_chunks characters, though authentic",
            "malformed",
            too_long.cookie,
        ),
        invalid_vector(
            "expired idle: issued exactly idle_timeout ago",
            "expired_idle",
            seal("idle", {"count": 13}, created_at=NOW - 1800, issued_at=NOW - 1800).cookie,
        ),
        invalid_vector(
            "expired absolute: created exactly absolute_lifetime ago, issued recently",
            "expired_absolute",
            seal("absolute", {"count": 13}, created_at=NOW - 43200, issued_at=NOW - 60).cookie,
        ),
        invalid_vector(
            "created one second before not_before",
            "not_before",
            seal("not before", {"count": 13}, created_at=NOW - 101, issued_at=NOW - 101).cookie,
            policy={"not_before": NOW - 100},
        ),
        invalid_vector(
            "issued clock_skew + 1 seconds in the future",
            "from_the_future",
            seal("future", {"count": 13}, created_at=NOW + 61, issued_at=NOW + 61).cookie,
        ),
        invalid_vector(
            "authentic, but the plaintext is a JSON array",
            "bad_payload",
            seal("array", b"[1,2,3]").cookie,
        ),
        invalid_vector(
            "authentic, but the plaintext is not UTF-8",
            "bad_payload",
            seal("latin-1", b'{"name":"Zo\xeb"}').cookie,
        ),
        invalid_vector(
            "authentic, but the plaintext holds NaN, which is not JSON",
            "bad_payload",
            seal("nan", b'{"ratio":NaN}').cookie,
        ),
        invalid_vector(
            "authentic, but a number overflows a double (1e999), which no writer can write",
            "bad_payload",
            seal("overflow", b'{"ratio":1e999}').cookie,
        ),
        invalid_vector(
            "authentic, but a string holds a lone surrogate (\\udc00), which UTF-8 cannot hold",
            "bad_payload",
            seal("lone surrogate", b'{"name":"\\udc00"}').cookie,
        ),
        invalid_vector(
            "authentic, but an integer is 2**1024 - 2**970, the least that overflows a double",
            "bad_payload",
            seal("integer overflow", b'{"n":%d}' % DOUBLE_OVERFLOW).cookie,
        ),
        invalid_vector(
            "authentic, but an integer is -(2**1024 - 2**970): the sign does not count",
            "bad_payload",
            seal("negative integer overflow", b'{"n":%d}' % -DOUBLE_OVERFLOW).cookie,
        ),
        invalid_vector(
            "authentic, but an integer has 310 digits (10**309), more than any double's",
            "bad_payload",
            seal("310 digits", b'{"n":1' + b"0" * 309 + b"}").cookie,
        ),
        invalid_vector(
            "authentic, but a float (1.7976931348623159e308) rounds to infinity as a double",
            "bad_payload",
            seal("float overflow", b'{"max":1.7976931348623159e308}').cookie,
        ),
        invalid_vector(
            "authentic, but a member name holds a lone surrogate (\\ud800)",
            "bad_payload",
            seal("lone surrogate name", b'{"\\ud800":1}').cookie,
        ),
        invalid_vector(
            "authentic, but an escaped high surrogate is followed by U+1F600 in UTF-8, not "
            "by a low surrogate escape",
            "bad_payload",
            seal("high then literal", '{"name":"\\ud83d\U0001f600"}'.encode()).cookie,
        ),
        invalid_vector(
            "authentic, but an escaped high surrogate is followed by a low surrogate in "
            "UTF-8 bytes (ED B8 80), which are not UTF-8",
            "bad_payload",
            seal("high then encoded low", b'{"name":"\\ud83d\xed\xb8\x80"}').cookie,
        ),
        invalid_vector(
            "authentic, but the plaintext starts with a UTF-8 byte order mark",
            "bad_payload",
            seal("bom", b'\xef\xbb\xbf{"count":1}').cookie,
        ),
        invalid_vector(
            f"authentic, but nested MAX_DEPTH + 1 ({MAX_DEPTH + 1}) levels",
            "bad_payload",
            seal(
                "too deep",
                json.dumps(nested_session(MAX_DEPTH + 1), separators=(",", ":")).encode(),
            ).cookie,
        ),
        *own_lifetime_invalid_vectors(base),
        *identity_invalid_vectors(base),
    ]
    return vectors


# Every Cookie header vector is read by one reader: the default policy, with three chunks.
HEADER_POLICY: dict[str, int | None] = {**DEFAULT_POLICY, "max_chunks": 3}
HEADER_SESSION = {"count": 21}


def cookie_header_vector(
    description: str, header: str, value: str | None, reason: str | None = None
) -> dict[str, Any]:
    """A Cookie header and the value a reader takes from it for the cookie ``session``
    (None: there is no such cookie); the header opens to HEADER_SESSION when the value (or
    the chunks it names) is that session's cookie, and is refused for ``reason`` otherwise.
    Checked against the core as it is made."""
    # What crosses HTTP unchanged (docs/wire-format.md, the vectors' schema).
    _require(
        all(char == "\t" or " " <= char <= "~" for char in header)
        and header == header.strip(" \t"),
        f"{description!r}: a header that HTTP would change",
    )
    taken = parse_cookie_header(header, "session").get("session")
    _require(taken == value, f"{description!r} takes {taken!r}, not {value!r}")
    opens = value is not None and reason is None
    return {
        "description": description,
        "keys": [PRIMARY_KEY],
        "now": NOW,
        "cookie_name": "session",
        "policy": HEADER_POLICY,
        "header": header,
        "value": value,
        "session": HEADER_SESSION if opens else {},
        "reason": reason,
    }


def cookie_header_vectors() -> list[dict[str, Any]]:
    """Which value a reader takes from a Cookie header (docs/wire-format.md, "Parsing the
    Cookie header"): each step, their order, and chunks."""
    cookie = seal("cookie header", HEADER_SESSION).cookie
    half = len(cookie) // 2
    bad = "malformed"
    return [
        cookie_header_vector("the cookie alone", f"session={cookie}", cookie),
        cookie_header_vector(
            "among other cookies, with and without a space after ';'",
            f"theme=dark;session={cookie}; lang=en",
            cookie,
        ),
        cookie_header_vector(
            "spaces and tabs around the name and the value are stripped",
            f"a=1;  \t session \t=\t {cookie} \t; b=2",
            cookie,
        ),
        cookie_header_vector(
            "a tab inside the value is kept",
            f"session={cookie[:9]}\t{cookie[9:]}",
            f"{cookie[:9]}\t{cookie[9:]}",
            bad,
        ),
        cookie_header_vector(
            "one pair of double quotes around the value is removed", f'session="{cookie}"', cookie
        ),
        cookie_header_vector(
            "stripped, then unquoted: spaces and tabs outside the quotes go",
            f'session= \t"{cookie}"\t ; b=2',
            cookie,
        ),
        cookie_header_vector(
            "unquoted once: spaces inside the quotes stay",
            f'session=" {cookie}"',
            f" {cookie}",
            bad,
        ),
        cookie_header_vector(
            "only one pair of quotes is removed", f'session=""{cookie}""', f'"{cookie}"', bad
        ),
        cookie_header_vector(
            "a quote on one side only stays", f'session="{cookie}', f'"{cookie}', bad
        ),
        cookie_header_vector(
            "a pair of quotes around nothing: the cookie is there, empty", 'session=""', "", bad
        ),
        cookie_header_vector(
            "the empty value: the cookie is there, empty", "session=; theme=dark", "", bad
        ),
        cookie_header_vector(
            "cut at the first comma (a WSGI server joins Cookie fields with one)",
            f"session={cookie},theme=dark",
            cookie,
        ),
        cookie_header_vector(
            "cut at the comma, then stripped", f"session={cookie} \t,theme=dark", cookie
        ),
        cookie_header_vector(
            "cut at the comma, stripped, then unquoted",
            f'session= "{cookie}" ,theme=dark',
            cookie,
        ),
        cookie_header_vector(
            "cut before unquoting: a comma inside the quotes leaves the opening quote",
            f'session="{cookie},theme"',
            f'"{cookie}',
            bad,
        ),
        cookie_header_vector(
            "a comma before the quotes: the value is empty",
            f'session=,"{cookie}"',
            "",
            bad,
        ),
        cookie_header_vector(
            "a comma does not separate cookies: this is the one cookie 'prefs'",
            f"prefs=dark,session={cookie}",
            None,
        ),
        cookie_header_vector(
            "the value is everything after the first '='", f"session=={cookie}", f"={cookie}", bad
        ),
        cookie_header_vector(
            "the first pair of a name wins, even when it does not open",
            f"session=bogus; session={cookie}",
            "bogus",
            bad,
        ),
        cookie_header_vector(
            "a pair without '=' is skipped: it is not the first of its name",
            f"session; session={cookie}",
            cookie,
        ),
        cookie_header_vector("names are case-sensitive", f"Session={cookie}", None),
        cookie_header_vector("a name is not unquoted", f'"session"={cookie}', None),
        cookie_header_vector(
            "a longer name that starts with the cookie's name is another cookie",
            f"session_id=1; sessions={cookie}",
            None,
        ),
        cookie_header_vector("the empty header", "", None),
        cookie_header_vector(
            "chunks: the marker, then its chunks, cut in two equal halves",
            f"session=chunks-2; sessionC1={cookie[:half]}; sessionC2={cookie[half:]}",
            "chunks-2",
        ),
        cookie_header_vector(
            "chunks cut at other points, in another order, join to the same value",
            f"sessionC2={cookie[10:]}; session=chunks-2; sessionC1={cookie[:10]}",
            "chunks-2",
        ),
        cookie_header_vector(
            "the marker and each chunk are stripped and unquoted as any value is",
            f'session= "chunks-2"; sessionC1="{cookie[:half]}"; sessionC2= {cookie[half:]} ;x=1',
            "chunks-2",
        ),
        cookie_header_vector(
            "a chunk cookie beyond the marker's count is not read",
            f"session=chunks-2; sessionC1={cookie[:half]}; sessionC2={cookie[half:]}; "
            "sessionC3=stale",
            "chunks-2",
        ),
        cookie_header_vector(
            "a chunk the marker names is missing",
            f"session=chunks-3; sessionC1={cookie[:half]}; sessionC2={cookie[half:]}",
            "chunks-3",
            "incomplete_chunks",
        ),
        cookie_header_vector(
            "chunk cookies without the marker's cookie",
            f"sessionC1={cookie[:half]}; sessionC2={cookie[half:]}",
            None,
            "incomplete_chunks",
        ),
        cookie_header_vector(
            "a marker over the reader's max_chunks (3)",
            "session=chunks-4; "
            + "; ".join(f"sessionC{i + 1}={cookie[i * 24 : (i + 1) * 24]}" for i in range(4)),
            "chunks-4",
            "incomplete_chunks",
        ),
    ]


# The errors of a key text, by the words of the core's message that says each.
_KEY_ERRORS = {
    "same id": "duplicate_kid",
    "holds no key": "no_key",
    "holds a comma or a line feed": "key_list",
    "holds a generated key among other": "key_in_passphrase",
    "does not end with the line": "no_end_line",
    "times, and is not used": "end_line_twice",
    "has text after its end line": "text_after_end_line",
}


def _key_error(exc: ConfigurationError) -> str:
    found = [code for words, code in _KEY_ERRORS.items() if words in str(exc)]
    _require(len(found) == 1, f"an unexpected key error: {exc}")
    return found[0]


def key_list_vector(description: str, text: str, expected: list[str] | str) -> dict[str, Any]:
    """A key list (the text of CLIENT_SESSION_KEYS, a key option, a key file's keys) and what
    it must give: the ids of the ``expected`` keys (key texts or passphrases, each read
    alone), primary first, or the error named by ``expected``, checked against the core."""
    try:
        kids = [key.kid.hex() for key in KeyRing.from_text(text)]
    except ConfigurationError as exc:
        found = _key_error(exc)
        _require(found == expected, f"{description!r} gives {found}, not {expected}")
        return {"description": description, "text": text, "error": found}
    _require(
        isinstance(expected, list)
        and kids == [Key.from_secret(secret).kid.hex() for secret in expected],
        f"{description!r} does not give the keys it should",
    )
    return {"description": description, "text": text, "kids": kids}


def key_text_vector(description: str, text: str, expected: str) -> dict[str, Any]:
    """A text given where one key is expected (an item of a list of keys) and what it must
    give: the id of the key ``expected`` names (its text or passphrase), or the error
    ``expected`` names, checked against the core."""
    try:
        kid = Key.from_secret(text).kid.hex()
    except ConfigurationError as exc:
        found = _key_error(exc)
        _require(found == expected, f"{description!r} gives {found}, not {expected}")
        return {"description": description, "key_text": text, "error": found}
    _require(kid == Key.from_secret(expected).kid.hex(), f"{description!r}: not its key")
    return {"description": description, "key_text": text, "kid": kid}


def key_list_vectors() -> list[dict[str, Any]]:
    """How a key list is split, stripped and checked, and how a text given as one key is
    (docs/wire-format.md, "Key text")."""
    passphrase = PASSPHRASE
    second = "a second passphrase: lantern; umbrella quokka 93 / x"
    both = [PRIMARY_KEY, OLD_KEY]
    return [
        key_list_vector("one generated key", PRIMARY_KEY, [PRIMARY_KEY]),
        key_list_vector("two keys, primary first, comma-separated", ",".join(both), both),
        key_list_vector("two keys, one per line", "\n".join(both), both),
        key_list_vector(
            "spaces, tabs, CR and LF around keys are stripped; CRLF line ends work",
            f" \t{PRIMARY_KEY}\t \r\n  {OLD_KEY} \r\n",
            both,
        ),
        key_list_vector(
            "empty entries are skipped: a leading or trailing comma, a blank line, ',,'",
            f",{PRIMARY_KEY},,\n\n , \n{OLD_KEY},",
            both,
        ),
        key_list_vector(
            "a no-break space (U+00A0) is not stripped: around a passphrase, another passphrase",
            f"\u00a0{passphrase}\u00a0",
            [f"\u00a0{passphrase}\u00a0"],
        ),
        key_list_vector(
            "a vertical tab (U+000B) is not stripped either",
            f"\u000b{passphrase}\u000b",
            [f"\u000b{passphrase}\u000b"],
        ),
        key_list_vector(
            "a generated key with no-break spaces around it is refused, never a passphrase",
            f"\u00a0{PRIMARY_KEY}\u00a0",
            "key_in_passphrase",
        ),
        key_list_vector(
            "two generated keys joined by a space are refused, never one passphrase",
            " ".join(both),
            "key_in_passphrase",
        ),
        key_list_vector(
            "two generated keys joined by a semicolon are refused, never one passphrase",
            ";".join(both),
            "key_in_passphrase",
        ),
        key_list_vector("a passphrase, with the spaces inside it kept", passphrase, [passphrase]),
        key_list_vector(
            "a passphrase is stripped around, as a key is", f"  {passphrase}\t\r\n", [passphrase]
        ),
        key_list_vector(
            "a comma ends a passphrase: this is two passphrases, not one",
            f"{passphrase},{second}",
            [passphrase, second],
        ),
        key_list_vector(
            "a non-canonical 43-character text (trailing bits set) is a passphrase",
            PRIMARY_KEY[:-1] + chr(ord(PRIMARY_KEY[-1]) + 1),
            [PRIMARY_KEY[:-1] + chr(ord(PRIMARY_KEY[-1]) + 1)],
        ),
        key_list_vector("nothing but separators and white space: no key", " ,\n\t,\r\n", "no_key"),
        key_list_vector("the empty text: no key", "", "no_key"),
        key_list_vector(
            "the same key twice: two keys with one key id are refused",
            f"{PRIMARY_KEY},{OLD_KEY},{PRIMARY_KEY}",
            "duplicate_kid",
        ),
        key_list_vector(
            "a passphrase twice, once with white space around it: one key id, refused",
            f"{passphrase}\n {passphrase} ",
            "duplicate_kid",
        ),
        key_text_vector("one key: a generated key, stripped", f" {PRIMARY_KEY}\r\n", PRIMARY_KEY),
        key_text_vector("one key: a passphrase, stripped", f"\t{passphrase} ", passphrase),
        key_text_vector(
            "one key: two generated keys joined by a comma are a key list, refused",
            ",".join(both),
            "key_list",
        ),
        key_text_vector(
            "one key: two generated keys on two lines are a key list, refused",
            "\n".join(both),
            "key_list",
        ),
        key_text_vector(
            "one key: a generated key and a trailing comma are a key list, refused",
            f"{PRIMARY_KEY},",
            "key_list",
        ),
        key_text_vector(
            "one key: a text with a comma is never one passphrase",
            f"{passphrase},{second}",
            "key_list",
        ),
        key_text_vector(
            "one key: a text with a line feed inside is never one passphrase",
            f"{passphrase}\n{second}",
            "key_list",
        ),
        key_text_vector(
            "one key: two generated keys joined by a space are refused",
            " ".join(both),
            "key_in_passphrase",
        ),
    ]


def key_file_vector(description: str, text: str, expected: list[str] | str) -> dict[str, Any]:
    """A key file's whole text and what it must give: the ids of the ``expected`` keys,
    primary first, or the error ``expected`` names, checked against the core's KeyFile."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "session-keys"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(text.encode("utf-8"))
        try:
            kids = [key.kid.hex() for key in KeyFile(path)]
        except ConfigurationError as exc:
            found = _key_error(exc)
            _require(found == expected, f"{description!r} gives {found}, not {expected}")
            return {"description": description, "file": text, "error": found}
    _require(
        isinstance(expected, list)
        and kids == [Key.from_secret(secret).kid.hex() for secret in expected],
        f"{description!r} does not give the keys it should",
    )
    return {"description": description, "file": text, "kids": kids}


def key_file_vectors() -> list[dict[str, Any]]:
    """How a key file is read: a key list, then its end line (docs/wire-format.md, "Key
    file"); a file cut short at any byte is refused or gives the same ring."""
    end = KeyFile.END_LINE
    both = [PRIMARY_KEY, OLD_KEY]
    whole = f"{PRIMARY_KEY}\n{OLD_KEY}\n{end}\n"
    cut_in_second_key = whole.index(OLD_KEY) + 20
    return [
        key_file_vector("one key, then the end line", f"{PRIMARY_KEY}\n{end}\n", [PRIMARY_KEY]),
        key_file_vector("two keys, primary first, then the end line", whole, both),
        key_file_vector(
            "CRLF line ends, spaces around the end line, blank lines after it",
            f"{PRIMARY_KEY}\r\n{OLD_KEY}\r\n  {end}\t\r\n\r\n\n",
            both,
        ),
        key_file_vector(
            "the key list before the end line follows the key-list rule: commas too",
            f"{PRIMARY_KEY}, {OLD_KEY},\n{end}",
            both,
        ),
        key_file_vector(
            "cut after the end line's last character, before its line feed: the same ring",
            whole[:-1],
            both,
        ),
        key_file_vector(
            "cut inside the end line: refused", whole[: whole.index(end) + 5], "no_end_line"
        ),
        key_file_vector(
            "cut just before the end line: refused (not the same keys, for all it shows)",
            whole[: whole.index(end)],
            "no_end_line",
        ),
        key_file_vector(
            "cut inside the second key: refused, never a passphrase or one key fewer",
            whole[:cut_in_second_key],
            "no_end_line",
        ),
        key_file_vector(
            "the keys without the end line: refused", f"{PRIMARY_KEY}\n", "no_end_line"
        ),
        key_file_vector("an empty file: refused", "", "no_end_line"),
        key_file_vector(
            "another spelling of the end line is no end line",
            f"{PRIMARY_KEY}\n{end.upper()}\n",
            "no_end_line",
        ),
        key_file_vector(
            "a key after the end line: refused",
            f"{PRIMARY_KEY}\n{end}\n{OLD_KEY}\n",
            "text_after_end_line",
        ),
        key_file_vector(
            "the end line twice: refused (a new ring written over the start of an old one)",
            f"{OLD_KEY}\n{end}\n{PRIMARY_KEY}\n{end}\n",
            "end_line_twice",
        ),
        key_file_vector("the end line alone: no key", f"{end}\n", "no_key"),
        key_file_vector(
            "the same key twice: refused", f"{PRIMARY_KEY}\n{PRIMARY_KEY}\n{end}\n", "duplicate_kid"
        ),
        key_file_vector(
            "two generated keys on one line, joined by a space: refused",
            f"{PRIMARY_KEY} {OLD_KEY}\n{end}\n",
            "key_in_passphrase",
        ),
    ]


class VectorError(Exception):
    """A vector the core does not treat as the generator says it should."""


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise VectorError(message)


def _check_valid(vector: dict[str, Any]) -> None:
    written = vector.get("rewritten", vector["plaintext"])
    for session in _loaded(vector):
        _require(
            session.rejected is None and session.data() == vector["session"],
            f"{vector['description']!r} does not open (rejected: {session.rejected})",
        )
        # == does not tell -0.0 from 0.0, nor 1 from 1.0: what a writer writes does.
        _require(
            SERIALIZER.dumps(session.data()).decode("utf-8") == written,
            f"{vector['description']!r} opens to a session that is not written {written!r}",
        )
        origin = session.origin
        session_id = None if origin.session_id is None else origin.session_id.hex()
        _require(
            (session_id, origin.user_id) == (vector.get("session_id"), vector.get("user_id")),
            f"{vector['description']!r} opens to identity {session_id}, {origin.user_id!r}",
        )


def _check_invalid(vector: dict[str, Any]) -> None:
    for session in _loaded(vector):
        rejected = session.rejected.value if session.rejected else None
        _require(
            rejected == vector["reason"] and not session.data(),
            f"{vector['description']!r} gives {rejected}, not {vector['reason']}",
        )


def _check_key_list(vector: dict[str, Any]) -> None:
    # Each vector was checked against the core as it was made (key_list_vector,
    # key_text_vector, key_file_vector).
    outcomes = {"kids", "kid", "error"} & set(vector)
    _require(len(outcomes) == 1, f"{vector['description']!r} has no single outcome")


def _check_cookie_header(vector: dict[str, Any]) -> None:
    name, header = vector["cookie_name"], vector["header"]
    taken = parse_cookie_header(header, name).get(name)
    session = codec_for(vector).load(header)
    rejected = session.rejected.value if session.rejected else None
    _require(
        (taken, session.data(), rejected) == (vector["value"], vector["session"], vector["reason"]),
        f"{vector['description']!r} gives {taken!r}, {session.data()}, {rejected}",
    )


def _loaded(vector: dict[str, Any]) -> list[Any]:
    codec = codec_for(vector)
    name, cookie = vector["cookie_name"], vector["cookie"]
    return [codec.load_cookies({name: cookie}), codec.load(f"{name}={cookie}")]


def render() -> dict[str, str]:
    """The text of each vector file, by file name; every vector checked against the core."""
    files: dict[str, tuple[list[dict[str, Any]], Callable[[dict[str, Any]], None]]] = {
        "valid.json": (valid_vectors(), _check_valid),
        "invalid.json": (invalid_vectors(), _check_invalid),
        "cookie-headers.json": (cookie_header_vectors(), _check_cookie_header),
        "keys.json": (key_list_vectors(), _check_key_list),
        "key-files.json": (key_file_vectors(), _check_key_list),
    }
    texts = {}
    for file_name, (vectors, check) in files.items():
        for vector in vectors:
            check(vector)
        texts[file_name] = json.dumps(vectors, indent=2, ensure_ascii=False) + "\n"
    return texts


def main(argv: list[str] | None = None) -> int:
    """Write the vector files next to this script, or with ``--check`` compare them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="compare instead of writing; exit 1 on a difference"
    )
    args = parser.parse_args(argv)
    # Every invalid vector is a refused cookie, which the core logs at WARNING: expected
    # here, so kept out of the output (Python would print each to stderr).
    logging.getLogger("client_session").addHandler(logging.NullHandler())
    stale = []
    for file_name, text in render().items():
        path = HERE / file_name
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if args.check:
            if current != text:
                stale.append(file_name)
        elif current != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    if stale:
        print(f"out of date: {', '.join(stale)}; run {Path(__file__).name}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

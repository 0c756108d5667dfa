"""Micro benchmark: one request's worth of session encoding, in process.

Each case opens a cookie value holding a session, changes the counter and seals it again,
as a request that uses its session does. client-session appears twice: through the
:class:`SessionCodec` an adapter calls (Cookie header in, Set-Cookie value out, with all the
policy: expiry, renewal, name binding, change tracking, size check), and through the bare
:class:`Sealer` with the JSON serializer.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .content import counter_session, login_session, session_of_size
from .floor import AesGcmFloor
from .opcodes import opcodes_per_operation
from .timing import loop_of, time_interleaved

__all__ = ["MICRO_CASES", "MicroCase", "MicroResult", "run_micro"]

SECRET = "benchmark-secret-2b7e151628aed2a6abf7158809cf4f3c"
MAX_AGE = 14 * 24 * 3600

Cycle = Callable[[], object]
"""Open a sealed session, modify it and seal it again: one request's encoding work."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MicroCase:
    """One encoding: how to build its open-modify-seal cycle around a session."""

    name: str
    label: str
    build: Callable[[dict[str, Any]], Cycle]
    ours: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class MicroResult:
    """Microseconds a cycle for one case and one session."""

    case: str
    label: str
    session: str
    session_bytes: int
    us_per_op: float
    samples_us: tuple[float, ...]
    opcodes_per_op: float | None = None
    """Python bytecode instructions a cycle (see :mod:`sessionbench.opcodes`)."""
    core_build: str | None = None
    """"compiled" or "pure" for client-session's cases; None for the others."""


def _bump(data: dict[str, Any]) -> None:
    data["count"] = data["count"] + 1


def _client_session_codec(data: dict[str, Any], legacy_cookies: Any = None) -> Cycle:
    from client_session_core import KeyRing, SessionCodec, SessionPolicy, generate_key

    policy = SessionPolicy(keys=KeyRing([generate_key()]), legacy_cookies=legacy_cookies)
    codec = SessionCodec(policy)
    header = f"session={codec.seal(data)}"

    def cycle() -> object:
        session = codec.load(header)
        _bump(session)
        return codec.commit(session)

    assert cycle().set_cookie, "the codec must reseal a modified session"  # type: ignore[attr-defined]
    return cycle


def _client_session_codec_reading_legacy(data: dict[str, Any]) -> Cycle:
    # The same cycle on our own cookie, with the drop-in's default of reading Starlette's
    # cookies on: the legacy reader is only asked for a cookie that is not ours, so this
    # must cost what the cycle above costs (issue 14).
    import datetime

    from client_session_asgi import starlette_cookies

    legacy = starlette_cookies(SECRET, until=datetime.date(9999, 1, 1), max_age=MAX_AGE)
    return _client_session_codec(data, legacy)


def _client_session_sealer(data: dict[str, Any]) -> Cycle:
    from client_session_core import JSONSerializer, KeyRing, generate_key
    from client_session_core.wire import Envelope, Sealer

    sealer = Sealer(KeyRing([generate_key()]))
    serializer = JSONSerializer()

    def seal(content: dict[str, Any]) -> str:
        return sealer.seal(
            serializer.dumps(content), cookie_name="session", created_at=1, issued_at=2
        )

    value = seal(data)

    def cycle() -> object:
        plaintext, _key = sealer.open(Envelope.parse(value), cookie_name="session")
        content = serializer.loads(plaintext)
        _bump(content)
        return seal(content)

    return cycle


def _floor(data: dict[str, Any]) -> Cycle:
    floor = AesGcmFloor()
    value = floor.seal(data)

    def cycle() -> object:
        content = floor.open(value)
        assert content is not None
        _bump(content)
        return floor.seal(content)

    return cycle


def _starlette_itsdangerous(data: dict[str, Any]) -> Cycle:
    # Exactly starlette.middleware.sessions: b64 of json, TimestampSigner, and back.
    import itsdangerous

    signer = itsdangerous.TimestampSigner(SECRET)
    value = signer.sign(base64.b64encode(json.dumps(data).encode("utf-8")))

    def cycle() -> object:
        content = json.loads(base64.b64decode(signer.unsign(value, max_age=MAX_AGE)))
        _bump(content)
        return signer.sign(base64.b64encode(json.dumps(content).encode("utf-8")))

    return cycle


def _flask_serializer(data: dict[str, Any]) -> Cycle:
    # The serializer Flask's SecureCookieSessionInterface builds for each request.
    from flask import Flask
    from flask.sessions import SecureCookieSessionInterface

    app = Flask(__name__)
    app.secret_key = SECRET
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    assert serializer is not None
    value = serializer.dumps(data)

    def cycle() -> object:
        content = serializer.loads(value, max_age=MAX_AGE)
        _bump(content)
        return serializer.dumps(content)

    return cycle


def _tornado_signed_v2(data: dict[str, Any]) -> Cycle:
    from tornado.web import create_signed_value, decode_signed_value

    value = create_signed_value(SECRET, "session", json.dumps(data), version=2)

    def cycle() -> object:
        raw = decode_signed_value(SECRET, "session", value, max_age_days=31, min_version=2)
        assert raw is not None
        content = json.loads(raw)
        _bump(content)
        return create_signed_value(SECRET, "session", json.dumps(content), version=2)

    return cycle


def _fernet(data: dict[str, Any]) -> Cycle:
    from cryptography.fernet import Fernet

    fernet = Fernet(Fernet.generate_key())
    token = fernet.encrypt(json.dumps(data).encode("utf-8"))

    def cycle() -> object:
        content = json.loads(fernet.decrypt(token, ttl=MAX_AGE))
        _bump(content)
        return fernet.encrypt(json.dumps(content).encode("utf-8"))

    return cycle


MICRO_CASES: tuple[MicroCase, ...] = (
    MicroCase(
        name="ours-codec",
        label="client-session SessionCodec (load + commit, all policy)",
        build=_client_session_codec,
        ours=True,
    ),
    MicroCase(
        name="ours-codec-legacy",
        label="client-session SessionCodec, reading Starlette's cookies on (our cookie)",
        build=_client_session_codec_reading_legacy,
        ours=True,
    ),
    MicroCase(
        name="ours-sealer",
        label="client-session Sealer + JSON (seal + open only)",
        build=_client_session_sealer,
        ours=True,
    ),
    MicroCase(name="floor", label="floor: json + AES-GCM + base64url", build=_floor),
    MicroCase(
        name="starlette",
        label="Starlette: itsdangerous TimestampSigner (signed only)",
        build=_starlette_itsdangerous,
    ),
    MicroCase(
        name="flask",
        label="Flask: URLSafeTimedSerializer (signed only)",
        build=_flask_serializer,
    ),
    MicroCase(
        name="tornado", label="Tornado: signed value v2 (signed only)", build=_tornado_signed_v2
    ),
    MicroCase(name="fernet", label="Fernet (AES-CBC + HMAC)", build=_fernet),
)

MICRO_SESSIONS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("counter", counter_session()),
    ("login", login_session()),
    ("1 KB", session_of_size(1024)),
)


def run_micro(
    *, repeats: int, min_time: float, build: str, only_ours: bool = False
) -> list[MicroResult]:
    """Every case (or client-session's only) on every session; within a session the cases
    take turns. ``build`` names the core this process runs, for client-session's rows."""
    cases = [case for case in MICRO_CASES if case.ours or not only_ours]
    results: list[MicroResult] = []
    for session_name, data in MICRO_SESSIONS:
        size = len(json.dumps(data, separators=(",", ":")))
        runs = {case: loop_of(case.build(data)) for case in cases}
        # CPU time of this process: all of it is computation, and a shared machine's other
        # work then hardly moves it.
        timings = time_interleaved(
            runs, repeats=repeats, min_time=min_time, clock=time.process_time
        )
        results.extend(
            MicroResult(
                case=case.name,
                label=case.label,
                session=session_name,
                session_bytes=size,
                us_per_op=timing.median_us,
                samples_us=tuple(sample * 1e6 for sample in timing.samples),
                opcodes_per_op=opcodes_per_operation(runs[case]),
                core_build=build if case.ours else None,
            )
            for case, timing in timings.items()
        )
    return results

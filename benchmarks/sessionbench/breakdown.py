"""Where the ASGI path spends its time: one request's session work cut into steps, in process.

Each step of client-session's ASGI request (``client_session_asgi``'s middleware and the
core's codec) is timed alone, on the objects a request uses, with a session of one of the
scenarios (the login session by default), beside the AES-GCM floor's steps and the whole
requests through the Starlette apps of :mod:`sessionbench.apps.starlette_apps` (bare, ours,
the floor, Starlette's own), and each side's session work alternating with the bare app's
requests (what it costs between a request's other work, which a loop of its own hides). CPU
time of this process, median of interleaved repeats, the collector off, as
:mod:`sessionbench.timing` does; a step that cannot run alone (the commit, which needs a
session opened and changed) is timed as the difference of two loops.

``python -m sessionbench.breakdown [--scenario login] [--repeats 7] [--min-time 0.1]``
prints the table; ``benchmarks/run.py --parts breakdown`` puts it in docs/benchmarks.md.
The core's private modules are read here (this is a measurement of their cost): when they
change, this module follows.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .apps import AppOptions
from .content import counter_session, login_session
from .drivers import AsgiDriver
from .floor import FLOOR_KEY, AesGcmFloor, cookie_from_header
from .probe import prime_session
from .timing import RunMany, loop_of, time_interleaved
from .variants import VARIANTS

__all__ = ["BreakdownResult", "run_breakdown"]


@dataclass(frozen=True, slots=True, kw_only=True)
class BreakdownResult:
    """Microseconds of one step (or one whole request) of one side, with one scenario."""

    side: str
    """"ours", "floor", or "request" (a whole request through an app)."""
    step: str
    label: str
    us: float
    samples_us: tuple[float, ...] = ()
    scenario: str = "login"
    core_build: str | None = None


Steps = dict[str, tuple[str, Callable[[], object]]]


def _internal_steps(codec: Any, data: dict[str, Any]) -> Steps:
    """The codec's steps one by one, on its private parts: each that these sources no longer
    have (a name moved, a signature changed) is left out, and the table shows "-"."""
    name = codec.policy.cookie_name
    value = codec.seal(data)
    header = f"{name}={value}"
    now = int(time.time())
    steps: Steps = {}

    def add(step: str, label: str, make: Callable[[], Callable[[], object]]) -> None:
        # Only a part these sources no longer have is left out; a step that fails on the
        # data it is given (a ValueError: the JSON step handed the identity block) raises,
        # instead of leaving the table's row empty without a word.
        try:
            operation = make()
            operation()
        except (ImportError, AttributeError, TypeError):
            return
        steps[step] = (label, operation)

    def envelope_steps() -> tuple[Any, Any, Any, Any, Any, Any]:
        from client_session_core._envelope import Envelope

        envelope = Envelope.parse(value)
        sealer = codec._sealer
        plaintext, _key = sealer.open(envelope, name)
        session = codec.load(header)
        session["count"] = session["count"] + 1
        return envelope, sealer, plaintext, session, session.serialized(), codec._lifetime

    try:
        envelope, sealer, plaintext, session, content, lifetime = envelope_steps()
    except (ImportError, AttributeError, TypeError, ValueError):
        return steps
    # Since session identities (flag bit 2), the plaintext starts with the identity block
    # (the session id, the user id's length and the user id) and the JSON follows it: the
    # codec splits it off before the serializer reads, and seals it back before the JSON.
    # A cookie without the flag (sources before identities) is all JSON.
    identity_flag, read_identity = _identity_reader()
    json_plaintext = plaintext
    identity: tuple[bytes, str | None] | None = None
    seal_flags = envelope.flags
    if envelope.flags & identity_flag:
        session_id, user_id, json_plaintext = read_identity(plaintext)
        identity = (session_id, user_id)
        seal_flags = envelope.flags & ~identity_flag

    def seal_value() -> str:
        if identity is None:
            return str(sealer.seal(content, name, envelope.created_at, now, envelope.flags))
        return str(
            sealer.seal(content, name, envelope.created_at, now, seal_flags, identity=identity)
        )

    def parse() -> Callable[[], object]:
        from client_session_core._cookies import parse_cookie_header

        return lambda: parse_cookie_header(header, name)

    def b64() -> Callable[[], object]:
        from client_session_core._envelope import b64decode_strict

        return lambda: b64decode_strict(value)

    def decide() -> Callable[[], object]:
        from client_session_core._commit import decide

        return lambda: decide(session._state, content, lifetime, now, False)

    def set_cookie() -> Callable[[], object]:
        sealed = seal_value()
        max_age = lifetime.max_age(envelope.created_at, now)
        return lambda: codec._budget.set_cookies(sealed, max_age, now, 0)

    add("parse", "Cookie header parsed", parse)
    add("b64decode", "base64url decoded (strict)", b64)
    add(
        "envelope", "envelope parsed (base64 included)", lambda: lambda: type(envelope).parse(value)
    )
    add(
        "expiry",
        "expiry checked",
        lambda: lambda: lifetime.check(envelope.created_at, envelope.issued_at, now, None),
    )
    add(
        "open",
        "AES-GCM opened (AAD built, tag checked)",
        lambda: lambda: sealer.open(envelope, name),
    )
    if identity is not None:
        add("identity", "identity block split off", lambda: lambda: read_identity(plaintext))
    add(
        "loads",
        "JSON read (with its checks)",
        lambda: lambda: codec._serializer.loads(json_plaintext),
    )
    add(
        "serialized",
        "session serialized (JSON written, with its checks)",
        lambda: session.serialized,
    )
    add("decide", "change decided", decide)
    add(
        "seal",
        "AES-GCM sealed and base64url encoded"
        + (" (identity block included)" if identity is not None else ""),
        lambda: seal_value,
    )
    add("max-age", "Max-Age computed", lambda: lambda: lifetime.max_age(envelope.created_at, now))
    add("set-cookie", "Set-Cookie written (size checked)", set_cookie)
    return steps


def _no_identity(plaintext: bytes) -> tuple[bytes, str | None, bytes]:
    raise AssertionError("no cookie carries an identity before session identities")


def _identity_reader() -> tuple[int, Callable[[bytes], tuple[bytes, str | None, bytes]]]:
    """Flag bit 2 and the reader of the identity block (``client_session_core.wire``), or
    no flag on sources before session identities."""
    try:
        from client_session_core.wire import FLAG_IDENTITY, read_identity
    except ImportError:
        return 0, _no_identity
    return FLAG_IDENTITY, read_identity


def _asgi_header_helpers() -> tuple[Callable[[Any], object], Callable[[Any, Any], object]]:
    """The ASGI middleware's Cookie header reader and response header writer: the adapter
    kit's (``client_session_core.adapter``), or the middleware's own before the kit."""
    try:
        from client_session_core.adapter import asgi_cookie_header, asgi_response_headers
    except ImportError:
        from client_session_asgi._middleware import (  # type: ignore[attr-defined,unused-ignore]
            cookie_header,
            with_vary_cookie,
        )

        def response_headers(headers: Any, commit: Any) -> object:
            result = with_vary_cookie(headers)
            result.extend((b"set-cookie", v.encode("latin-1")) for v in commit.set_cookie)
            return result

        return cookie_header, response_headers
    return asgi_cookie_header, asgi_response_headers


def _ours_steps(data: dict[str, Any]) -> tuple[Steps, Callable[[], object]]:
    from client_session_asgi import SessionMiddleware, generate_key

    cookie_header, response_headers_of = _asgi_header_helpers()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        return None

    middleware = SessionMiddleware(app, secret_key=generate_key(), max_age=14 * 24 * 3600)
    codec = middleware.codec
    header = f"{codec.policy.cookie_name}={codec.seal(data)}"
    scope_headers = [(b"host", b"127.0.0.1"), (b"cookie", header.encode("latin-1"))]
    response_headers = [(b"content-length", b"13"), (b"content-type", b"application/json")]
    session = codec.load(header)
    session["count"] = session["count"] + 1
    commit = codec.commit(session)

    def loaded_and_bumped() -> object:
        loaded = codec.load(header)
        loaded["count"] = loaded["count"] + 1
        return loaded

    def load_bump_commit() -> object:
        loaded = codec.load(header)
        loaded["count"] = loaded["count"] + 1
        return codec.commit(loaded)

    def response_headers_step() -> object:
        return response_headers_of(response_headers, commit)

    steps: Steps = {
        "cookie-header": (
            "ASGI headers to the Cookie header",
            lambda: cookie_header(scope_headers),
        ),
        "load": ("codec.load, all of it", lambda: codec.load(header)),
        "app": ("the app's get and set on the Session", loaded_and_bumped),
        "commit": ("codec.commit, all of it", load_bump_commit),
        "headers": ("response headers: Vary merged, Set-Cookie encoded", response_headers_step),
    }
    steps["work"] = ("load, change and commit", load_bump_commit)
    return steps | _internal_steps(codec, data), loaded_and_bumped


def _floor_steps(data: dict[str, Any]) -> Steps:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    floor = AesGcmFloor()
    aead = AESGCM(FLOOR_KEY)
    value = floor.seal(data)
    header = f"session={value}"
    scope_headers = [(b"host", b"127.0.0.1"), (b"cookie", header.encode("latin-1"))]
    raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    plaintext = aead.decrypt(raw[:12], raw[12:], None)
    text = json.dumps(data, separators=(",", ":"))
    payload = text.encode()
    sealed = floor.seal(data)
    response_headers = [(b"content-length", b"13"), (b"content-type", b"application/json")]

    def header_loop() -> object:
        found = None
        for key, item in scope_headers:
            if key == b"cookie":
                found = item.decode("latin-1")
        return found

    def seal_only() -> object:
        nonce = os.urandom(12)
        return base64.urlsafe_b64encode(nonce + aead.encrypt(nonce, payload, None)).rstrip(b"=")

    def response() -> object:
        cookie = f"session={sealed}; Path=/; HttpOnly; SameSite=Lax"
        return [*response_headers, (b"set-cookie", cookie.encode())]

    def work() -> object:
        opened = floor.open(value)
        assert opened is not None
        opened["count"] = opened["count"] + 1
        return floor.seal(opened)

    return {
        "cookie-header": ("ASGI headers to the Cookie header", header_loop),
        "parse": ("Cookie header parsed", lambda: cookie_from_header(header, "session")),
        "b64decode": (
            "base64url decoded",
            lambda: base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)),
        ),
        "open": ("AES-GCM opened", lambda: aead.decrypt(raw[:12], raw[12:], None)),
        "loads": ("JSON read", lambda: json.loads(plaintext)),
        "load": ("floor.open, all of it", lambda: floor.open(value)),
        "serialized": (
            "JSON written",
            lambda: json.dumps(data, separators=(",", ":")).encode(),
        ),
        "seal": ("AES-GCM sealed and base64url encoded", seal_only),
        "commit": ("floor.seal, all of it", lambda: floor.seal(data)),
        "headers": ("response headers: Set-Cookie formatted and encoded", response),
        "work": ("open, change and seal", work),
    }


def _requests(fill: str | None, work: dict[str, Callable[[], object]]) -> dict[str, RunMany]:
    """Whole requests through the Starlette apps; and each side's session work (``work``:
    open, change, seal) alternating with the bare app's requests, in one loop: the work as it
    runs between a request's other work, which cools the caches a loop of its own keeps warm."""
    from .apps.starlette_apps import build_app
    from .drivers import _discard, _receive

    loop = asyncio.new_event_loop()
    runs: dict[str, RunMany] = {}
    for name in ("bare", "ours", "floor", "own"):
        variant = next(v for v in VARIANTS if v.key == f"asgi/{name}")
        driver = AsgiDriver(build_app(variant.name, AppOptions()), loop)
        runs[name] = driver.repeat("/counter", prime_session(variant, driver.request, fill))
    bare: Any = build_app("bare", AppOptions())
    scope = AsgiDriver._scope("/counter", None)

    def alternating(operation: Callable[[], object]) -> RunMany:
        async def many(count: int) -> None:
            for _ in range(count):
                await bare(dict(scope), _receive, _discard)
                operation()

        return lambda count: loop.run_until_complete(many(count))

    for side, operation in work.items():
        runs[f"{side}-within"] = alternating(operation)
    return runs


_REQUEST_LABELS = {
    "bare": "bare app",
    "ours": "client-session (SessionMiddleware)",
    "floor": "AES-GCM floor",
    "own": "Starlette SessionMiddleware",
    "ours-within": "bare app, then client-session's session work",
    "floor-within": "bare app, then the floor's session work",
}


def run_breakdown(
    *, repeats: int, min_time: float, build: str, scenario: str = "login"
) -> list[BreakdownResult]:
    """Every step of both sides and the four whole requests, taking turns."""
    data = login_session() if scenario == "login" else counter_session()
    ours, loaded_and_bumped = _ours_steps(data)
    floor = _floor_steps(data)
    runs: dict[tuple[str, str], RunMany] = {}
    for side, steps in (("ours", ours), ("floor", floor)):
        for step, (_label, operation) in steps.items():
            runs[(side, step)] = loop_of(operation)
    runs[("ours", "load-bump")] = loop_of(loaded_and_bumped)
    work = {"ours": ours["work"][1], "floor": floor["work"][1]}
    for name, run in _requests(None if scenario == "counter" else scenario, work).items():
        runs[("request", name)] = run
    timings = time_interleaved(runs, repeats=repeats, min_time=min_time, clock=time.process_time)
    us = {key: timing.median_us for key, timing in timings.items()}
    # The two steps measured inside a request: the app's get and set is the loop that
    # loads and bumps less the load; the commit, the loop that also commits less that loop.
    us[("ours", "app")] -= us[("ours", "load")]
    us[("ours", "commit")] -= us[("ours", "load-bump")]
    labels = {("ours", k): v[0] for k, v in ours.items()}
    labels |= {("floor", k): v[0] for k, v in floor.items()}
    labels |= {("request", k): v for k, v in _REQUEST_LABELS.items()}
    return [
        BreakdownResult(
            side=side,
            step=step,
            label=labels[(side, step)],
            us=us[(side, step)],
            samples_us=tuple(sample * 1e6 for sample in timings[(side, step)].samples),
            scenario=scenario,
            core_build=build,
        )
        for side, step in runs
        if (side, step) in labels
    ]


def main() -> None:
    """Print the steps of both sides, and the whole requests."""
    import client_session_core

    parser = argparse.ArgumentParser(prog="python -m sessionbench.breakdown")
    parser.add_argument("--scenario", choices=("counter", "login"), default="login")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--min-time", type=float, default=0.1)
    args = parser.parse_args()
    build = "compiled" if client_session_core.COMPILED else "pure"
    rows = run_breakdown(
        repeats=args.repeats, min_time=args.min_time, build=build, scenario=args.scenario
    )
    print(f"{build} core, {args.scenario} session: microseconds of CPU time")
    for row in rows:
        print(f"{row.side:8} {row.step:14} {row.us:8.2f}  {row.label}")


if __name__ == "__main__":
    main()

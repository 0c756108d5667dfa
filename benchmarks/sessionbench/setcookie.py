"""What client-session's Set-Cookie costs: its bytes beside the floor's, and each piece's time.

The counter request through the ASGI apps, in process: the headers client-session's
``SessionMiddleware``, Starlette's own and the AES-GCM floor send, cut into their pieces
(the sealed value, each attribute, the ``Vary`` header). Then, in process and per request,
what formatting the pieces that the floor does without costs: ``Expires`` beside
``Max-Age`` (with the date formatted once a second, as the core caches it, and formatted
every time), and the merge of ``Cookie`` into the response's ``Vary``.

The formatting is timed on the core's own ``CookieWriter`` and the ASGI adapter's own Vary
merge, private names both: when a release renames them, this part says so instead of
timing something else.
"""

from __future__ import annotations

import asyncio
import importlib
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from .apps import AppOptions
from .drivers import AsgiDriver, Reply
from .opcodes import opcodes_per_operation
from .probe import BenchmarkError, prime_session
from .timing import RunMany, loop_of, time_interleaved
from .variants import VARIANTS

__all__ = ["CostRow", "HeaderPiece", "SetCookieResult", "run_set_cookie"]

MAX_AGE = 14 * 24 * 3600
_COMPARED = ("ours", "own", "floor")
_STARLETTE_HEADERS = ((b"content-length", b"13"), (b"content-type", b"application/json"))
"""The headers of the counter's JSONResponse, before a session middleware adds its own."""
_ATTRIBUTES = {
    name.lower(): name
    for name in ("Path", "Domain", "Max-Age", "Expires", "Secure", "HttpOnly", "SameSite")
}


@dataclass(frozen=True, slots=True, kw_only=True)
class HeaderPiece:
    """One piece of a response's session headers, and its bytes on the wire per variant."""

    piece: str
    bytes: dict[str, int]
    """Variant name ("ours", "own", "floor") to the piece's bytes; absent: not sent."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CostRow:
    """The time one way of formatting takes per request, in process."""

    name: str
    label: str
    us: float | None
    samples_us: tuple[float, ...] = ()
    opcodes: float | None = None
    skipped: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SetCookieResult:
    """The session headers of the ASGI counter, and the formatting costs, on one build."""

    core_build: str
    headers: dict[str, list[str]]
    """Variant name to the session headers it sent (``Name: value``), for the page."""
    pieces: list[HeaderPiece]
    costs: list[CostRow]
    skipped: str | None = None

    @staticmethod
    def from_json(raw: dict[str, Any]) -> SetCookieResult:
        """The result saved as :func:`dataclasses.asdict` made it."""
        return SetCookieResult(
            core_build=raw["core_build"],
            headers=raw["headers"],
            pieces=[HeaderPiece(**piece) for piece in raw["pieces"]],
            costs=[
                CostRow(**{**cost, "samples_us": tuple(cost["samples_us"])})
                for cost in raw["costs"]
            ],
            skipped=raw.get("skipped"),
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


def _session_headers(reply: Reply) -> list[tuple[str, str]]:
    """The headers a session adds to the counter's response: Set-Cookie and Vary."""
    return [(name, value) for name, value in reply.headers if name in ("set-cookie", "vary")]


def _line_bytes(name: str, value: str) -> int:
    """Bytes of one header line on the wire: ``Name: value`` and CRLF."""
    return len(name) + 2 + len(value) + 2


def _pieces_of(headers: list[tuple[str, str]]) -> dict[str, int]:
    """Bytes per piece: the header name and line end, the cookie's name and value, each
    attribute by name (with its "; " separator), and each other header whole."""
    pieces: dict[str, int] = {}
    for name, value in headers:
        if name != "set-cookie":
            pieces[f"{name.title()} header"] = pieces.get(f"{name.title()} header", 0) + (
                _line_bytes(name, value)
            )
            continue
        pair, *attributes = value.split("; ")
        pieces["Set-Cookie: and CRLF"] = pieces.get("Set-Cookie: and CRLF", 0) + len(name) + 4
        pieces["name=value (the sealed session)"] = len(pair)
        for attribute in attributes:
            # Attribute names are case-insensitive (RFC 6265 section 5.2): one row per name.
            label = _ATTRIBUTES.get(attribute.partition("=")[0].lower(), "other attributes")
            pieces[label] = pieces.get(label, 0) + len(attribute) + 2
    return pieces


def _replies(options: AppOptions) -> dict[str, Reply]:
    """The counter's response of each compared ASGI variant, to a request with its cookie."""
    module = importlib.import_module("sessionbench.apps.starlette_apps")
    loop = asyncio.new_event_loop()
    replies = {}
    try:
        for name in _COMPARED:
            variant = next(v for v in VARIANTS if v.framework.name == "asgi" and v.name == name)
            driver = AsgiDriver(module.build_app(name, options), loop)
            cookie = prime_session(variant, driver.request)
            replies[name] = driver.request("/counter", cookie)
    finally:
        loop.close()
    return replies


def _vary_merge() -> tuple[Callable[[], object] | None, str | None]:
    """The ASGI adapter's Vary merge on the counter's headers, or why it cannot be timed."""
    middleware = importlib.import_module("client_session_asgi._middleware")
    returns_copy = getattr(middleware, "with_vary_cookie", None)
    if returns_copy is not None:
        return (lambda: returns_copy(_STARLETTE_HEADERS)), None
    in_place = getattr(middleware, "add_vary_cookie", None)
    if in_place is not None:

        def merge() -> object:
            headers = list(_STARLETTE_HEADERS)
            in_place(headers)
            return headers

        return merge, None
    return None, "client_session_asgi._middleware has no Vary merge by a known name"


def _cost_runs() -> tuple[dict[str, tuple[str, RunMany]], list[CostRow]]:
    """The formatting operations to time, by name, with their labels; rows for the others."""
    from client_session_core import KeyRing, SessionPolicy, generate_key

    skipped: list[CostRow] = []
    runs: dict[str, tuple[str, RunMany]] = {}
    try:
        from client_session_core._cookies import CookieWriter
    except ImportError as exc:
        reason = f"the core has no _cookies.CookieWriter ({exc})"
        skipped.append(CostRow(name="set-cookie", label="Set-Cookie", us=None, skipped=reason))
    else:
        writer = CookieWriter(SessionPolicy(keys=KeyRing([generate_key()])))
        value = "v" * 120  # a counter session's sealed value is about this long
        now = int(time.time())
        without = writer.set("session", "", None, now).removeprefix("session=")
        seconds = iter(range(now, now + 10**9))
        runs["expires-cached"] = (
            "Set-Cookie as sent: Max-Age and Expires (date formatted once a second)",
            loop_of(lambda: writer.set("session", value, MAX_AGE, now)),
        )
        runs["expires-formatted"] = (
            "the same, Expires' date formatted every time (a new second each call)",
            loop_of(lambda: writer.set("session", value, MAX_AGE, next(seconds))),
        )
        runs["max-age-only"] = (
            "Max-Age without Expires (this benchmark's f-string: the writer's, less Expires)",
            loop_of(lambda: f"session={value}{without}; Max-Age={MAX_AGE}"),
        )
        runs["no-lifetime"] = (
            "neither (a browser-session cookie, as max_age=None makes)",
            loop_of(lambda: writer.set("session", value, None, now)),
        )
    merge, why_not = _vary_merge()
    if merge is None:
        skipped.append(CostRow(name="vary", label="Vary merge", us=None, skipped=why_not))
    else:
        runs["vary-merge"] = (
            "the Vary merge on the counter's headers (copy, scan, add Vary: Cookie)",
            loop_of(merge),
        )
        runs["vary-none"] = (
            "the header list copied, no Vary merge",
            loop_of(lambda: list(_STARLETTE_HEADERS)),
        )
    return runs, skipped


def run_set_cookie(
    options: AppOptions, *, repeats: int, min_time: float, build: str
) -> SetCookieResult:
    """The ASGI counter's session headers, cut into pieces, and the cost of formatting them."""
    try:
        replies = _replies(options)
    except (BenchmarkError, ImportError) as exc:
        return SetCookieResult(core_build=build, headers={}, pieces=[], costs=[], skipped=str(exc))
    sent = {name: _session_headers(reply) for name, reply in replies.items()}
    per_variant = {name: _pieces_of(headers) for name, headers in sent.items()}
    labels = list(dict.fromkeys(label for pieces in per_variant.values() for label in pieces))
    pieces = [
        HeaderPiece(
            piece=label,
            bytes={name: found[label] for name, found in per_variant.items() if label in found},
        )
        for label in labels
    ]
    runs, costs = _cost_runs()
    timings = time_interleaved(
        {name: run for name, (_label, run) in runs.items()},
        repeats=repeats,
        min_time=min_time,
        clock=time.process_time,
    )
    costs = [
        CostRow(
            name=name,
            label=label,
            us=timings[name].median_us,
            samples_us=tuple(sample * 1e6 for sample in timings[name].samples),
            opcodes=opcodes_per_operation(run),
        )
        for name, (label, run) in runs.items()
    ] + costs
    headers = {
        name: [f"{header.title()}: {value}" for header, value in found]
        for name, found in sent.items()
    }
    return SetCookieResult(core_build=build, headers=headers, pieces=pieces, costs=costs)

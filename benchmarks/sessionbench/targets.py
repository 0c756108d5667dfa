"""The targets of issue 6, each judged from one run's results: met, missed, or not measured.

Every target is judged on each core build the run measured (compiled and pure, stated
apart), and every over-the-wire target at each connection count of the run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .content import SESSION_SIZES, size_label
from .results import RunResults

__all__ = ["TARGETS", "Target", "Verdict", "judge"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    """What was measured against a target, and whether it is met (None: not measured)."""

    measured: str
    met: bool | None


Check = Callable[[RunResults, str, int], "Verdict"]
"""Judges a run on one core build ("compiled" or "pure") at one connection count."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """One promise, and how to check it against a run."""

    label: str
    check: Check
    framework: str | None = None
    """The framework a target is about (None: the core's): judged when the run covers it."""
    over_the_wire: bool = True
    """False for the in-process targets, which have no connection count."""


_NOT_MEASURED = Verdict(measured="not measured", met=None)


def _round_ratios(ours: tuple[float, ...], theirs: tuple[float, ...]) -> str:
    """The spread of the ratio over the rounds (the i-th rounds ran side by side)."""
    ratios = [a / b for a, b in zip(ours, theirs, strict=False) if b]
    if len(ratios) < 2:
        return ""
    return f"; rounds {min(ratios):.2f}-{max(ratios):.2f}x"


def _faster_than(framework: str, other: str, at_least: float) -> Check:
    """Ours serves at least ``at_least`` times the requests per second of ``other``."""

    def check(results: RunResults, build: str, connections: int) -> Verdict:
        ours = results.wire_row(framework, "ours", build, connections)
        theirs = results.wire_row(framework, other, build, connections)
        if ours is None or theirs is None or not ours.requests_per_second:
            return _NOT_MEASURED
        our_rate, their_rate = ours.requests_per_second, theirs.requests_per_second or 0.0
        ratio = our_rate / their_rate
        measured = f"{ratio:.2f}x ({our_rate:,.0f} vs {their_rate:,.0f} req/s"
        measured += _round_ratios(ours.rps_samples, theirs.rps_samples) + ")"
        if ours.server_cpu_us and theirs.server_cpu_us:
            measured += f"; {theirs.server_cpu_us / ours.server_cpu_us:.2f}x by server CPU"
        # Where the run has it, what a session costing nothing but its bytes scored against
        # the same competitor: no session can reach a target above that ceiling.
        ceiling = results.wire_row(framework, "headers", build, connections)
        if ceiling is not None and ceiling.requests_per_second:
            measured += (
                f"; at most {ceiling.requests_per_second / their_rate:.2f}x for any session "
                "(the session headers only row)"
            )
        # And what the least an encrypted session does (json + AES-GCM, no policy) scored.
        floor = results.wire_row(framework, "floor", build, connections)
        if floor is not None and floor.requests_per_second:
            measured += f"; the AES-GCM floor {floor.requests_per_second / their_rate:.2f}x"
        return Verdict(measured=measured, met=ratio >= at_least)

    return check


def _micro_ratio(session: str, other: str, limit: float) -> Check:
    """Our codec's cycle takes less than ``limit`` times the other case's."""

    def check(results: RunResults, build: str, connections: int) -> Verdict:
        ours = results.micro_us("ours-codec", session, build)
        theirs = results.micro_us(other, session, build)
        if ours is None or theirs is None:
            return _NOT_MEASURED
        ratio = ours / theirs
        verdict = f"{ratio:.2f}x ({ours:.1f} vs {theirs:.1f} us)"
        return Verdict(measured=verdict, met=ratio < limit)

    return check


def _legacy_reading_costs_nothing(session: str, tolerance: float) -> Check:
    """With reading legacy cookies on, a cycle on our own cookie costs what it costs with
    it off: within ``tolerance`` (the noise of two interleaved runs of the same work) in
    time, and the same Python opcodes, since the reader is only asked for a cookie that is
    not ours."""

    def check(results: RunResults, build: str, connections: int) -> Verdict:
        off = results.micro_row("ours-codec", session, build)
        on = results.micro_row("ours-codec-legacy", session, build)
        if off is None or on is None:
            return _NOT_MEASURED
        ratio = on.us_per_op / off.us_per_op
        measured = f"{ratio:.2f}x ({on.us_per_op:.1f} vs {off.us_per_op:.1f} us"
        same_opcodes = on.opcodes_per_op == off.opcodes_per_op
        if on.opcodes_per_op is not None and off.opcodes_per_op is not None:
            measured += f"; {on.opcodes_per_op:,.0f} vs {off.opcodes_per_op:,.0f} opcodes"
        return Verdict(measured=measured + ")", met=ratio <= tolerance and same_opcodes)

    return check


def _ordering_holds(framework: str) -> Check:
    """Ours serves more requests per second than the framework's own session at every size."""

    def check(results: RunResults, build: str, connections: int) -> Verdict:
        ratios = []
        for size in SESSION_SIZES:
            ours = results.scaling_row(framework, "ours", build, connections, size)
            own = results.scaling_row(framework, "own", build, connections, size)
            if ours is None or own is None or not ours.requests_per_second:
                return _NOT_MEASURED
            ratios.append((size, ours.requests_per_second / (own.requests_per_second or 1.0)))
        measured = ", ".join(f"{size_label(size)}: {ratio:.2f}x" for size, ratio in ratios)
        return Verdict(measured=measured, met=all(ratio > 1 for _size, ratio in ratios))

    return check


TARGETS: tuple[Target, ...] = (
    Target(
        label="ASGI: >= 1.3x Starlette's SessionMiddleware",
        framework="asgi",
        check=_faster_than("asgi", "own", 1.3),
    ),
    Target(
        label="ASGI: >= 3x starsessions + Redis",
        framework="asgi",
        check=_faster_than("asgi", "redis", 3.0),
    ),
    Target(
        label="Flask: >= 1.3x Flask's own session",
        framework="flask",
        check=_faster_than("flask", "own", 1.3),
    ),
    Target(
        label="Flask: >= 2x Flask-Session + Redis",
        framework="flask",
        check=_faster_than("flask", "redis", 2.0),
    ),
    Target(
        label="Tornado: >= 1.15x Tornado's signed cookies",
        framework="tornado",
        check=_faster_than("tornado", "own", 1.15),
    ),
    Target(
        label="aiohttp: >= 1.3x aiohttp-session's EncryptedCookieStorage",
        framework="aiohttp",
        check=_faster_than("aiohttp", "own", 1.3),
    ),
    Target(
        label="aiohttp: >= 2.5x aiohttp-session's RedisStorage",
        framework="aiohttp",
        check=_faster_than("aiohttp", "redis", 2.5),
    ),
    Target(
        label="Django: >= 1.3x Django's signed_cookies engine",
        check=_faster_than("django", "own", 1.3),
    ),
    Target(
        label="Django: >= 2x Django's cache engine on Redis",
        check=_faster_than("django", "redis", 2.0),
    ),
    Target(
        label="Core, counter: faster than Starlette's signed-only encoding",
        over_the_wire=False,
        check=_micro_ratio("counter", "starlette", 1.0),
    ),
    Target(
        label="Core, counter: within 1.5x of the json + AES-GCM floor",
        over_the_wire=False,
        check=_micro_ratio("counter", "floor", 1.5),
    ),
    Target(
        label=(
            "Core, counter: reading legacy cookies on costs nothing on our own cookie "
            "(issue 14): within 1.05x of off, the same opcodes"
        ),
        over_the_wire=False,
        check=_legacy_reading_costs_nothing("counter", 1.05),
    ),
    Target(
        label="Core, 1 KB: faster than Starlette's signed-only encoding",
        over_the_wire=False,
        check=_micro_ratio("1 KB", "starlette", 1.0),
    ),
    Target(
        label="Core, 1 KB: within 1.5x of the json + AES-GCM floor",
        over_the_wire=False,
        check=_micro_ratio("1 KB", "floor", 1.5),
    ),
    *(
        Target(
            label=f"{name}: faster than its own session at every size (req/s ratio)",
            framework=framework,
            check=_ordering_holds(framework),
        )
        for framework, name in (
            ("asgi", "ASGI"),
            ("flask", "Flask"),
            ("tornado", "Tornado"),
            ("aiohttp", "aiohttp"),
        )
    ),
)


def judge(results: RunResults) -> dict[str, list[tuple[str, Verdict]]]:
    """Each core build's verdicts: every target, at each connection count for the ones over
    the wire, labelled with it."""
    verdicts: dict[str, list[tuple[str, Verdict]]] = {}
    for build in results.builds:
        rows = verdicts.setdefault(build, [])
        for target in TARGETS:
            if target.framework is not None and target.framework not in results.frameworks:
                continue
            if not target.over_the_wire:
                rows.append((f"{target.label} (in process)", target.check(results, build, 0)))
                continue
            for connections in results.connections:
                verdict = target.check(results, build, connections)
                rows.append((f"{target.label}, {connections} connections", verdict))
    return verdicts

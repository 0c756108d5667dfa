"""The targets of issue 6, each judged from one run's results: met, missed, or not measured."""

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


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """One promise, and how to check it against a run."""

    label: str
    check: Callable[[RunResults], Verdict]


_NOT_MEASURED = Verdict(measured="not measured", met=None)


def _faster_than(framework: str, other: str, at_least: float) -> Callable[[RunResults], Verdict]:
    """Ours serves at least ``at_least`` times the requests per second of ``other``."""

    def check(results: RunResults) -> Verdict:
        ours, theirs = results.wire_rps(framework, "ours"), results.wire_rps(framework, other)
        if ours is None or theirs is None:
            return _NOT_MEASURED
        ratio = ours / theirs
        measured = f"{ratio:.2f}x ({ours:,.0f} vs {theirs:,.0f} req/s)"
        our_cpu, their_cpu = (results.wire_cpu_us(framework, v) for v in ("ours", other))
        if our_cpu and their_cpu:
            measured += f"; {their_cpu / our_cpu:.2f}x by server CPU a request"
        return Verdict(measured=measured, met=ratio >= at_least)

    return check


def _micro_ratio(session: str, other: str, limit: float) -> Callable[[RunResults], Verdict]:
    """Our codec's cycle takes less than ``limit`` times the other case's."""

    def check(results: RunResults) -> Verdict:
        ours, theirs = results.micro_us("ours-codec", session), results.micro_us(other, session)
        if ours is None or theirs is None:
            return _NOT_MEASURED
        ratio = ours / theirs
        verdict = f"{ratio:.2f}x ({ours:.1f} vs {theirs:.1f} us)"
        return Verdict(measured=verdict, met=ratio < limit)

    return check


def _ordering_holds(framework: str) -> Callable[[RunResults], Verdict]:
    """Ours serves more requests per second than the framework's own session at every size."""

    def check(results: RunResults) -> Verdict:
        ratios = []
        for size in SESSION_SIZES:
            ours = results.scaling_rps(framework, "ours", size)
            own = results.scaling_rps(framework, "own", size)
            if ours is None or own is None:
                return _NOT_MEASURED
            ratios.append((size, ours / own))
        measured = ", ".join(f"{size_label(size)}: {ratio:.2f}x" for size, ratio in ratios)
        return Verdict(measured=measured, met=all(ratio > 1 for _size, ratio in ratios))

    return check


TARGETS: tuple[Target, ...] = (
    Target(
        label="ASGI: >= 1.3x Starlette's SessionMiddleware",
        check=_faster_than("asgi", "own", 1.3),
    ),
    Target(label="ASGI: >= 3x starsessions + Redis", check=_faster_than("asgi", "redis", 3.0)),
    Target(label="Flask: >= 1.3x Flask's own session", check=_faster_than("flask", "own", 1.3)),
    Target(label="Flask: >= 2x Flask-Session + Redis", check=_faster_than("flask", "redis", 2.0)),
    Target(
        label="Tornado: >= 1.15x Tornado's signed cookies",
        check=_faster_than("tornado", "own", 1.15),
    ),
    Target(
        label="aiohttp: >= 1.3x aiohttp-session's EncryptedCookieStorage",
        check=_faster_than("aiohttp", "own", 1.3),
    ),
    Target(
        label="aiohttp: >= 2.5x aiohttp-session's RedisStorage",
        check=_faster_than("aiohttp", "redis", 2.5),
    ),
    Target(
        label="Core, counter: faster than Starlette's signed-only encoding",
        check=_micro_ratio("counter", "starlette", 1.0),
    ),
    Target(
        label="Core, counter: within 1.5x of the json + AES-GCM floor",
        check=_micro_ratio("counter", "floor", 1.5),
    ),
    Target(
        label="Core, 1 KB: faster than Starlette's signed-only encoding",
        check=_micro_ratio("1 KB", "starlette", 1.0),
    ),
    Target(
        label="Core, 1 KB: within 1.5x of the json + AES-GCM floor",
        check=_micro_ratio("1 KB", "floor", 1.5),
    ),
    *(
        Target(
            label=f"{name}: faster than its own session at every size (req/s ratio)",
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


def judge(results: RunResults) -> list[tuple[Target, Verdict]]:
    """Every target's verdict on ``results``."""
    return [(target, target.check(results)) for target in TARGETS]

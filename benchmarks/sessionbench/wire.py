"""Over the wire: wrk against one worker process per variant, the variants taking turns.

Every server runs at once (idle ones cost nothing), pinned to one CPU, with wrk on the other;
client-session's variants run one server per core build (compiled and pure). Each server gets
its own session cookie first (the counter's, the login session's, or a grown one), checked to
open; wrk then sends that same cookie with every request, so every request opens the session
and seals it again. Every server is driven at
each connection count in the same rounds; rounds rotate the order, and each result keeps
every round's numbers beside their median, so the report can show the spread.
"""

from __future__ import annotations

import logging
import statistics
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from .apps import AppOptions
from .builds import CoreBuild
from .content import SCENARIOS, SESSION_SIZES
from .probe import BenchmarkError, prime_session
from .processes import Cpus, group_cpu_seconds
from .servers import Subject, VariantServer, variant_servers
from .variants import VARIANTS, Role, Variant
from .wrk import WrkRun, run_wrk

__all__ = [
    "SCALED_ROLES",
    "WireResult",
    "WireSettings",
    "run_scaling",
    "run_wire",
    "subjects_of",
]

SCALED_ROLES = (Role.OURS, Role.OWN, Role.FLOOR)
"""The variants the scaling run grows the session of: ours, the framework's own (Litestar's
client-side sessions among them), and the AES-GCM floor, whose ratio stands beside each."""

logger = logging.getLogger("sessionbench")

_Key = tuple[str, "str | None", str, "int | None", int]
"""variant key, core build, scenario, session size, connections."""

Payload = tuple[str, "int | None"]
"""A scenario of :data:`~sessionbench.content.SCENARIOS`, and the size it is grown to (the
scaling run) or None."""


@dataclass(frozen=True, slots=True, kw_only=True)
class WireSettings:
    """How long and how hard wrk drives each variant."""

    rounds: int
    seconds: float
    warmup_seconds: float
    connections: tuple[int, ...]
    """Each variant runs at each of these connection counts, in the same rounds."""


@dataclass(frozen=True, slots=True, kw_only=True)
class WireResult:
    """One variant (on one core build, at one connection count and session size) over the
    rounds: the median and the spread, or why it did not run."""

    framework: str
    variant: str
    label: str
    role: str
    session_bytes: int | None
    """None for the scenario's own session; the grown size in the scaling run."""
    scenario: str = "counter"
    """The session the requests carry: "counter" or "login" (see ``SCENARIOS``)."""
    requests_per_second: float | None
    """The median over the rounds."""
    connections: int = 0
    core_build: str | None = None
    """"compiled" or "pure" for client-session's variants; None for the others."""
    rps_samples: tuple[float, ...] = ()
    """One per round, in round order (so that two variants' i-th samples ran side by side)."""
    rps_min: float | None = None
    rps_max: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    server_cpu_us: float | None = None
    """CPU time the server spent a request (user + system, all its processes), the median
    over the rounds: load on other cores does not move it, as it moves throughput."""
    server_cpu_us_samples: tuple[float, ...] = ()
    failed_requests: int = 0
    skipped: str | None = None


@dataclass(frozen=True, slots=True)
class _Sample:
    wrk: WrkRun
    server_cpu_us: float


@dataclass(frozen=True, slots=True)
class _Target:
    server: VariantServer
    cookie: str | None
    payload: Payload
    connections: int


def _label(variant: Variant, build: CoreBuild | None) -> str:
    return f"{variant.label}, {build.label}" if build else variant.label


def _skipped(subject: Subject, payload: Payload, connections: int, reason: str) -> WireResult:
    variant, build = subject
    return WireResult(
        framework=variant.framework.name,
        variant=variant.name,
        label=_label(variant, build),
        role=variant.role.value,
        scenario=payload[0],
        session_bytes=payload[1],
        connections=connections,
        core_build=build.name if build else None,
        requests_per_second=None,
        skipped=reason,
    )


def _summary(target: _Target, samples: Sequence[_Sample]) -> WireResult:
    variant, build = target.server.variant, target.server.build
    runs = [sample.wrk for sample in samples]
    rates = tuple(run.requests_per_second for run in runs)
    cpu = tuple(sample.server_cpu_us for sample in samples)
    return WireResult(
        framework=variant.framework.name,
        variant=variant.name,
        label=_label(variant, build),
        role=variant.role.value,
        scenario=target.payload[0],
        session_bytes=target.payload[1],
        connections=target.connections,
        core_build=build.name if build else None,
        requests_per_second=statistics.median(rates),
        rps_samples=rates,
        rps_min=min(rates),
        rps_max=max(rates),
        p50_ms=statistics.median(run.p50_ms for run in runs),
        p99_ms=statistics.median(run.p99_ms for run in runs),
        server_cpu_us=statistics.median(cpu),
        server_cpu_us_samples=cpu,
        failed_requests=sum(run.non_2xx + run.socket_errors for run in runs),
    )


def _rounds(
    targets: Sequence[_Target], wrk: str, settings: WireSettings, cpus: Cpus
) -> dict[_Target, list[_Sample]]:
    load_cpu = cpus.load if cpus.pinning else None

    def drive(target: _Target, seconds: float) -> _Sample:
        cpu_before = group_cpu_seconds(target.server.group)
        run = run_wrk(
            wrk,
            target.server.url("/counter"),
            cookie=target.cookie,
            seconds=seconds,
            connections=target.connections,
            cpu=load_cpu,
        )
        cpu_used = group_cpu_seconds(target.server.group) - cpu_before
        return _Sample(run, cpu_used / max(1, run.requests) * 1e6)

    if not targets:
        return {}
    for target in targets:
        drive(target, settings.warmup_seconds)
    runs: dict[_Target, list[_Sample]] = {target: [] for target in targets}
    for round_index in range(settings.rounds):
        logger.info(
            "  round %d of %d: %d runs of %g s",
            round_index + 1,
            settings.rounds,
            len(targets),
            settings.seconds,
        )
        shift = round_index % len(targets)
        for target in [*targets[shift:], *targets[:shift]]:
            runs[target].append(drive(target, settings.seconds))
    return runs


def subjects_of(variants: Sequence[Variant], builds: Sequence[CoreBuild]) -> list[Subject]:
    """Each variant once, client-session's once per build."""
    return [
        (variant, build)
        for variant in variants
        for build in (builds if variant.uses_core else [None])
    ]


def _fill(payload: Payload) -> str | None:
    """What ``/fill?session=`` stores for ``payload``; None: the counter route makes it."""
    scenario, size = payload
    if size is not None:
        return str(size)
    return None if scenario == "counter" else scenario


def _carries(variant: Variant, payload: Payload) -> bool:
    """Whether ``variant`` runs with ``payload``: the bare app (no session) and the fixed
    session headers only with the counter, whose rows every scenario's tables share."""
    return payload == ("counter", None) or variant.role not in (Role.BARE, Role.HEADERS)


def _measure(
    subjects: Sequence[Subject],
    payloads: Sequence[Payload],
    options: AppOptions,
    *,
    wrk: str,
    settings: WireSettings,
    cpus: Cpus,
    logs: Path,
) -> list[WireResult]:
    def key(subject: Subject, payload: Payload, connections: int) -> _Key:
        variant, build = subject
        return variant.key, build.name if build else None, *payload, connections

    every = [
        (subject, payload, connections)
        for subject in subjects
        for payload in payloads
        if _carries(subject[0], payload)
        for connections in settings.connections
    ]
    results: dict[_Key, WireResult] = {}
    runnable = []
    for subject in subjects:
        reason = subject[0].unavailable(redis=options.redis_port is not None)
        if reason is None:
            runnable.append(subject)
            continue
        for one, payload, connections in every:
            if one == subject:
                results[key(subject, payload, connections)] = _skipped(
                    subject, payload, connections, reason
                )
    with variant_servers(runnable, options, cpus, logs) as servers:
        targets = []
        for server in servers:
            subject = (server.variant, server.build)
            for payload in payloads:
                if not _carries(server.variant, payload):
                    continue
                try:
                    cookie = prime_session(server.variant, server.send, _fill(payload))
                except BenchmarkError as exc:
                    for connections in settings.connections:
                        results[key(subject, payload, connections)] = _skipped(
                            subject, payload, connections, str(exc)
                        )
                    continue
                targets += [
                    _Target(server, cookie, payload, connections)
                    for connections in settings.connections
                ]
        for target, runs in _rounds(targets, wrk, settings, cpus).items():
            subject = (target.server.variant, target.server.build)
            results[key(subject, target.payload, target.connections)] = _summary(target, runs)
    return [results[key(*one)] for one in every]


def run_wire(
    options: AppOptions,
    *,
    frameworks: Collection[str],
    builds: Sequence[CoreBuild],
    wrk: str,
    settings: WireSettings,
    cpus: Cpus,
    logs: Path,
    scenarios: Sequence[str] = SCENARIOS,
) -> list[WireResult]:
    """Every variant of the named frameworks with each scenario's session (the bare app and
    the session headers only once: they carry no session)."""
    variants = [variant for variant in VARIANTS if variant.framework.name in frameworks]
    return _measure(
        subjects_of(variants, builds),
        [(scenario, None) for scenario in scenarios],
        options,
        wrk=wrk,
        settings=settings,
        cpus=cpus,
        logs=logs,
    )


def run_scaling(
    options: AppOptions,
    *,
    frameworks: Collection[str],
    builds: Sequence[CoreBuild],
    wrk: str,
    settings: WireSettings,
    cpus: Cpus,
    logs: Path,
) -> list[WireResult]:
    """client-session against each framework's own session and the floor, as the session grows.

    client-session may use two cookies here (``max_chunks=2``): a 3 KB session does not fit
    in one 4096-byte Set-Cookie once sealed and base64-encoded. The signed-only sessions
    send it in one cookie that large, which browsers drop; wrk does not mind. So does the floor,
    which has no size check.
    """
    variants = [
        variant
        for variant in VARIANTS
        if variant.role in SCALED_ROLES
        and variant.framework.name in frameworks
        and variant.name in ("ours", "own", "floor")
    ]
    chunked = AppOptions(redis_port=options.redis_port, max_chunks=2)
    return _measure(
        subjects_of(variants, builds),
        [("counter", size) for size in SESSION_SIZES],
        chunked,
        wrk=wrk,
        settings=settings,
        cpus=cpus,
        logs=logs,
    )

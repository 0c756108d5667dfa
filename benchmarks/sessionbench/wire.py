"""Over the wire: wrk against one worker process per variant, the variants taking turns.

Every server runs at once (idle ones cost nothing), pinned to one CPU, with wrk on the other.
Each variant gets its own session cookie first, checked to open; wrk then sends that same
cookie with every request, so every request opens the session and seals it again. Rounds
rotate the order of the variants, and each variant's numbers are medians over the rounds.
"""

from __future__ import annotations

import logging
import statistics
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from .apps import AppOptions
from .content import SESSION_SIZES
from .probe import BenchmarkError, prime_session
from .processes import Cpus, group_cpu_seconds
from .servers import VariantServer, variant_servers
from .variants import VARIANTS, Role, Variant
from .wrk import WrkRun, run_wrk

__all__ = ["WireResult", "WireSettings", "run_scaling", "run_wire"]

logger = logging.getLogger("sessionbench")


@dataclass(frozen=True, slots=True, kw_only=True)
class WireSettings:
    """How long and how hard wrk drives each variant."""

    rounds: int
    seconds: float
    warmup_seconds: float
    connections: int


@dataclass(frozen=True, slots=True, kw_only=True)
class WireResult:
    """Medians over the rounds for one variant (and session size), or why it did not run."""

    framework: str
    variant: str
    label: str
    role: str
    session_bytes: int | None
    """None for the seed's counter session; the grown size in the scaling run."""
    requests_per_second: float | None
    rps_samples: tuple[float, ...] = ()
    p50_ms: float | None = None
    p99_ms: float | None = None
    server_cpu_us: float | None = None
    """CPU time the server spent a request (user + system, all its processes): load on
    other cores does not move it, as it moves throughput."""
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
    size: int | None


def _skipped(variant: Variant, size: int | None, reason: str) -> WireResult:
    return WireResult(
        framework=variant.framework.name,
        variant=variant.name,
        label=variant.label,
        role=variant.role.value,
        session_bytes=size,
        requests_per_second=None,
        skipped=reason,
    )


def _summary(target: _Target, samples: Sequence[_Sample]) -> WireResult:
    variant = target.server.variant
    runs = [sample.wrk for sample in samples]
    return WireResult(
        framework=variant.framework.name,
        variant=variant.name,
        label=variant.label,
        role=variant.role.value,
        session_bytes=target.size,
        requests_per_second=statistics.median(run.requests_per_second for run in runs),
        rps_samples=tuple(run.requests_per_second for run in runs),
        p50_ms=statistics.median(run.p50_ms for run in runs),
        p99_ms=statistics.median(run.p99_ms for run in runs),
        server_cpu_us=statistics.median(sample.server_cpu_us for sample in samples),
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
            connections=settings.connections,
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


def _measure(
    variants: Sequence[Variant],
    sizes: Sequence[int | None],
    options: AppOptions,
    *,
    wrk: str,
    settings: WireSettings,
    cpus: Cpus,
    logs: Path,
) -> list[WireResult]:
    results: dict[tuple[Variant, int | None], WireResult] = {}
    runnable = []
    for variant in variants:
        reason = variant.unavailable(redis=options.redis_port is not None)
        if reason is None:
            runnable.append(variant)
        else:
            results.update({(variant, size): _skipped(variant, size, reason) for size in sizes})
    with variant_servers(runnable, options, cpus, logs) as servers:
        targets = []
        for server in servers:
            for size in sizes:
                try:
                    cookie = prime_session(server.variant, server.send, size)
                except BenchmarkError as exc:
                    results[server.variant, size] = _skipped(server.variant, size, str(exc))
                    continue
                targets.append(_Target(server, cookie, size))
        for target, runs in _rounds(targets, wrk, settings, cpus).items():
            results[target.server.variant, target.size] = _summary(target, runs)
    return [results[variant, size] for variant in variants for size in sizes]


def run_wire(
    options: AppOptions,
    *,
    frameworks: Collection[str],
    wrk: str,
    settings: WireSettings,
    cpus: Cpus,
    logs: Path,
) -> list[WireResult]:
    """Every variant of the named frameworks on the seed's counter session."""
    variants = [variant for variant in VARIANTS if variant.framework.name in frameworks]
    return _measure(variants, (None,), options, wrk=wrk, settings=settings, cpus=cpus, logs=logs)


def run_scaling(
    options: AppOptions,
    *,
    frameworks: Collection[str],
    wrk: str,
    settings: WireSettings,
    cpus: Cpus,
    logs: Path,
) -> list[WireResult]:
    """client-session against each framework's own session, as the session grows.

    client-session may use two cookies here (``max_chunks=2``): a 3 KB session does not fit
    in one 4096-byte Set-Cookie once sealed and base64-encoded. The signed-only sessions
    send it in one cookie that large, which browsers drop; wrk does not mind.
    """
    variants = [
        variant
        for variant in VARIANTS
        if variant.role in (Role.OURS, Role.OWN) and variant.framework.name in frameworks
    ]
    chunked = AppOptions(redis_port=options.redis_port, max_chunks=2)
    return _measure(
        variants, SESSION_SIZES, chunked, wrk=wrk, settings=settings, cpus=cpus, logs=logs
    )

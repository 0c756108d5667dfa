"""Revocation's load on Redis: the store's command rate at two request rates five-fold apart.

client-session with revocation on never asks the store on a request: each process keeps a
copy in memory, refreshed by a daemon thread every 2 s and woken by the store's push on each
revocation. So the store's command rate should follow the revocations and the processes, not
the requests. This part checks it over the wire: each revocation-on server (ASGI and Flask,
the compiled core, the login session), and beside it the server-side store of the same
framework (starsessions, Flask-Session), driven by wrk at full speed and then at a fifth of
that rate (wrk's Lua ``delay()`` before each request, the full run's per-connection period
times five; the rate reached is measured, not assumed), while :class:`Revoker` revokes a few
sessions a second from a client of its own. Redis' ``total_commands_processed`` (``INFO
stats``) is read before and after each window: every command any client sent in it,
the side client's revocations and the idle servers' refreshes included, per second. An idle
window (no requests) in each round gives the rate without requests.

:func:`run_paired` runs revocation off and on back to back, a few seconds each, the order
swapped every pair: on a shared machine, whose load moves over tens of seconds, a ratio of
two runs side by side is steadier than one of two medians taken a minute apart.
"""

from __future__ import annotations

import logging
import secrets
import statistics
import threading
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from .apps import AppOptions
from .builds import CoreBuild
from .probe import prime_session
from .processes import Cpus, group_cpu_seconds
from .servers import VariantServer, variant_servers
from .variants import REVOCATION_PAIRS, VARIANTS
from .wire import WireSettings
from .wrk import WrkRun, run_wrk

__all__ = [
    "LOADS",
    "PAIRS",
    "CommandRateResult",
    "PairedResult",
    "Revoker",
    "redis_commands",
    "run_command_rates",
    "run_paired",
]

logger = logging.getLogger("sessionbench")

LOADS = ("full", "fifth", "idle")
"""wrk at full speed, at a fifth of the full run's rate, and no requests at all."""

REVOCATIONS_PER_SECOND = 5.0
"""How often the side client revokes a session during the runs with Redis."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandRateResult:
    """One server at one load over the rounds: requests and Redis commands per second."""

    framework: str
    variant: str
    label: str
    load: str
    """One of :data:`LOADS`."""
    connections: int
    rps_samples: tuple[float, ...] = ()
    commands_samples: tuple[float, ...] = ()
    """Redis commands per second over the window, every client's."""
    revocations_samples: tuple[float, ...] = ()
    """The side client's revocations per second over the window."""
    delay_ms: tuple[float, ...] = ()
    """wrk's delay before each request, per round (the fifth load)."""
    failed_requests: int = 0

    @property
    def requests_per_second(self) -> float | None:
        """The median over the rounds."""
        return statistics.median(self.rps_samples) if self.rps_samples else None

    @property
    def commands_per_second(self) -> float | None:
        """The median over the rounds."""
        return statistics.median(self.commands_samples) if self.commands_samples else None


def redis_commands(port: int) -> int:
    """Redis' ``total_commands_processed`` (this INFO included)."""
    from redis import Redis

    client = Redis(host="127.0.0.1", port=port)
    try:
        return int(client.info("stats")["total_commands_processed"])
    finally:
        client.close()


class Revoker:
    """A side client revoking a random session id ``per_second`` times a second through
    ``RedisRevocationStore`` (as an application's logout does), each kept for an hour."""

    def __init__(self, port: int, per_second: float = REVOCATIONS_PER_SECOND) -> None:
        from client_session_core.revocation import RedisRevocationStore

        self._store = RedisRevocationStore.from_url(f"redis://127.0.0.1:{port}/0")
        self._period = 1 / per_second
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sessionbench-revoker", daemon=True)
        self.count = 0
        self.errors = 0

    def _run(self) -> None:
        while not self._stop.wait(self._period):
            try:
                self._store.revoke_session(secrets.token_urlsafe(16), int(time.time()) + 3600)
                self.count += 1
            except Exception:  # noqa: BLE001 - counted and reported, the run goes on
                self.errors += 1

    @contextmanager
    def running(self) -> Iterator[Revoker]:
        """Revoking until the block ends."""
        self._thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            self._thread.join(timeout=10)


@dataclass(frozen=True, slots=True)
class _Window:
    rps: float
    commands: float
    revocations: float
    failed: int


def _window(port: int, revoker: Revoker, work: Callable[[], WrkRun | None]) -> _Window:
    """``work`` (a wrk run, or a wait), and the Redis commands and revocations meanwhile."""
    before, revoked, started = redis_commands(port), revoker.count, time.monotonic()
    run = work()
    elapsed = time.monotonic() - started
    commands = (redis_commands(port) - before) / elapsed
    return _Window(
        rps=run.requests_per_second if run else 0.0,
        commands=commands,
        revocations=(revoker.count - revoked) / elapsed,
        failed=run.non_2xx + run.socket_errors if run else 0,
    )


def _idle(seconds: float) -> None:
    time.sleep(seconds)


def run_command_rates(
    options: AppOptions,
    *,
    frameworks: Collection[str],
    build: CoreBuild,
    wrk: str,
    settings: WireSettings,
    cpus: Cpus,
    logs: Path,
    revoker: Revoker,
    connections: int = 16,
) -> list[CommandRateResult]:
    """Each revocation-on server and its framework's Redis store at full speed and at a
    fifth of it, and an idle window, in interleaved rounds."""
    port = options.redis_port
    if port is None:
        return []
    wanted = [
        variant
        for variant in VARIANTS
        if variant.framework.name in frameworks
        and variant.framework.name in REVOCATION_PAIRS
        and variant.name in ("revocation", "redis")
    ]
    runnable = [v for v in wanted if v.unavailable(redis=True) is None]
    if not runnable:
        return []
    subjects = [(v, build if v.uses_core else None) for v in runnable]
    load_cpu = cpus.load if cpus.pinning else None
    samples: dict[tuple[str, str], list[_Window]] = {}
    delays: dict[str, list[float]] = {}
    with variant_servers(subjects, options, cpus, logs) as servers:
        cookies = {s.variant.key: prime_session(s.variant, s.send, "login") for s in servers}

        def drive(server: VariantServer, seconds: float, delay_ms: float | None) -> WrkRun:
            return run_wrk(
                wrk,
                server.url("/counter"),
                cookie=cookies[server.variant.key],
                seconds=seconds,
                connections=connections,
                cpu=load_cpu,
                delay_ms=delay_ms,
            )

        for server in servers:
            drive(server, settings.warmup_seconds, None)
        for round_index in range(settings.rounds):
            logger.info(
                "  revocation's Redis commands, round %d of %d", round_index + 1, settings.rounds
            )
            samples.setdefault(("", "idle"), []).append(
                _window(port, revoker, partial(_idle, settings.seconds))
            )
            shift = round_index % len(servers)
            for server in [*servers[shift:], *servers[:shift]]:
                key = server.variant.key
                full = _window(port, revoker, partial(drive, server, settings.seconds, None))
                # A fifth of the rate: each connection waits a fifth of the full run's pace
                # between requests, plus nothing for the latency, so the rate reached is a
                # fifth or a little less (it is measured).
                period_ms = connections * 1000 / (full.rps / 5)
                delay = max(1.0, period_ms)
                delays.setdefault(key, []).append(delay)
                fifth = _window(port, revoker, partial(drive, server, settings.seconds, delay))
                samples.setdefault((key, "full"), []).append(full)
                samples.setdefault((key, "fifth"), []).append(fifth)
    results = []
    for (key, load), windows in samples.items():
        variant = next((v for v in runnable if v.key == key), None)
        results.append(
            CommandRateResult(
                framework=variant.framework.name if variant else "",
                variant=variant.name if variant else "",
                label=variant.label if variant else "no requests",
                load=load,
                connections=connections,
                rps_samples=tuple(w.rps for w in windows),
                commands_samples=tuple(w.commands for w in windows),
                revocations_samples=tuple(w.revocations for w in windows),
                delay_ms=tuple(delays.get(key, ())) if load == "fifth" else (),
                failed_requests=sum(w.failed for w in windows),
            )
        )
    return results


PAIRS = 6
"""Back-to-back runs of revocation off then on (or on then off, alternately) per case."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PairedResult:
    """Revocation on against off, run back to back: one ratio per pair, so that the load of
    a shared machine, which moves over tens of seconds, weighs on both sides of each ratio."""

    framework: str
    scenario: str
    connections: int
    off_rps: tuple[float, ...] = ()
    on_rps: tuple[float, ...] = ()
    off_cpu_us: tuple[float, ...] = ()
    on_cpu_us: tuple[float, ...] = ()

    @property
    def ratios(self) -> tuple[float, ...]:
        """On's requests per second over off's, per pair."""
        return tuple(on / off for on, off in zip(self.on_rps, self.off_rps, strict=True) if off)

    @property
    def cpu_ratios(self) -> tuple[float, ...]:
        """Off's server CPU a request over on's, per pair (above 1: on costs less)."""
        return tuple(
            off / on for on, off in zip(self.on_cpu_us, self.off_cpu_us, strict=True) if on
        )


def run_paired(
    options: AppOptions,
    *,
    frameworks: Collection[str],
    build: CoreBuild,
    wrk: str,
    seconds: float,
    connections: Sequence[int],
    cpus: Cpus,
    logs: Path,
    scenario: str = "login",
    pairs: int = PAIRS,
) -> list[PairedResult]:
    """Each framework's revocation off and on servers, driven one right after the other,
    ``pairs`` times per connection count, the order swapped every pair."""
    if options.redis_port is None:
        return []
    subjects = [
        (variant, build)
        for variant in VARIANTS
        if variant.framework.name in frameworks
        and variant.framework.name in REVOCATION_PAIRS
        and variant.name in REVOCATION_PAIRS[variant.framework.name]
        and variant.unavailable(redis=True) is None
    ]
    if not subjects:
        return []
    load_cpu = cpus.load if cpus.pinning else None
    results = []
    with variant_servers(subjects, options, cpus, logs) as servers:
        by_key = {server.variant.key: server for server in servers}
        cookies = {key: prime_session(s.variant, s.send, scenario) for key, s in by_key.items()}

        def drive(key: str, count: int, length: float) -> tuple[float, float]:
            server = by_key[key]
            cpu_before = group_cpu_seconds(server.group)
            run = run_wrk(
                wrk,
                server.url("/counter"),
                cookie=cookies[key],
                seconds=length,
                connections=count,
                cpu=load_cpu,
            )
            cpu = group_cpu_seconds(server.group) - cpu_before
            return run.requests_per_second, cpu / max(1, run.requests) * 1e6

        for framework, (off_name, on_name) in REVOCATION_PAIRS.items():
            off_key, on_key = f"{framework}/{off_name}", f"{framework}/{on_name}"
            if off_key not in by_key or on_key not in by_key:
                continue
            for count in connections:
                logger.info(
                    "  revocation off and on back to back: %s, %d connections", framework, count
                )
                drive(off_key, count, 1)
                drive(on_key, count, 1)
                found: dict[str, list[tuple[float, float]]] = {off_key: [], on_key: []}
                for index in range(pairs):
                    order = (off_key, on_key) if index % 2 == 0 else (on_key, off_key)
                    for key in order:
                        found[key].append(drive(key, count, seconds))
                results.append(
                    PairedResult(
                        framework=framework,
                        scenario=scenario,
                        connections=count,
                        off_rps=tuple(rps for rps, _ in found[off_key]),
                        on_rps=tuple(rps for rps, _ in found[on_key]),
                        off_cpu_us=tuple(cpu for _, cpu in found[off_key]),
                        on_cpu_us=tuple(cpu for _, cpu in found[on_key]),
                    )
                )
    return results

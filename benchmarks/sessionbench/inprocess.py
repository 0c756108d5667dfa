"""Per request, in process: each variant's counter app called directly, no sockets.

Direct ASGI, WSGI and Tornado calls are less noisy than a test client, and every variant
of a framework goes through the same driver, so the difference is the session. Each variant
runs with each scenario's session (the counter, the login session); the bare app, which
keeps none, once.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from .apps import AppOptions
from .content import SCENARIOS
from .drivers import driver_for
from .evict import CacheEvictor
from .opcodes import opcodes_per_operation
from .probe import BenchmarkError, prime_session
from .timing import RunMany, Timing, time_between_evictions, time_interleaved
from .variants import FRAMEWORKS, Framework, Role, Variant, variants_of

__all__ = ["EVICTED_REQUESTS", "InProcessResult", "run_inprocess"]

EVICTED_REQUESTS = 300
"""Requests a sample, each after the caches are evicted (see :mod:`sessionbench.evict`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class InProcessResult:
    """Microseconds a request for one variant, or why it did not run."""

    framework: str
    variant: str
    label: str
    role: str
    us_per_request: float | None
    samples_us: tuple[float, ...] = ()
    opcodes_per_request: float | None = None
    """Python bytecode instructions a request (see :mod:`sessionbench.opcodes`)."""
    evicted_us_per_request: float | None = None
    """Microseconds a request timed alone after the CPU caches were evicted (see
    :mod:`sessionbench.evict`): nearer what a server's request costs."""
    evicted_samples_us: tuple[float, ...] = ()
    evicted_over_bare_us: float | None = None
    """``evicted_us_per_request`` less the bare app's, timed in the same process (the
    evicted times of two processes differ more than the sessions do)."""
    core_build: str | None = None
    """"compiled" or "pure" for client-session's variants; None for the others."""
    scenario: str = "counter"
    """The session each request carries: "counter" or "login" (see ``SCENARIOS``)."""
    skipped: str | None = None


_Case = tuple[Variant, str]
"""A variant and the scenario whose session its requests carry."""


def _row(case: _Case, build: str, **measured: Any) -> InProcessResult:
    variant, scenario = case
    ours = variant.uses_core
    return InProcessResult(
        framework=variant.framework.name,
        variant=variant.name,
        label=f"{variant.label}, {build} core" if ours else variant.label,
        role=variant.role.value,
        core_build=build if ours else None,
        scenario=scenario,
        **measured,
    )


def _skip(case: _Case, build: str, reason: str) -> InProcessResult:
    return _row(case, build, us_per_request=None, skipped=reason)


def _result(
    case: _Case,
    build: str,
    timing: Timing,
    opcodes: float,
    evicted: Timing,
    evicted_bare: Timing | None,
) -> InProcessResult:
    return _row(
        case,
        build,
        us_per_request=timing.median_us,
        samples_us=tuple(sample * 1e6 for sample in timing.samples),
        opcodes_per_request=opcodes,
        evicted_us_per_request=evicted.median_us,
        evicted_samples_us=tuple(sample * 1e6 for sample in evicted.samples),
        evicted_over_bare_us=None
        if evicted_bare is None
        else evicted.median_us - evicted_bare.median_us,
    )


def _framework_results(
    framework: Framework,
    options: AppOptions,
    *,
    repeats: int,
    min_time: float,
    build: str,
    only_ours: bool,
    scenarios: Collection[str],
) -> list[InProcessResult]:
    cases = [
        (v, scenario)
        for v in variants_of(framework)
        if v.uses_core or not only_ours
        for scenario in SCENARIOS
        if scenario in scenarios
        and (scenario == "counter" or v.role not in (Role.BARE, Role.HEADERS))
    ]
    skipped: dict[_Case, InProcessResult] = {}
    for case in cases:
        reason = case[0].unavailable(redis=options.redis_port is not None)
        if reason is not None:
            skipped[case] = _skip(case, build, reason)
    if len(skipped) == len(cases):
        return list(skipped.values())  # without importing a framework that is not there
    # The bare app is timed after evictions in every process, as the reference its rows'
    # "over bare" subtract, even where it is not reported.
    bare = (next(v for v in variants_of(framework) if v.role is Role.BARE), "counter")
    module = importlib.import_module(framework.app_module)
    loop = asyncio.new_event_loop()
    runs: dict[_Case, RunMany] = {}
    try:
        for case in (c for c in (*cases, bare) if c not in skipped and c not in runs):
            variant, scenario = case
            driver = driver_for(framework.interface, module.build_app(variant.name, options), loop)
            fill = None if scenario == "counter" else scenario
            try:
                runs[case] = driver.repeat("/counter", prime_session(variant, driver.request, fill))
            except BenchmarkError as exc:
                skipped[case] = _skip(case, build, str(exc))
        reported = {case: run for case, run in runs.items() if case in cases}
        timings = time_interleaved(reported, repeats=repeats, min_time=min_time)
        opcodes = {variant: opcodes_per_operation(run) for variant, run in reported.items()}
        evictor = CacheEvictor()
        try:
            evicted = time_between_evictions(
                runs, repeats=repeats, requests=EVICTED_REQUESTS, evict=evictor
            )
        finally:
            evictor.close()
    finally:
        loop.close()
    return [
        skipped.get(c) or _result(c, build, timings[c], opcodes[c], evicted[c], evicted.get(bare))
        for c in cases
    ]


def run_inprocess(
    options: AppOptions,
    *,
    frameworks: Collection[str],
    repeats: int,
    min_time: float,
    build: str,
    only_ours: bool = False,
    scenarios: Collection[str] = SCENARIOS,
) -> list[InProcessResult]:
    """Every variant of the named frameworks (or client-session's only) with each of
    ``scenarios``' sessions, the variants of a framework taking turns. ``build`` names the
    core this process runs."""
    return [
        result
        for framework in FRAMEWORKS
        if framework.name in frameworks
        for result in _framework_results(
            framework,
            options,
            repeats=repeats,
            min_time=min_time,
            build=build,
            only_ours=only_ours,
            scenarios=scenarios,
        )
    ]

"""Per-operation timing in the manner of :mod:`timeit`: auto-ranged loops, median of repeats."""

from __future__ import annotations

import contextlib
import gc
import statistics
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TypeVar

__all__ = ["Timing", "loop_of", "time_between_evictions", "time_interleaved"]

K = TypeVar("K")

RunMany = Callable[[int], object]
"""Runs the operation under test ``n`` times."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Timing:
    """Seconds per operation, one sample per repeat."""

    samples: tuple[float, ...]

    @property
    def median(self) -> float:
        """The median of the samples, in seconds per operation."""
        return statistics.median(self.samples)

    @property
    def median_us(self) -> float:
        """The median of the samples, in microseconds per operation."""
        return self.median * 1e6


def loop_of(operation: Callable[[], object]) -> RunMany:
    """A :data:`RunMany` that calls ``operation`` in a plain loop."""

    def run(count: int) -> None:
        for _ in range(count):
            operation()

    return run


Clock = Callable[[], float]


@contextlib.contextmanager
def _collector_off() -> Iterator[None]:
    # As timeit does: the collector would charge one variant for another's garbage.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc_was_enabled:
            gc.enable()


def _seconds_for(run: RunMany, count: int, clock: Clock) -> float:
    with _collector_off():
        start = clock()
        run(count)
        return clock() - start


def _calibrate(run: RunMany, min_time: float, clock: Clock) -> int:
    """The smallest count of 1, 2, 5, 10, 20, 50... whose run lasts at least ``min_time``."""
    base = 1
    while True:
        for factor in (1, 2, 5):
            count = base * factor
            if _seconds_for(run, count, clock) >= min_time:
                return count
        base *= 10


def time_interleaved(
    runs: Mapping[K, RunMany], *, repeats: int, min_time: float, clock: Clock = time.perf_counter
) -> dict[K, Timing]:
    """Time each of ``runs``, taking turns: repeat ``r`` of every run before repeat ``r + 1``
    of any, so that a burst of load on a shared machine lands on all of them alike.

    ``clock`` is wall time by default, which counts waiting for Redis; pure computation is
    better timed by :func:`time.process_time`, which other processes on a shared machine
    hardly move. The calibration runs double as the warm-up (caches, subkeys, pools).
    """
    counts = {key: _calibrate(run, min_time, clock) for key, run in runs.items()}
    samples: dict[K, list[float]] = {key: [] for key in runs}
    for _ in range(repeats):
        for key, run in runs.items():
            samples[key].append(_seconds_for(run, counts[key], clock) / counts[key])
    return {key: Timing(samples=tuple(values)) for key, values in samples.items()}


def time_between_evictions(
    runs: Mapping[K, RunMany],
    *,
    repeats: int,
    requests: int,
    evict: Callable[[], object],
    clock: Clock = time.perf_counter,
) -> dict[K, Timing]:
    """Time one operation at a time, each after ``evict()``, taking turns as
    :func:`time_interleaved` does: a sample is the mean of ``requests`` operations, and only
    the operations are on the clock.

    A server does its own work between two requests (its sockets, its HTTP parsing, other
    requests), which pushes the session's code and data out of the CPU caches; a loop that
    repeats one request keeps them in. ``evict`` stands for that work.
    """
    samples: dict[K, list[float]] = {key: [] for key in runs}
    with _collector_off():
        for run in runs.values():
            run(requests)  # warm-up: pools, subkeys, lazily built state
        for _ in range(repeats):
            for key, run in runs.items():
                total = 0.0
                for _request in range(requests):
                    evict()
                    start = clock()
                    run(1)
                    total += clock() - start
                samples[key].append(total / requests)
    return {key: Timing(samples=tuple(values)) for key, values in samples.items()}

"""Whether a soak's samples are flat, and the figure of them.

The rule, per adapter, over the samples of its server process (its children included):

- **memory**: the median RSS of the last tenth of the run exceeds the median RSS around
  its middle (45 % to 55 % of the run) by at most ``RSS_GROWTH_LIMIT`` (16 MiB). The first
  half is warm-up (caches, allocator arenas, the first rotations); a leak of even a few
  hundred bytes a request shows in the second half, which serves tens of thousands.
- **file descriptors**: the most open at any sample of the second half is at most
  ``FD_SLACK`` (8) above the most open in the first half: bounded, whatever the
  rotations (each starts a new listening server before the old one stops).

And with revocations, over the samples of the soak's redis-server (``judge_store``): the
store holds revocations, never sessions, so that

- **keys**: at most the store's five at every sample, however many sessions and requests;
- **entries**: at the end, at most the revocations made (fewer when a user signed out
  everywhere twice: one entry a user);
- **memory**: from the first sample that holds an entry (the scripts, connections and keys
  are there by then) to the last, Redis' ``used_memory`` grew by at most
  ``REDIS_BYTES_PER_ENTRY`` (1 KiB) an entry added, plus ``REDIS_SLACK`` (1 MiB): linear in
  the revocations, nothing a request. ``bytes_per_entry`` is that growth over those entries;
- **connections**: the most clients connected in the second half is at most
  ``REDIS_CLIENT_SLACK`` (4) above the first half's: each rotation's server closes its
  refresher's and push channel's connections when it stops.

Entries leave at their deadline by Redis' clock: a revoked session's absolute deadline, a
user's "not before" plus the longest lifetime (12 hours and a minute here). The soak's
servers run on a ``ManualClock`` that starts in the future and moves 12 times faster than
Redis' clock, so no entry reaches its deadline within a soak: the soak shows the store
linear in the revocations and flat in the requests; expiry itself is tested by the core
(``tests/test_revocation_redis.py``).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._control import Sample
from ._redis import RedisSample

__all__ = [
    "FD_SLACK",
    "REDIS_BYTES_PER_ENTRY",
    "REDIS_CLIENT_SLACK",
    "REDIS_SLACK",
    "RSS_GROWTH_LIMIT",
    "Flatness",
    "StoreBound",
    "judge",
    "judge_store",
    "plot",
]

MIB = 1024 * 1024
RSS_GROWTH_LIMIT = 16 * MIB
FD_SLACK = 8
STORE_KEYS = 5
REDIS_BYTES_PER_ENTRY = 1024
REDIS_SLACK = 1 * MIB
REDIS_CLIENT_SLACK = 4


@dataclass(frozen=True)
class Flatness:
    rss_growth_bytes: int
    rss_slope_mib_per_minute: float  # least squares over the second half, for the record
    fds_first_half_max: int
    fds_second_half_max: int
    flat: bool
    why: str

    def to_json(self) -> dict[str, Any]:
        return vars(self).copy()


def _window(samples: Sequence[Sample], start: float, end: float) -> list[Sample]:
    duration = samples[-1].seconds
    return [s for s in samples if start * duration <= s.seconds <= end * duration]


def _slope(samples: Sequence[Sample]) -> float:
    if len(samples) < 2:
        return 0.0
    xs = [s.seconds / 60 for s in samples]
    ys = [s.rss_bytes / MIB for s in samples]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        return 0.0
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


def judge(samples: Sequence[Sample]) -> Flatness:
    """Apply the rule of this module to one adapter's samples (ten at least)."""
    if len(samples) < 10:
        raise ValueError(f"{len(samples)} samples are too few to judge; sample more often")
    middle = _window(samples, 0.45, 0.55) or [samples[len(samples) // 2]]
    end = _window(samples, 0.9, 1.0)
    growth = int(
        statistics.median(s.rss_bytes for s in end) - statistics.median(s.rss_bytes for s in middle)
    )
    half = samples[-1].seconds / 2
    first = max(s.open_fds for s in samples if s.seconds < half)
    second = max(s.open_fds for s in samples if s.seconds >= half)
    reasons = []
    if growth > RSS_GROWTH_LIMIT:
        reasons.append(f"RSS grew {growth / MIB:.1f} MiB over the second half")
    if second > first + FD_SLACK:
        reasons.append(f"open files rose from at most {first} to {second}")
    return Flatness(
        rss_growth_bytes=growth,
        rss_slope_mib_per_minute=_slope([s for s in samples if s.seconds >= half]),
        fds_first_half_max=first,
        fds_second_half_max=second,
        flat=not reasons,
        why="; ".join(reasons) or "flat",
    )


@dataclass(frozen=True)
class StoreBound:
    """The revocation store's samples, judged by this module's rule."""

    entries_end: int
    revocations: int
    keys_max: int
    clients_first_half_max: int
    clients_second_half_max: int
    memory_start: int  # at the first sample, before any revocation
    memory_end: int
    bytes_per_entry: float  # growth over entries added, from the first entry on; 0 with none
    bounded: bool
    why: str

    def to_json(self) -> dict[str, Any]:
        return vars(self).copy()


def judge_store(samples: Sequence[RedisSample], revocations: int) -> StoreBound:
    """Apply the store's rule of this module to one adapter's Redis samples, given the
    revocations the load made (sessions and users)."""
    if len(samples) < 2:
        raise ValueError(f"{len(samples)} Redis samples are too few to judge")
    last = samples[-1]
    first = next((s for s in samples if s.entries), last)
    growth = last.used_memory - first.used_memory
    added = last.entries - first.entries
    keys_max = max(s.keys for s in samples)
    half = last.seconds / 2
    clients_first = max((s.clients for s in samples if s.seconds < half), default=0)
    clients_second = max((s.clients for s in samples if s.seconds >= half), default=0)
    reasons = []
    if keys_max > STORE_KEYS:
        reasons.append(f"Redis held {keys_max} keys, over the store's {STORE_KEYS}")
    if last.entries > revocations:
        reasons.append(f"Redis held {last.entries} entries for {revocations} revocations")
    if growth > REDIS_SLACK + REDIS_BYTES_PER_ENTRY * added:
        reasons.append(
            f"Redis memory grew {growth / MIB:.2f} MiB for {added} entries, over "
            f"{REDIS_BYTES_PER_ENTRY} bytes each and {REDIS_SLACK / MIB:g} MiB"
        )
    if clients_second > clients_first + REDIS_CLIENT_SLACK:
        reasons.append(f"Redis clients rose from at most {clients_first} to {clients_second}")
    return StoreBound(
        entries_end=last.entries,
        revocations=revocations,
        keys_max=keys_max,
        clients_first_half_max=clients_first,
        clients_second_half_max=clients_second,
        memory_start=samples[0].used_memory,
        memory_end=last.used_memory,
        bytes_per_entry=growth / added if added > 0 else 0.0,
        bounded=not reasons,
        why="; ".join(reasons) or "bounded",
    )


def plot(
    runs: dict[str, Sequence[Sample]],
    rotations: dict[str, list[float]],
    path: Path,
    stores: dict[str, Sequence[RedisSample]] | None = None,
) -> None:
    """RSS and open file descriptors over time, one line per adapter, rotations dotted; and
    the memory of each adapter's Redis, when the soak revoked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    stores = stores or {}
    rows = 3 if stores else 2
    figure, panels = plt.subplots(rows, 1, figsize=(9, 3.5 * rows), sharex=True)
    memory, files = panels[0], panels[1]
    colours = {}
    for name, samples in runs.items():
        minutes = [s.seconds / 60 for s in samples]
        (line,) = memory.plot(minutes, [s.rss_bytes / MIB for s in samples], label=name)
        colours[name] = line.get_color()
        files.plot(minutes, [s.open_fds for s in samples], color=line.get_color(), label=name)
    if stores:
        redis_memory = panels[2]
        for name, store in stores.items():
            minutes = [s.seconds / 60 for s in store]
            redis_memory.plot(
                minutes, [s.used_memory / MIB for s in store], color=colours[name], label=name
            )
        redis_memory.set_ylabel("Redis used_memory (MiB)")
        redis_memory.set_ylim(bottom=0)
    # Every adapter rotates at the same fractions of its run: one set of lines says when.
    for at in sorted({round(at / 60, 2) for times in rotations.values() for at in times}):
        for axes in panels:
            axes.axvline(at, color="grey", linestyle=":", linewidth=0.8)
    memory.set_ylabel("server RSS (MiB)")
    memory.set_ylim(bottom=0)
    files.set_ylabel("open file descriptors")
    files.set_ylim(bottom=0)
    panels[-1].set_xlabel("minutes of load (dotted: key rotations)")
    memory.legend(loc="lower right", fontsize="small", ncols=2)
    memory.set_title("client-session soak: each adapter's server process under mixed load")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)

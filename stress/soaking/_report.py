"""Whether a soak's samples are flat, and the figure of them.

The rule, per adapter, over the samples of its server process (its children included):

- **memory**: the median RSS of the last tenth of the run exceeds the median RSS around
  its middle (45 % to 55 % of the run) by at most ``RSS_GROWTH_LIMIT`` (16 MiB). The first
  half is warm-up (caches, allocator arenas, the first rotations); a leak of even a few
  hundred bytes a request shows in the second half, which serves tens of thousands.
- **file descriptors**: the most open at any sample of the second half is at most
  ``FD_SLACK`` (8) above the most open in the first half: bounded, whatever the
  rotations (each starts a new listening server before the old one stops).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._control import Sample

__all__ = ["FD_SLACK", "RSS_GROWTH_LIMIT", "Flatness", "judge", "plot"]

MIB = 1024 * 1024
RSS_GROWTH_LIMIT = 16 * MIB
FD_SLACK = 8


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


def plot(runs: dict[str, Sequence[Sample]], rotations: dict[str, list[float]], path: Path) -> None:
    """RSS and open file descriptors over time, one line per adapter, rotations dotted."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (memory, files) = plt.subplots(2, 1, figsize=(9, 7), sharex=True)
    for name, samples in runs.items():
        minutes = [s.seconds / 60 for s in samples]
        (line,) = memory.plot(minutes, [s.rss_bytes / MIB for s in samples], label=name)
        files.plot(minutes, [s.open_fds for s in samples], color=line.get_color(), label=name)
    # Every adapter rotates at the same fractions of its run: one set of lines says when.
    for at in sorted({round(at / 60, 2) for times in rotations.values() for at in times}):
        for axes in (memory, files):
            axes.axvline(at, color="grey", linestyle=":", linewidth=0.8)
    memory.set_ylabel("server RSS (MiB)")
    memory.set_ylim(bottom=0)
    files.set_ylabel("open file descriptors")
    files.set_ylim(bottom=0)
    files.set_xlabel("minutes of load (dotted: key rotations)")
    memory.legend(loc="lower right", fontsize="small", ncols=2)
    memory.set_title("client-session soak: each adapter's server process under mixed load")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)

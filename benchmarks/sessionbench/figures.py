"""The two figures: requests per second per variant, and as the session grows."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display, no GUI toolkit

import matplotlib.pyplot as plt

from .content import SESSION_SIZES, size_label
from .variants import FRAMEWORKS, Role, variants_of
from .wire import WireResult

__all__ = ["plot_scaling", "plot_throughput"]

_COLOURS = {
    Role.BARE: "#b0b0b0",
    Role.OURS: "#2a7ab0",
    Role.OWN: "#e0a030",
    Role.STORE: "#c05050",
    Role.FLOOR: "#70a070",
    Role.HEADERS: "#d0d0d0",
}


def _measured(
    results: list[WireResult], framework: str, size: int | None, connections: int
) -> list[WireResult]:
    return [
        r
        for r in results
        if r.framework == framework
        and r.scenario == "counter"
        and r.session_bytes == size
        and r.connections == connections
        and r.requests_per_second
    ]


def _tick(row: WireResult) -> str:
    """A bar's label: the variant's, shortened for client-session (the table has it all)."""
    if row.role == Role.OURS.value and row.core_build:
        return f"client-session ({row.core_build} core)"
    return row.label


def plot_throughput(
    results: list[WireResult], connections: list[int], path: Path, subtitle: str
) -> None:
    """Bars of median requests per second, min-max whiskers: one panel per framework and
    connection count (a row of panels per count)."""
    frameworks = [f for f in FRAMEWORKS if any(r.framework == f.name for r in results)]
    counts = [c for c in connections if any(r.connections == c for r in results)]
    if not frameworks or not counts:
        return
    figure, axes = plt.subplots(
        len(counts),
        len(frameworks),
        figsize=(max(6.0, 4.6 * len(frameworks)), 5.2 * len(counts)),
        squeeze=False,
    )
    for axis, (count, framework) in zip(
        axes.flat, [(c, f) for c in counts for f in frameworks], strict=True
    ):
        rows = _measured(results, framework.name, None, count)
        roles = {v.name: v.role for v in variants_of(framework)}
        heights = [r.requests_per_second or 0.0 for r in rows]
        low = [h - min(r.rps_samples, default=h) for h, r in zip(heights, rows, strict=True)]
        high = [max(r.rps_samples, default=h) - h for h, r in zip(heights, rows, strict=True)]
        positions = range(len(rows))
        bars = axis.bar(
            positions,
            heights,
            yerr=[low, high],
            capsize=3,
            color=[_COLOURS[roles[r.variant]] for r in rows],
        )
        for bar, row in zip(bars, rows, strict=True):
            if row.core_build == "pure":
                bar.set_hatch("//")  # the same colour as the compiled build's: the same variant
        axis.bar_label(bars, labels=[f"{h:,.0f}" for h in heights], fontsize=8, padding=2)
        axis.set_xticks(list(positions), [_tick(r) for r in rows], rotation=30, ha="right")
        axis.set_title(f"{framework.label}, {count} connections\n({framework.server})", fontsize=10)
        axis.set_ylabel("requests per second (median)")
        axis.margins(y=0.12)
    figure.suptitle(f"The seed's counter, one worker, higher is better\n{subtitle}", fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def plot_scaling(
    results: list[WireResult], connections: list[int], path: Path, subtitle: str
) -> None:
    """Requests per second against session size, at the run's first connection count: ours
    (on each core build), each framework's own session and the AES-GCM floor."""
    frameworks = [f for f in FRAMEWORKS if any(r.framework == f.name for r in results)]
    count = next((c for c in connections if any(r.connections == c for r in results)), None)
    if not frameworks or count is None:
        return
    figure, axes = plt.subplots(
        1, len(frameworks), figsize=(4.2 * len(frameworks), 3.9), squeeze=False
    )
    for axis, framework in zip(axes[0], frameworks, strict=True):
        roles = {v.name: v.role for v in variants_of(framework)}
        measured = [
            row for size in SESSION_SIZES for row in _measured(results, framework.name, size, count)
        ]
        for label in dict.fromkeys(row.label for row in measured):
            rows = [row for row in measured if row.label == label]
            pure = rows[0].core_build == "pure"
            axis.plot(
                [size_label(row.session_bytes or 0) for row in rows],
                [row.requests_per_second for row in rows],
                marker="o",
                linestyle="--" if pure else "-",
                label=label,
                color=_COLOURS[roles[rows[0].variant]],
            )
        axis.set_title(f"{framework.label}, {count} connections", fontsize=10)
        axis.set_xlabel("session size (JSON)")
        axis.set_ylabel("requests per second (median)")
        axis.set_ylim(bottom=0)
        axis.legend(fontsize=8)
    figure.suptitle(f"As the session grows, higher is better\n{subtitle}", fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)

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
}


def _measured(results: list[WireResult], framework: str, size: int | None) -> list[WireResult]:
    return [
        r
        for r in results
        if r.framework == framework and r.session_bytes == size and r.requests_per_second
    ]


def plot_throughput(results: list[WireResult], path: Path, subtitle: str) -> None:
    """Bars of median requests per second, one panel per framework, min-max whiskers."""
    frameworks = [f for f in FRAMEWORKS if _measured(results, f.name, None)]
    if not frameworks:
        return
    figure, axes = plt.subplots(
        1, len(frameworks), figsize=(4.6 * len(frameworks), 4.8), squeeze=False
    )
    for axis, framework in zip(axes[0], frameworks, strict=True):
        rows = _measured(results, framework.name, None)
        roles = {v.name: v.role for v in variants_of(framework)}
        heights = [r.requests_per_second or 0.0 for r in rows]
        low = [h - min(r.rps_samples) for h, r in zip(heights, rows, strict=True)]
        high = [max(r.rps_samples) - h for h, r in zip(heights, rows, strict=True)]
        positions = range(len(rows))
        bars = axis.bar(
            positions,
            heights,
            yerr=[low, high],
            capsize=3,
            color=[_COLOURS[roles[r.variant]] for r in rows],
        )
        axis.bar_label(bars, labels=[f"{h:,.0f}" for h in heights], fontsize=8, padding=2)
        axis.set_xticks(list(positions), [r.label for r in rows], rotation=30, ha="right")
        axis.set_title(f"{framework.label}\n({framework.server})", fontsize=10)
        axis.set_ylabel("requests per second (median)")
        axis.margins(y=0.12)
    figure.suptitle(f"The seed's counter, one worker, higher is better\n{subtitle}", fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def plot_scaling(results: list[WireResult], path: Path, subtitle: str) -> None:
    """Requests per second against session size: ours and each framework's own session."""
    frameworks = [f for f in FRAMEWORKS if any(r.framework == f.name for r in results)]
    if not frameworks:
        return
    figure, axes = plt.subplots(
        1, len(frameworks), figsize=(4.2 * len(frameworks), 3.9), squeeze=False
    )
    for axis, framework in zip(axes[0], frameworks, strict=True):
        for variant in variants_of(framework):
            points = [
                (size_label(size), row.requests_per_second)
                for size in SESSION_SIZES
                for row in _measured(results, framework.name, size)
                if row.variant == variant.name
            ]
            if points:
                labels, rates = zip(*points, strict=True)
                axis.plot(
                    labels, rates, marker="o", label=variant.label, color=_COLOURS[variant.role]
                )
        axis.set_title(framework.label, fontsize=10)
        axis.set_xlabel("session size (JSON)")
        axis.set_ylabel("requests per second (median)")
        axis.set_ylim(bottom=0)
        axis.legend(fontsize=8)
    figure.suptitle(f"As the session grows, higher is better\n{subtitle}", fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)

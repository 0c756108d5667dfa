"""Everything one run measured, as saved to ``benchmarks/results/latest.json``."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .inprocess import InProcessResult
from .micro import MicroResult
from .wire import WireResult

__all__ = ["RunResults", "load_results", "save_results"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RunResults:
    """The machine and settings of a run, and each part's results (empty when skipped)."""

    meta: dict[str, Any]
    micro: list[MicroResult] = field(default_factory=list)
    inprocess: list[InProcessResult] = field(default_factory=list)
    wire: list[WireResult] = field(default_factory=list)
    scaling: list[WireResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def wire_rps(self, framework: str, variant: str) -> float | None:
        """Median requests per second of one variant on the counter session."""
        return _rps(self.wire, framework, variant, None)

    def wire_cpu_us(self, framework: str, variant: str) -> float | None:
        """Median server CPU microseconds a request of one variant on the counter session."""
        return next(
            (
                r.server_cpu_us
                for r in self.wire
                if (r.framework, r.variant, r.session_bytes) == (framework, variant, None)
            ),
            None,
        )

    def scaling_rps(self, framework: str, variant: str, size: int) -> float | None:
        """Median requests per second of one variant with a session of ``size`` bytes."""
        return _rps(self.scaling, framework, variant, size)

    def micro_us(self, case: str, session: str) -> float | None:
        """Microseconds a cycle of one micro case."""
        return next(
            (r.us_per_op for r in self.micro if r.case == case and r.session == session), None
        )


def _rps(results: list[WireResult], framework: str, variant: str, size: int | None) -> float | None:
    return next(
        (
            r.requests_per_second
            for r in results
            if (r.framework, r.variant, r.session_bytes) == (framework, variant, size)
        ),
        None,
    )


def save_results(results: RunResults, path: Path) -> None:
    """Write ``results`` as indented JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(dataclasses.asdict(results), indent=1) + "\n")


def load_results(path: Path) -> RunResults:
    """Read results written by :func:`save_results`."""
    raw = json.loads(path.read_text())

    def rows(kind: type[Any], key: str) -> list[Any]:
        return [
            kind(**{k: tuple(v) if isinstance(v, list) else v for k, v in row.items()})
            for row in raw.get(key, [])
        ]

    return RunResults(
        meta=raw["meta"],
        micro=rows(MicroResult, "micro"),
        inprocess=rows(InProcessResult, "inprocess"),
        wire=rows(WireResult, "wire"),
        scaling=rows(WireResult, "scaling"),
        notes=raw.get("notes", []),
    )

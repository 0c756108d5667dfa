"""Everything one run measured, as saved to ``benchmarks/results/latest.json``."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .breakdown import BreakdownResult
from .inprocess import InProcessResult
from .micro import MicroResult
from .revocation import CommandRateResult, PairedResult
from .setcookie import SetCookieResult
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
    set_cookie: list[SetCookieResult] = field(default_factory=list)
    """One per core build."""
    breakdown: list[BreakdownResult] = field(default_factory=list)
    """The ASGI request's steps, per core build and scenario."""
    command_rates: list[CommandRateResult] = field(default_factory=list)
    """Redis' command rate with revocation on, at two request rates (and the stores')."""
    revocation_pairs: list[PairedResult] = field(default_factory=list)
    """Revocation on against off, back to back."""
    notes: list[str] = field(default_factory=list)

    @property
    def builds(self) -> list[str]:
        """The core builds this run measured, compiled first."""
        return list(self.meta.get("builds", ["compiled"]))

    @property
    def frameworks(self) -> list[str]:
        """The frameworks this run covered."""
        return list(self.meta["settings"].get("frameworks", ["asgi", "flask", "tornado"]))

    @property
    def connections(self) -> list[int]:
        """The connection counts of this run's wire parts."""
        return list(self.meta["settings"]["connections"])

    @property
    def scenarios(self) -> list[str]:
        """The sessions this run's wire and in-process parts carried (the counter's first)."""
        found = [row.scenario for row in self.wire] + [row.scenario for row in self.inprocess]
        return list(dict.fromkeys(["counter", *found]))

    def wire_row(
        self, framework: str, variant: str, build: str, connections: int, scenario: str = "counter"
    ) -> WireResult | None:
        """One variant's measured row with a scenario's session: client-session's on ``build``,
        the others' (which do not use the core) whatever ``build`` is. The bare app and the
        session headers only carry no session: their counter row serves every scenario."""
        if variant in ("bare", "headers"):
            scenario = "counter"
        return _row(self.wire, framework, variant, build, connections, None, scenario)

    def inprocess_row(
        self, framework: str, variant: str, build: str, scenario: str = "counter"
    ) -> InProcessResult | None:
        """One variant's measured in-process row, as :meth:`wire_row` picks it."""
        if variant in ("bare", "headers"):
            scenario = "counter"
        return next(
            (
                r
                for r in self.inprocess
                if (r.framework, r.variant, r.scenario) == (framework, variant, scenario)
                and r.core_build in (None, build)
                and r.us_per_request is not None
            ),
            None,
        )

    def scaling_row(
        self, framework: str, variant: str, build: str, connections: int, size: int
    ) -> WireResult | None:
        """One variant's measured row with a session of ``size`` bytes."""
        return _row(self.scaling, framework, variant, build, connections, size, "counter")

    def micro_row(self, case: str, session: str, build: str = "compiled") -> MicroResult | None:
        """One micro case's result on one session (ours: on ``build``)."""
        return next(
            (
                r
                for r in self.micro
                if r.case == case and r.session == session and r.core_build in (None, build)
            ),
            None,
        )

    def micro_us(self, case: str, session: str, build: str = "compiled") -> float | None:
        """Microseconds a cycle of one micro case (ours: on ``build``)."""
        row = self.micro_row(case, session, build)
        return None if row is None else row.us_per_op


def _row(
    results: list[WireResult],
    framework: str,
    variant: str,
    build: str,
    connections: int,
    size: int | None,
    scenario: str,
) -> WireResult | None:
    return next(
        (
            r
            for r in results
            if (r.framework, r.variant, r.session_bytes, r.connections, r.scenario)
            == (framework, variant, size, connections, scenario)
            and r.core_build in (None, build)
            and r.requests_per_second is not None
        ),
        None,
    )


def save_results(results: RunResults, path: Path) -> None:
    """Write ``results`` as indented JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(dataclasses.asdict(results), indent=1) + "\n")


def _upgrade(raw: dict[str, Any]) -> dict[str, Any]:
    """Results of a run made before the connection counts and core builds were recorded:
    one connection count, and client-session on the build its versions line names."""
    settings = raw["meta"]["settings"]
    if isinstance(settings["connections"], int):
        settings["connections"] = [settings["connections"]]
    connections = settings["connections"][0]
    packages = raw["meta"]["machine"].get("packages", {})
    compiled = "compiled" in packages.get("client-session-core", "compiled")
    build = "compiled" if compiled else "pure"
    raw["meta"].setdefault("builds", [build])
    for part in ("wire", "scaling", "inprocess", "micro"):
        for row in raw.get(part, []):
            if part in ("wire", "scaling"):
                row.setdefault("connections", connections)
            ours = row.get("role") == "ours" or str(row.get("case", "")).startswith("ours")
            row.setdefault("core_build", build if ours else None)
    return raw


def load_results(path: Path) -> RunResults:
    """Read results written by :func:`save_results` (or by an earlier version of it)."""
    raw = _upgrade(json.loads(path.read_text()))

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
        set_cookie=[SetCookieResult.from_json(row) for row in raw.get("set_cookie", [])],
        breakdown=rows(BreakdownResult, "breakdown"),
        command_rates=rows(CommandRateResult, "command_rates"),
        revocation_pairs=rows(PairedResult, "revocation_pairs"),
        notes=raw.get("notes", []),
    )

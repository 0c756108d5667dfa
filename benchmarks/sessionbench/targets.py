"""The performance targets (issue 24, restating issue 6's), each judged from one run's results.

On the compiled core, which users get from a wheel, for every framework, connection count and
scenario (the counter, the login session):

- over the wire, client-session serves more requests per second than each competitor (the
  framework's own session, every server-side store, and any other session the table lists),
  and its ratio against that competitor is at least ``FLOOR_SHARE`` (0.9) times the AES-GCM
  floor's ratio against the same competitor: the floor is the least an encrypted session
  does (json + AES-GCM, no policy), so this bounds what client-session's policy may cost,
  whatever the competitor;
- in process, client-session's cost over the bare app is at most ``INPROCESS_LIMIT`` (1.3)
  times the floor's.

With revocation on (issue 25: ``Revocations`` on the run's redis-server), for ASGI and Flask,
at each connection count and scenario:

- over the wire, at least ``REVOCATION_SHARE`` (0.97) of the requests per second of the same
  policy with revocation off;
- still ahead of the framework's server-side store on Redis (starsessions, Flask-Session)
  by the margin revocation off has over it, within the same 3%;
- Redis' command rate with a revocation-on server driven at a fifth of its full rate is
  within ``COMMAND_RATE_TOLERANCE`` (10%) of the rate at full speed (the request rates
  measured at least ``MIN_RATE_RATIO`` (4.5) apart), revocations arriving throughout.

The pure core's rows are reported beside them, not judged. Issue 6's fixed ratios are gone:
two of them (Flask at 2x Flask-Session + Redis, Django at 1.3x its signed_cookies engine) no
session can reach on the machines measured, as the floor's own ratio and the "session
headers only" ceiling show in every run (``docs/benchmarks.md``).
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Callable
from dataclasses import dataclass

from .content import SESSION_SIZES, size_label
from .results import RunResults
from .variants import FRAMEWORKS, REVOCATION_PAIRS, Framework, Role, Variant, variants_of

__all__ = [
    "COMMAND_RATE_TOLERANCE",
    "COMPETITOR_ROLES",
    "FLOOR_SHARE",
    "INPROCESS_LIMIT",
    "JUDGED_BUILD",
    "MIN_RATE_RATIO",
    "REVOCATION_SHARE",
    "Target",
    "Verdict",
    "judge",
    "targets",
]

FLOOR_SHARE = 0.9
"""Ours' ratio against a competitor is at least this share of the floor's ratio against it."""

INPROCESS_LIMIT = 1.3
"""In process, ours' microseconds over the bare app are at most this many times the floor's."""

JUDGED_BUILD = "compiled"
"""The core build the targets hold on; the others' rows are reported."""

REVOCATION_SHARE = 0.97
"""With revocation on, at least this share of the requests per second with it off."""

COMMAND_RATE_TOLERANCE = 0.10
"""Redis' command rate at a fifth of the request rate within this share of the full rate's."""

MIN_RATE_RATIO = 4.5
"""The two request rates of the command-rate check must be at least this far apart."""

COMPETITOR_ROLES = (Role.OWN, Role.STORE)
"""The variants client-session must be ahead of: every session a user would otherwise pick."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    """What was measured against a target, and whether it is met (None: not measured, or
    reported only)."""

    measured: str
    met: bool | None
    judged: bool = True
    """False on a core build whose rows are reported, not judged (the pure core)."""


Check = Callable[[RunResults, str, int], "Verdict"]
"""Judges a run on one core build ("compiled" or "pure") at one connection count."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """One promise, and how to check it against a run."""

    label: str
    check: Check
    framework: str | None
    """The framework a target is about, judged when the run covers it (None: the core's)."""
    scenario: str = "counter"
    part: str = "wire"
    """The part of the run it is judged on: "wire", "scaling", "inprocess", "micro" or
    "commands" (Redis' command rate with revocation on)."""

    @property
    def over_the_wire(self) -> bool:
        """True for the targets judged at each connection count."""
        return self.part in ("wire", "scaling")


_NOT_MEASURED = Verdict(measured="not measured", met=None)


def _round_ratios(ours: tuple[float, ...], theirs: tuple[float, ...]) -> str:
    """The spread of the ratio over the rounds (the i-th rounds ran side by side)."""
    ratios = [a / b for a, b in zip(ours, theirs, strict=False) if b]
    if len(ratios) < 2:
        return ""
    return f"; rounds {min(ratios):.2f}-{max(ratios):.2f}x"


def _ahead_of(framework: str, other: str, scenario: str) -> Check:
    """Ours serves more requests per second than ``other``, and its ratio against it is at
    least ``FLOOR_SHARE`` of the floor's (the same as serving ``FLOOR_SHARE`` of the
    floor's requests per second: the competitor's rate cancels out)."""

    def check(results: RunResults, build: str, connections: int) -> Verdict:
        ours = results.wire_row(framework, "ours", build, connections, scenario)
        theirs = results.wire_row(framework, other, build, connections, scenario)
        if ours is None or theirs is None or not ours.requests_per_second:
            return _NOT_MEASURED
        our_rate, their_rate = ours.requests_per_second, theirs.requests_per_second or 0.0
        ratio = our_rate / their_rate
        measured = f"{ratio:.2f}x ({our_rate:,.0f} vs {their_rate:,.0f} req/s"
        measured += _round_ratios(ours.rps_samples, theirs.rps_samples) + ")"
        if ours.server_cpu_us and theirs.server_cpu_us:
            measured += f"; {theirs.server_cpu_us / ours.server_cpu_us:.2f}x by server CPU"
        met = ratio > 1
        floor = results.wire_row(framework, "floor", build, connections, scenario)
        if floor is not None and floor.requests_per_second:
            floor_ratio = floor.requests_per_second / their_rate
            share = ratio / floor_ratio
            measured += f"; the AES-GCM floor {floor_ratio:.2f}x, ours {share:.2f}x of it"
            if ours.server_cpu_us and floor.server_cpu_us:
                measured += f" ({floor.server_cpu_us / ours.server_cpu_us:.2f}x by server CPU)"
            met = met and share >= FLOOR_SHARE
        else:
            measured += "; no floor row"
        # Where the run has it, what a session costing nothing but its bytes scored against
        # the same competitor: no session can pass that ceiling.
        ceiling = results.wire_row(framework, "headers", build, connections, scenario)
        if ceiling is not None and ceiling.requests_per_second:
            measured += (
                f"; at most {ceiling.requests_per_second / their_rate:.2f}x for any session "
                "(the session headers only row)"
            )
        return Verdict(measured=measured, met=met)

    return check


def _inprocess_cost(framework: str, scenario: str) -> Check:
    """Ours' microseconds a request over the bare app's, in process, are at most
    ``INPROCESS_LIMIT`` times the floor's."""

    def check(results: RunResults, build: str, connections: int) -> Verdict:
        ours = results.inprocess_row(framework, "ours", build, scenario)
        floor = results.inprocess_row(framework, "floor", build, scenario)
        bare = results.inprocess_row(framework, "bare", build, scenario)
        if ours is None or floor is None or bare is None:
            return _NOT_MEASURED
        base = bare.us_per_request or 0.0
        our_cost = (ours.us_per_request or 0.0) - base
        floor_cost = (floor.us_per_request or 0.0) - base
        if floor_cost <= 0:
            return Verdict(measured=f"the floor costs {floor_cost:+.1f} us over bare", met=None)
        ratio = our_cost / floor_cost
        measured = f"{ratio:.2f}x (+{our_cost:.1f} vs +{floor_cost:.1f} us over the bare app"
        if ours.evicted_over_bare_us is not None and (floor.evicted_over_bare_us or 0) > 0:
            evicted = ours.evicted_over_bare_us / (floor.evicted_over_bare_us or 1.0)
            measured += (
                f"; caches evicted {evicted:.2f}x, +{ours.evicted_over_bare_us:.1f} vs "
                f"+{floor.evicted_over_bare_us:.1f} us"
            )
        return Verdict(measured=measured + ")", met=ratio <= INPROCESS_LIMIT)

    return check


def _legacy_reading_costs_nothing(session: str, tolerance: float) -> Check:
    """With reading legacy cookies on, a cycle on our own cookie costs what it costs with
    it off: within ``tolerance`` (the noise of two interleaved runs of the same work) in
    time, and the same Python opcodes, since the reader is only asked for a cookie that is
    not ours (issue 14)."""

    def check(results: RunResults, build: str, connections: int) -> Verdict:
        off = results.micro_row("ours-codec", session, build)
        on = results.micro_row("ours-codec-legacy", session, build)
        if off is None or on is None:
            return _NOT_MEASURED
        ratio = on.us_per_op / off.us_per_op
        measured = f"{ratio:.2f}x ({on.us_per_op:.1f} vs {off.us_per_op:.1f} us"
        same_opcodes = on.opcodes_per_op == off.opcodes_per_op
        if on.opcodes_per_op is not None and off.opcodes_per_op is not None:
            measured += f"; {on.opcodes_per_op:,.0f} vs {off.opcodes_per_op:,.0f} opcodes"
        return Verdict(measured=measured + ")", met=ratio <= tolerance and same_opcodes)

    return check


def _ahead_at_every_size(framework: str, other: str) -> Check:
    """Ours serves more requests per second than ``other`` at every size of the scaling run;
    the floor's ratio against ``other`` stands beside each, not judged (at 3 KB ours sends two
    cookies where the floor sends one that browsers would drop)."""

    def check(results: RunResults, build: str, connections: int) -> Verdict:
        ratios, cells = [], []
        for size in SESSION_SIZES:
            ours = results.scaling_row(framework, "ours", build, connections, size)
            theirs = results.scaling_row(framework, other, build, connections, size)
            if ours is None or theirs is None or not ours.requests_per_second:
                return _NOT_MEASURED
            their_rate = theirs.requests_per_second or 1.0
            ratio = ours.requests_per_second / their_rate
            cell = f"{size_label(size)}: {ratio:.2f}x"
            floor = results.scaling_row(framework, "floor", build, connections, size)
            if floor is not None and floor.requests_per_second:
                cell += f" (the floor {floor.requests_per_second / their_rate:.2f}x)"
            ratios.append(ratio)
            cells.append(cell)
        return Verdict(measured=", ".join(cells), met=all(ratio > 1 for ratio in ratios))

    return check


def _revocation_share(framework: str, scenario: str) -> Check:
    """With revocation on, at least ``REVOCATION_SHARE`` of the requests per second of the
    same policy with it off."""
    off_name, on_name = REVOCATION_PAIRS[framework]

    def check(results: RunResults, build: str, connections: int) -> Verdict:
        off = results.wire_row(framework, off_name, build, connections, scenario)
        on = results.wire_row(framework, on_name, build, connections, scenario)
        if off is None or on is None or not off.requests_per_second:
            return _NOT_MEASURED
        on_rate = on.requests_per_second or 0.0
        ratio = on_rate / off.requests_per_second
        measured = f"{ratio:.3f}x ({on_rate:,.0f} vs {off.requests_per_second:,.0f} req/s"
        measured += _round_ratios(on.rps_samples, off.rps_samples) + ")"
        if on.server_cpu_us and off.server_cpu_us:
            measured += f"; {off.server_cpu_us / on.server_cpu_us:.3f}x by server CPU"
        paired = next(
            (
                r
                for r in results.revocation_pairs
                if (r.framework, r.scenario, r.connections) == (framework, scenario, connections)
            ),
            None,
        )
        if paired is not None and paired.ratios:
            # Reported beside the verdict, which is the wire table's: the same two servers
            # run back to back, pair after pair.
            ratios = sorted(paired.ratios)
            measured += (
                f"; back to back, {len(ratios)} pairs: median {statistics.median(ratios):.3f}x "
                f"({ratios[0]:.2f}-{ratios[-1]:.2f}x), by server CPU "
                f"{statistics.median(paired.cpu_ratios):.3f}x (not judged)"
            )
        return Verdict(measured=measured, met=ratio >= REVOCATION_SHARE)

    return check


def _revocation_margin(framework: str, store: str, scenario: str) -> Check:
    """With revocation on, ahead of the Redis store by at least ``REVOCATION_SHARE`` of
    the margin revocation off has over it in the same run."""
    off_name, on_name = REVOCATION_PAIRS[framework]

    def check(results: RunResults, build: str, connections: int) -> Verdict:
        off = results.wire_row(framework, off_name, build, connections, scenario)
        on = results.wire_row(framework, on_name, build, connections, scenario)
        theirs = results.wire_row(framework, store, build, connections, scenario)
        if off is None or on is None or theirs is None or not theirs.requests_per_second:
            return _NOT_MEASURED
        on_ratio = (on.requests_per_second or 0.0) / theirs.requests_per_second
        off_ratio = (off.requests_per_second or 0.0) / theirs.requests_per_second
        measured = (
            f"on {on_ratio:.2f}x, off {off_ratio:.2f}x the store's "
            f"{theirs.requests_per_second:,.0f} req/s"
            + (
                f" (on{_round_ratios(on.rps_samples, theirs.rps_samples)[1:]})"
                if len(on.rps_samples) > 1
                else ""
            )
        )
        met = on_ratio > 1 and on_ratio >= REVOCATION_SHARE * off_ratio
        return Verdict(measured=measured, met=met)

    return check


def _command_rate_flat(framework: str) -> Check:
    """Redis' commands per second with the revocation-on server at a fifth of its full
    request rate within ``COMMAND_RATE_TOLERANCE`` of those at full speed."""
    _off, on_name = REVOCATION_PAIRS[framework]

    def check(results: RunResults, build: str, connections: int) -> Verdict:
        rows = {
            r.load: r
            for r in results.command_rates
            if (r.framework, r.variant) == (framework, on_name)
        }
        full, fifth = rows.get("full"), rows.get("fifth")
        if full is None or fifth is None:
            return _NOT_MEASURED
        full_rps, fifth_rps = full.requests_per_second or 0.0, fifth.requests_per_second or 0.0
        full_cmd, fifth_cmd = full.commands_per_second or 0.0, fifth.commands_per_second or 0.0
        if not (fifth_rps and full_cmd):
            return _NOT_MEASURED
        rate_ratio, command_ratio = full_rps / fifth_rps, fifth_cmd / full_cmd
        measured = (
            f"{fifth_cmd:.1f} vs {full_cmd:.1f} commands/s ({command_ratio:.2f}x) at "
            f"{fifth_rps:,.0f} vs {full_rps:,.0f} req/s ({rate_ratio:.1f}x apart; "
            f"{full.connections} connections)"
        )
        met = rate_ratio >= MIN_RATE_RATIO and abs(command_ratio - 1) <= COMMAND_RATE_TOLERANCE
        return Verdict(measured=measured, met=met)

    return check


def _revocation_targets(scenarios: tuple[str, ...]) -> list[Target]:
    found: list[Target] = []
    for framework in FRAMEWORKS:
        if framework.name not in REVOCATION_PAIRS:
            continue
        name = _short(framework)
        store = next(v for v in variants_of(framework) if v.needs_redis and v.role is Role.STORE)
        for scenario in scenarios:
            found += [
                Target(
                    label=(
                        f"{name}, {scenario}: revocation on (Redis) >= {REVOCATION_SHARE}x "
                        "the req/s of revocation off"
                    ),
                    framework=framework.name,
                    scenario=scenario,
                    check=_revocation_share(framework.name, scenario),
                ),
                Target(
                    label=(
                        f"{name}, {scenario}: revocation on still ahead of {store.label} by "
                        f"the margin revocation off has (within {REVOCATION_SHARE}x)"
                    ),
                    framework=framework.name,
                    scenario=scenario,
                    check=_revocation_margin(framework.name, store.name, scenario),
                ),
            ]
        found.append(
            Target(
                label=(
                    f"{name}, login: Redis' command rate with revocation on the same "
                    f"(within {COMMAND_RATE_TOLERANCE:.0%}) when the request rate falls "
                    "five-fold"
                ),
                framework=framework.name,
                scenario="login",
                part="commands",
                check=_command_rate_flat(framework.name),
            )
        )
    return found


def _short(framework: Framework) -> str:
    return framework.label.split(":")[0].split(" (")[0]


def _competitors(framework: Framework) -> list[Variant]:
    return [v for v in variants_of(framework) if v.role in COMPETITOR_ROLES]


def targets(scenarios: tuple[str, ...] = ("counter", "login")) -> tuple[Target, ...]:
    """Every target, for each framework of the variants' table and each scenario."""
    found: list[Target] = []
    for framework in FRAMEWORKS:
        name = _short(framework)
        for scenario in scenarios:
            found += [
                Target(
                    label=(
                        f"{name}, {scenario}: ahead of {other.label}, and >= {FLOOR_SHARE}x "
                        "the AES-GCM floor's ratio against it"
                    ),
                    framework=framework.name,
                    scenario=scenario,
                    check=_ahead_of(framework.name, other.name, scenario),
                )
                for other in _competitors(framework)
            ]
            found.append(
                Target(
                    label=(
                        f"{name}, {scenario}: cost over the bare app within {INPROCESS_LIMIT}x "
                        "the AES-GCM floor's"
                    ),
                    framework=framework.name,
                    scenario=scenario,
                    part="inprocess",
                    check=_inprocess_cost(framework.name, scenario),
                )
            )
        found += [
            Target(
                label=f"{name}: ahead of {other.label} at every session size",
                framework=framework.name,
                part="scaling",
                check=_ahead_at_every_size(framework.name, other.name),
            )
            for other in _competitors(framework)
            if other.role is Role.OWN
        ]
    found += _revocation_targets(scenarios)
    found.append(
        Target(
            label=(
                "Core, counter: reading legacy cookies on costs nothing on our own cookie "
                "(issue 14): within 1.05x of off, the same opcodes"
            ),
            framework=None,
            part="micro",
            check=_legacy_reading_costs_nothing("counter", 1.05),
        )
    )
    return tuple(found)


def _applies(target: Target, results: RunResults) -> bool:
    """Whether the run covers the target's framework, scenario and part."""
    rows = {
        "wire": results.wire,
        "scaling": results.scaling,
        "inprocess": results.inprocess,
        "micro": results.micro,
        "commands": results.command_rates,
    }[target.part]
    framework = target.framework is None or target.framework in results.frameworks
    covered = framework and target.scenario in results.scenarios
    return covered and bool(rows)


def _earlier(results: RunResults, target: Target, build: str) -> str | None:
    """The date of the earlier run whose rows a target is judged on for ``build``, in a
    merged page (:mod:`sessionbench.merge`), or None when they are this run's. A run that
    supplied this build alone ("asgi (pure)", "pure core") comes before one that supplied
    the part or the framework whole."""
    runs = results.meta.get("earlier") or []
    for wanted in ({f"{target.framework} ({build})", f"{build} core"}, {"all", target.framework}):
        for earlier in runs:
            if wanted & set(earlier.get("supplied", {}).get(target.part, [])):
                return str(earlier["date"])
    return None


def judge(results: RunResults) -> dict[str, list[tuple[str, Verdict]]]:
    """Each core build's verdicts: every target that the run's parts cover, at each
    connection count for the ones over the wire; judged on ``JUDGED_BUILD``, reported on
    the others."""
    verdicts: dict[str, list[tuple[str, Verdict]]] = {}
    found = [t for t in targets(tuple(results.scenarios)) if _applies(t, results)]
    for build in results.builds:
        rows = verdicts.setdefault(build, [])
        judged = build == JUDGED_BUILD
        for target in found:
            checks = (
                [(target.label, 0)]
                if target.part == "commands"
                else [(f"{target.label} (in process)", 0)]
                if not target.over_the_wire
                else [(f"{target.label}, {c} connections", c) for c in results.connections]
            )
            earlier = _earlier(results, target, build)
            for label, connections in checks:
                verdict = target.check(results, build, connections)
                if earlier and verdict.met is not None:
                    verdict = dataclasses.replace(
                        verdict, measured=f"(run of {earlier}) {verdict.measured}"
                    )
                if not judged:
                    verdict = Verdict(measured=verdict.measured, met=None, judged=False)
                rows.append((label, verdict))
    return verdicts

# /// script
# requires-python = ">=3.10"
# dependencies = [
#     "cryptography>=42",
#     "itsdangerous>=2.1",
#     "starlette>=0.40",
#     "fastapi>=0.115",
#     "uvicorn>=0.30",
#     "uvloop>=0.19; sys_platform != 'win32'",
#     "httptools>=0.6",
#     "starsessions>=2.2",
#     "redis>=5",
#     "flask>=3.0",
#     "werkzeug>=3.0",
#     "Flask-Session>=0.8",
#     "gunicorn>=22",
#     "tornado>=6.4",
#     "aiohttp>=3.10.5",
#     "aiohttp-session[secure]>=2.11",
#     "django>=4.2",
#     "psycopg[binary]>=3.1",
#     "litestar>=2.19",
#     "matplotlib>=3.8",
# ]
# ///
"""Benchmark client-session against the sessions users would otherwise pick.

::

    python benchmarks/run.py            # everything (it prints how long first): a quiet machine
    python benchmarks/run.py --quick    # a smoke run of a few minutes
    python benchmarks/run.py --frameworks asgi --connections 16 50   # one framework, ~9 min
    python benchmarks/run.py --scenarios counter      # without the login session
    python benchmarks/run.py --parts micro inprocess setcookie       # no servers, no wrk
    python benchmarks/run.py --builds compiled                       # one core build only
    python benchmarks/run.py --frameworks asgi flask --parts revocation  # Redis' command rate
    python benchmarks/run.py --frameworks asgi flask --parts pairs   # revocation off/on in turn
    python benchmarks/run.py --report-only             # re-render from results/latest.json

Over the wire and in process, every variant carries each ``--scenarios`` session: the seed's
counter and a typical login session (sessionbench/content.py). Over the wire, every server is
driven at each ``--connections`` count (16 and 50), in the same interleaved rounds.
client-session's variants run on both builds of the core (``--builds``): the compiled one
installed (``nox -s bench`` installs the wheel built with
``CLIENT_SESSION_CORE_COMPILE=1``) and the pure one, the core's sources put first on
``PYTHONPATH`` (see ``sessionbench/builds.py``); the in-process parts run in a child process
per build.

It writes ``docs/benchmarks.md``, ``docs/benchmarks.png``, ``docs/benchmarks-scaling.png`` and
``benchmarks/results/latest.json``. The packages it compares must be installed already
(``nox -s bench`` does that, from the block above, which ``requirements.txt`` repeats for pip);
wrk, redis-server and PostgreSQL are installed with apt-get when missing and this runs as
root. Every server listens on 127.0.0.1 only and is stopped before this exits.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import logging
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from sessionbench.apps import AppOptions
from sessionbench.breakdown import BreakdownResult
from sessionbench.builds import BUILD_NAMES, COMPILED_BUILD, CoreBuild, usable_builds
from sessionbench.children import run_child
from sessionbench.content import SCENARIOS, SESSION_SIZES
from sessionbench.figures import plot_scaling, plot_throughput
from sessionbench.inprocess import EVICTED_REQUESTS, InProcessResult
from sessionbench.machine import describe_machine, load_average
from sessionbench.micro import MICRO_CASES, MICRO_SESSIONS, MicroResult
from sessionbench.processes import Cpus
from sessionbench.report import render_markdown
from sessionbench.results import RunResults, load_results, save_results
from sessionbench.revocation import (
    PAIRS,
    REVOCATIONS_PER_SECOND,
    Revoker,
    run_command_rates,
    run_paired,
)
from sessionbench.servers import postgres_server, redis_server
from sessionbench.setcookie import SetCookieResult
from sessionbench.targets import judge
from sessionbench.tools import Tools, find_tools
from sessionbench.variants import FRAMEWORKS, POSTGRES_PORT_ENV, VARIANTS, Role
from sessionbench.wire import SCALED_ROLES, WireSettings, run_scaling, run_wire

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PARTS = (
    "micro",
    "inprocess",
    "setcookie",
    "breakdown",
    "wire",
    "scaling",
    "revocation",
    "pairs",
)
FRAMEWORK_NAMES = tuple(framework.name for framework in FRAMEWORKS)
logger = logging.getLogger("sessionbench")


def _requirements_disagree() -> bool:
    """True when requirements.txt and the PEP 723 block above list different packages."""
    script = Path(__file__).read_text().split("# dependencies = [\n", 1)[1].split("# ]", 1)[0]
    declared = {line.strip("#\t ,").strip('"') for line in script.splitlines()}
    listed = (HERE / "requirements.txt").read_text().splitlines()
    pinned = {line.strip() for line in listed if line.strip() and not line.startswith("#")}
    return declared - {""} != pinned


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python benchmarks/run.py", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="short rounds: a smoke run")
    parser.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS))
    parser.add_argument(
        "--frameworks", nargs="+", choices=FRAMEWORK_NAMES, default=list(FRAMEWORK_NAMES)
    )
    parser.add_argument(
        "--scenarios",
        nargs="+",
        choices=SCENARIOS,
        default=list(SCENARIOS),
        help="the sessions every variant carries (counter login)",
    )
    parser.add_argument("--rounds", type=int, help="wrk rounds per variant (5; quick 2)")
    parser.add_argument("--seconds", type=float, help="seconds per wrk round (5; quick 1)")
    parser.add_argument("--warmup", type=float, help="seconds of wrk warm-up (1)")
    parser.add_argument(
        "--connections",
        type=int,
        nargs="+",
        default=[16, 50],
        help="wrk connection counts, each measured and reported (16 50)",
    )
    parser.add_argument(
        "--builds",
        nargs="+",
        choices=BUILD_NAMES,
        default=list(BUILD_NAMES),
        help="client-session-core builds to run ours on (compiled pure)",
    )
    parser.add_argument("--scaling-rounds", type=int, help="rounds per size (3; quick 1)")
    parser.add_argument("--scaling-seconds", type=float, help="seconds per round (2; quick 1)")
    parser.add_argument("--repeats", type=int, help="in-process and micro repeats (7; quick 3)")
    parser.add_argument("--min-time", type=float, help="seconds per repeat (0.1; quick 0.02)")
    parser.add_argument("--no-install", action="store_true", help="never apt-get install")
    parser.add_argument("--docs", type=Path, default=ROOT / "docs", help="where the page goes")
    parser.add_argument("--results", type=Path, default=HERE / "results" / "latest.json")
    parser.add_argument(
        "--report-only", action="store_true", help="re-render the page from --results"
    )
    return parser


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    def pick(value: float | None, full: float, quick: float) -> float:
        return value if value is not None else (quick if args.quick else full)

    return {
        "quick": args.quick,
        "rounds": int(pick(args.rounds, 5, 2)),
        "seconds": pick(args.seconds, 5, 1),
        "warmup_seconds": pick(args.warmup, 1, 1),
        "connections": sorted(set(args.connections)),
        "frameworks": list(args.frameworks),
        "scenarios": [s for s in SCENARIOS if s in args.scenarios],
        "scaling_rounds": int(pick(args.scaling_rounds, 3, 1)),
        "scaling_seconds": pick(args.scaling_seconds, 2, 1),
        "repeats": int(pick(args.repeats, 7, 3)),
        "min_time": pick(args.min_time, 0.1, 0.02),
    }


def _wire_settings(settings: dict[str, Any], *, scaling: bool) -> WireSettings:
    prefix = "scaling_" if scaling else ""
    return WireSettings(
        rounds=int(settings[f"{prefix}rounds"]),
        seconds=float(settings[f"{prefix}seconds"]),
        warmup_seconds=float(settings["warmup_seconds"]),
        connections=tuple(settings["connections"]),
    )


def _expected_seconds(
    args: argparse.Namespace, settings: dict[str, Any], builds: int, redis: bool
) -> float:
    """About how long the run will take, from its settings (servers' start-up included)."""
    variants = [v for v in VARIANTS if v.framework.name in args.frameworks]
    if not redis:
        variants = [v for v in variants if not v.needs_redis]
    ours = sum(v.uses_core for v in variants)
    counts = len(settings["connections"])
    # Every scenario after the counter runs each variant again, but the bare app and the
    # session headers only, which carry no session.
    sessionless = sum(v.role in (Role.BARE, Role.HEADERS) for v in variants)
    again = len(settings["scenarios"]) - 1
    ours_cases = ours * (1 + again)
    parts, seconds = set(args.parts), 0.0
    per_repeat = float(settings["min_time"])
    repeats = int(settings["repeats"]) + 3  # the calibration's runs, about 2 repeats' worth
    if "micro" in parts:
        cases = len(MICRO_CASES) + (builds - 1) * sum(case.ours for case in MICRO_CASES)
        seconds += cases * len(MICRO_SESSIONS) * repeats * per_repeat + 3 * builds
    if "inprocess" in parts:
        # Each variant's hot repeats, then its requests timed one by one after an eviction
        # (about 1 ms each: sessionbench.evict).
        evicted = int(settings["repeats"]) * EVICTED_REQUESTS * 1e-3
        cases = len(variants) + again * (len(variants) - sessionless) + (builds - 1) * ours_cases
        seconds += cases * (repeats * per_repeat + 1 + evicted)
    if "setcookie" in parts:
        seconds += builds * (6 * repeats * per_repeat + 3)
    if "breakdown" in parts:
        # About 36 loops, each repeat lasting up to 2.5 min_time (the calibrated counts).
        seconds += builds * len(settings["scenarios"]) * (36 * 2 * repeats * per_repeat + 3)
    if "wire" in parts:
        cases = len(variants) + again * (len(variants) - sessionless) + (builds - 1) * ours_cases
        runs = cases * counts
        per_run = settings["warmup_seconds"] + settings["rounds"] * max(1, settings["seconds"])
        seconds += runs * (per_run + 0.1) + 10
    if "revocation" in parts and redis:
        # Per round: an idle window, and each revocation-on server and store at two rates.
        servers = sum(
            v.revocation or v.needs_redis for v in variants if v.framework.name in ("asgi", "flask")
        )
        seconds += settings["rounds"] * (1 + 2 * servers) * (max(1, settings["seconds"]) + 0.2)
    if "pairs" in parts and redis:
        pairs = max(6, int(settings["rounds"])) * 2 + 2
        seconds += 2 * counts * pairs * (max(1, settings["seconds"]) + 0.2) + 10
    if "scaling" in parts:
        scaled = [v for v in variants if v.role in SCALED_ROLES]
        runs = (len(scaled) + (builds - 1) * ours) * counts * len(SESSION_SIZES)
        per_run = settings["warmup_seconds"] + settings["scaling_rounds"] * max(
            1, settings["scaling_seconds"]
        )
        seconds += runs * (per_run + 0.1) + 10
    return seconds


def _measure(args: argparse.Namespace, settings: dict[str, Any]) -> RunResults:
    started = time.monotonic()
    parts = set(args.parts)
    wire_parts = parts & {"wire", "scaling", "revocation", "pairs"}
    tools = (
        find_tools(install=not args.no_install)
        if wire_parts or "inprocess" in parts
        else (Tools(wrk=None, redis_server=None, notes=()))
    )
    notes = list(tools.notes)
    if wire_parts and tools.wrk is None:
        notes.append(f"over the wire skipped ({', '.join(sorted(wire_parts))}): no wrk")
    builds, build_notes = usable_builds(args.builds)
    notes += build_notes
    expected = _expected_seconds(args, settings, len(builds), tools.redis_server is not None)
    logger.info(
        "expected duration: about %.1f minutes (%s; core builds: %s)",
        expected / 60,
        ", ".join(args.parts),
        ", ".join(build.name for build in builds) or "none",
    )
    cpus = Cpus()
    logs = HERE / "results" / "raw" / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    meta: dict[str, Any] = {
        "builds": [build.name for build in builds],
        "expected_duration_s": round(expected),
        "command": shlex.join(["python", "benchmarks/run.py", *sys.argv[1:]]),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "sources": _sources_commit(),
        "machine": describe_machine(tools.wrk, tools.redis_server),
        "settings": settings,
        "pinning": cpus.describe(),
        "load_before": load_average(),
    }
    results = RunResults(meta=meta, notes=notes)
    repeats, min_time = int(settings["repeats"]), float(settings["min_time"])
    with contextlib.ExitStack() as stack:
        redis_port = None
        if tools.redis_server is not None:
            redis_port = stack.enter_context(redis_server(tools.redis_server, cpus, logs))
        if tools.postgres_bin is not None and "django" in args.frameworks:
            # Read from the environment by every process this one starts (Django's db row).
            port = stack.enter_context(postgres_server(tools.postgres_bin, logs))
            os.environ[POSTGRES_PORT_ENV] = str(port)
            stack.callback(os.environ.pop, POSTGRES_PORT_ENV, None)
        options = AppOptions(redis_port=redis_port)
        revoker = None
        if redis_port is not None and parts & {"wire", "revocation", "pairs"}:
            # Revocations arrive throughout (a few a second, from a client of their own), so
            # that the revocation-on servers' copies are refreshed while they are measured.
            revoker = stack.enter_context(Revoker(redis_port).running())
            meta["revocations_per_second"] = REVOCATIONS_PER_SECOND
        for part, rows in (
            ("micro", results.micro),
            ("inprocess", results.inprocess),
            ("setcookie", results.set_cookie),
            ("breakdown", results.breakdown),
        ):
            if part in parts:
                rows.extend(_in_children(part, builds, args, repeats, min_time, redis_port, notes))
        if "wire" in parts and tools.wrk:
            logger.info("over the wire: wrk against every variant's server")
            results.wire.extend(
                run_wire(
                    options,
                    frameworks=args.frameworks,
                    builds=builds,
                    wrk=tools.wrk,
                    settings=_wire_settings(settings, scaling=False),
                    cpus=cpus,
                    logs=logs,
                    scenarios=settings["scenarios"],
                )
            )
        if "scaling" in parts and tools.wrk:
            logger.info("session size: 100 B, 1 KB and 3 KB sessions")
            results.scaling.extend(
                run_scaling(
                    options,
                    frameworks=args.frameworks,
                    builds=builds,
                    wrk=tools.wrk,
                    settings=_wire_settings(settings, scaling=True),
                    cpus=cpus,
                    logs=logs,
                )
            )
        if "revocation" in parts and tools.wrk and revoker is not None:
            logger.info("revocation: Redis' command rate at two request rates")
            compiled = next((b for b in builds if b.name == COMPILED_BUILD.name), None)
            results.command_rates.extend(
                run_command_rates(
                    options,
                    frameworks=args.frameworks,
                    build=compiled or builds[0],
                    wrk=tools.wrk,
                    settings=_wire_settings(settings, scaling=False),
                    cpus=cpus,
                    logs=logs,
                    revoker=revoker,
                )
            )
        if "pairs" in parts and tools.wrk and revoker is not None:
            logger.info("revocation off and on, back to back")
            compiled = next((b for b in builds if b.name == COMPILED_BUILD.name), None)
            results.revocation_pairs.extend(
                run_paired(
                    options,
                    frameworks=args.frameworks,
                    build=compiled or builds[0],
                    wrk=tools.wrk,
                    seconds=float(settings["seconds"]),
                    connections=settings["connections"],
                    cpus=cpus,
                    logs=logs,
                    pairs=max(PAIRS, int(settings["rounds"])),
                )
            )
        if revoker is not None:
            meta["revocations_sent"] = revoker.count
            meta["revocation_errors"] = revoker.errors
    meta["load_after"] = load_average()
    meta["duration_s"] = round(time.monotonic() - started, 1)
    return results


_PART_ROWS: dict[str, Any] = {
    "micro": MicroResult,
    "inprocess": InProcessResult,
    "setcookie": SetCookieResult.from_json,
    "breakdown": BreakdownResult,
}
_PART_TITLES = {
    "micro": "micro: open + seal per encoding",
    "inprocess": "in process: one request at a time per variant",
    "setcookie": "Set-Cookie: the session headers' bytes and formatting costs",
    "breakdown": "where the ASGI path spends its time: its steps beside the floor's",
}


def _in_children(
    part: str,
    builds: list[CoreBuild],
    args: argparse.Namespace,
    repeats: int,
    min_time: float,
    redis_port: int | None,
    notes: list[str],
) -> list[Any]:
    """``part`` measured in one child process per build: everything on the first build,
    client-session's rows only on the others (the rest do not use the core)."""
    rows: list[Any] = []
    for index, build in enumerate(builds):
        logger.info("%s, %s", _PART_TITLES[part], build.label)
        found = run_child(
            part,
            build,
            only_ours=index > 0 and part not in ("setcookie", "breakdown"),
            frameworks=args.frameworks,
            scenarios=args.scenarios,
            repeats=repeats,
            min_time=min_time,
            redis_port=redis_port,
        )
        if isinstance(found, str):
            notes.append(f"{part} on the {build.label} not measured: {found}")
            continue
        make = _PART_ROWS[part]
        rows += [
            make(**{k: tuple(v) if isinstance(v, list) else v for k, v in row.items()})
            if isinstance(make, type)
            else make(row)
            for row in found
        ]
    return rows


def _write(results: RunResults, docs: Path) -> None:
    docs.mkdir(parents=True, exist_ok=True)
    subtitle = f"{results.meta['machine']['cpu']}, {results.meta['date']}"
    if results.meta["settings"].get("quick"):
        subtitle += " (quick smoke run)"
    plot_throughput(results.wire, results.connections, docs / "benchmarks.png", subtitle)
    plot_scaling(results.scaling, results.connections, docs / "benchmarks-scaling.png", subtitle)
    (docs / "benchmarks.md").write_text(render_markdown(results))


def _sources_commit() -> str | None:
    """The commit of the sources measured (with "+changes" when the tree differs from it),
    or None outside a git checkout: a merged page says which runs measured other sources."""

    def git(*args: str) -> str:
        command = ["git", "-C", str(ROOT), *args]
        return subprocess.run(
            command, capture_output=True, text=True, check=True, timeout=10
        ).stdout

    try:
        commit = git("rev-parse", "--short", "HEAD").strip()
        dirty = git("status", "--porcelain", "--untracked-files=no").strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{commit}+changes" if dirty else commit


def main() -> None:
    """Measure (or reload), then write the page, the figures and the JSON."""
    # Our progress only: the frameworks' own loggers (tornado.access...) stay quiet.
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", datefmt="%H:%M:%S"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    args = _parser().parse_args()
    if _requirements_disagree():
        logger.warning("benchmarks/requirements.txt and run.py's PEP 723 block differ")
    if args.report_only:
        results = load_results(args.results)
    else:
        results = _measure(args, _settings(args))
        save_results(results, args.results)
    _write(results, args.docs)
    for build, verdicts in judge(results).items():
        for label, verdict in verdicts:
            print(f"{verdict.met!s:5}  {build} core: {label}: {verdict.measured}")
    print(f"wrote {args.docs / 'benchmarks.md'} and its figures; results in {args.results}")


if __name__ == "__main__":
    main()

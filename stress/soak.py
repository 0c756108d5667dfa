# /// script
# requires-python = ">=3.10"
# dependencies = [
#     "httpx>=0.27",
#     "psutil>=5.9",
#     "matplotlib>=3.8",
#     "redis>=5",
# ]
# ///
"""Soak every adapter: mixed load on a real server, memory and file descriptors sampled.

::

    python stress/soak.py                          # ten minutes per installed adapter
    python stress/soak.py --duration 120           # two minutes each
    python stress/soak.py --adapters starlette flask
    python stress/soak.py --jobs 3                 # three adapters at a time
    python stress/soak.py --no-revocations         # without the revocation store

For each harness of the conformance suite that is installed (``installed_harnesses()``:
starlette, fastapi, litestar, wsgi, flask, gunicorn, tornado, aiohttp, django, reference, and
any other adapter's),
it starts a server process that serves the route contract through it on 127.0.0.1
(``soaking/_server.py``), and sends it mixed load from client threads for ``--duration``
seconds at ``--rate`` requests a second (``soaking/_load.py``: new sessions, counters,
reads, merges, clears, garbage cookies, oversized writes), every answer checked. Every
``--clock-every`` seconds the server's clock moves ``--clock-step`` seconds, so that
sessions are renewed (after a quarter of the 30-minute idle timeout); ``--rotations``
times, evenly spaced, the key ring rotates: the same process starts a server whose ring
has a new primary and the previous key as a reader (the key before that retired), the
clients move to it, and the old server stops. Every ``--interval`` seconds (5, or a tenth
of a shorter ``--duration``) the server process's RSS, open file descriptors and threads
are sampled (with its children, for gunicorn's workers).

With ``--revocations`` (the default), the soak starts a redis-server of its own for each
adapter (127.0.0.1, an ephemeral port, a temporary directory; ``soaking/_redis.py``), every
server it starts for that adapter has ``revocations=Revocations(RedisRevocationStore(...),
interval=--revocation-interval)`` in its policy, and the users also log in, log out and sign
out everywhere, and send copies of revoked cookies, which must be refused within the interval
plus ``--revocation-margin`` (``soaking/_load.py`` states the rules). The Redis server's
memory, keys and entries are sampled with the server process, and judged bounded.

It writes the samples as JSON (``--json``, default ``stress/results/soak.json``), a figure
(``--plot``, default ``docs/soak.png``), prints a table, and exits with 1 when any answer
was wrong (a lost count, an unexpected status, a garbage cookie that opened, a 500 that
changed the cookie) or an adapter's samples are not flat (``soaking/_report.py`` states
the rule). ``nox -s soak`` installs every adapter and this block's dependencies, and runs it.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import platform
import secrets
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import httpx

import client_session_core
from client_session_conformance import installed_harnesses
from soaking._control import Sample, ServerProcess, wait_until
from soaking._load import Load, RevocationRules, Stage
from soaking._redis import RedisSample, RedisServer
from soaking._report import (
    FD_SLACK,
    MIB,
    REDIS_BYTES_PER_ENTRY,
    REDIS_CLIENT_SLACK,
    REDIS_SLACK,
    RSS_GROWTH_LIMIT,
    judge,
    judge_store,
    plot,
)
from soaking._server import START

ROOT = Path(__file__).resolve().parent.parent


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--duration", type=float, default=600.0, help="seconds of load per adapter (600)")
    add("--adapters", nargs="*", help="harness names (default: every installed one)")
    add("--threads", type=int, default=4, help="client threads (4)")
    add("--users", type=int, default=200, help="simulated users per adapter (200)")
    add("--rate", type=float, default=200.0, help="requests a second, 0 for no limit (200)")
    add(
        "--interval",
        type=float,
        default=None,
        help="seconds between samples (5, or a tenth of --duration when that is shorter)",
    )
    add("--rotations", type=int, default=3, help="key rotations per adapter (3)")
    add("--clock-every", type=float, default=5.0, help="seconds between clock moves (5)")
    add("--clock-step", type=float, default=60.0, help="seconds the clock moves (60)")
    add("--grace", type=float, default=2.0, help="seconds the old server lives on (2)")
    add("--seed", type=int, default=None, help="the load's random seed")
    add(
        "--jobs",
        type=int,
        default=1,
        help="adapters soaked at once, each with its own server process and clients (1)",
    )
    add(
        "--revocations",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="revocations in a redis-server of the soak's own, and users who log out (on)",
    )
    add(
        "--revocation-interval",
        type=float,
        default=2.0,
        help="seconds between two reads of the store by each server (2, the default's)",
    )
    add(
        "--revocation-margin",
        type=float,
        default=3.0,
        help="seconds past the interval after which a revoked copy that opens fails (3)",
    )
    add("--json", type=Path, default=ROOT / "stress/results/soak.json")
    add("--plot", type=Path, default=ROOT / "docs/soak.png")
    return parser.parse_args(argv)


def soak_one(name: str, args: argparse.Namespace, seed: int, logs: Path) -> dict[str, Any]:
    """Soak one adapter's server process; its samples, rotations and outcomes."""
    with contextlib.ExitStack() as stack:
        store = stack.enter_context(RedisServer()) if args.revocations else None
        return _soak(name, args, seed, logs, store)
    raise AssertionError("unreachable: the block returns")


def _has_revocation_routes(url: str) -> bool:
    """Whether the harness serves the revocation routes (``GET /whoami`` and the others)."""
    return httpx.get(url + "/whoami", timeout=10.0).status_code == 200


def _soak(
    name: str, args: argparse.Namespace, seed: int, logs: Path, store: RedisServer | None
) -> dict[str, Any]:
    samples: list[Sample] = []
    store_samples: list[RedisSample] = []
    rotations: list[float] = []
    log_path = logs / f"{name}.log"
    revocations = (
        {"url": store.url, "interval": args.revocation_interval} if store is not None else None
    )
    routes = True
    with log_path.open("w") as log, ServerProcess(name, log) as server:
        generation = 0
        stage = Stage(server.serve(generation, revocations), generation, START, args.clock_step)
        rules = None
        if store is not None:
            routes = _has_revocation_routes(stage.url)
            if routes:
                rules = RevocationRules(args.revocation_interval, args.revocation_margin)
            else:
                print(
                    f"soak: {name}: its harness serves no /whoami, /regenerate, /logout, "
                    "/logout-everywhere yet: revocations in its policy, no user logs out"
                )
        load = Load(
            stage,
            threads=args.threads,
            users=args.users,
            rate=args.rate,
            seed=seed,
            revocations=rules,
        )
        started = time.monotonic()
        end = started + args.duration
        rotate_at = [
            started + args.duration * (i + 1) / (args.rotations + 1) for i in range(args.rotations)
        ]
        next_sample, next_clock = started, started + args.clock_every
        retiring: list[tuple[float, str]] = []
        samples.append(server.sample(0.0, 0))
        if store is not None:
            store_samples.append(store.sample(0.0))
        load.start()
        try:
            while True:
                events = [next_sample, next_clock, *rotate_at[:1], *(at for at, _ in retiring)]
                at = min(events)
                if at >= end:
                    break
                wait_until(at)
                now = time.monotonic()
                if now >= next_sample:
                    samples.append(server.sample(now - started, load.outcomes.total))
                    if store is not None:
                        store_samples.append(store.sample(now - started))
                    next_sample += args.interval
                if now >= next_clock:
                    server.advance(args.clock_step)
                    load.stage = stage = dataclasses.replace(stage, now=stage.now + args.clock_step)
                    next_clock += args.clock_every
                if rotate_at and now >= rotate_at[0]:
                    rotate_at.pop(0)
                    generation += 1
                    old_url = stage.url
                    stage = dataclasses.replace(
                        stage, url=server.serve(generation, revocations), generation=generation
                    )
                    load.stage = stage
                    retiring.append((now + args.grace, old_url))
                    rotations.append(now - started)
                for retire_at, url in list(retiring):
                    if now >= retire_at:
                        server.stop(url)
                        retiring.remove((retire_at, url))
            wait_until(end)
        finally:
            load.stop()
        samples.append(server.sample(time.monotonic() - started, load.outcomes.total))
        if store is not None:
            store_samples.append(store.sample(time.monotonic() - started))
    flatness = judge(samples)
    outcomes = load.outcomes.to_json()
    passed = flatness.flat and not outcomes["failures"]
    bounded = None
    if store is not None:
        bounded = judge_store(store_samples, sum(outcomes["revoked"].values()))
        passed = passed and bounded.bounded
    return {
        "harness": name,
        "seconds": samples[-1].seconds,
        "rotations": rotations,
        "outcomes": outcomes,
        "flatness": flatness.to_json(),
        "revocations": None
        if store is None
        else {
            "interval": args.revocation_interval,
            "margin": args.revocation_margin,
            "routes": routes,
            "store": bounded.to_json() if bounded is not None else None,
            "samples": [sample.to_json() for sample in store_samples],
        },
        "passed": passed,
        "samples": [sample.to_json() for sample in samples],
        "log_tail": log_path.read_text(errors="replace").splitlines()[-5:] if not passed else [],
    }


def table(results: dict[str, dict[str, Any]]) -> str:
    """The results as a Markdown table (docs/soak.md shows one)."""
    lines = [
        "| adapter | requests | req/s | expected expiries | failures | RSS start -> end (MiB) "
        "| RSS growth, 2nd half (MiB) | open fds, max 1st / 2nd half | verdict |",
        "| --- | ---: | ---: | ---: | ---: | --- | ---: | --- | --- |",
    ]
    for name, result in results.items():
        samples = result["samples"]
        flatness = result["flatness"]
        outcomes = result["outcomes"]
        why = "; ".join(
            [flatness["why"]]
            + ([result["revocations"]["store"]["why"]] if result.get("revocations") else [])
        )
        lines.append(
            f"| {name} | {outcomes['total']:,} | {outcomes['total'] / result['seconds']:.0f} "
            f"| {sum(outcomes['expired'].values())} | {sum(outcomes['failures'].values())} "
            f"| {samples[1]['rss_bytes'] / MIB:.1f} -> {samples[-1]['rss_bytes'] / MIB:.1f} "
            f"| {flatness['rss_growth_bytes'] / MIB:+.1f} "
            f"| {flatness['fds_first_half_max']} / {flatness['fds_second_half_max']} "
            f"| {'pass' if result['passed'] else 'FAIL: ' + why} |"
        )
    revoking = {name: r for name, r in results.items() if r.get("revocations")}
    if revoking:
        lines += [
            "",
            "| adapter | logins | revoked: sessions / users | expected refusals: sessions / "
            "users | accepted before due / same second | Redis entries at end | Redis keys, "
            "max | Redis clients, max 1st / 2nd half | Redis memory start -> end (MiB) "
            "| bytes an entry |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: |",
        ]
        for name, result in revoking.items():
            outcomes = result["outcomes"]
            store = result["revocations"]["store"]
            revoked, refused = outcomes["revoked"], outcomes["refused"]
            lines.append(
                f"| {name} | {outcomes['logins']:,} "
                f"| {revoked.get('session', 0):,} / {revoked.get('user', 0):,} "
                f"| {refused.get('session', 0):,} / {refused.get('user', 0):,} "
                f"| {sum(outcomes['accepted_early'].values())} / "
                f"{outcomes['accepted_same_second']} "
                f"| {store['entries_end']:,} | {store['keys_max']} "
                f"| {store['clients_first_half_max']} / {store['clients_second_half_max']} "
                f"| {store['memory_start'] / MIB:.2f} -> {store['memory_end'] / MIB:.2f} "
                f"| {store['bytes_per_entry']:.0f} |"
            )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    # judge() wants ten samples: the first, one every interval from the start, the last.
    if args.interval is None:
        args.interval = min(5.0, args.duration / 10)
    elif args.duration / args.interval < 8:
        sys.exit(
            f"soak: {args.duration:g} s sampled every {args.interval:g} s gives fewer than the "
            f"10 samples a verdict needs; use --interval {args.duration / 10:g} or less"
        )
    seed = args.seed if args.seed is not None else secrets.randbelow(2**31)
    available = {}
    for name, harness in installed_harnesses().items():
        # A harness whose framework is not installed is a stand-in that says which is missing.
        missing = getattr(harness, "skip_reason", None)
        if missing is None:
            available[name] = harness
        elif not args.adapters or name in args.adapters:
            print(f"soak: skipping {name}: {missing}")
    names = args.adapters or list(available)
    unknown = sorted(set(names) - set(available))
    if unknown:
        sys.exit(f"soak: no usable harness named {', '.join(unknown)}; have {list(available)}")
    build = "compiled" if client_session_core.COMPILED else "pure"
    print(
        f"soak: {', '.join(names)}; {args.duration:.0f} s each at {args.rate:.0f} req/s, "
        f"{args.threads} threads, {args.rotations} rotations, {args.jobs} at once, seed {seed}, "
        f"revocations {'on' if args.revocations else 'off'}; "
        f"Python {platform.python_version()}, {build} core"
    )
    if args.revocations and shutil.which("redis-server") is None:
        sys.exit(
            "soak: revocations need redis-server (Debian: apt-get install redis-server); "
            "or soak without them: --no-revocations"
        )
    if args.jobs < 1:
        sys.exit(f"soak: --jobs must be 1 or more, not {args.jobs}")
    results: dict[str, dict[str, Any]] = {}
    # Each adapter has its own server process, clients and clock: several can run at once
    # (at the default rate a server uses a fraction of a core), which is what --jobs is for;
    # what is measured, the server process's RSS and descriptors, is its own either way.
    with (
        tempfile.TemporaryDirectory(prefix="client-session-soak-") as logs,
        ThreadPoolExecutor(max_workers=args.jobs) as pool,
    ):
        running = {pool.submit(soak_one, name, args, seed, Path(logs)): name for name in names}
        for future in as_completed(running):
            name = running[future]
            try:
                result = future.result()
            except RuntimeError as exc:  # the server process ended: its log says why
                tail = (Path(logs) / f"{name}.log").read_text(errors="replace").splitlines()
                print(f"soak: {name}: {exc}; its log ends:\n" + "\n".join(tail[-15:]))
                for other in running:
                    other.cancel()
                raise SystemExit(1) from exc
            results[name] = result
            outcomes = result["outcomes"]
            print(
                f"soak: {name}: {outcomes['total']:,} requests, "
                f"{sum(outcomes['failures'].values())} failures, "
                f"{result['flatness']['why']}"
                + (
                    f"; store: {result['revocations']['store']['why']}"
                    if result.get("revocations")
                    else ""
                ),
                flush=True,
            )
            for line in outcomes["examples"][:5] + result["log_tail"]:
                print(f"    {line}")
    results = {name: results[name] for name in names}  # the order asked for, not finished in
    args.json.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "criteria": {
            "rss_growth_limit_mib": RSS_GROWTH_LIMIT / MIB,
            "fd_slack": FD_SLACK,
            "redis_bytes_per_entry": REDIS_BYTES_PER_ENTRY,
            "redis_slack_mib": REDIS_SLACK / MIB,
            "redis_client_slack": REDIS_CLIENT_SLACK,
        },
        "settings": {
            key: str(value) if isinstance(value, Path) else value
            for key, value in vars(args).items()
        },
        "seed": seed,
        "python": platform.python_version(),
        "core_compiled": client_session_core.COMPILED,
        "results": results,
    }
    args.json.write_text(json.dumps(document, indent=1) + "\n")
    plot(
        {name: [Sample(**s) for s in r["samples"]] for name, r in results.items()},
        {name: r["rotations"] for name, r in results.items()},
        args.plot,
        {
            name: [RedisSample(**s) for s in r["revocations"]["samples"]]
            for name, r in results.items()
            if r.get("revocations")
        },
    )
    print(f"soak: wrote {args.plot} and {args.json}")
    print(table(results))
    return 0 if all(result["passed"] for result in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

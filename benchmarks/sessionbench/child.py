"""Run an in-process part on one core build, in a process of its own, and print its results.

``python -m sessionbench.child PART --build compiled|pure [--only-ours] ...``, started by
``benchmarks/run.py`` with the build's ``PYTHONPATH`` (see :mod:`sessionbench.builds`). It
checks the build before measuring and prints one JSON document on stdout: the rows of the
part, as :func:`dataclasses.asdict` makes them.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from typing import Any

from .apps import AppOptions
from .builds import BUILD_NAMES, WrongBuild, check_core_build
from .content import SCENARIOS

__all__ = ["CHILD_PARTS", "main"]

CHILD_PARTS = ("micro", "inprocess", "setcookie", "breakdown")


def _measure(args: argparse.Namespace) -> list[Any]:
    options = AppOptions(redis_port=args.redis_port)
    if args.part == "micro":
        from .micro import run_micro

        return run_micro(
            repeats=args.repeats, min_time=args.min_time, build=args.build, only_ours=args.only_ours
        )
    if args.part == "inprocess":
        from .inprocess import run_inprocess

        return run_inprocess(
            options,
            frameworks=args.frameworks,
            repeats=args.repeats,
            min_time=args.min_time,
            build=args.build,
            only_ours=args.only_ours,
            scenarios=args.scenarios,
        )
    if args.part == "breakdown":
        from .breakdown import run_breakdown

        return [
            row
            for scenario in args.scenarios
            for row in run_breakdown(
                repeats=args.repeats, min_time=args.min_time, build=args.build, scenario=scenario
            )
        ]
    from .setcookie import run_set_cookie

    return [run_set_cookie(options, repeats=args.repeats, min_time=args.min_time, build=args.build)]


def main(argv: list[str] | None = None) -> None:
    """Check the build, measure the part, print its rows as JSON."""
    parser = argparse.ArgumentParser(prog="python -m sessionbench.child")
    parser.add_argument("part", choices=CHILD_PARTS)
    parser.add_argument("--build", choices=BUILD_NAMES, required=True)
    parser.add_argument("--only-ours", action="store_true", help="client-session's rows only")
    parser.add_argument("--frameworks", nargs="*", default=[])
    parser.add_argument("--scenarios", nargs="*", default=list(SCENARIOS))
    parser.add_argument("--repeats", type=int, required=True)
    parser.add_argument("--min-time", type=float, required=True)
    parser.add_argument("--redis-port", type=int)
    args = parser.parse_args(argv)
    try:
        check_core_build(args.build)
    except WrongBuild as exc:
        sys.exit(str(exc))
    rows = [dataclasses.asdict(row) for row in _measure(args)]
    json.dump(rows, sys.stdout)


if __name__ == "__main__":
    main()

# /// script
# requires-python = ">=3.10"
# dependencies = [
#     "atheris>=2.3; sys_platform == 'linux' and platform_machine == 'x86_64' and python_version >= '3.11'",  # noqa: E501
#     "hypothesis>=6.100",
# ]
# ///
"""Fuzz the Cookie parser, the envelope reader and ``SessionCodec.load``; count what opened.

::

    python stress/fuzz.py                      # a full run: 1,000,000 fuzzer inputs
    python stress/fuzz.py --inputs 50000       # the short run `make test` does
    python stress/fuzz.py --engine hypothesis  # without atheris
    python stress/fuzz.py --seed 7             # replay a run's fuzzer choices

Two parts, both judged by the same oracle (``fuzzing/_oracle.py``):

1. the deterministic sweep: every real cookie mutated at every position
   (``fuzzing/_mutations.py``), the same mutations on every run;
2. coverage-guided fuzzing (atheris, that is libFuzzer, over the instrumented pure-Python
   core), ``--inputs`` inputs starting from the real cookies; or hypothesis, not
   coverage-guided, where atheris is not installed (its wheels are for Linux on x86-64,
   Python 3.11 and later; the block below installs it only there).

It prints the counts: inputs, mutations, opened, refused by reason, forgeries, exceptions,
parser disagreements and seconds; writes a reproducer (JSON: header, made-up keys, time)
for each finding kept; and exits with 1 on any forgery, any exception out of ``load``, or
any parser disagreement with the wire format's reading of the Cookie header. ``nox -s fuzz``
installs this script's dependencies (the block above) with each build of the core, and runs it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import client_session_core
from fuzzing._coverage import fixtures, run_hypothesis
from fuzzing._mutations import mutations
from fuzzing._oracle import Oracle, Tally, write_reproducers

HERE = Path(__file__).resolve().parent


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", type=int, default=1_000_000, help="fuzzer inputs")
    parser.add_argument("--engine", choices=("auto", "atheris", "hypothesis"), default="auto")
    parser.add_argument("--seed", type=int, default=None, help="fuzzer seed (random)")
    parser.add_argument("--no-sweep", action="store_true", help="skip the deterministic sweep")
    parser.add_argument(
        "--findings",
        type=Path,
        default=HERE / "findings",
        help="where reproducers are written, when there are any (default: stress/findings)",
    )
    parser.add_argument("--json", type=Path, help="also write the counts to this file")
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=4 * 3600,
        help="stop the fuzzer process after this long (default: 4 hours)",
    )
    return parser.parse_args(argv)


def sweep() -> tuple[Tally, int, float]:
    """Every mutation of every real cookie, through ``load`` (and the envelope reader)."""
    started = time.monotonic()
    tally = Tally()
    count = 0
    for fixture in fixtures().values():
        oracle = Oracle(fixture, tally)
        for original in fixture.originals.values():
            # Unmutated, each real cookie opens: otherwise nothing below means anything.
            before = tally.opened
            oracle.check_envelope(original.value)
            if tally.opened == before:
                sys.exit(f"fuzz: an unmutated cookie of {fixture.name} does not open")
        for kind, text in mutations(fixture):
            count += 1
            if kind == "envelope":
                oracle.check_envelope(text)
                oracle.check_header(f"{fixture.policy.cookie_name}={text}")
            else:
                oracle.check_header(text)
    return tally, count, time.monotonic() - started


def choose_engine(requested: str) -> str:
    if requested != "auto":
        return requested
    try:
        import atheris  # noqa: F401
    except ImportError as exc:
        print(f"fuzz: atheris does not import ({exc}); using hypothesis, not coverage-guided")
        return "hypothesis"
    return "atheris"


def run_atheris(inputs: int, seed: int, max_seconds: float) -> tuple[Tally, str]:
    """Run libFuzzer in its own process (it exits the process when done)."""
    with tempfile.TemporaryDirectory(prefix="client-session-fuzz-") as workdir:
        tally_path = Path(workdir) / "tally.json"
        log_path = Path(workdir) / "libfuzzer.log"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), *sys.path[1:]])}
        command = [
            sys.executable,
            "-m",
            "fuzzing._atheris_main",
            str(inputs),
            str(tally_path),
            workdir,
            str(seed),
        ]
        with log_path.open("w") as log:
            completed = subprocess.run(
                command, stdout=log, stderr=subprocess.STDOUT, env=env, timeout=max_seconds
            )
        lines = log_path.read_text(errors="replace").splitlines()
        final = [line for line in lines if "DONE" in line or line.startswith("Done ")]
        if completed.returncode != 0 or not tally_path.exists():
            print("\n".join(lines[-40:]), file=sys.stderr)
            sys.exit(f"fuzz: the atheris process failed (exit status {completed.returncode})")
        tally = Tally.from_json(json.loads(tally_path.read_text()))
        return tally, " | ".join(final)


def report(label: str, tally: Tally, seconds: float, extra: str = "") -> None:
    print(f"\n{label}{extra}")
    print(f"  inputs        {tally.inputs:>12,}")
    print(f"  opened        {tally.opened:>12,}  (each the same envelope as a real cookie)")
    print(f"  refused       {sum(tally.refused.values()):>12,}")
    for reason, count in sorted(tally.refused.items(), key=lambda item: -item[1]):
        print(f"    {reason:<20}{count:>12,}")
    print(f"  forgeries     {tally.forgeries:>12,}")
    print(f"  exceptions    {tally.exceptions:>12,}")
    print(f"  disagreements {tally.disagreements:>12,}  (parser vs docs/wire-format.md)")
    print(f"  seconds       {seconds:>12.1f}")


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    seed = args.seed if args.seed is not None else secrets.randbelow(2**31)
    engine = choose_engine(args.engine)
    build = "compiled" if client_session_core.COMPILED else "pure"
    print(
        f"fuzz: Python {platform.python_version()}, client-session-core "
        f"{client_session_core.__version__} ({build} build), engine {engine}, seed {seed}"
    )
    if client_session_core.COMPILED and engine == "atheris":
        print("fuzz: warning: the core is compiled; atheris sees no coverage inside it")
    results: dict[str, object] = {"python": platform.python_version(), "engine": engine}
    total = Tally()
    mutation_count = 0
    if not args.no_sweep:
        tally, mutation_count, seconds = sweep()
        report("deterministic sweep", tally, seconds, f": {mutation_count:,} mutations")
        results["sweep"] = {**tally.to_json(), "mutations": mutation_count, "seconds": seconds}
        total.merge(tally)
    started = time.monotonic()
    if engine == "atheris":
        tally, stats = run_atheris(args.inputs, seed, args.max_seconds)
    else:
        tally, stats = run_hypothesis(args.inputs, seed), ""
    seconds = time.monotonic() - started
    guided = "coverage-guided, libFuzzer" if engine == "atheris" else "not coverage-guided"
    report(f"fuzzer: {engine} ({guided})", tally, seconds)
    if stats:
        print(f"  libFuzzer     {stats}")
    results["fuzzer"] = {**tally.to_json(), "seconds": seconds, "seed": seed, "libfuzzer": stats}
    total.merge(tally)
    failed = total.forgeries + total.exceptions + total.disagreements
    print(
        f"\nfuzz: {total.inputs:,} inputs ({mutation_count:,} mutations, "
        f"{tally.inputs:,} fuzzer inputs), {total.opened:,} opened, "
        f"{sum(total.refused.values()):,} refused, {total.forgeries} forgeries, "
        f"{total.exceptions} exceptions, {total.disagreements} parser disagreements"
    )
    if total.kept:
        written = write_reproducers(total, fixtures(), args.findings)
        print(f"fuzz: {len(written)} reproducers in {args.findings}/")
        severity = {"forgery": 0, "exception": 1, "disagreement": 2}
        for finding in sorted(total.kept, key=lambda kept: severity[kept.kind])[:5]:
            print(f"  {finding.kind} ({finding.target}): {finding.detail.splitlines()[-1]}")
            print(f"    header: {finding.header[:200]!r}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

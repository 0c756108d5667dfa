# /// script
# requires-python = ">=3.10"
# dependencies = [
#     "atheris>=2.3; sys_platform == 'linux' and platform_machine == 'x86_64' and python_version >= '3.11'",  # noqa: E501
#     "hypothesis>=6.100",
#     # Starlette's session cookies are signed with it (client-session-asgi's [legacy] extra);
#     # the other old frameworks come with the adapters `nox -s fuzz` installs beside this.
#     "itsdangerous>=2.0",
# ]
# ///
"""Fuzz the Cookie parser, the envelope reader, ``SessionCodec.load`` and every old
framework's cookie reader; count what opened.

::

    python stress/fuzz.py                      # a full run: 1,000,000 fuzzer inputs, and as
                                               # many to the legacy readers
    python stress/fuzz.py --inputs 50000 --legacy-inputs 50000   # `nox -s fuzz-short`
    python stress/fuzz.py --engine hypothesis  # without atheris
    python stress/fuzz.py --seed 7             # replay a run's fuzzer choices

Our own cookies, judged by one oracle (``fuzzing/_oracle.py``):

1. the deterministic sweep: every real cookie mutated at every position
   (``fuzzing/_mutations.py``), the same mutations on every run;
2. coverage-guided fuzzing (atheris, that is libFuzzer, over the instrumented pure-Python
   core), ``--inputs`` inputs starting from the real cookies; or hypothesis, not
   coverage-guided, where atheris is not installed (its wheels are for Linux on x86-64,
   Python 3.11 and later; the block below installs it only there).

The old frameworks' cookies that the adapters read once and reseal (Starlette, Flask,
Django, aiohttp-session, Tornado, Litestar), judged by the legacy oracle
(``fuzzing/_legacy_oracle.py``) through each reader alone and through a codec that holds it:

3. the legacy sweep: each framework's real cookies (``fuzzing/_legacy_corpus.py``), mutated
   at every position and re-encoded part by part (``fuzzing/_legacy_mutations.py``);
4. coverage-guided fuzzing of the readers and of the old libraries under them,
   ``--legacy-inputs`` inputs.

It prints the counts: inputs, mutations, opened, refused by reason, forgeries, malleable old
cookies, exceptions, parser disagreements and seconds, per reader for the legacy part, and
the legacy readers' share of the inputs; writes a reproducer (JSON) for each finding kept;
and exits with 1 on any forgery, any exception out of ``load`` or a reader, any parser
disagreement with the wire format's reading of the Cookie header, or any malleable old cookie
(an altered old cookie that opens, even to its original's session). ``nox -s fuzz`` installs
this script's dependencies (the block above) and every adapter with its frameworks, with each
build of the core, and runs it.
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
from fuzzing._coverage import LegacyTargets, Targets, fixtures, run_hypothesis
from fuzzing._legacy_corpus import LEGACY_READERS, legacy_fixtures
from fuzzing._legacy_mutations import legacy_context_mutations, legacy_mutations
from fuzzing._legacy_oracle import LegacyOracle, UnusableFixture, legacy_reproducer
from fuzzing._logs import quiet_logs
from fuzzing._mutations import mutations
from fuzzing._oracle import Oracle, Tally, write_reproducers

HERE = Path(__file__).resolve().parent


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", type=int, default=1_000_000, help="fuzzer inputs (core)")
    parser.add_argument(
        "--legacy-inputs",
        type=int,
        default=1_000_000,
        help="fuzzer inputs to the legacy readers, each read alone and loaded by the codec",
    )
    parser.add_argument("--engine", choices=("auto", "atheris", "hypothesis"), default="auto")
    parser.add_argument("--seed", type=int, default=None, help="fuzzer seed (random)")
    parser.add_argument("--no-sweep", action="store_true", help="skip the deterministic sweeps")
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
        help="stop each fuzzer process after this long (default: 4 hours)",
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


def legacy_oracles(tallies: dict[str, Tally]) -> list[LegacyOracle]:
    """An oracle per reader; each checks first that its real cookies open as written."""
    try:
        built = legacy_fixtures()
        return [LegacyOracle(built[name], tallies[name]) for name in LEGACY_READERS]
    except UnusableFixture as exc:
        sys.exit(f"fuzz: {exc}: nothing about that reader can be judged")


def legacy_sweep() -> tuple[dict[str, Tally], int, float]:
    """Every mutation of every old framework's real cookie, through its reader alone and
    through the codec (and each cookie in other company in the header, through the codec)."""
    started = time.monotonic()
    tallies = {name: Tally() for name in LEGACY_READERS}
    count = 0
    for oracle in legacy_oracles(tallies):
        for _, value in legacy_mutations(oracle.fixture):
            count += 1
            oracle.check_value(value)
        for header in legacy_context_mutations(oracle.fixture):
            count += 1
            oracle.check_header(header)
    return tallies, count, time.monotonic() - started


def choose_engine(requested: str) -> str:
    if requested != "auto":
        return requested
    try:
        import atheris  # noqa: F401
    except ImportError as exc:
        print(f"fuzz: atheris does not import ({exc}); using hypothesis, not coverage-guided")
        return "hypothesis"
    return "atheris"


def run_atheris(
    suite: str, inputs: int, seed: int, max_seconds: float
) -> tuple[dict[str, Tally], str]:
    """Run libFuzzer on ``suite`` ("core" or "legacy") in its own process (it exits the
    process when done); the tallies by name, and libFuzzer's last words."""
    with tempfile.TemporaryDirectory(prefix="client-session-fuzz-") as workdir:
        tally_path = Path(workdir) / "tally.json"
        log_path = Path(workdir) / "libfuzzer.log"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), *sys.path[1:]])}
        command = [
            sys.executable,
            "-m",
            "fuzzing._atheris_main",
            suite,
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
        tallies = json.loads(tally_path.read_text())
        return {name: Tally.from_json(data) for name, data in tallies.items()}, " | ".join(final)


def run_fuzzer(
    suite: str, engine: str, inputs: int, seed: int, max_seconds: float
) -> tuple[dict[str, Tally], str]:
    if engine == "atheris":
        return run_atheris(suite, inputs, seed, max_seconds)
    if suite == "core":
        tallies = {"core": Tally()}
        run_hypothesis(Targets(tallies["core"]), inputs, seed)
    else:
        tallies = {name: Tally() for name in LEGACY_READERS}
        run_hypothesis(LegacyTargets(tallies), inputs, seed)
    return tallies, ""


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


def report_readers(label: str, tallies: dict[str, Tally], seconds: float, extra: str = "") -> None:
    """One column per reader: its inputs (each a call of ``read`` or of ``load``) and what
    became of them."""
    total = _merged(tallies)
    columns = [*tallies, "all"]
    every = [*tallies.values(), total]

    def row(title: str, values: list[int]) -> None:
        print(f"  {title:<26}" + "".join(f"{value:>12,}" for value in values))

    print(f"\n{label}{extra}")
    print(f"  {'':<26}" + "".join(f"{name:>12}" for name in columns))
    row("inputs (read + load)", [t.inputs for t in every])
    row("opened (a real cookie)", [t.opened for t in every])
    row("malleable (same session)", [t.malleable for t in every])
    row("refused", [sum(t.refused.values()) for t in every])
    for reason, _ in total.refused.most_common():
        row(f"  {reason}", [t.refused[reason] for t in every])
    row("forgeries", [t.forgeries for t in every])
    row("exceptions", [t.exceptions for t in every])
    row("disagreements", [t.disagreements for t in every])
    print(f"  {'seconds':<26}" + " " * 12 * len(tallies) + f"{seconds:>12.1f}")


def _merged(tallies: dict[str, Tally]) -> Tally:
    total = Tally()
    for tally in tallies.values():
        total.merge(tally)
    return total


def _share(legacy: dict[str, Tally], total: Tally) -> str:
    """The legacy readers' share of the inputs (a value read alone and loaded is two)."""
    legacy_inputs = sum(t.inputs for t in legacy.values())
    share = legacy_inputs / total.inputs if total.inputs else 0.0
    readers = ", ".join(f"{name} {t.inputs:,}" for name, t in legacy.items())
    return (
        f"the legacy readers' share: {legacy_inputs:,} of the {total.inputs:,} inputs "
        f"({share:.0%}; a value read alone and loaded by the codec counts twice): {readers}"
    )


def show_findings(core: Tally, legacy: dict[str, Tally], findings: Path) -> None:
    """Write a reproducer for each finding kept, and print the worst few."""
    written = write_reproducers(core, fixtures(), findings) if core.kept else []
    legacy_kept = [finding for tally in legacy.values() for finding in tally.kept]
    findings.mkdir(parents=True, exist_ok=True)
    for number, finding in enumerate(legacy_kept, start=1):
        path = findings / f"legacy-{finding.fixture}-{finding.kind}-{number:03d}.json"
        reproducer = legacy_reproducer(finding)
        path.write_text(json.dumps(reproducer, indent=2, ensure_ascii=True) + "\n")
        written.append(path)
    print(f"fuzz: {len(written)} reproducers in {findings}/")
    severity = {"forgery": 0, "exception": 1, "disagreement": 2, "malleable": 3}
    shown = sorted([*core.kept, *legacy_kept], key=lambda kept: severity[kept.kind])
    for finding in shown[:8]:
        print(f"  {finding.kind} ({finding.fixture}, {finding.target}): ", end="")
        print(finding.detail.splitlines()[-1])
        print(f"    input: {finding.header[:200]!r}")


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    quiet_logs()
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
    core = Tally()
    legacy = {name: Tally() for name in LEGACY_READERS}
    mutation_count = legacy_mutation_count = 0
    if not args.no_sweep:
        tally, mutation_count, seconds = sweep()
        report("deterministic sweep", tally, seconds, f": {mutation_count:,} mutations")
        results["sweep"] = {**tally.to_json(), "mutations": mutation_count, "seconds": seconds}
        core.merge(tally)
        tallies, legacy_mutation_count, seconds = legacy_sweep()
        extra = f": {legacy_mutation_count:,} mutated values and headers"
        report_readers("legacy readers: deterministic sweep", tallies, seconds, extra)
        results["legacy_sweep"] = {
            "readers": {name: t.to_json() for name, t in tallies.items()},
            "mutations": legacy_mutation_count,
            "seconds": seconds,
        }
        for name, tally in tallies.items():
            legacy[name].merge(tally)
    guided = "coverage-guided, libFuzzer" if engine == "atheris" else "not coverage-guided"
    fuzzer_inputs = 0
    for suite, inputs in (("core", args.inputs), ("legacy", args.legacy_inputs)):
        if inputs <= 0:
            continue
        fuzzer_inputs += inputs
        started = time.monotonic()
        tallies, stats = run_fuzzer(suite, engine, inputs, seed, args.max_seconds)
        seconds = time.monotonic() - started
        run = {"inputs": inputs, "seconds": seconds, "seed": seed, "libfuzzer": stats}
        if suite == "core":
            report(f"fuzzer: {engine} ({guided})", tallies["core"], seconds)
            core.merge(tallies["core"])
            results["fuzzer"] = {**tallies["core"].to_json(), **run}
        else:
            label = f"legacy readers: fuzzer: {engine} ({guided})"
            report_readers(label, tallies, seconds, f": {inputs:,} values, each read and loaded")
            for name, tally in tallies.items():
                legacy[name].merge(tally)
            results["legacy_fuzzer"] = {
                "readers": {name: t.to_json() for name, t in tallies.items()},
                **run,
            }
        if stats:
            print(f"  libFuzzer     {stats}")
    legacy_total = _merged(legacy)
    total = Tally()
    total.merge(core)
    total.merge(legacy_total)
    # An altered old cookie that opens, even to its original's session, fails the run:
    # the target is that no mutated cookie opens (the readers check the one spelling).
    failed = total.forgeries + total.exceptions + total.disagreements + total.malleable
    print(
        f"\nfuzz: {total.inputs:,} inputs ({mutation_count + legacy_mutation_count:,} "
        f"mutations, {fuzzer_inputs:,} fuzzer inputs), {total.opened:,} opened, "
        f"{sum(total.refused.values()):,} refused, {total.forgeries} forgeries, "
        f"{total.exceptions} exceptions, {total.disagreements} parser disagreements"
    )
    print(f"fuzz: {_share(legacy, total)}")
    if total.malleable:
        readers = ", ".join(f"{name} {t.malleable:,}" for name, t in legacy.items() if t.malleable)
        print(
            f"fuzz: NOT MET: {total.malleable:,} mutated old cookies opened, each to its "
            f"original's session ({readers}); the target is 0"
        )
    results["legacy_share"] = {name: t.inputs for name, t in legacy.items()}
    if total.kept:
        show_findings(core, legacy, args.findings)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

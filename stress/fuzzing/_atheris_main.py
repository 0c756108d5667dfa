"""The atheris (libFuzzer) process::

    python -m fuzzing._atheris_main SUITE RUNS TALLY WORKDIR SEED

SUITE is ``core`` (the Cookie parser, the envelope reader and the codec) or ``legacy`` (every
old framework's cookie reader, alone and through the codec). It instruments the code under
test before importing it, so that libFuzzer sees which branches each input reaches: the core,
and for ``legacy`` the adapters' readers and the old libraries that check the signatures
(itsdangerous, ``django.core.signing``, ``tornado.web``). Then it runs RUNS inputs and writes
the tallies (a
:class:`~fuzzing._oracle.Tally` per name) as JSON to TALLY. libFuzzer ends the process
itself, without Python's exit handlers, so the tallies are written every 10,000 inputs and
after the last one.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import atheris

FLUSH_EVERY = 10_000

LEGACY_LIBRARIES = ["client_session_core", "django", "itsdangerous", "tornado"]
"""The packages the legacy suite instruments: the core and the old libraries whose Python code
parses a value before its signature is checked (atheris instruments a whole top-level package:
the modules imported in its block). Not Flask, whose signature is itsdangerous' (its tagged
JSON is read only once a signature verified), nor cryptography, whose Fernet is Rust."""

LEGACY_READERS = [
    "client_session_aiohttp",
    "client_session_asgi",
    "client_session_django",
    "client_session_litestar",
    "client_session_tornado",
    "client_session_wsgi",
]
"""Our readers: the adapters, whose own imports (Django's HTTP layer, aiohttp) are not."""


def _instrumented(suite: str) -> None:
    if suite == "core":
        with atheris.instrument_imports(include=["client_session_core"]):
            import client_session_core  # instrumented here, used by the targets
        return
    # First the modules that check the old signatures, each with the little it imports;
    # then the adapters alone, so that the rest of Django, Flask and Tornado they import
    # (their HTTP layers) costs no instrumenting time.
    with atheris.instrument_imports(include=LEGACY_LIBRARIES):
        import django.core.signing  # noqa: F401
        import itsdangerous  # noqa: F401
        import tornado.web  # noqa: F401

        import client_session_core  # noqa: F401
    with atheris.instrument_imports(include=LEGACY_READERS):
        import client_session_aiohttp  # noqa: F401
        import client_session_asgi  # noqa: F401
        import client_session_django  # noqa: F401
        import client_session_litestar  # noqa: F401
        import client_session_tornado  # noqa: F401
        import client_session_wsgi.flask  # noqa: F401


def main(argv: list[str]) -> None:
    suite, runs = argv[1], int(argv[2])
    tally_path, workdir, seed = Path(argv[3]), Path(argv[4]), int(argv[5])
    _instrumented(suite)

    from fuzzing._coverage import (
        DICTIONARY,
        LEGACY_DICTIONARY,
        LegacyTargets,
        Targets,
        write_dictionary,
        write_seeds,
    )
    from fuzzing._legacy_corpus import LEGACY_READERS
    from fuzzing._logs import quiet_logs
    from fuzzing._oracle import Tally

    quiet_logs()
    tallies: dict[str, Tally]
    targets: Targets | LegacyTargets
    if suite == "core":
        tallies = {"core": Tally()}
        targets, tokens = Targets(tallies["core"]), DICTIONARY
    else:
        tallies = {name: Tally() for name in LEGACY_READERS}
        targets, tokens = LegacyTargets(tallies), LEGACY_DICTIONARY
    corpus = workdir / "corpus"
    write_seeds(targets, corpus)
    dictionary = workdir / "cookies.dict"
    write_dictionary(dictionary, tokens)
    done = 0

    def flush() -> None:
        tally_path.write_text(json.dumps({name: t.to_json() for name, t in tallies.items()}))

    def test_one_input(data: bytes) -> None:
        nonlocal done
        targets(data)
        done += 1
        if done % FLUSH_EVERY == 0 or done >= runs:
            flush()

    flush()
    libfuzzer_args = [
        argv[0],
        f"-runs={runs}",
        f"-seed={seed}",
        "-max_len=16384",
        f"-dict={dictionary}",
        f"-artifact_prefix={workdir}/",
        "-rss_limit_mb=4096",
        str(corpus),
    ]
    atheris.Setup(libfuzzer_args, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)

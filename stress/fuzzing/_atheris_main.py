"""The atheris (libFuzzer) process: ``python -m fuzzing._atheris_main RUNS TALLY WORKDIR SEED``.

It instruments client_session_core before importing it, so that libFuzzer sees which
branches of the core each input reaches, then runs RUNS inputs and writes the
:class:`~fuzzing._oracle.Tally` as JSON to TALLY. libFuzzer ends the process itself,
without Python's exit handlers, so the tally is written every 10,000 inputs and after the
last one.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import atheris

FLUSH_EVERY = 10_000


def main(argv: list[str]) -> None:
    runs, tally_path, workdir, seed = int(argv[1]), Path(argv[2]), Path(argv[3]), int(argv[4])
    with atheris.instrument_imports(include=["client_session_core"]):
        import client_session_core  # noqa: F401 - instrumented here, used by the targets

    from fuzzing._coverage import Targets, write_dictionary, write_seeds
    from fuzzing._oracle import Tally

    tally = Tally()
    targets = Targets(tally)
    corpus = workdir / "corpus"
    write_seeds(targets, corpus)
    dictionary = workdir / "cookies.dict"
    write_dictionary(dictionary)

    def flush() -> None:
        tally_path.write_text(json.dumps(tally.to_json()))

    def test_one_input(data: bytes) -> None:
        targets(data)
        if tally.inputs % FLUSH_EVERY == 0 or tally.inputs >= runs:
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

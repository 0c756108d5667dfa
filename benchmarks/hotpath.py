"""Where client-session's time goes on the benchmark's hot path, by pyinstrument.

::

    python benchmarks/hotpath.py                 # the codec's cycle, then each adapter's request
    python benchmarks/hotpath.py asgi --flat     # one target, self time per function
    python benchmarks/hotpath.py codec --session 1KB

Targets: ``codec`` (load + modify + commit of the counter session, as in the micro
benchmark) and ``asgi``, ``flask``, ``tornado`` (the counter request through the adapter, in
process, as in the in-process benchmark). Needs pyinstrument (``pip install pyinstrument``).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import time

from pyinstrument import Profiler

from sessionbench.apps import AppOptions
from sessionbench.content import counter_session, session_of_size
from sessionbench.drivers import driver_for
from sessionbench.micro import MICRO_CASES
from sessionbench.probe import prime_session
from sessionbench.timing import RunMany, loop_of
from sessionbench.variants import FRAMEWORKS, VARIANTS

TARGETS = ("codec", *(framework.name for framework in FRAMEWORKS))
_SESSIONS = {"counter": counter_session(), "1KB": session_of_size(1024)}


def _codec_run(session: str) -> RunMany:
    case = next(case for case in MICRO_CASES if case.name == "ours-codec")
    return loop_of(case.build(_SESSIONS[session]))


def _adapter_run(framework_name: str, loop: asyncio.AbstractEventLoop) -> RunMany:
    variant = next(v for v in VARIANTS if v.key == f"{framework_name}/ours")
    module = importlib.import_module(variant.framework.app_module)
    app = module.build_app(variant.name, AppOptions())
    driver = driver_for(variant.framework.interface, app, loop)
    return driver.repeat("/counter", prime_session(variant, driver.request))


def profile(run: RunMany, seconds: float, *, flat: bool) -> str:
    """pyinstrument's text report of ``run`` looping for about ``seconds``."""
    run(200)  # warm: subkeys, caches, imports
    profiler = Profiler(interval=0.001)
    deadline = time.perf_counter() + seconds
    profiler.start()
    while time.perf_counter() < deadline:
        run(200)
    profiler.stop()
    return profiler.output_text(unicode=True, flat=flat, show_all=False)


def main() -> None:
    """Profile each chosen target and print the reports."""
    parser = argparse.ArgumentParser(prog="python benchmarks/hotpath.py", description=__doc__)
    parser.add_argument("targets", nargs="*", choices=TARGETS, default=list(TARGETS))
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--session", choices=sorted(_SESSIONS), default="counter")
    parser.add_argument("--flat", action="store_true", help="self time per function")
    args = parser.parse_args()
    loop = asyncio.new_event_loop()
    try:
        for target in args.targets:
            run = _codec_run(args.session) if target == "codec" else _adapter_run(target, loop)
            print(f"===== {target} =====")
            print(profile(run, args.seconds, flat=args.flat))
    finally:
        loop.close()


if __name__ == "__main__":
    main()

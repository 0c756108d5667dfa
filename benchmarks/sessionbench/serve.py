"""Serve one variant's counter app on 127.0.0.1 with its framework's usual server, one worker.

``python -m sessionbench.serve FRAMEWORK VARIANT --port PORT [--redis-port N] [--max-chunks N]
[--core-build compiled|pure]``

With ``--core-build``, it exits before serving unless the core it imports is that build.

:mod:`sessionbench.servers` starts this in its own process group and stops it with SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
from collections.abc import Callable
from typing import Any

from .apps import AppOptions
from .builds import BUILD_NAMES, check_core_build
from .variants import FRAMEWORKS

__all__ = ["main"]

HOST = "127.0.0.1"


def _uvicorn(app: Any, port: int) -> None:
    import uvicorn

    # loop="auto" and http="auto": uvloop and httptools when installed, as in production.
    uvicorn.run(app, host=HOST, port=port, workers=1, log_level="warning", access_log=False)


def _gunicorn(app: Any, port: int) -> None:
    from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]

    class _OneSyncWorker(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            settings = {"bind": f"{HOST}:{port}", "workers": 1, "worker_class": "sync"}
            for name, value in {**settings, "loglevel": "warning", "accesslog": None}.items():
                self.cfg.set(name, value)

        def load(self) -> Any:
            return app

    _OneSyncWorker().run()


def _tornado(app: Any, port: int) -> None:
    async def serve_forever() -> None:
        app.listen(port, address=HOST)
        await asyncio.Event().wait()

    asyncio.run(serve_forever())


def _aiohttp(app: Any, port: int) -> None:
    from aiohttp import web

    web.run_app(app, host=HOST, port=port, access_log=None, print=None)


_SERVERS: dict[str, Callable[[Any, int], None]] = {
    "asgi": _uvicorn,
    "wsgi": _gunicorn,
    "tornado": _tornado,
    "aiohttp": _aiohttp,
}


def main(argv: list[str] | None = None) -> None:
    """Parse the command line, build the app and serve it until terminated."""
    parser = argparse.ArgumentParser(prog="python -m sessionbench.serve")
    parser.add_argument("framework", choices=[framework.name for framework in FRAMEWORKS])
    parser.add_argument("variant")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis-port", type=int)
    parser.add_argument("--max-chunks", type=int, default=1)
    parser.add_argument("--core-build", choices=BUILD_NAMES)
    args = parser.parse_args(argv)
    framework = next(f for f in FRAMEWORKS if f.name == args.framework)
    options = AppOptions(redis_port=args.redis_port, max_chunks=args.max_chunks)
    app = importlib.import_module(framework.app_module).build_app(args.variant, options)
    if args.core_build is not None:
        check_core_build(args.core_build)  # after the app imported the adapter, and the core
    _SERVERS[framework.interface](app, args.port)


if __name__ == "__main__":
    main()

"""Serve the seed's counter with one adapter: ``python examples/demo.py [FRAMEWORK]``.

FRAMEWORK is one of starlette (the default), fastapi, litestar, flask, wsgi, tornado, aiohttp,
django; each is the module ``examples/<framework>_counter.py`` (for django, the one-file project
``examples/django_counter/app.py``). Every reload of http://127.0.0.1:8000 shows the count one
higher, kept only in the encrypted session cookie. Without CLIENT_SESSION_KEYS a demo key is
generated and announced as such. ``--cookie-name NAME`` names the cookie (each framework has its
own default): servers of several frameworks behind one load balancer share sessions only under
one name, with one key ring.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

HOST = "127.0.0.1"
EXAMPLES = Path(__file__).resolve().parent
ASGI = ("starlette", "fastapi", "litestar")
WSGI = ("flask", "wsgi", "django")
TORNADO = ("tornado",)
AIOHTTP = ("aiohttp",)


def _load_example(framework: str) -> ModuleType:
    path = EXAMPLES / f"{framework}_counter.py"
    if not path.is_file():  # a project directory: its app.py
        path = EXAMPLES / f"{framework}_counter" / "app.py"
    spec = importlib.util.spec_from_file_location(f"{framework}_counter", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"demo: no example at {path}")
    module = importlib.util.module_from_spec(spec)
    # Registered first, as an import does: Django finds its URLconf by the module's name.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _ensure_key() -> None:
    if os.environ.get("CLIENT_SESSION_KEYS"):
        return
    from client_session_core import generate_key

    os.environ["CLIENT_SESSION_KEYS"] = generate_key()
    print(
        "demo: CLIENT_SESSION_KEYS is not set, so this run uses a freshly generated DEMO key.\n"
        "      It lives only in this process: sessions end when the demo stops. In production,\n"
        "      generate a key once with `client-session keygen` and set CLIENT_SESSION_KEYS.",
        flush=True,
    )


def _serve(framework: str, module: ModuleType, port: int) -> None:
    print(
        f"demo: {framework} counter on http://{HOST}:{port}/ (reload it; Ctrl-C stops)", flush=True
    )
    if framework in ASGI:
        import uvicorn

        uvicorn.run(module.app, host=HOST, port=port, log_level="warning")
    elif framework in WSGI:
        from werkzeug.serving import run_simple

        run_simple(HOST, port, module.app, threaded=True)
    elif framework in AIOHTTP:
        from aiohttp import web

        web.run_app(module.make_app(), host=HOST, port=port, print=None)
    else:
        import asyncio

        async def main() -> None:
            module.make_app().listen(port, HOST)
            await asyncio.Event().wait()

        asyncio.run(main())


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments and serve until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "framework", nargs="?", default="starlette", choices=ASGI + WSGI + TORNADO + AIOHTTP
    )
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--cookie-name",
        help="the session cookie's name (default: the framework's own), the same for every "
        "server of a fleet",
    )
    args = parser.parse_args(argv)
    _ensure_key()
    if args.cookie_name:
        # Each example reads it into its framework's own option for the cookie's name.
        os.environ["COUNTER_COOKIE_NAME"] = args.cookie_name
    module = _load_example(args.framework)
    with contextlib.suppress(KeyboardInterrupt):
        _serve(args.framework, module, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Servers for harnesses: run an application on 127.0.0.1, on an ephemeral port, for a test.

Each function is a context manager that yields the base URL (``"http://127.0.0.1:PORT"``)
once the server answers, and stops the server on exit with a bounded wait. A harness's
:meth:`~client_session_conformance.Harness.serve` usually builds its application and returns
one of them:

- :func:`serve_asgi_in_thread`: an ASGI application under uvicorn, in a thread;
- :func:`serve_wsgi_in_thread`: a WSGI application under werkzeug's threaded server;
- :func:`serve_asyncio_in_thread`: any asyncio server (Tornado's, aiohttp's) on its own event
  loop, in a thread;
- :func:`serve_with_gunicorn`: a WSGI application in a gunicorn worker process, built there by
  a factory from a configuration file. The policy crosses as JSON (:func:`policy_to_json`,
  never pickle) and the suite's :class:`ManualClock` through a file it mirrors its time to,
  which the worker reads back (:func:`read_worker_config`, :class:`MirroredClock`).

:func:`keys_in_environment` sets ``CLIENT_SESSION_KEYS`` around a server whose adapter reads
its keys from the environment (:meth:`Harness.serve_with_key_text`).

The servers are imported when a function runs, so this module imports without uvicorn,
werkzeug or gunicorn: a harness's tests need only the one they use.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import functools
import http.client
import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from concurrent.futures import Future
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from client_session_core import (
    DEFAULT_KEYS_ENV,
    Clock,
    JSONSerializer,
    Key,
    KeyFile,
    KeyRing,
    SessionPolicy,
)
from client_session_core.adapter import CANONICAL_COOKIE_STYLE
from client_session_core.revocation import RedisRevocationStore, Revocations
from client_session_core.testing import ManualClock

from ._redis import redis_unavailable, serve_redis

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication
    from werkzeug.serving import WSGIRequestHandler

__all__ = [
    "ASGIApp",
    "AsyncServerStart",
    "MirroredClock",
    "WorkerConfig",
    "gunicorn_unavailable",
    "keys_in_environment",
    "policy_from_json",
    "policy_to_json",
    "read_worker_config",
    "redis_unavailable",
    "serve_asgi_in_thread",
    "serve_asyncio_in_thread",
    "serve_redis",
    "serve_with_gunicorn",
    "serve_wsgi_in_thread",
]

_THREAD_TIMEOUT = 10.0  # seconds: the longest a server thread may take to start or to stop
_POLL_INTERVAL = 0.05  # seconds: how often a threaded server's loop looks for a stop

_Scope = MutableMapping[str, Any]
_Message = MutableMapping[str, Any]
ASGIApp = Callable[
    [_Scope, Callable[[], Awaitable[_Message]], Callable[[_Message], Awaitable[None]]],
    Awaitable[None],
]
"""An ASGI 3 application: ``await app(scope, receive, send)`` (Starlette's ``ASGIApp``)."""


# -- keys in the environment ----------------------------------------------------------------------

_environment_keys = threading.Lock()


@contextlib.contextmanager
def keys_in_environment(key_text: str) -> Iterator[None]:
    """Set the ``CLIENT_SESSION_KEYS`` environment variable to ``key_text`` for the block, with
    ``CLIENT_SESSION_KEYS_FILE`` unset; both are restored on exit.

    For a harness whose adapter reads its keys from the environment: start the server inside
    the block and stop it before the block ends, since an adapter may read the variable on a
    request (Flask's interface does, when no key is configured) and a gunicorn worker inherits
    it when it starts. The environment belongs to the process, so one block runs at a time: a
    second one, entered while the first runs, raises :class:`RuntimeError` rather than change
    the keys of a running server.
    """
    if not _environment_keys.acquire(blocking=False):
        raise RuntimeError(
            f"another server of this process takes its keys from {DEFAULT_KEYS_ENV} now: "
            "stop it before starting one with other keys in the environment"
        )
    names = (DEFAULT_KEYS_ENV, f"{DEFAULT_KEYS_ENV}_FILE")
    saved = {name: os.environ.get(name) for name in names}
    try:
        os.environ[DEFAULT_KEYS_ENV] = key_text
        os.environ.pop(f"{DEFAULT_KEYS_ENV}_FILE", None)
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        _environment_keys.release()


# -- ASGI: uvicorn in a thread ------------------------------------------------------------------


@contextlib.contextmanager
def serve_asgi_in_thread(app: ASGIApp) -> Iterator[str]:
    """Serve ``app`` with uvicorn (h11, no lifespan) on 127.0.0.1, an ephemeral port, in a thread.

    Yields the base URL once the server accepts connections; stops the server and joins the
    thread on exit, waiting at most a few seconds for each. Needs uvicorn.
    """
    import uvicorn

    class ReadyServer(uvicorn.Server):
        """uvicorn's server, saying when it is ready. It runs outside the main thread, where
        uvicorn leaves the signal handlers alone."""

        def __init__(self, config: uvicorn.Config) -> None:
            super().__init__(config)
            self.ready = threading.Event()

        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            self.ready.set()

    config = uvicorn.Config(
        app,
        lifespan="off",
        http="h11",
        ws="none",
        log_config=None,  # leave the logging configuration of the test run alone
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=2,
    )
    server = ReadyServer(config)
    # Binding here, to port 0, gives the port at once and cannot race another process.
    # IPPROTO_TCP said, not left 0: asyncio sets TCP_NODELAY only on accepted sockets whose
    # protocol reads as TCP, and without it each keep-alive response waited ~40 ms for a
    # delayed ACK (Nagle), and under steady load some connections were reset (stress/soak.py).
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [listener]}, name=f"uvicorn-{port}", daemon=True
    )
    thread.start()
    try:
        if not server.ready.wait(_THREAD_TIMEOUT):
            raise RuntimeError(f"uvicorn did not start on port {port} within {_THREAD_TIMEOUT} s")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(_THREAD_TIMEOUT)
        if thread.is_alive():
            server.force_exit = True
            thread.join(_THREAD_TIMEOUT)
        listener.close()


# -- asyncio servers: Tornado's, aiohttp's, on their own loop in a thread -----------------------

AsyncServerStart = Callable[[], Awaitable[tuple[int, Callable[[], Awaitable[None]]]]]
"""``await start()`` binds 127.0.0.1 on port 0 and starts a server, and returns its port and
a coroutine function that stops it (closing its connections)."""


@contextlib.contextmanager
def serve_asyncio_in_thread(start: AsyncServerStart, *, name: str = "asyncio") -> Iterator[str]:
    """Run an asyncio server on its own event loop in a background thread.

    ``start`` runs on that loop (so a framework that asks for the current loop finds it):
    it binds 127.0.0.1 on an ephemeral port, starts the server and returns ``(port, stop)``.
    This yields the base URL once ``start`` returned, and on exit awaits ``stop()`` on the
    server's loop and joins the thread, waiting at most a few seconds for each step; an
    error of the server's thread is raised here.
    """
    started: Future[tuple[asyncio.AbstractEventLoop, asyncio.Event, int]] = Future()
    failure: list[BaseException] = []

    async def serve() -> None:
        stop_requested = asyncio.Event()
        port, stop = await start()
        try:
            started.set_result((asyncio.get_running_loop(), stop_requested, port))
            await stop_requested.wait()
        finally:
            await stop()

    def run() -> None:
        try:
            asyncio.run(serve())
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread below
            failure.append(exc)
            if not started.done():
                started.set_exception(exc)

    thread = threading.Thread(target=run, name=f"{name}-server", daemon=True)
    thread.start()
    loop, stop_requested, port = started.result(_THREAD_TIMEOUT)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        loop.call_soon_threadsafe(stop_requested.set)
        thread.join(_THREAD_TIMEOUT)
        if thread.is_alive():
            raise RuntimeError(f"the {name} server did not stop within {_THREAD_TIMEOUT} s")
        if failure:
            raise failure[0]


# -- WSGI: werkzeug's threaded server -----------------------------------------------------------


@functools.cache
def _quiet_request_handler() -> type[WSGIRequestHandler]:
    """werkzeug's handler without an access log line per request (errors are still logged)."""
    from werkzeug.serving import WSGIRequestHandler

    class QuietRequestHandler(WSGIRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            """Log nothing for a request that was answered."""

    return QuietRequestHandler


@contextlib.contextmanager
def serve_wsgi_in_thread(app: WSGIApplication) -> Iterator[str]:
    """Serve ``app`` with werkzeug's threaded server on 127.0.0.1, an ephemeral port.

    Yields the base URL; on exit stops the server, closes its socket and joins its thread.
    Needs werkzeug.
    """
    from werkzeug.serving import make_server

    server = make_server(
        "127.0.0.1", 0, app, threaded=True, request_handler=_quiet_request_handler()
    )
    thread = threading.Thread(
        target=server.serve_forever,
        # shutdown() waits for the loop to poll: 0.5 s by default, at the end of every test
        # that starts a server of its own.
        kwargs={"poll_interval": _POLL_INTERVAL},
        name=f"werkzeug-{server.server_port}",
        daemon=True,
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(_THREAD_TIMEOUT)


# -- WSGI in gunicorn's worker process ----------------------------------------------------------

_START_TIMEOUT = 30.0
_PROBE_TIMEOUT = 1.0
_STOP_TIMEOUT = 10.0
_BACKLOG = 64
# Worker threads: the suite's concurrency test sends 8 requests at a time.
_THREADS = 4
_CONFIG_FILE = "config.json"
_CLOCK_FILE = "now"
_LOG_FILE = "gunicorn.log"
_LOG_TAIL = 4000
_FACTORY = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*")


def gunicorn_unavailable() -> str | None:
    """Why gunicorn cannot serve here, or None when it can."""
    if sys.platform == "win32":
        return "gunicorn does not run on Windows"
    if importlib.util.find_spec("gunicorn") is None:
        return "gunicorn is not installed (pip install gunicorn)"
    return None


def policy_to_json(policy: SessionPolicy) -> dict[str, Any]:
    """``policy`` as a JSON object: key material in base64url (or a :class:`KeyFile`'s path
    and check interval, for the other process to follow the file itself), then every other
    field.

    Revocations cross as the Redis server, prefix and timings of their
    :class:`~client_session_core.revocation.RedisRevocationStore`, from which the other process
    builds its own (a process of a fleet, sharing the store). A policy with a serializer other
    than the default JSON one, or with revocations in another store, cannot cross, and raises
    :class:`ValueError`.
    """
    if type(policy.serializer) is not JSONSerializer:
        raise ValueError(
            f"a policy with the serializer {policy.serializer!r} cannot be sent to another "
            "process: only the default JSON serializer crosses processes"
        )
    if policy.legacy_cookies is not None or policy.cookie_style != CANONICAL_COOKIE_STYLE:
        raise ValueError(
            "a policy that reads legacy cookies or writes another cookie style cannot be sent "
            "to another process: its reader and its style are Python objects"
        )
    fields = {
        field.name: getattr(policy, field.name)
        for field in dataclasses.fields(policy)
        if field.name not in ("keys", "serializer", "cookie_style", "legacy_cookies", "revocations")
    }
    if policy.revocations is not None:
        fields["revocations"] = _revocations_to_json(policy.revocations)
    if isinstance(policy.keys, KeyFile):
        # The file itself, which the other process follows on its own: a copy of the ring
        # would stay what it was.
        source = policy.keys
        return {"key_file": source.path, "check_interval": source.check_interval, **fields}
    keys = [base64.urlsafe_b64encode(key.material).decode("ascii") for key in policy.keys]
    return {"keys": keys, **fields}


def policy_from_json(data: dict[str, Any]) -> SessionPolicy:
    """The policy :func:`policy_to_json` described."""
    fields = dict(data)
    keys: KeyRing
    if "key_file" in fields:
        keys = KeyFile(fields.pop("key_file"), check_interval=fields.pop("check_interval"))
    else:
        keys = KeyRing([Key(base64.urlsafe_b64decode(text)) for text in fields.pop("keys")])
    if fields.get("revocations") is not None:
        fields["revocations"] = _revocations_from_json(fields["revocations"])
    return SessionPolicy(keys=keys, **fields)


def _revocations_to_json(revocations: Revocations) -> dict[str, Any]:
    store = revocations.store
    if not isinstance(store, RedisRevocationStore):
        raise ValueError(
            f"a policy whose revocations are in {type(store).__name__} cannot be sent to another "
            "process: only a RedisRevocationStore is shared between processes"
        )
    # redis-py's connection pool says where the store is.
    connection: dict[str, Any] = store.client.connection_pool.connection_kwargs
    if "host" not in connection:
        raise ValueError("only revocations in a Redis reached over TCP cross processes")
    return {
        "redis": {key: connection.get(key) for key in ("host", "port", "db")},
        "prefix": store.prefix,
        "interval": revocations.interval,
        "max_staleness": revocations.max_staleness,
        "on_stale": revocations.on_stale,
    }


def _revocations_from_json(data: dict[str, Any]) -> Revocations:
    redis = importlib.import_module("redis")
    client = redis.Redis(**data["redis"], socket_timeout=5.0, socket_connect_timeout=5.0)
    return Revocations(
        RedisRevocationStore(client, prefix=data["prefix"]),
        interval=data["interval"],
        max_staleness=data["max_staleness"],
        on_stale=data["on_stale"],
    )


class MirroredClock:
    """The time that a :class:`ManualClock` in another process mirrors to a file
    (:meth:`ManualClock.mirror_to`), read on every call."""

    __slots__ = ("_path",)

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._path = Path(path)

    def __call__(self) -> float:
        # Read on every call: the suite moves its clock between requests, and the file is
        # replaced atomically, so each read sees a whole time.
        return float(self._path.read_text(encoding="ascii"))


@dataclasses.dataclass(frozen=True, slots=True)
class WorkerConfig:
    """What :func:`serve_with_gunicorn` hands to the worker: the policy and the clock."""

    policy: SessionPolicy | None
    """None when the worker's adapter is to take its defaults and its keys from the
    environment it inherits (:func:`keys_in_environment`)."""
    clock: Clock


def read_worker_config(config_path: str | os.PathLike[str]) -> WorkerConfig:
    """The policy and clock that :func:`serve_with_gunicorn` wrote to ``config_path``.

    The clock is a :class:`MirroredClock` when the harness was given a :class:`ManualClock`,
    and :func:`time.time` for any other clock.
    """
    config = json.loads(Path(config_path).read_text(encoding="utf-8"))
    clock_file = config["clock_file"]
    clock: Clock = time.time if clock_file is None else MirroredClock(clock_file)
    policy = None if config["policy"] is None else policy_from_json(config["policy"])
    return WorkerConfig(policy=policy, clock=clock)


@functools.cache
def _version_options() -> list[str]:
    match = re.match(r"(\d+)\.(\d+)", version("gunicorn"))
    release = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
    # gunicorn >= 25.1 opens a control socket at one fixed path per user, which servers
    # running side by side would fight over.
    return ["--no-control-socket"] if release >= (25, 1) else []


def _command(listener: socket.socket, app_factory: str, config: Path) -> list[str]:
    options = [
        f"--bind=fd://{listener.fileno()}",
        "--workers=1",
        "--worker-class=gthread",
        f"--threads={_THREADS}",
        # Longer than any pause within a test, so that a client never reuses a connection
        # the server is closing (the suite's clients close theirs: none delays a stop).
        "--keep-alive=10",
        f"--graceful-timeout={int(_STOP_TIMEOUT / 2)}",
        "--log-level=warning",
    ]
    app = f"{app_factory}({str(config)!r})"
    return [sys.executable, "-m", "gunicorn", *options, *_version_options(), app]


def _log_tail(log: Path) -> str:
    return log.read_text(encoding="utf-8", errors="replace")[-_LOG_TAIL:]


def _answers(port: int, probe_path: str) -> bool:
    """Whether a request to ``probe_path`` is answered with a 200 within the probe timeout.

    :class:`ConnectionRefusedError` propagates: the socket was listening before gunicorn
    started, so a refusal means gunicorn has closed it, on its way out.
    """
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=_PROBE_TIMEOUT)
    try:
        connection.request("GET", probe_path, headers={"Connection": "close"})
        return connection.getresponse().status == 200
    except ConnectionRefusedError:
        raise
    except OSError:  # timed out in the backlog, or reset: not serving yet
        return False
    finally:
        connection.close()


def _wait_until_serving(
    process: subprocess.Popen[bytes], port: int, probe_path: str, log: Path
) -> None:
    # A connection alone proves nothing (the socket listens before gunicorn starts): wait for
    # an answer. A probe waits in the backlog until the worker accepts it, so the loop does
    # not spin; between probes it checks that gunicorn has not exited.
    deadline = time.monotonic() + _START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if _answers(port, probe_path):
                return
        except ConnectionRefusedError:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(_STOP_TIMEOUT)
            break
    else:
        raise RuntimeError(f"gunicorn did not answer within {_START_TIMEOUT} s:\n{_log_tail(log)}")
    raise RuntimeError(
        f"gunicorn stopped before serving (exit status {process.returncode}):\n{_log_tail(log)}"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop gunicorn's process group (arbiter and worker) gracefully, then by force."""
    if process.poll() is not None:
        return  # it stopped already, its workers with it (a failed start)
    # The arbiter leads its own session (start_new_session), so its id is the group's; it
    # stays unreaped until wait() returns, so the id cannot have been reused meanwhile.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(_STOP_TIMEOUT)


@contextlib.contextmanager
def serve_with_gunicorn(
    app_factory: str,
    policy: SessionPolicy | None,
    clock: Clock,
    *,
    probe_path: str = "/untouched",
) -> Iterator[str]:
    """Serve the application that ``app_factory`` builds in a gunicorn worker, until the block ends.

    ``app_factory`` is the dotted path of a function, ``"package.module:function"``, that
    gunicorn calls in its worker with the path of a configuration file and that returns the
    WSGI application; :func:`read_worker_config` gives it ``policy`` and ``clock`` back::

        def contract_app_from_config(config_path: str) -> WSGIApplication:
            config = read_worker_config(config_path)
            return SessionMiddleware(contract_app, config.policy, clock=config.clock)

    With ``policy=None`` the worker gets None too, for an adapter that then takes its defaults
    and its keys from the environment, which the worker inherits from this process.

    One arbiter and one ``gthread`` worker of several threads, on a socket bound here to
    127.0.0.1 on an ephemeral port and handed to gunicorn by file descriptor, in an empty
    temporary directory (no ``gunicorn.conf.py`` applies, nor ``GUNICORN_CMD_ARGS``). The
    URL is yielded once ``probe_path`` answers 200; on exit the process group is stopped.
    A :class:`ManualClock` is mirrored to a file in that directory for as long as the server
    runs. Check :func:`gunicorn_unavailable` first (a harness skips with its reason).
    """
    if _FACTORY.fullmatch(app_factory) is None:
        raise ValueError(
            f"app_factory is the dotted path of a function, 'package.module:function', "
            f"not {app_factory!r}"
        )
    reason = gunicorn_unavailable()
    if reason is not None:
        raise RuntimeError(reason)
    with contextlib.ExitStack() as stack:
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="gunicorn-")))
        clock_file = None
        if isinstance(clock, ManualClock):
            clock_file = directory / _CLOCK_FILE
            stack.enter_context(clock.mirror_to(clock_file))
        config = directory / _CONFIG_FILE
        clock_path = None if clock_file is None else str(clock_file)
        config.write_text(
            json.dumps(
                {
                    "policy": None if policy is None else policy_to_json(policy),
                    "clock_file": clock_path,
                }
            ),
            encoding="utf-8",
        )
        log = directory / _LOG_FILE
        log_file = stack.enter_context(log.open("wb"))
        # GUNICORN_CMD_ARGS would add the caller's options to the command line.
        environment = {k: v for k, v in os.environ.items() if k != "GUNICORN_CMD_ARGS"}
        with socket.create_server(("127.0.0.1", 0), backlog=_BACKLOG) as listener:
            port = listener.getsockname()[1]
            # A fixed command line: this interpreter running gunicorn on a factory whose
            # form was checked above.
            process = subprocess.Popen(  # noqa: S603
                _command(listener, app_factory, config),
                cwd=directory,
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                pass_fds=(listener.fileno(),),
                start_new_session=True,
            )
        # gunicorn holds the socket now; this process's copy is closed.
        stack.callback(_stop, process)
        _wait_until_serving(process, port, probe_path, log)
        yield f"http://127.0.0.1:{port}"

"""The conformance harness of the middleware over gunicorn: the route contract in a pre-fork server.

Loaded only by client-session-conformance (entry point ``gunicorn``) and, inside the server,
by gunicorn itself. gunicorn runs the application in a worker process, out of reach of the
objects the suite hands to :meth:`GunicornHarness.serve`, so both cross as data:

- the policy as JSON (never pickle): the ring's key material in base64url, the cookie name
  and every other field; a policy with a serializer other than the default JSON cannot cross
  and is refused;
- the suite's :class:`ManualClock` through a file it mirrors its time to
  (:meth:`ManualClock.mirror_to`), which the worker's clock reads on every call. Any other
  clock is taken to be the real one, and the worker uses :func:`time.time`.

The application is the same :func:`contract_app` as the werkzeug harness's, in the same
:class:`SessionMiddleware`.
"""

from __future__ import annotations

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
import time
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from client_session_conformance import Harness, ManualClock
from client_session_core import Clock, JSONSerializer, Key, KeyRing, SessionPolicy

from ._harness import contract_app
from ._middleware import SessionMiddleware

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

__all__ = [
    "GunicornHarness",
    "contract_app_from_config",
    "gunicorn_unavailable",
    "policy_from_json",
    "policy_to_json",
]

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


def gunicorn_unavailable() -> str | None:
    """Why gunicorn cannot serve here, or None when it can."""
    if sys.platform == "win32":
        return "gunicorn does not run on Windows"
    if importlib.util.find_spec("gunicorn") is None:
        return "gunicorn is not installed (pip install gunicorn)"
    return None


def policy_to_json(policy: SessionPolicy) -> dict[str, Any]:
    """``policy`` as a JSON object: key material in base64url, then every other field."""
    if type(policy.serializer) is not JSONSerializer:
        raise ValueError(
            f"a policy with the serializer {policy.serializer!r} cannot be sent to a gunicorn "
            "worker: only the default JSON serializer crosses processes"
        )
    fields = {
        field.name: getattr(policy, field.name)
        for field in dataclasses.fields(policy)
        if field.name not in ("keys", "serializer")
    }
    keys = [base64.urlsafe_b64encode(key.material).decode("ascii") for key in policy.keys]
    return {"keys": keys, **fields}


def policy_from_json(data: dict[str, Any]) -> SessionPolicy:
    """The policy :func:`policy_to_json` described."""
    fields = dict(data)
    keys = KeyRing([Key(base64.urlsafe_b64decode(text)) for text in fields.pop("keys")])
    return SessionPolicy(keys=keys, **fields)


class _MirroredClock:
    """The time a :class:`ManualClock` in another process mirrors to a file."""

    __slots__ = ("_path",)

    def __init__(self, path: Path) -> None:
        self._path = path

    def __call__(self) -> float:
        # Read on every call: the suite moves its clock between requests, and the file is
        # replaced atomically, so each read sees a whole time.
        return float(self._path.read_text(encoding="ascii"))


def contract_app_from_config(config_path: str) -> WSGIApplication:
    """The worker's application: :func:`contract_app` in the middleware, configured by a file.

    gunicorn calls this factory (``module:contract_app_from_config('path')``) in its worker;
    the file is the JSON that :class:`GunicornHarness` wrote.
    """
    config = json.loads(Path(config_path).read_text(encoding="utf-8"))
    clock_file = config["clock_file"]
    clock: Clock = time.time if clock_file is None else _MirroredClock(Path(clock_file))
    return SessionMiddleware(contract_app, policy_from_json(config["policy"]), clock=clock)


@functools.cache
def _version_options() -> list[str]:
    match = re.match(r"(\d+)\.(\d+)", version("gunicorn"))
    release = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
    # gunicorn >= 25.1 opens a control socket at one fixed path per user, which servers
    # running side by side would fight over.
    return ["--no-control-socket"] if release >= (25, 1) else []


def _command(listener: socket.socket, config: Path) -> list[str]:
    app = f"{__name__}:{contract_app_from_config.__name__}({str(config)!r})"
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
    return [sys.executable, "-m", "gunicorn", *options, *_version_options(), app]


def _log_tail(log: Path) -> str:
    return log.read_text(encoding="utf-8", errors="replace")[-_LOG_TAIL:]


def _answers(port: int) -> bool:
    """Whether a request to ``/untouched`` is answered with a 200 within the probe timeout.

    :class:`ConnectionRefusedError` propagates: the socket was listening before gunicorn
    started, so a refusal means gunicorn has closed it, on its way out.
    """
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=_PROBE_TIMEOUT)
    try:
        connection.request("GET", "/untouched", headers={"Connection": "close"})
        return connection.getresponse().status == 200
    except ConnectionRefusedError:
        raise
    except OSError:  # timed out in the backlog, or reset: not serving yet
        return False
    finally:
        connection.close()


def _wait_until_serving(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    # A connection alone proves nothing (the socket listens before gunicorn starts): wait for
    # an answer. A probe waits in the backlog until the worker accepts it, so the loop does
    # not spin; between probes it checks that gunicorn has not exited.
    deadline = time.monotonic() + _START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if _answers(port):
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


class GunicornHarness(Harness):
    """A plain WSGI application wrapped in :class:`SessionMiddleware`, served by gunicorn.

    One arbiter and one ``gthread`` worker of several threads, on a socket bound here to
    127.0.0.1 on an ephemeral port and handed to gunicorn by file descriptor. Tests skip
    where gunicorn cannot run (:func:`gunicorn_unavailable`).
    """

    name = "gunicorn"

    @contextlib.contextmanager
    def serve(self, policy: SessionPolicy, clock: Clock) -> Iterator[str]:
        """Serve the contract with gunicorn until the block ends, then stop it."""
        reason = gunicorn_unavailable()
        if reason is not None:
            pytest.skip(reason)
        with contextlib.ExitStack() as stack:
            directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="gunicorn-")))
            clock_file = None
            if isinstance(clock, ManualClock):
                clock_file = directory / _CLOCK_FILE
                stack.enter_context(clock.mirror_to(clock_file))
            config = directory / _CONFIG_FILE
            clock_path = None if clock_file is None else str(clock_file)
            config.write_text(
                json.dumps({"policy": policy_to_json(policy), "clock_file": clock_path}),
                encoding="utf-8",
            )
            log = directory / _LOG_FILE
            log_file = stack.enter_context(log.open("wb"))
            # GUNICORN_CMD_ARGS would add the caller's options to the command line.
            environment = {k: v for k, v in os.environ.items() if k != "GUNICORN_CMD_ARGS"}
            with socket.create_server(("127.0.0.1", 0), backlog=_BACKLOG) as listener:
                port = listener.getsockname()[1]
                # A fixed command line: this interpreter running gunicorn on this module. The
                # working directory is the empty temporary one, so no gunicorn.conf.py applies.
                process = subprocess.Popen(  # noqa: S603
                    _command(listener, config),
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
            _wait_until_serving(process, port, log)
            yield f"http://127.0.0.1:{port}"

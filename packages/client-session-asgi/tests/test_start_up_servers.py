"""A bad configuration stops uvicorn and hypercorn at start-up, with the message (issue 23).

Each test runs a real server in a subprocess on 127.0.0.1, an ephemeral port, for a Starlette
and a FastAPI application whose SessionMiddleware has a weak key or no key. Before the fix,
uvicorn's default ``--lifespan auto`` logged "ASGI 'lifespan' protocol appears unsupported."
and hypercorn "ASGI Framework Lifespan error, continuing without Lifespan support", and both
then answered every request, health checks included, with a 500.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from client_session_asgi import generate_key

# A bound on each server's life: an interpreter start and the frameworks' imports take a few
# seconds on a loaded machine; a server that keeps serving fails the test at this bound.
TIMEOUT = 60.0
WEAK = "hunter2hunter2"  # 14 characters: too short to be a key
WEAK_MESSAGE = (
    "secret_key: key #1 is 14 characters long, too short to be a secret (at least 32 "
    "characters of a random passphrase, or a generated key); generate a key with "
    "`client-session keygen`"
)
NO_KEY_MESSAGE = (
    "no key: pass secret_key=... (or keys=, or policy=), or set the CLIENT_SESSION_KEYS "
    "environment variable, which is empty or unset (CLIENT_SESSION_KEYS_FILE for a key file); "
    "generate a key with `client-session keygen`"
)
PREFIX = "client-session-asgi's SessionMiddleware cannot start: "

# The key comes from TEST_SECRET_KEY when set; without it, from CLIENT_SESSION_KEYS (unset here).
APPLICATIONS = {
    "starlette": """
import os

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from client_session_asgi import SessionMiddleware


async def health(request: Request) -> PlainTextResponse:
    request.session["seen"] = True
    return PlainTextResponse("ok")


app = Starlette(
    routes=[Route("/health", health)],
    middleware=[Middleware(SessionMiddleware, secret_key=os.environ.get("TEST_SECRET_KEY"))],
)
""",
    "fastapi": """
import os

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse

from client_session_asgi import SessionMiddleware

app = FastAPI(openapi_url=None)
app.add_middleware(SessionMiddleware, secret_key=os.environ.get("TEST_SECRET_KEY"))


@app.get("/health", response_class=PlainTextResponse)
def health(request: Request) -> str:
    request.session["seen"] = True
    return "ok"
""",
}

SERVERS = {
    "uvicorn": ["-m", "uvicorn", "--host", "127.0.0.1", "--port", "0", "app:app"],
    "uvicorn --lifespan on": [
        *("-m", "uvicorn", "--host", "127.0.0.1", "--port", "0"),
        *("--lifespan", "on", "app:app"),
    ],
    "hypercorn": ["-m", "hypercorn", "--bind", "127.0.0.1:0", "app:app"],
    "hypercorn --workers 0": [
        *("-m", "hypercorn", "--bind", "127.0.0.1:0", "--workers", "0", "app:app"),
    ],
}


def server_environment(secret_key: str | None) -> dict[str, str]:
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in ("CLIENT_SESSION_KEYS", "CLIENT_SESSION_KEYS_FILE", "TEST_SECRET_KEY")
    }
    if secret_key is not None:
        environment["TEST_SECRET_KEY"] = secret_key
    return environment


def start(
    server: str, framework: str, secret_key: str | None, directory: Path
) -> subprocess.Popen[str]:
    (directory / "app.py").write_text(APPLICATIONS[framework])
    return subprocess.Popen(  # noqa: S603 - this interpreter, the test's own arguments
        [sys.executable, *SERVERS[server]],
        cwd=directory,
        env=server_environment(secret_key),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # hypercorn's worker is a process of its own: stopped with it
    )


def stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(TIMEOUT)


def run_to_its_end(
    server: str, framework: str, secret_key: str | None, directory: Path
) -> tuple[int, str]:
    """The server's exit status and output; the test fails if it still runs after TIMEOUT."""
    process = start(server, framework, secret_key, directory)
    try:
        output, _ = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        stop(process)
        output, _ = process.communicate()
        pytest.fail(f"{server} was still running after {TIMEOUT} s:\n{output}")
    return process.returncode, output


@pytest.mark.parametrize("framework", ["starlette", "fastapi"])
@pytest.mark.parametrize(
    ("secret_key", "message"), [(WEAK, WEAK_MESSAGE), (None, NO_KEY_MESSAGE)], ids=["weak", "none"]
)
def test_uvicorn_refuses_to_start_under_its_default_lifespan_auto(
    framework: str, secret_key: str | None, message: str, tmp_path: Path
) -> None:
    status, output = run_to_its_end("uvicorn", framework, secret_key, tmp_path)
    assert status == 3, output  # uvicorn's exit status for a failed start-up
    assert f"ERROR:    {PREFIX}{message}" in output
    assert "ERROR:    Application startup failed. Exiting." in output
    assert "appears unsupported" not in output
    assert "Uvicorn running on" not in output
    assert WEAK not in output


@pytest.mark.parametrize(
    ("framework", "secret_key", "message"),
    [("starlette", None, NO_KEY_MESSAGE), ("fastapi", WEAK, WEAK_MESSAGE)],
    ids=["starlette-none", "fastapi-weak"],
)
def test_uvicorn_refuses_to_start_with_lifespan_on(
    framework: str, secret_key: str | None, message: str, tmp_path: Path
) -> None:
    # Before, --lifespan on stopped too, but with a traceback of Starlette's internals.
    status, output = run_to_its_end("uvicorn --lifespan on", framework, secret_key, tmp_path)
    assert status == 3, output
    assert f"ERROR:    {PREFIX}{message}" in output
    assert "Exception in 'lifespan' protocol" not in output
    assert WEAK not in output


@pytest.mark.parametrize("framework", ["starlette", "fastapi"])
@pytest.mark.parametrize(
    ("secret_key", "message"), [(WEAK, WEAK_MESSAGE), (None, NO_KEY_MESSAGE)], ids=["weak", "none"]
)
def test_hypercorn_refuses_to_start(
    framework: str, secret_key: str | None, message: str, tmp_path: Path
) -> None:
    _, output = run_to_its_end("hypercorn", framework, secret_key, tmp_path)
    # The worker process raises hypercorn's LifespanFailureError with the message, and the
    # server stops; hypercorn 0.18 itself then exits 0 (its run() loses a worker's status:
    # pgjones/hypercorn#269), so the status is hypercorn's to fix and is not checked here.
    assert f"LifespanFailureError: Lifespan failure in startup. '{PREFIX}{message}" in output
    assert "continuing without Lifespan support" not in output
    assert "Running on" not in output
    assert WEAK not in output


@pytest.mark.parametrize(
    ("framework", "secret_key", "message"),
    [("starlette", WEAK, WEAK_MESSAGE), ("fastapi", None, NO_KEY_MESSAGE)],
    ids=["starlette-weak", "fastapi-none"],
)
def test_hypercorn_in_one_process_exits_with_an_error_status(
    framework: str, secret_key: str | None, message: str, tmp_path: Path
) -> None:
    status, output = run_to_its_end("hypercorn --workers 0", framework, secret_key, tmp_path)
    assert status == 1, output
    assert f"LifespanFailureError: Lifespan failure in startup. '{PREFIX}{message}" in output
    assert WEAK not in output


@contextmanager
def serving(server: str, framework: str, secret_key: str, directory: Path) -> Iterator[str]:
    """Run the server until the block ends; yields its base URL, read from its log."""
    process = start(server, framework, secret_key, directory)
    log = process.stdout
    assert log is not None
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in log:
            lines.put(line)
        lines.put(None)

    reader = threading.Thread(target=read, name=f"{server}-log", daemon=True)
    reader.start()
    seen: list[str] = []
    try:
        while True:
            line = lines.get(timeout=TIMEOUT)  # queue.Empty fails the test at the bound
            if line is None:
                pytest.fail(f"{server} stopped before serving:\n{''.join(seen)}")
            seen.append(line)
            found = re.search(r"[Rr]unning on (http://127\.0\.0\.1:\d+)", line)
            if found:
                break
        yield found.group(1)
    finally:
        stop(process)
        reader.join(TIMEOUT)
        log.close()


@pytest.mark.parametrize(
    ("server", "framework"),
    [("uvicorn", "starlette"), ("hypercorn", "fastapi")],
    ids=["uvicorn-starlette", "hypercorn-fastapi"],
)
def test_with_a_good_key_the_server_starts_and_serves(
    server: str, framework: str, tmp_path: Path
) -> None:
    with serving(server, framework, generate_key(), tmp_path) as url:
        response = httpx.get(f"{url}/health", timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.text == "ok"
    assert response.cookies["session"]

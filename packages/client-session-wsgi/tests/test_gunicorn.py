"""gunicorn: the examples' counters in a real pre-fork server, and the real clock in its worker.

The whole conformance suite runs over gunicorn too (``TestGunicornConformance``, with
``GunicornHarness``); this checks that the examples themselves run there, with the real clock,
and what the suite does not reach: a clock other than its own is the real time in the worker
(the policy's trip as JSON is tested with the conformance package's serving module). Tests
skip where gunicorn cannot run (not installed, or Windows).
"""

from __future__ import annotations

import email.utils
import http.client
import os
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from client_session_conformance import parse_set_cookie
from client_session_conformance.harnesses.gunicorn import GunicornHarness
from client_session_conformance.serving import gunicorn_unavailable
from client_session_wsgi import KeyRing, SessionPolicy, generate_key

GUNICORN_MISSING = gunicorn_unavailable()
requires_gunicorn = pytest.mark.skipif(GUNICORN_MISSING is not None, reason=str(GUNICORN_MISSING))

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
_LISTENING = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")


def _gunicorn_options() -> list[str]:
    help_text = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--help"],
        capture_output=True,
        text=True,
        check=True,
        timeout=STOP_TIMEOUT,
    ).stdout
    # gunicorn >= 24 opens a control socket under ~/.gunicorn unless told not to.
    return ["--no-control-socket"] if "--no-control-socket" in help_text else []


@pytest.fixture(scope="module")
def gunicorn_options() -> list[str]:
    return _gunicorn_options()


def _read_lines(stream: Iterator[str], lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)


def _wait_for_port(process: subprocess.Popen[str], lines: queue.Queue[str]) -> int:
    seen = []
    while True:
        try:
            line = lines.get(timeout=START_TIMEOUT)
        except queue.Empty:
            raise AssertionError(f"gunicorn did not start: {''.join(seen)}") from None
        seen.append(line)
        if (match := _LISTENING.search(line)) is not None:
            return int(match.group(1))
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited: {''.join(seen)}")


@pytest.fixture(params=["wsgi_counter", "flask_counter"])
def served_example(request: pytest.FixtureRequest, gunicorn_options: list[str]) -> Iterator[int]:
    module = request.param
    if not (EXAMPLES / f"{module}.py").is_file():
        pytest.skip(f"{EXAMPLES / module}.py is not in this checkout")
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        *gunicorn_options,
        "--bind",
        "127.0.0.1:0",
        "--workers",
        "1",
        "--chdir",
        str(EXAMPLES),
        f"{module}:app",
    ]
    env = {**os.environ, "CLIENT_SESSION_KEYS": generate_key()}
    # A fixed command line: this interpreter running gunicorn on an example.
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)  # noqa: S603
    assert process.stderr is not None
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=_read_lines, args=(process.stderr, lines), daemon=True)
    reader.start()
    try:
        yield _wait_for_port(process, lines)
    finally:
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_TIMEOUT)
        reader.join(STOP_TIMEOUT)
        process.stderr.close()


@requires_gunicorn
@pytest.mark.network
@pytest.mark.slow
def test_counter_continues_over_gunicorn(served_example: int) -> None:
    cookie = None
    for visit in range(1, 4):
        connection = http.client.HTTPConnection("127.0.0.1", served_example, timeout=10)
        try:
            connection.request("GET", "/", headers={"Cookie": cookie} if cookie else {})
            response = connection.getresponse()
            body = response.read().decode()
            set_cookie = response.getheader("Set-Cookie")
        finally:
            connection.close()
        assert response.status == 200
        assert f"visited this page {visit} times" in body
        assert set_cookie is not None
        assert response.getheader("Vary") == "Cookie"
        cookie = set_cookie.split(";", 1)[0]


@requires_gunicorn
@pytest.mark.network
@pytest.mark.slow
def test_a_clock_other_than_a_manual_one_is_the_real_time_in_the_worker() -> None:
    policy = SessionPolicy(keys=KeyRing([generate_key()]))
    with GunicornHarness().serve(policy, time.time) as url, httpx.Client(base_url=url) as client:
        before = time.time()
        response = client.get("/counter")
        after = time.time()
    assert response.status_code == 200
    expires = parse_set_cookie(response.headers["set-cookie"]).attributes["expires"]
    assert expires is not None
    issued = email.utils.parsedate_to_datetime(expires).timestamp() - 1800
    assert int(before) - 1 <= issued <= after + 1

"""The demo over real sockets: each framework's counter counts 1, 2, 3 in one cookie jar, and
``--cookie-name`` names its cookie, so that a fleet of frameworks behind one load balancer can
share sessions (docs/deployment.md). Each server is ``examples/demo.py`` in a process of its own,
on 127.0.0.1 and a free port; every wait is bounded."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from client_session_core import generate_key

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo.py"
FRAMEWORKS = ("starlette", "fastapi", "litestar", "flask", "wsgi", "tornado", "aiohttp", "django")
START_TIMEOUT = 30.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _demo(framework: str, keys: str, *arguments: str) -> Iterator[str]:
    port = _free_port()
    environment = {**os.environ, "CLIENT_SESSION_KEYS": keys}
    environment.pop("COUNTER_COOKIE_NAME", None)
    url = f"http://127.0.0.1:{port}/"
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(  # noqa: S603 - the repository's own demo, on loopback
            [sys.executable, str(DEMO), framework, "--port", str(port), *arguments],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_for(url, server, log, framework)
            yield url
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)


def _wait_for(url: str, server: subprocess.Popen[bytes], log: Any, framework: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            httpx.get(url, timeout=2.0)
            return
        except httpx.TransportError:
            if server.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                output = log.read().decode(errors="replace")
                pytest.fail(f"the {framework} demo did not start: {output[-2000:]}")
            time.sleep(0.1)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_the_demo_counts_under_the_cookie_name_it_is_given(framework: str) -> None:
    with _demo(framework, generate_key(), "--cookie-name", "fleet") as url:
        with httpx.Client(timeout=10.0) as browser:
            pages = [browser.get(url) for _ in range(3)]
        assert [page.status_code for page in pages] == [200, 200, 200]
        assert [f"{count} times" in page.text for count, page in enumerate(pages, 1)] == [True] * 3
        assert [cookie.name for cookie in browser.cookies.jar] == ["fleet"]


def test_a_fleet_of_two_frameworks_shares_a_session_under_one_name() -> None:
    # The mixed fleet of docs/deployment.md: one key ring, one cookie name.
    keys = generate_key()
    with (
        _demo("starlette", keys, "--cookie-name", "fleet") as starlette,
        _demo("django", keys, "--cookie-name", "fleet") as django,
        httpx.Client(timeout=10.0) as browser,
    ):
        texts = [browser.get(url).text for url in (starlette, django, starlette, django)]
    assert [f"{count} times" in text for count, text in enumerate(texts, 1)] == [True] * 4

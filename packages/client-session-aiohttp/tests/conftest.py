"""Shared fixtures: a key, a manual clock, and a way to drive an app over a real socket."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from client_session_conformance import ManualClock
from client_session_core import generate_key

Scenario = Callable[[TestClient], Awaitable[None]]
RunScenario = Callable[[web.Application, Scenario], None]

TIMEOUT = 10.0
"""Seconds a scenario may take, server start and stop included."""


@pytest.fixture
def key() -> str:
    return generate_key()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def run_with_client() -> RunScenario:
    """Serve an app on 127.0.0.1 (an ephemeral port) and run a scenario with a client whose
    cookie jar accepts cookies for an IP address, as aiohttp's test client does."""

    def run(app: web.Application, scenario: Scenario) -> None:
        async def main() -> None:
            async with TestClient(TestServer(app, host="127.0.0.1")) as client:
                await scenario(client)

        asyncio.run(asyncio.wait_for(main(), TIMEOUT))

    return run

"""The serving helpers that need no third-party server: the policy's trip as JSON, the
mirrored clock, and the asyncio thread (over the standard library's asyncio server).

The servers themselves run under every adapter's conformance tests. This module imports
``client_session_conformance.serving`` where neither uvicorn, werkzeug nor gunicorn need
be installed (the core's sessions run it so).
"""

from __future__ import annotations

import asyncio
import http.client
import json
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from client_session_conformance import ManualClock
from client_session_conformance.serving import (
    MirroredClock,
    policy_from_json,
    policy_to_json,
    serve_asyncio_in_thread,
    serve_with_gunicorn,
)
from client_session_core import JSONSerializer, KeyRing, SessionPolicy, generate_key


def test_policy_crosses_to_the_worker_as_json() -> None:
    policy = SessionPolicy(
        keys=KeyRing([generate_key(), "an old passphrase long enough: 7Qm#vZ2!pL9x"]),
        cookie_name="__Host-sid",
        idle_timeout=None,
        absolute_lifetime=7200,
        renew_after=0.5,
        not_before=1_700_000_000,
        clock_skew=0,
        persistent=False,
        secure=True,
        same_site="none",
        partitioned=True,
        max_cookie_size=2048,
        max_chunks=3,
        clear_invalid=False,
    )
    described = policy_to_json(policy)
    assert json.loads(json.dumps(described)) == described  # plain JSON, nothing else
    received = policy_from_json(json.loads(json.dumps(described)))
    assert [key.kid for key in received.keys] == [key.kid for key in policy.keys]
    assert [key.material for key in received.keys] == [key.material for key in policy.keys]
    assert policy_to_json(received) == described
    assert received.cookie_name == "__Host-sid"
    assert received.max_chunks == 3


def test_a_policy_with_another_serializer_does_not_cross() -> None:
    class UpperJSON(JSONSerializer):
        pass

    policy = SessionPolicy(keys=KeyRing([generate_key()]), serializer=UpperJSON())
    with pytest.raises(ValueError, match="only the default JSON serializer"):
        policy_to_json(policy)


def test_a_mirrored_clock_reads_the_manual_clock_it_mirrors(tmp_path: Path) -> None:
    clock = ManualClock()
    with clock.mirror_to(tmp_path / "now"):
        mirrored = MirroredClock(tmp_path / "now")
        assert mirrored() == clock()
        clock.advance(2.5)
        assert mirrored() == clock() == 1_800_000_002.5


@pytest.mark.parametrize("factory", ["", "module", "module:", "module:factory()", "a b:c"])
def test_serve_with_gunicorn_wants_the_dotted_path_of_a_factory(factory: str) -> None:
    policy = SessionPolicy(keys=KeyRing([generate_key()]))
    with (
        pytest.raises(ValueError, match="the dotted path of a function"),
        serve_with_gunicorn(factory, policy, ManualClock()),
    ):
        pass


async def _answer_ok(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
    await writer.drain()
    writer.close()


def test_an_asyncio_server_runs_on_its_own_loop_in_a_thread_until_the_block_ends() -> None:
    stopped = threading.Event()

    async def start() -> tuple[int, Callable[[], Awaitable[None]]]:
        server = await asyncio.start_server(_answer_ok, "127.0.0.1", 0)

        async def stop() -> None:
            server.close()
            await server.wait_closed()
            stopped.set()

        return server.sockets[0].getsockname()[1], stop

    with serve_asyncio_in_thread(start, name="stdlib") as url:
        host, port = url.removeprefix("http://").split(":")
        assert host == "127.0.0.1"
        connection = http.client.HTTPConnection(host, int(port), timeout=5)
        connection.request("GET", "/")
        assert connection.getresponse().read() == b"ok"
        connection.close()
        assert not stopped.is_set()
    assert stopped.is_set()
    assert not [t for t in threading.enumerate() if t.name == "stdlib-server"]


def test_an_asyncio_server_that_fails_to_start_raises_in_the_caller() -> None:
    async def start() -> tuple[int, Callable[[], Awaitable[None]]]:
        raise OSError("the address is taken")

    with (
        pytest.raises(OSError, match="the address is taken"),
        serve_asyncio_in_thread(start),
    ):
        pass

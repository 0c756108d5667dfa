"""The server process of a soak: ``python -m soaking._server HARNESS``.

It serves the conformance route contract through the installed harness named HARNESS
(``installed_harnesses()``), so that what is measured is this process: the adapter, its
framework and its server, and nothing of the load generator. It reads one JSON command
a line on stdin and answers each with one JSON line on stdout:

- ``{"serve": GENERATION, "keys": [...], "revocations": {"url": ..., "interval": ...}}``:
  start a server whose key ring is ``keys`` (primary first); answers ``{"url": ...}``. With
  ``revocations`` (optional), its policy has ``revocations=Revocations(RedisRevocationStore
  (redis.Redis.from_url(url)), interval=interval)`` of its own, as a process of a fleet has,
  on the shared clock; stopping the server stops it and closes its Redis connections;
- ``{"stop": URL}``: stop that server; answers ``{"stopped": URL}``;
- ``{"advance": SECONDS}``: move the clock every server shares; answers ``{"now": ...}``.

End of input stops every server and ends the process. The clock is a ``ManualClock``,
so that the soak ages sessions (renewals are due after a quarter of the idle timeout)
without waiting for them.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from typing import Any

from client_session_conformance import ManualClock, installed_harnesses
from client_session_core import KeyRing, SessionPolicy
from client_session_core.revocation import RedisRevocationStore, Revocations

START = 1_800_000_000.0


def main(argv: list[str]) -> int:
    harnesses = installed_harnesses()
    if len(argv) != 2 or argv[1] not in harnesses:
        print(f"usage: python -m soaking._server {{{','.join(harnesses)}}}", file=sys.stderr)
        return 2
    # A session too large is a 500 by design; its traceback in the log, once, is enough.
    logging.basicConfig(level=logging.WARNING)
    harness = harnesses[argv[1]]()
    clock = ManualClock(start=START)
    servers: dict[str, contextlib.ExitStack] = {}

    def answer(message: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    try:
        for line in sys.stdin:
            command = json.loads(line)
            if "serve" in command:
                stack = contextlib.ExitStack()
                revocations = None
                if command.get("revocations"):
                    revocations = _revocations(stack, clock, **command["revocations"])
                policy = SessionPolicy(keys=KeyRing(command["keys"]), revocations=revocations)
                url = stack.enter_context(harness.serve(policy, clock))
                servers[url] = stack
                answer({"url": url})
            elif "stop" in command:
                servers.pop(command["stop"]).close()
                answer({"stopped": command["stop"]})
            elif "advance" in command:
                clock.advance(command["advance"])
                answer({"now": clock()})
            else:
                answer({"error": f"unknown command {command!r}"})
    finally:
        for stack in servers.values():
            stack.close()
    return 0


def _revocations(
    stack: contextlib.ExitStack, clock: ManualClock, url: str, interval: float
) -> Revocations:
    """A ``Revocations`` on the Redis at ``url``, stopped (its threads) and closed (its
    connections) when ``stack`` closes, after the server it serves has stopped.

    Its clock is the servers' ``ManualClock``: a user's "not before" is compared with the
    ``created_at`` the codec seals by that clock, so both must read the same one."""
    import redis  # only a soak with revocations needs redis-py

    client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
    stack.callback(client.close)
    revocations = Revocations(RedisRevocationStore(client), interval=interval, clock=clock)
    stack.callback(revocations.stop)
    # start() only starts the thread: until its first read, a new server would open every
    # session revoked before it (what the soak's stolen copies try after each rotation). One
    # read here, before the server answers anything, as a process should at start-up.
    if not revocations.refresh():
        raise RuntimeError(f"the revocation store at {url} did not answer")
    revocations.start()
    return revocations


if __name__ == "__main__":
    sys.exit(main(sys.argv))

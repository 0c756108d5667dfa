"""What a server does between two requests, as far as the CPU caches can tell.

In a loop that repeats one request, the session's code and data stay in the CPU caches; in a
server they do not: between two requests of a connection the worker reads and writes sockets,
parses HTTP and runs other requests. :class:`CacheEvictor` does work of that kind (memory
written, unrelated interpreter and C work, a socket round trip), so that a request timed after
it runs about as cold as a served one.
"""

from __future__ import annotations

import json
import re
import socket

__all__ = ["CacheEvictor"]

_MEMORY = 16 * 1024 * 1024  # written in cache lines: more than the L2 of any core
_LINE = 64


class CacheEvictor:
    """Call it between two timed requests; :meth:`close` frees its socket pair."""

    def __init__(self) -> None:
        self._memory = bytearray(_MEMORY)
        self._zeros = bytes(_MEMORY // _LINE)
        self._document = {f"key{index}": list(range(20)) for index in range(300)}
        self._text = "abc 123 def 456 " * 50
        self._pattern = re.compile(r"(\d+)")
        self._sender, self._receiver = socket.socketpair()

    def __call__(self) -> None:
        self._memory[::_LINE] = self._zeros  # one write per cache line
        json.loads(json.dumps(self._document))
        self._pattern.sub(r"<\1>", self._text)
        self._sender.send(b"x" * 300)
        self._receiver.recv(4096)

    def close(self) -> None:
        self._sender.close()
        self._receiver.close()

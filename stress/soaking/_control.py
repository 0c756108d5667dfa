"""Starting, commanding and sampling the server process of a soak."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import psutil

__all__ = ["Sample", "ServerProcess", "ring_for"]

HERE = Path(__file__).resolve().parent.parent
ANSWER_TIMEOUT = 60.0


def key_text(generation: int) -> str:
    """The key of ``generation``: made-up and reproducible (a soak needs no secret)."""
    material = hashlib.sha256(f"client-session soak key {generation}".encode()).digest()
    return base64.urlsafe_b64encode(material).rstrip(b"=").decode()


def ring_for(generation: int) -> list[str]:
    """The ring after ``generation`` rotations: its key first, the one before as a reader.

    The key before that is retired: a cookie it sealed, not used since, no longer opens.
    """
    return [key_text(generation)] + ([key_text(generation - 1)] if generation else [])


@dataclass(frozen=True)
class Sample:
    """The server process (with its children, for servers that fork) at one moment."""

    seconds: float  # since the soak started
    rss_bytes: int
    open_fds: int
    threads: int
    processes: int
    requests: int  # requests completed by then

    def to_json(self) -> dict[str, Any]:
        return vars(self).copy()


class ServerProcess:
    """``python -m soaking._server HARNESS``, and the commands it obeys."""

    def __init__(self, harness: str, log: IO[str]) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), *sys.path[1:]])}
        self._process = subprocess.Popen(
            [sys.executable, "-m", "soaking._server", harness],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            env=env,
        )
        self._psutil = psutil.Process(self._process.pid)

    @property
    def pid(self) -> int:
        return self._process.pid

    def _command(self, command: dict[str, Any]) -> dict[str, Any]:
        assert self._process.stdin is not None
        assert self._process.stdout is not None
        self._process.stdin.write(json.dumps(command) + "\n")
        self._process.stdin.flush()
        # One answer line per command. The process serves in threads, so it answers
        # promptly; a server that hung would leave readline waiting, so check it lives.
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(
                f"the server process ended (exit status {self._process.poll()}); see its log"
            )
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise RuntimeError(answer["error"])
        return answer

    def serve(self, generation: int, revocations: dict[str, Any] | None = None) -> str:
        """Start a server with the key ring of ``generation``, and with ``revocations``
        (``{"url": REDIS_URL, "interval": SECONDS}``) when given; its base URL."""
        command = {"serve": generation, "keys": ring_for(generation), "revocations": revocations}
        url: str = self._command(command)["url"]
        return url

    def stop(self, url: str) -> None:
        self._command({"stop": url})

    def advance(self, seconds: float) -> None:
        self._command({"advance": seconds})

    def sample(self, seconds: float, requests: int) -> Sample:
        processes = [self._psutil, *self._psutil.children(recursive=True)]
        rss = fds = threads = alive = 0
        for process in processes:
            try:
                rss += process.memory_info().rss
                fds += process.num_fds()
                threads += process.num_threads()
                alive += 1
            except psutil.NoSuchProcess:  # a child that ended between the two calls
                continue
        return Sample(seconds, rss, fds, threads, alive, requests)

    def close(self, timeout: float = 30.0) -> int:
        """Close stdin (the process stops its servers and exits); kill it if it hangs."""
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            return self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            self._process.kill()
            return self._process.wait(timeout)
        finally:
            if self._process.stdout is not None:
                self._process.stdout.close()

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def wait_until(deadline: float) -> None:
    """Sleep until ``deadline`` (time.monotonic()), if it is ahead."""
    remaining = deadline - time.monotonic()
    if remaining > 0:
        time.sleep(remaining)

"""The servers of a run: redis-server, PostgreSQL, and one process per variant serving its
counter app."""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .apps import AppOptions
from .builds import COMPILED_BUILD, CoreBuild
from .drivers import Reply
from .processes import HOST, Cpus, free_port, pinned, running, wait_for_port
from .variants import Variant

__all__ = ["Subject", "VariantServer", "postgres_server", "redis_server", "variant_servers"]

Subject = tuple[Variant, "CoreBuild | None"]
"""A variant, and the core build it runs on (None for the variants that do not use the core)."""


@dataclass(frozen=True, slots=True)
class VariantServer:
    """One variant's app, listening on ``port``."""

    variant: Variant
    build: CoreBuild | None
    port: int
    group: int
    """The process group of the server and its workers (for their CPU time)."""

    def url(self, target: str) -> str:
        """The URL of ``target`` (a path and query) on this server."""
        return f"http://{HOST}:{self.port}{target}"

    def send(self, target: str, cookie: str | None) -> Reply:
        """One GET over a fresh connection, for priming and checking a session."""
        connection = http.client.HTTPConnection(HOST, self.port, timeout=10)
        try:
            connection.request("GET", target, headers={"Cookie": cookie} if cookie else {})
            response = connection.getresponse()
            body = response.read()
            set_cookie = tuple(response.headers.get_all("Set-Cookie") or ())
            return Reply(response.status, set_cookie, body)
        finally:
            connection.close()


@contextlib.contextmanager
def redis_server(executable: str, cpus: Cpus, logs: Path) -> Iterator[int]:
    """A throw-away redis-server on a free loopback port, nothing saved to disk."""
    port = free_port()
    command = [
        executable,
        "--bind",
        HOST,
        "--port",
        str(port),
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(logs),
    ]
    log = logs / "redis-server.log"
    with running(pinned(command, cpus.load if cpus.pinning else None), log=log) as process:
        wait_for_port(port, process, log)
        yield port


@contextlib.contextmanager
def postgres_server(bin_dir: str, logs: Path) -> Iterator[int]:
    """A throw-away PostgreSQL cluster on a free loopback port: user ``bench``, no password
    (trust, on 127.0.0.1 only), database ``postgres``; removed on exit.

    PostgreSQL refuses to run as root, so as root it runs as the ``postgres`` user that
    Debian's package creates.
    """
    directory = Path(tempfile.mkdtemp(prefix="sessionbench-postgres-"))
    data = directory / "data"
    as_user: list[str] = []
    if os.geteuid() == 0:
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(directory, user="postgres")
    try:
        initdb = [f"{bin_dir}/initdb", "-D", str(data), "-A", "trust", "-U", "bench"]
        subprocess.run([*as_user, *initdb, "--no-sync"], check=True, capture_output=True)
        port = free_port()
        command = [
            *as_user,
            f"{bin_dir}/postgres",
            "-D",
            str(data),
            "-p",
            str(port),
            "-k",
            str(directory),
            "-c",
            f"listen_addresses={HOST}",
        ]
        log = logs / "postgres.log"
        with running(command, log=log) as process:
            wait_for_port(port, process, log)
            yield port
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _serve_command(
    variant: Variant, build: CoreBuild | None, port: int, options: AppOptions
) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "sessionbench.serve",
        variant.framework.name,
        variant.name,
        "--port",
        str(port),
        "--max-chunks",
        str(options.max_chunks),
    ]
    if options.redis_port is not None:
        command += ["--redis-port", str(options.redis_port)]
    if build is not None:
        command += ["--core-build", build.name]
    return command


@contextlib.contextmanager
def variant_servers(
    subjects: Sequence[Subject], options: AppOptions, cpus: Cpus, logs: Path
) -> Iterator[list[VariantServer]]:
    """Start every subject's server at once, wait until all listen, stop all at the end.

    Each server runs on its build's ``PYTHONPATH`` (see :mod:`sessionbench.builds`) and
    refuses to start on the other build.
    """
    with contextlib.ExitStack() as stack:
        started = []
        for variant, build in subjects:
            port = free_port()
            command = pinned(
                _serve_command(variant, build, port, options),
                cpus.server if cpus.pinning else None,
            )
            suffix = f"-{build.name}" if build else ""
            log = logs / f"{variant.framework.name}-{variant.name}{suffix}-{port}.log"
            env = (build or COMPILED_BUILD).env()
            process = stack.enter_context(running(command, log=log, env=env))
            started.append((VariantServer(variant, build, port, process.pid), process, log))
        for server, process, log in started:
            try:
                wait_for_port(server.port, process, log)
            except RuntimeError as exc:
                raise RuntimeError(f"{server.variant.key} server: {exc}") from None
        yield [server for server, _process, _log in started]

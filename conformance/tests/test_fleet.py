"""Key rotation across a fleet: three servers behind nginx, round-robin, while users count;
and every adapter following a key file.

Debian's nginx, started here on 127.0.0.1 with a generated configuration, balances three
server processes (fleet_server.py) that read their key ring from one key file. The test
rotates the keys with the ``client-session keys`` commands while users keep counting,
following docs/key-rotation.md: add a key everywhere, make it primary everywhere, wait until
every session has moved to it, retire the old one; on the way, an invalid key file is written
and must change nothing. No request may fail and no user may lose a count.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from client_session_conformance import ManualClock, SessionClient, installed_harnesses
from client_session_conformance._revocation_suite import redis_url_or_skip
from client_session_core import KeyFile, KeyRing, SessionPolicy, generate_key

NGINX = shutil.which("nginx") or next(
    (path for path in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(path, os.X_OK)),
    None,
)
needs_nginx = pytest.mark.skipif(
    NGINX is None,
    reason="nginx is not installed: the fleet rotation test runs Debian's nginx "
    "(apt-get install nginx; `make test` installs it when run as root)",
)

SERVERS = 3
USERS = 8
PER_STEP = 15  # requests each user makes, at least, between two steps of the rotation
CHECK_INTERVAL = 0.05  # how often each server looks at the key file (1 s by default)
DEADLINE = 120.0  # seconds for the whole test: every wait below is bounded by it
SERVER_SCRIPT = Path(__file__).with_name("fleet_server.py")
REVOCATION_INTERVAL = 0.2  # seconds between two reads of the store by each server (2 by default)
REFUSAL_BOUND = REVOCATION_INTERVAL + 1.0  # the interval, one refresh, a request on a busy box


@dataclass
class User:
    """A browser that counts: one cookie, one keep-alive connection, every answer checked."""

    name: str
    port: int
    cookie: str | None = None
    counts: list[int] = field(default_factory=list)
    servers: set[str] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)

    def count_once(self, connection: http.client.HTTPConnection) -> None:
        headers = {"Cookie": f"session={self.cookie}"} if self.cookie else {}
        connection.request("GET", "/count", headers=headers)
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            self.failures.append(f"status {response.status}: {body[:200]!r}")
            return
        answer = json.loads(body)
        expected = len(self.counts) + 1
        if answer["count"] != expected or answer["rejected"] is not None:
            self.failures.append(
                f"count {answer['count']} (expected {expected}) from {answer['server']}, "
                f"cookie rejected: {answer['rejected']}"
            )
        self.counts.append(answer["count"])
        self.servers.add(answer["server"])
        for value in response.headers.get_all("Set-Cookie") or []:
            pair = value.split(";", 1)[0]
            if pair.startswith("session="):
                self.cookie = pair.removeprefix("session=")

    def count_until(self, stop: threading.Event, deadline: float) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            while not stop.is_set() and time.monotonic() < deadline:
                try:
                    self.count_once(connection)
                except (OSError, http.client.HTTPException) as exc:
                    self.failures.append(f"request failed: {exc!r}")
                    connection.close()
        finally:
            connection.close()

    def cookie_kid(self) -> str | None:
        if self.cookie is None:
            return None
        raw = base64.urlsafe_b64decode(self.cookie + "=" * (-len(self.cookie) % 4))
        return raw[2:6].hex()  # the envelope's key id (docs/wire-format.md)


def _listening_socket() -> socket.socket:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    return listener


def _free_port() -> int:
    # nginx binds its own port; this one was free a moment ago (a race only with another
    # process binding the same ephemeral port in between).
    with contextlib.closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _get_json(port: int, path: str) -> object:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path, headers={"Connection": "close"})
        response = connection.getresponse()
        return json.loads(response.read()) if response.status == 200 else None
    finally:
        connection.close()


def _answering(port: int) -> Callable[[], bool]:
    return lambda: _get_json(port, "/keys") is not None


def _wait_for(what: str, condition: Callable[[], bool], deadline: float) -> None:
    # Real servers and a real file: polled (each poll is a request or a read, a few ms).
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            if condition():
                return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


@contextlib.contextmanager
def _fleet(
    tmp_path: Path, key_file: Path, deadline: float, redis_url: str | None = None
) -> Iterator[tuple[int, list[int]]]:
    """Three servers and nginx in front of them: (nginx's port, the servers' ports); given
    ``redis_url``, the servers share revocations there."""
    processes: list[subprocess.Popen[bytes]] = []
    try:
        ports = []
        for index in range(SERVERS):
            listener = _listening_socket()
            with listener, open(tmp_path / f"server-{index}.log", "wb") as log:
                command = [
                    sys.executable,
                    str(SERVER_SCRIPT),
                    f"server-{index}",
                    str(listener.fileno()),
                    str(key_file),
                    str(CHECK_INTERVAL),
                    *(() if redis_url is None else (redis_url, str(REVOCATION_INTERVAL))),
                ]
                processes.append(
                    subprocess.Popen(  # noqa: S603 - the test's own script
                        command, pass_fds=[listener.fileno()], stdout=log, stderr=log
                    )
                )
                ports.append(listener.getsockname()[1])
        port = _free_port()
        config = tmp_path / "nginx.conf"
        config.write_text(_nginx_config(tmp_path, port, ports), encoding="utf-8")
        assert NGINX is not None
        processes.append(
            subprocess.Popen(  # noqa: S603 - Debian's nginx, with the configuration above
                [NGINX, "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(config)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        for server_port in [*ports, port]:
            _wait_for(f"the server on port {server_port}", _answering(server_port), deadline)
        yield port, ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


def _nginx_config(tmp_path: Path, port: int, upstreams: list[int]) -> str:
    servers = "\n".join(f"        server 127.0.0.1:{upstream};" for upstream in upstreams)
    temp = {name: tmp_path / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    return f"""
daemon off;
worker_processes 1;
pid {tmp_path / "nginx.pid"};
error_log {tmp_path / "error.log"} warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    upstream fleet {{
{servers}
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://fleet;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            # A failed request must show as failed, not be retried on another server.
            proxy_next_upstream off;
        }}
    }}
}}
"""


def _keys_step(key_file: Path, step: str) -> None:
    command = ["client_session_core", "keys", step, "--write", "--keys-file", str(key_file)]
    subprocess.run(  # noqa: S603 - the installed CLI, as an operator runs it
        [sys.executable, "-m", *command],
        check=True,
        capture_output=True,
        timeout=60,
    )


def _kids_in(key_file: Path) -> list[str]:
    return [key.kid.hex() for key in KeyFile(key_file)]


def _key_texts_in(key_file: Path) -> set[str]:
    # The keys only: the end line's words ("keys") are no secret, and are in the logs.
    return {text for text in key_file.read_text(encoding="utf-8").split() if len(text) == 43}


@needs_nginx
def test_a_fleet_rotates_its_keys_while_users_keep_counting(tmp_path: Path) -> None:
    deadline = time.monotonic() + DEADLINE
    key_file = tmp_path / "session-keys"
    KeyFile.write(key_file, [generate_key()])
    (old_kid,) = _kids_in(key_file)
    key_texts = _key_texts_in(key_file)

    with _fleet(tmp_path, key_file, deadline) as (port, backends):

        def every_server_holds(kids: list[str]) -> Callable[[], bool]:
            return lambda: all(_get_json(backend, "/keys") == kids for backend in backends)

        def every_user_counted(more: int) -> Callable[[], bool]:
            marks = [len(user.counts) + more for user in users]
            return lambda: all(len(u.counts) >= mark for u, mark in zip(users, marks, strict=True))

        users = [User(f"user-{index}", port) for index in range(USERS)]
        stop = threading.Event()
        threads = [
            threading.Thread(target=user.count_until, args=(stop, deadline)) for user in users
        ]
        for thread in threads:
            thread.start()
        try:
            _wait_for("every user's first counts", every_user_counted(PER_STEP), deadline)

            # Step 2 of docs/key-rotation.md: the new key, last, on every server.
            _keys_step(key_file, "add")
            ring = _kids_in(key_file)
            new_kid = ring[1]
            key_texts.update(_key_texts_in(key_file))
            _wait_for("every server to hold the new key", every_server_holds(ring), deadline)
            _wait_for("users to count on", every_user_counted(PER_STEP), deadline)

            # A broken file (a weak key) changes nothing, and every server says so.
            valid = key_file.read_bytes()
            broken = tmp_path / "broken"
            broken.write_text("A" * 43 + "\n# end of keys\n", encoding="utf-8")
            os.replace(broken, key_file)
            _wait_for(
                "every server to log the broken file",
                lambda: all(
                    "cannot be used" in (tmp_path / f"server-{index}.log").read_text()
                    for index in range(SERVERS)
                ),
                deadline,
            )
            assert every_server_holds(ring)()
            broken.write_bytes(valid)
            os.replace(broken, key_file)

            # Step 3: the new key seals, everywhere; each session moves on its next request.
            _keys_step(key_file, "promote")
            assert _kids_in(key_file) == [new_kid, old_kid]
            _wait_for("the new primary", every_server_holds([new_kid, old_kid]), deadline)
            _wait_for("users to count on", every_user_counted(PER_STEP), deadline)
            assert {user.cookie_kid() for user in users} == {new_kid}

            # Step 5: every session has moved (step 4's wait), so the old key goes.
            _keys_step(key_file, "retire")
            _wait_for("the old key to leave", every_server_holds([new_kid]), deadline)
            _wait_for("users to count on", every_user_counted(2 * PER_STEP), deadline)
        finally:
            stop.set()
            for thread in threads:
                thread.join(30)

        # nginx shares its turns among all eight users, so how one user's requests fall on
        # the servers depends on the threads' timing (a user in step with the others can
        # miss a server). Each user now asks every server once, directly: each of them must
        # open the cookie the last one wrote, and count on.
        via_nginx = set().union(*(user.servers for user in users))
        for user in users:
            for backend in backends:
                connection = http.client.HTTPConnection("127.0.0.1", backend, timeout=10)
                try:
                    user.count_once(connection)
                finally:
                    connection.close()

    every_server = {f"server-{index}" for index in range(SERVERS)}
    assert via_nginx == every_server
    failures = [f"{user.name}: {failure}" for user in users for failure in user.failures]
    assert not failures, "\n".join(failures[:20])
    for user in users:
        assert user.counts == list(range(1, len(user.counts) + 1)), user.name
        assert user.servers == every_server, user.name
        assert user.cookie_kid() == new_kid
    for index in range(SERVERS):
        log = (tmp_path / f"server-{index}.log").read_text(encoding="utf-8")
        assert not [text for text in key_texts if text in log], "a key is in a server's log"
    requests = sum(len(user.counts) for user in users)
    print(f"fleet: {SERVERS} servers, {USERS} users, {requests} requests, 0 failed, 0 counts lost")


# -- every adapter takes a key file and follows it ----------------------------------------------

# A harness may serve from another process (gunicorn's worker), which follows the file with
# a KeyFile of its own (policy_to_json sends the path) that the test's reload() cannot reach:
# every KeyFile here looks at the file on every request, so each harness follows either way.
_EVERY_REQUEST = 1e-6  # seconds: a check interval that has always passed by the next request


@pytest.mark.parametrize("harness_name", sorted(installed_harnesses()))
def test_every_adapter_follows_a_key_file(harness_name: str, tmp_path: Path) -> None:
    old, new = generate_key(), generate_key()
    old_kid, new_kid = (KeyRing([key]).primary.kid.hex() for key in (old, new))
    key_file = tmp_path / "session-keys"
    KeyFile.write(key_file, [old])
    keys = KeyFile(key_file, check_interval=_EVERY_REQUEST)
    harness = installed_harnesses()[harness_name]()
    with harness.serve(SessionPolicy(keys=keys), ManualClock()) as url, SessionClient(url) as user:
        # The steps of docs/key-rotation.md, each taken at once with reload() (as on SIGHUP).
        for count, ring, sealing_kid in [
            (1, [old], old_kid),
            (2, [old, new], old_kid),  # the new key opens, the old one still seals
            (3, [new, old], new_kid),  # the new key seals
            (4, [new], new_kid),  # the old key is gone; the session moved on count 3
        ]:
            KeyFile.write(key_file, ring)
            keys.reload()
            response = user.get("/counter")
            assert (response.status_code, response.json()) == (200, {"count": count})
            cookie = user.cookies["session"]
            raw = base64.urlsafe_b64decode(cookie + "=" * (-len(cookie) % 4))
            assert raw[2:6].hex() == sealing_kid, f"count {count}"


# -- revocation mid-run: logout and logout everywhere, refused by whichever server answers -------


def _post(port: int, path: str, cookie: str | None) -> tuple[dict[str, object], str | None]:
    """POST ``path`` through nginx with ``cookie``: the answer and the session cookie it sets
    (None when it deletes it or sets none)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = {"Cookie": f"session={cookie}"} if cookie else {}
        connection.request("POST", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        assert response.status == 200, (path, response.status, body[:200])
        written = None
        for value in response.headers.get_all("Set-Cookie") or []:
            pair, _, attributes = value.partition(";")
            if pair.startswith("session=") and "Max-Age=0" not in attributes:
                written = pair.removeprefix("session=")
        answer: dict[str, object] = json.loads(body)
        return answer, written
    finally:
        connection.close()


def _count_with(connection: http.client.HTTPConnection, cookie: str) -> dict[str, object]:
    connection.request("GET", "/count", headers={"Cookie": f"session={cookie}"})
    response = connection.getresponse()
    body = response.read()
    assert response.status == 200, (response.status, body[:200])
    answer: dict[str, object] = json.loads(body)
    return answer


def _logged_in(port: int, user: str) -> str:
    answer, cookie = _post(port, f"/login?user={user}", None)
    assert answer["user"] == user, answer
    assert cookie is not None, answer
    return cookie


@needs_nginx
def test_a_fleet_refuses_revoked_sessions_mid_run(tmp_path: Path) -> None:
    deadline = time.monotonic() + DEADLINE
    key_file = tmp_path / "session-keys"
    KeyFile.write(key_file, [generate_key()])
    every_server = {f"server-{index}" for index in range(SERVERS)}
    with (
        redis_url_or_skip() as redis_url,
        _fleet(tmp_path, key_file, deadline, redis_url) as (
            port,
            backends,
        ),
    ):
        # Users who count throughout, each logged in: none of their requests may fail.
        users = [User(f"user-{index}", port) for index in range(USERS)]
        for user in users:
            user.cookie = _logged_in(port, user.name)  # its count starts again at 0
        # The victims: one logs out (a copy of the cookie was taken before); one user with
        # two devices logs out everywhere from one of them.
        stolen = _logged_in(port, "victim")
        laptop, phone = _logged_in(port, "traveller"), _logged_in(port, "traveller")
        logged_in_at = int(time.time())
        stop = threading.Event()
        threads = [
            threading.Thread(target=user.count_until, args=(stop, deadline)) for user in users
        ]
        for thread in threads:
            thread.start()
        refused: dict[str, dict[str, float]] = {}  # cookie -> server -> its first refusal
        last_accepted = 0.0  # seconds after its revocation a revoked cookie last opened
        try:
            _wait_for(
                "every user's first counts",
                lambda: all(len(user.counts) > PER_STEP for user in users),
                deadline,
            )
            # A user's "not before" is the second of the revocation: the sessions are older.
            _wait_for("the next second", lambda: int(time.time()) > logged_in_at, deadline)
            _post(port, "/logout", stolen)
            logged_out = time.monotonic()
            _post(port, "/logout-everywhere", laptop)
            everywhere = time.monotonic()
            # Every request with a revoked cookie after the bound is refused, whichever
            # server nginx picks; until each was refused by every server after it.
            revoked = {"stolen": (stolen, logged_out), "laptop": (laptop, everywhere)}
            revoked["phone"] = (phone, everywhere)
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            try:
                for name, (cookie, since) in revoked.items():
                    seen_after_bound: set[str] = set()
                    refused[name] = {}
                    while seen_after_bound != every_server:
                        assert time.monotonic() < deadline, f"{name}: {seen_after_bound}"
                        answer = _count_with(connection, cookie)
                        elapsed = time.monotonic() - since
                        server = str(answer["server"])
                        if answer["rejected"] == "revoked":
                            refused[name].setdefault(server, elapsed)
                        else:
                            last_accepted = max(last_accepted, elapsed)
                        if elapsed > REFUSAL_BOUND:
                            assert answer["rejected"] == "revoked", (
                                f"{name}'s revoked cookie accepted by {server} {elapsed:.3f} s "
                                f"after the revocation: {answer}"
                            )
                            seen_after_bound.add(server)
            finally:
                connection.close()
            _wait_for(
                "users to count on",
                lambda: all(len(user.counts) > 3 * PER_STEP for user in users),
                deadline,
            )
        finally:
            stop.set()
            for thread in threads:
                thread.join(30)
        # How one user's requests fall on the servers through nginx depends on the threads'
        # timing (a user in step with the others can miss one), as in the rotation test above:
        # each user also asks every server once, directly, and counts on.
        via_nginx = set().union(*(user.servers for user in users))
        # Each server, asked directly, refuses every revoked cookie, and a new login of the
        # traveller (created in or after the second of the revocation) is accepted everywhere.
        again = _logged_in(port, "traveller")
        for backend in backends:
            direct = http.client.HTTPConnection("127.0.0.1", backend, timeout=10)
            try:
                for cookie in (stolen, laptop, phone):
                    assert _count_with(direct, cookie)["rejected"] == "revoked"
                assert _count_with(direct, again)["rejected"] is None
                for user in users:
                    user.count_once(direct)
            finally:
                direct.close()

    assert via_nginx == every_server
    failures = [f"{user.name}: {failure}" for user in users for failure in user.failures]
    assert not failures, "\n".join(failures[:20])
    for user in users:
        assert user.counts == list(range(1, len(user.counts) + 1)), user.name
        assert user.servers == every_server, user.name
    requests = sum(len(user.counts) for user in users)
    checks = {name: sorted(by_server) for name, by_server in refused.items()}
    print(
        f"fleet revocation: {SERVERS} servers, {USERS} users, {requests} requests, 0 failed; "
        f"a revoked cookie last opened {last_accepted * 1000:.1f} ms after its revocation "
        f"(bound {REFUSAL_BOUND} s; 0 when never), refused by {checks}"
    )

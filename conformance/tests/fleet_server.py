"""One server of the fleet test (test_fleet.py): a counter whose keys come from a key file.

::

    python fleet_server.py NAME LISTENING_FD KEY_FILE CHECK_INTERVAL [REDIS_URL INTERVAL]

It serves on the listening socket it inherits (bound by the test, so no port is guessed),
with the core's codec over a :class:`~client_session_core.KeyFile`, as every adapter uses it,
and, given a Redis, revocations shared with the other servers (refreshed every INTERVAL s):

- ``GET /count``: adds one to the session's count and answers ``{"count", "server",
  "rejected"}`` with the session's Set-Cookie;
- ``GET /keys``: the key ids of the ring in force, primary first;
- ``POST /login?user=U``: ``regenerate()`` and ``bind_user(U)``, answers ``{"id", "user"}``;
- ``POST /logout``: ``revocations.revoke(session)`` then ``clear()``;
- ``POST /logout-everywhere``: ``revocations.revoke_user(session.user_id)`` then ``clear()``.

The key file's errors are logged to standard error, which the test reads.
"""

from __future__ import annotations

import json
import logging
import socket
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from client_session_core import KeyFile, SessionCodec, SessionPolicy
from client_session_core.revocation import RedisRevocationStore, Revocations

LIFETIME = 3600  # revocations need an absolute lifetime


def main(argv: list[str]) -> None:
    name, listening_fd, key_file, check_interval, *revocation = argv
    keys = KeyFile(key_file, check_interval=float(check_interval))
    revocations = None
    if revocation:
        redis_url, interval = revocation
        store = RedisRevocationStore.from_url(redis_url)
        revocations = Revocations(store, interval=float(interval))
        codec = SessionCodec(
            SessionPolicy(keys=keys, absolute_lifetime=LIFETIME, revocations=revocations)
        )
        revocations.start()  # read the store before the first request
    else:
        codec = SessionCodec(SessionPolicy(keys=keys))

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as nginx's upstream connections use it

        def do_POST(self) -> None:
            url = urlsplit(self.path)
            session = codec.load(self.headers.get("Cookie"))
            body: object
            if url.path == "/login":
                session.regenerate()
                session.bind_user(parse_qs(url.query)["user"][0])
                session["count"] = 0
                body = {"id": session.id, "user": session.user_id, "server": name}
            elif url.path == "/logout" and revocations is not None:
                revocations.revoke(session)
                session.clear()
                body = {"server": name}
            elif url.path == "/logout-everywhere" and revocations is not None:
                user = session.user_id
                if user is not None:
                    revocations.revoke_user(user)
                session.clear()
                body = {"server": name}
            else:
                self.send_error(404)
                return
            self._answer(
                body, [("Set-Cookie", value) for value in codec.commit(session).set_cookie]
            )

        def _answer(self, body: object, headers: list[tuple[str, str]]) -> None:
            data = json.dumps(body).encode()
            self.send_response(200)
            for header, value in [*headers, ("Content-Type", "application/json")]:
                self.send_header(header, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            headers: list[tuple[str, str]] = []
            if self.path == "/keys":
                body: object = [key.kid.hex() for key in keys.current()]
            elif self.path == "/count":
                session = codec.load(self.headers.get("Cookie"))
                session["count"] = session.get("count", 0) + 1
                rejected = None if session.rejected is None else session.rejected.value
                body = {"count": session["count"], "server": name, "rejected": rejected}
                headers = [("Set-Cookie", value) for value in codec.commit(session).set_cookie]
            else:
                self.send_error(404)
                return
            self._answer(body, headers)

        def log_message(self, format: str, *args: object) -> None:
            pass  # one line per request would drown the key file's messages

    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(levelname)s %(message)s")
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler, bind_and_activate=False)
    server.socket.close()
    server.socket = socket.socket(fileno=int(listening_fd))
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])

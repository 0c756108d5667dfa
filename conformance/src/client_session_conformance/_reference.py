"""The reference harness: the route contract on the standard library's WSGI server.

It uses the core directly, with no framework and no adapter, in about as few lines as an
adapter can have: the baseline every adapter is compared with by the interoperability
tests, and a worked example of a :class:`Harness`.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from client_session_core import Clock, Session, SessionCodec, SessionPolicy
from client_session_core.revocation import Revocations

from ._harness import Harness
from ._routes import (
    append_nested,
    clear_session,
    count_visit,
    end_session,
    leave_untouched,
    merge_session,
    regenerate_session,
    remember_session,
    revoke_session,
    revoke_user,
    start_session,
    store_blob,
    view_session,
    who_is,
)

__all__ = ["ReferenceHarness"]

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
_JOIN_TIMEOUT = 10.0


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Leave the access log out of test output."""


class _ContractApp:
    """A WSGI application serving the route contract with a :class:`SessionCodec`."""

    def __init__(self, codec: SessionCodec, revocations: Revocations | None) -> None:
        self._codec = codec
        self._revocations = revocations

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        session = self._codec.load(environ.get("HTTP_COOKIE"))
        found = self._route(environ, session)
        if found is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        body = json.dumps(found).encode("utf-8")
        # SessionTooLarge propagates from here: wsgiref logs it and answers 500.
        commit = self._codec.commit(session)
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        headers += [("Set-Cookie", value) for value in commit.set_cookie]
        if commit.vary_cookie:
            headers.append(("Vary", "Cookie"))
        start_response("200 OK", headers)
        return [body]

    def _route(self, environ: dict[str, Any], session: Session) -> dict[str, Any] | None:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        query = parse_qs(environ.get("QUERY_STRING", ""))
        if (method, path) == ("GET", "/counter"):
            return count_visit(session)
        if (method, path) == ("GET", "/view"):
            return view_session(session)
        if (method, path) == ("POST", "/merge"):
            length = int(environ.get("CONTENT_LENGTH") or 0)
            return merge_session(session, json.loads(environ["wsgi.input"].read(length)))
        if (method, path) == ("POST", "/clear"):
            return clear_session(session)
        if (method, path) == ("GET", "/untouched"):
            return leave_untouched()
        if (method, path) == ("GET", "/nested"):
            return append_nested(session, query["item"][0])
        if (method, path) == ("GET", "/large"):
            return store_blob(session, int(query["size"][0]))
        if (method, path) == ("GET", "/remember"):
            return remember_session(session, int(query["seconds"][0]))
        if (method, path) == ("POST", "/logout"):
            revoke_session(self._revocations, session)  # every copy, when revocations are on
            return end_session(session.clear)
        if (method, path) == ("POST", "/logout-everywhere"):
            revoke_user(self._revocations, session)  # every session of its user
            return end_session(session.clear)
        if (method, path) == ("POST", "/regenerate"):
            return regenerate_session(session, query["user"][0])
        if (method, path) == ("GET", "/whoami"):
            return who_is(session)
        if (method, path) == ("POST", "/login"):
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = json.loads(environ["wsgi.input"].read(length))
            session.clear()  # a new session: new lifetimes, none of the old data
            return start_session(session, body)
        return None


class ReferenceHarness(Harness):
    """The route contract on :mod:`wsgiref`, threaded, with the core alone."""

    name = "reference"
    server_joins_cookie_fields_with_commas = True  # wsgiref, as for any header

    @contextlib.contextmanager
    def serve(self, policy: SessionPolicy, clock: Clock) -> Iterator[str]:
        """Serve on 127.0.0.1, on an ephemeral port, until the block ends."""
        app = _ContractApp(SessionCodec(policy, clock=clock), policy.revocations)
        server = make_server(
            "127.0.0.1", 0, app, server_class=_ThreadingServer, handler_class=_QuietHandler
        )
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"reference-harness-{server.server_port}",
            daemon=True,
        )
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}"
        finally:
            server.shutdown()
            server.server_close()
            thread.join(_JOIN_TIMEOUT)

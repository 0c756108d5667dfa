"""The conformance harness of the middleware: the route contract on werkzeug's threaded server.

Loaded only by client-session-conformance (entry point ``wsgi``), never by the package
itself, so it may import the suite and werkzeug's server at the top. Flask's harness is in
``_flask_harness``, so that this one loads without Flask.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from client_session_conformance import (
    Harness,
    append_nested,
    clear_session,
    count_visit,
    leave_untouched,
    merge_session,
    store_blob,
    view_session,
)
from client_session_core import Clock, SessionPolicy

from ._middleware import SessionMiddleware, get_session

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["WSGIHarness", "contract_app", "serve_in_thread"]

_STOP_TIMEOUT = 10.0


class _QuietRequestHandler(WSGIRequestHandler):
    """werkzeug's handler without the access log line per request (errors are still logged)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Log nothing for a request that was answered."""


@contextlib.contextmanager
def serve_in_thread(app: WSGIApplication) -> Iterator[str]:
    """Serve ``app`` with werkzeug's threaded server on 127.0.0.1, an ephemeral port.

    Yields the base URL; on exit stops the server, closes its socket and joins its thread.
    """
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="wsgi-harness", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(_STOP_TIMEOUT)


def contract_app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """The route contract as a plain WSGI application, for :class:`SessionMiddleware`."""
    request = Request(environ)
    session = get_session(environ)
    route = (request.method, request.path)
    result: dict[str, Any]
    if route == ("GET", "/counter"):
        result = count_visit(session)
    elif route == ("GET", "/view"):
        result = view_session(session)
    elif route == ("POST", "/merge"):
        result = merge_session(session, json.loads(request.get_data()))
    elif route == ("POST", "/clear"):
        result = clear_session(session)
    elif route == ("GET", "/untouched"):
        result = leave_untouched()
    elif route == ("GET", "/nested"):
        result = append_nested(session, request.args["item"])
    elif route == ("GET", "/large"):
        result = store_blob(session, int(request.args["size"]))
    else:
        return Response(status=404)(environ, start_response)
    return Response(json.dumps(result), mimetype="application/json")(environ, start_response)


class WSGIHarness(Harness):
    """A plain WSGI application wrapped in :class:`SessionMiddleware`."""

    name = "wsgi"

    def serve(self, policy: SessionPolicy, clock: Clock) -> contextlib.AbstractContextManager[str]:
        """Serve the contract through the middleware on werkzeug's threaded server."""
        return serve_in_thread(SessionMiddleware(contract_app, policy, clock=clock))

"""Conformance harness of client-session-wsgi's middleware: the route contract as a plain WSGI
application, on werkzeug's threaded server.

Entry point ``wsgi``. Needs client-session-wsgi (and so werkzeug). :func:`contract_app` is
the application gunicorn's harness serves too; Flask's harness is in
:mod:`~client_session_conformance.harnesses.flask`, so that this one loads without Flask. The
middleware takes a key text from the ``CLIENT_SESSION_KEYS`` environment variable alone, when
it is given no policy.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from werkzeug.wrappers import Request, Response

from client_session_conformance import (
    Harness,
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
from client_session_conformance.serving import keys_in_environment, serve_wsgi_in_thread
from client_session_core import Clock, SessionPolicy
from client_session_core.revocation import Revocations
from client_session_wsgi import SessionMiddleware, get_session

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["ENVIRONMENT", "REVOCATIONS", "WSGIHarness", "contract_app", "with_revocations"]

ENVIRONMENT = "CLIENT_SESSION_KEYS environment variable"


def contract_app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """The route contract as a plain WSGI application, for :class:`SessionMiddleware`.

    The logouts revoke through the revocations of the policy in ``environ[REVOCATIONS]``,
    when the server put one there (:func:`with_revocations`)."""
    request = Request(environ)
    session = get_session(environ)
    revocations: Revocations | None = environ.get(REVOCATIONS)
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
    elif route == ("GET", "/remember"):
        result = remember_session(session, int(request.args["seconds"]))
    elif route == ("POST", "/logout"):
        revoke_session(revocations, session)  # every copy, when configured
        result = end_session(session.clear)
    elif route == ("POST", "/logout-everywhere"):
        revoke_user(revocations, session)
        result = end_session(session.clear)
    elif route == ("POST", "/regenerate"):
        result = regenerate_session(session, request.args["user"])
    elif route == ("GET", "/whoami"):
        result = who_is(session)
    elif route == ("POST", "/login"):
        body = json.loads(request.get_data())
        session.clear()  # the middleware's way to a new session, as at a login
        result = start_session(session, body)
    else:
        return Response(status=404)(environ, start_response)
    return Response(json.dumps(result), mimetype="application/json")(environ, start_response)


REVOCATIONS = "client_session_conformance.revocations"
"""The WSGI environ key under which :func:`with_revocations` hands the application its
policy's revocations, as an application keeps them for its logout (docs/revocation.md)."""


def with_revocations(app: WSGIApplication, revocations: Revocations | None) -> WSGIApplication:
    """``app``, seeing ``revocations`` in ``environ[REVOCATIONS]`` (nothing when None)."""
    if revocations is None:
        return app

    def wrapped(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        environ[REVOCATIONS] = revocations
        return app(environ, start_response)

    return wrapped


class WSGIHarness(Harness):
    """A plain WSGI application wrapped in :class:`SessionMiddleware`."""

    name = "wsgi"
    server_joins_cookie_fields_with_commas = True  # werkzeug's server, as for any header

    key_text_options: ClassVar[tuple[str, ...]] = (ENVIRONMENT,)

    def serve(self, policy: SessionPolicy, clock: Clock) -> contextlib.AbstractContextManager[str]:
        """Serve the contract through the middleware on werkzeug's threaded server."""
        app = with_revocations(contract_app, policy.revocations)
        return serve_wsgi_in_thread(SessionMiddleware(app, policy, clock=clock))

    @contextlib.contextmanager
    def serve_with_key_text(self, option: str, key_text: str, clock: Clock) -> Iterator[str]:
        """Serve the contract through ``SessionMiddleware(app)``, which reads its keys from
        the environment, on werkzeug's threaded server."""
        if option != ENVIRONMENT:
            raise ValueError(f"no key-text option {option!r}")
        with keys_in_environment(key_text):
            app = SessionMiddleware(contract_app, clock=clock)
            with serve_wsgi_in_thread(app) as url:
                yield url

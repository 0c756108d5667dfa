"""Conformance harness of client-session-wsgi's Flask session interface: the route contract as a
Flask application, on werkzeug's threaded server.

Entry point ``flask``. Needs client-session-wsgi and Flask.
"""

from __future__ import annotations

import contextlib
from typing import Any

import flask

from client_session_conformance import (
    Harness,
    append_nested,
    clear_session,
    count_visit,
    leave_untouched,
    merge_session,
    remember_session,
    store_blob,
    view_session,
)
from client_session_conformance.serving import serve_wsgi_in_thread
from client_session_core import Clock, SessionPolicy
from client_session_wsgi.flask import EncryptedCookieSessionInterface

__all__ = ["FlaskHarness", "make_flask_app"]


def make_flask_app(policy: SessionPolicy, clock: Clock) -> flask.Flask:
    """The route contract as a Flask application with the encrypted session interface."""
    app = flask.Flask(__name__)
    app.session_interface = EncryptedCookieSessionInterface(policy, clock=clock)
    session = flask.session

    @app.get("/counter")
    def counter() -> dict[str, Any]:
        return count_visit(session)

    @app.get("/view")
    def view() -> dict[str, Any]:
        return view_session(session)

    @app.post("/merge")
    def merge() -> dict[str, Any]:
        return merge_session(session, flask.request.get_json(force=True))

    @app.post("/clear")
    def clear() -> dict[str, Any]:
        return clear_session(session)

    @app.get("/untouched")
    def untouched() -> dict[str, Any]:
        return leave_untouched()

    @app.get("/nested")
    def nested() -> dict[str, Any]:
        return append_nested(session, flask.request.args["item"])

    @app.get("/large")
    def large() -> dict[str, Any]:
        return store_blob(session, int(flask.request.args["size"]))

    @app.get("/remember")
    def remember() -> dict[str, Any]:
        return remember_session(session, int(flask.request.args["seconds"]))

    return app


class FlaskHarness(Harness):
    """A Flask application whose ``session_interface`` is the encrypted one."""

    name = "flask"
    server_joins_cookie_fields_with_commas = True  # werkzeug's server, as for any header

    def serve(self, policy: SessionPolicy, clock: Clock) -> contextlib.AbstractContextManager[str]:
        """Serve the contract with Flask on werkzeug's threaded server."""
        return serve_wsgi_in_thread(make_flask_app(policy, clock))

"""Conformance harness of client-session-wsgi's Flask session interface: the route contract as a
Flask application, on werkzeug's threaded server.

Entry point ``flask``. Needs client-session-wsgi and Flask. The interface takes a key text from
``app.config["CLIENT_SESSION_KEYS"]``, else ``SECRET_KEY``, else the ``CLIENT_SESSION_KEYS``
environment variable.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, ClassVar

import flask

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
from client_session_wsgi.flask import EncryptedCookieSessionInterface

__all__ = ["FlaskHarness", "make_flask_app"]

CLIENT_SESSION_KEYS = "app.config['CLIENT_SESSION_KEYS']"
SECRET_KEY = "app.config['SECRET_KEY']"
ENVIRONMENT = "CLIENT_SESSION_KEYS environment variable"
_CONFIG_KEYS = {CLIENT_SESSION_KEYS: "CLIENT_SESSION_KEYS", SECRET_KEY: "SECRET_KEY"}


def make_flask_app(
    policy: SessionPolicy | None, clock: Clock, config: dict[str, Any] | None = None
) -> flask.Flask:
    """The route contract as a Flask application with the encrypted session interface, and
    ``config`` in ``app.config``."""
    app = flask.Flask(__name__)
    app.config.update(config or {})
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

    revocations = None if policy is None else policy.revocations

    @app.post("/logout")
    def logout() -> dict[str, Any]:
        revoke_session(revocations, session)  # every copy, when configured
        return end_session(session.clear)

    @app.post("/logout-everywhere")
    def logout_everywhere() -> dict[str, Any]:
        revoke_user(revocations, session)
        return end_session(session.clear)

    @app.post("/regenerate")
    def regenerate() -> dict[str, Any]:
        # docs/flask.md's login: session.regenerate() keeps the data under a new identity.
        return regenerate_session(session, flask.request.args["user"])

    @app.get("/whoami")
    def whoami() -> dict[str, Any]:
        return who_is(session)

    @app.post("/login")
    def login() -> dict[str, Any]:
        body = flask.request.get_json(force=True)
        session.clear()  # Flask's way to a new session, as at a login
        return start_session(session, body)

    return app


class FlaskHarness(Harness):
    """A Flask application whose ``session_interface`` is the encrypted one."""

    name = "flask"
    server_joins_cookie_fields_with_commas = True  # werkzeug's server, as for any header

    key_text_options: ClassVar[tuple[str, ...]] = (CLIENT_SESSION_KEYS, SECRET_KEY, ENVIRONMENT)

    def serve(self, policy: SessionPolicy, clock: Clock) -> contextlib.AbstractContextManager[str]:
        """Serve the contract with Flask on werkzeug's threaded server."""
        return serve_wsgi_in_thread(make_flask_app(policy, clock))

    @contextlib.contextmanager
    def serve_with_key_text(self, option: str, key_text: str, clock: Clock) -> Iterator[str]:
        """Serve the contract with the keys in Flask's config or in the environment, and
        Flask's settings at their defaults."""
        keys_in: contextlib.AbstractContextManager[object] = contextlib.nullcontext()
        config: dict[str, Any] = {}
        if option == ENVIRONMENT:
            # The interface looks at the variable on every request while no key is set in
            # the config: it stays set for as long as the server runs.
            keys_in = keys_in_environment(key_text)
        elif option in _CONFIG_KEYS:
            config[_CONFIG_KEYS[option]] = key_text
        else:
            raise ValueError(f"no key-text option {option!r}")
        with keys_in, serve_wsgi_in_thread(make_flask_app(None, clock, config)) as url:
            yield url

"""The conformance harness of the template: the route contract as a bare WSGI application.

In this repository an adapter's harness lives in the conformance distribution
(``client_session_conformance/harnesses/<adapter>.py``, with an entry point there); move this
file there when you add your adapter (see conformance/README.md).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar
from urllib.parse import parse_qs

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
from client_session_core.adapter import Clock, SessionPolicy
from client_session_core.revocation import Revocations
from client_session_template import SessionMiddleware, get_session

# Each way your adapter documents for its keys as one text (an argument such as secret_key= or
# keys=, a setting, the environment variable), as a user writes it: the suite rotates keys
# through each one. The template's middleware reads CLIENT_SESSION_KEYS without a policy.
ENVIRONMENT = "CLIENT_SESSION_KEYS environment variable"


def _json_body(environ: dict[str, Any]) -> Any:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return json.loads(environ["wsgi.input"].read(length))


def contract_app(
    environ: dict[str, Any], start_response: Any, revocations: Revocations | None = None
) -> Iterable[bytes]:
    """The route contract: each route calls the suite's function with the session. The
    logouts revoke through ``revocations``, the policy's, when it has some."""
    session = get_session(environ)
    route = (environ["REQUEST_METHOD"], environ["PATH_INFO"])
    query = {name: values[0] for name, values in parse_qs(environ["QUERY_STRING"]).items()}
    if route == ("GET", "/counter"):
        body = count_visit(session)
    elif route == ("GET", "/view"):
        body = view_session(session)
    elif route == ("POST", "/merge"):
        body = merge_session(session, _json_body(environ))
    elif route == ("POST", "/clear"):
        body = clear_session(session)
    elif route == ("GET", "/untouched"):
        body = leave_untouched()
    elif route == ("GET", "/nested"):
        body = append_nested(session, query["item"])
    elif route == ("GET", "/large"):
        body = store_blob(session, int(query["size"]))
    elif route == ("GET", "/remember"):
        body = remember_session(session, int(query["seconds"]))
    elif route == ("POST", "/logout"):
        # FRAMEWORK: your framework's own call for a logout (Django's flush, aiohttp-session's
        # invalidate); the template's session is the core's, which ends with clear().
        revoke_session(revocations, session)  # every copy of the cookie, with revocations on
        body = end_session(session.clear)
    elif route == ("POST", "/logout-everywhere"):
        revoke_user(revocations, session)  # every session of the user bound at login
        body = end_session(session.clear)
    elif route == ("POST", "/regenerate"):
        # FRAMEWORK: your framework's own call for a new identity that keeps the data
        # (Django's cycle_key); the core's Session has regenerate().
        body = regenerate_session(session, query["user"])
    elif route == ("GET", "/whoami"):
        body = who_is(session)
    elif route == ("POST", "/login"):
        # FRAMEWORK: your framework's own call for a new session replacing the old one
        # (aiohttp-session's new_session(request), Flask's session.clear()), then fill it.
        data = _json_body(environ)
        session.clear()
        body = start_session(session, data)
    else:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(body).encode()]


class TemplateHarness(Harness):
    """The contract in the template's middleware, on werkzeug's threaded server."""

    name = "template"
    server_joins_cookie_fields_with_commas = True  # werkzeug's server, as for any header

    key_text_options: ClassVar[tuple[str, ...]] = (ENVIRONMENT,)

    def serve(self, policy: SessionPolicy, clock: Clock) -> contextlib.AbstractContextManager[str]:
        """Serve the contract with exactly ``policy`` and ``clock``."""
        revocations = policy.revocations  # an application keeps them for its logout

        def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
            return contract_app(environ, start_response, revocations)

        return serve_wsgi_in_thread(SessionMiddleware(app, policy, clock=clock))

    @contextlib.contextmanager
    def serve_with_key_text(self, option: str, key_text: str, clock: Clock) -> Iterator[str]:
        """Serve the contract with the keys given as ``key_text`` through ``option``, every
        other option at its default, as an application would give them."""
        if option != ENVIRONMENT:
            raise ValueError(f"no key-text option {option!r}")
        with keys_in_environment(key_text):
            app = SessionMiddleware(contract_app, clock=clock)
            with serve_wsgi_in_thread(app) as url:
                yield url

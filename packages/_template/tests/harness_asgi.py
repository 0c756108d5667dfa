"""The conformance harness of the template's ASGI shape: the route contract as a bare ASGI app.

For an ASGI framework, start from this file and ``_asgi.py`` (delete ``harness.py`` and
``_middleware.py``): serve the contract with your framework's routes instead of the bare
application below, and keep ``serve_asgi_in_thread`` (uvicorn in a thread). An ASGI server
hands the adapter each ``Cookie`` field, so the harness leaves
``server_joins_cookie_fields_with_commas`` at False (conformance/README.md, "Servers to serve
it on").
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any, ClassVar
from urllib.parse import parse_qs

from client_session_conformance import (
    Harness,
    append_nested,
    arevoke_session,
    arevoke_user,
    clear_session,
    count_visit,
    end_session,
    leave_untouched,
    merge_session,
    regenerate_session,
    remember_session,
    start_session,
    store_blob,
    view_session,
    who_is,
)
from client_session_conformance.serving import ASGIApp, keys_in_environment, serve_asgi_in_thread
from client_session_core.adapter import Clock, SessionPolicy
from client_session_core.revocation import Revocations
from client_session_template import SessionASGIMiddleware, get_asgi_session
from client_session_template._asgi import Receive, Scope, Send

# Each way your adapter documents for its keys as one text, as in harness.py.
ENVIRONMENT = "CLIENT_SESSION_KEYS environment variable"


async def _json_body(receive: Receive) -> Any:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body", False):
            return json.loads(body)


async def _answer(send: Send, status: int, body: bytes, content_type: bytes) -> None:
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def contract_app_with(revocations: Revocations | None) -> ASGIApp:
    """:func:`contract_app`, whose logouts revoke through ``revocations`` (the policy's)."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await contract_app(scope, receive, send, revocations)

    return app


async def contract_app(
    scope: Scope, receive: Receive, send: Send, revocations: Revocations | None = None
) -> None:
    """The route contract: each route calls the suite's function with the session."""
    if scope["type"] != "http":
        return
    session = get_asgi_session(scope)
    route = (scope["method"], scope["path"])
    query = {name: values[0] for name, values in parse_qs(scope["query_string"].decode()).items()}
    if route == ("GET", "/counter"):
        body = count_visit(session)
    elif route == ("GET", "/view"):
        body = view_session(session)
    elif route == ("POST", "/merge"):
        body = merge_session(session, await _json_body(receive))
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
        # FRAMEWORK: your framework's own call for a logout (Litestar's clear_session);
        # the template's session is the core's, which ends with clear().
        await arevoke_session(revocations, session)  # every copy, with revocations on
        body = end_session(session.clear)
    elif route == ("POST", "/logout-everywhere"):
        await arevoke_user(revocations, session)  # every session of the user bound at login
        body = end_session(session.clear)
    elif route == ("POST", "/regenerate"):
        # FRAMEWORK: your framework's own call for a new identity that keeps the data; the
        # core's Session has regenerate() (Starlette, Litestar hand it out).
        body = regenerate_session(session, query["user"])
    elif route == ("GET", "/whoami"):
        body = who_is(session)
    elif route == ("POST", "/login"):
        # FRAMEWORK: your framework's own call for a new session replacing the old one
        # (Litestar's set_session, Starlette's session.clear()), then fill it.
        data = await _json_body(receive)
        session.clear()
        body = start_session(session, data)
    else:
        await _answer(send, 404, b"not found", b"text/plain")
        return
    await _answer(send, 200, json.dumps(body).encode(), b"application/json")


class TemplateASGIHarness(Harness):
    """The contract in the template's ASGI middleware, on uvicorn in a thread."""

    name = "template-asgi"
    # Left at False: an ASGI server gives the adapter each Cookie field, joined with "; ".

    key_text_options: ClassVar[tuple[str, ...]] = (ENVIRONMENT,)

    def serve(self, policy: SessionPolicy, clock: Clock) -> contextlib.AbstractContextManager[str]:
        """Serve the contract with exactly ``policy`` and ``clock``."""
        app = contract_app_with(policy.revocations)  # an application keeps them for its logout
        return serve_asgi_in_thread(SessionASGIMiddleware(app, policy, clock=clock))

    @contextlib.contextmanager
    def serve_with_key_text(self, option: str, key_text: str, clock: Clock) -> Iterator[str]:
        """Serve the contract with the keys given as ``key_text`` through ``option``, every
        other option at its default, as an application would give them."""
        if option != ENVIRONMENT:
            raise ValueError(f"no key-text option {option!r}")
        with keys_in_environment(key_text):
            app = SessionASGIMiddleware(contract_app, clock=clock)
            with serve_asgi_in_thread(app) as url:
                yield url

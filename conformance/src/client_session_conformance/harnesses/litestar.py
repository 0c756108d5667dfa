"""The conformance harness of client-session-litestar: the route contract as a Litestar
application behind ``ClientSessionConfig(...).middleware``, served by uvicorn in a thread.

Entry point ``litestar``. Needs client-session-litestar, Litestar and uvicorn. The logout and
the login go through Litestar's own calls, ``request.clear_session()`` and
``request.set_session(...)``. A key text is served through ``secret=`` (Litestar's option),
``keys=`` and the ``CLIENT_SESSION_KEYS`` environment variable (no key option).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, ClassVar, cast

from litestar import Litestar, Request, get, post
from litestar.datastructures import State

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
from client_session_core import Clock, SessionPolicy
from client_session_core.revocation import Revocations
from client_session_litestar import ClientSessionConfig

__all__ = ["LitestarHarness", "contract_app"]

SECRET = "ClientSessionConfig(secret=...)"
KEYS = "ClientSessionConfig(keys=...)"
ENVIRONMENT = "CLIENT_SESSION_KEYS environment variable"

AnyRequest = Request[Any, Any, Any]
# The query parameters are read from request.query_params: Litestar 2.25 deprecates the
# inferred handler parameters that older releases need (FromQuery is new).


@get("/counter", sync_to_thread=False)
def counter(request: AnyRequest) -> dict[str, Any]:
    return count_visit(request.session)


@get("/view", sync_to_thread=False)
def view(request: AnyRequest) -> dict[str, Any]:
    return view_session(request.session)


@post("/merge", status_code=200)
async def merge(request: AnyRequest) -> dict[str, Any]:
    return merge_session(request.session, await request.json())


@post("/clear", status_code=200, sync_to_thread=False)
def clear(request: AnyRequest) -> dict[str, Any]:
    return clear_session(request.session)


@get("/untouched", sync_to_thread=False)
def untouched() -> dict[str, Any]:
    return leave_untouched()


@get("/nested", sync_to_thread=False)
def nested(request: AnyRequest) -> dict[str, Any]:
    return append_nested(request.session, request.query_params["item"])


@get("/large", sync_to_thread=False)
def large(request: AnyRequest) -> dict[str, Any]:
    return store_blob(request.session, int(request.query_params["size"]))


@get("/remember", sync_to_thread=False)
def remember(request: AnyRequest) -> dict[str, Any]:
    return remember_session(request.session, int(request.query_params["seconds"]))


def _revocations(request: AnyRequest) -> Revocations | None:
    # The policy's, which the application keeps for its logout (docs/revocation.md).
    revocations: Revocations | None = request.app.state.get("revocations")
    return revocations


@post("/logout", status_code=200)
async def logout(request: AnyRequest) -> dict[str, Any]:
    await arevoke_session(_revocations(request), request.session)  # every copy, if configured
    return end_session(request.clear_session)  # Litestar's way to end a session


@post("/logout-everywhere", status_code=200)
async def logout_everywhere(request: AnyRequest) -> dict[str, Any]:
    await arevoke_user(_revocations(request), request.session)
    return end_session(request.clear_session)


@post("/regenerate", status_code=200, sync_to_thread=False)
def regenerate(request: AnyRequest) -> dict[str, Any]:
    # docs/litestar.md: request.session.regenerate() keeps the data under a new identity.
    return regenerate_session(request.session, request.query_params["user"])


@get("/whoami", sync_to_thread=False)
def whoami(request: AnyRequest) -> dict[str, Any]:
    return who_is(request.session)


@post("/login", status_code=200)
async def login(request: AnyRequest) -> dict[str, Any]:
    body = await request.json()
    request.set_session({})  # Litestar's way to a new session, filled below
    return start_session(request.session, body)


def contract_app(config: ClientSessionConfig, revocations: Revocations | None = None) -> ASGIApp:
    """The route contract, every route behind ``config``'s middleware; the logouts revoke
    through ``revocations`` (the policy's) when given, kept in the application's state."""
    handlers = [
        *(counter, view, merge, clear, untouched, nested, large, remember, logout, login),
        *(logout_everywhere, regenerate, whoami),
    ]
    app = Litestar(
        route_handlers=handlers,
        middleware=[config.middleware],
        logging_config=None,
        state=State({"revocations": revocations}),
    )
    return cast("ASGIApp", app)  # Litestar types its scope with TypedDicts


class LitestarHarness(Harness):
    """The route contract as a Litestar application behind :class:`ClientSessionConfig`."""

    name = "litestar"
    key_text_options: ClassVar[tuple[str, ...]] = (SECRET, KEYS, ENVIRONMENT)

    @contextlib.contextmanager
    def serve(self, policy: SessionPolicy, clock: Clock) -> Iterator[str]:
        """Serve it with uvicorn on 127.0.0.1 until the block ends."""
        app = contract_app(ClientSessionConfig(policy=policy, clock=clock), policy.revocations)
        with serve_asgi_in_thread(app) as url:
            yield url

    @contextlib.contextmanager
    def serve_with_key_text(self, option: str, key_text: str, clock: Clock) -> Iterator[str]:
        """Serve it with the keys given as ``key_text`` through ``option``, Litestar's
        defaults otherwise."""
        with contextlib.ExitStack() as stack:
            if option == SECRET:
                config = ClientSessionConfig(secret=key_text, clock=clock)
            elif option == KEYS:
                config = ClientSessionConfig(keys=key_text, clock=clock)
            elif option == ENVIRONMENT:
                stack.enter_context(keys_in_environment(key_text))
                config = ClientSessionConfig(clock=clock)
            else:
                raise ValueError(f"no key-text option {option!r}")
            yield stack.enter_context(serve_asgi_in_thread(contract_app(config)))

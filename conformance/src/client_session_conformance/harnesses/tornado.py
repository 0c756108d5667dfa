"""Conformance harness of client-session-tornado: the route contract as ``SessionMixin``
handlers, served by Tornado's own HTTPServer on its own event loop, in a thread.

Entry point ``tornado``. Needs client-session-tornado (and so Tornado). A key text reaches the
adapter as ``client_session_codec(keys=...)``, as the ``keys`` of a ``client_session`` dict, or
through the ``CLIENT_SESSION_KEYS`` environment variable (``keys=None``).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, ClassVar

from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application, HTTPError, RequestHandler

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
from client_session_conformance.serving import keys_in_environment, serve_asyncio_in_thread
from client_session_core import Clock, SessionCodec, SessionPolicy
from client_session_core.revocation import Revocations
from client_session_tornado import SessionMixin, client_session_codec

__all__ = ["TornadoHarness", "serve_application"]

HOST = "127.0.0.1"

CODEC_KEYS = "client_session_codec(keys=...)"
SETTING_KEYS = "Application(client_session={'keys': ...})"
ENVIRONMENT = "CLIENT_SESSION_KEYS environment variable"


def serve_application(application: Application) -> contextlib.AbstractContextManager[str]:
    """Serve ``application`` with Tornado's HTTPServer on 127.0.0.1, on an ephemeral port,
    on its own asyncio event loop in a background thread; yields the base URL."""

    async def start() -> tuple[int, Callable[[], Awaitable[None]]]:
        # Bound and added inside the running loop, so that Tornado's IOLoop.current() is
        # this thread's loop and no "no current event loop" deprecation is raised.
        sockets = bind_sockets(0, HOST)
        server = HTTPServer(application)
        server.add_sockets(sockets)

        async def stop() -> None:
            server.stop()
            await server.close_all_connections()

        return sockets[0].getsockname()[1], stop

    return serve_asyncio_in_thread(start, name="tornado")


class _ContractHandler(SessionMixin, RequestHandler):
    def json_body(self) -> dict[str, Any]:
        try:
            body = json.loads(self.request.body)
        except ValueError:
            raise HTTPError(400, "the body is not JSON") from None
        if not isinstance(body, dict):
            raise HTTPError(400, "the body is not a JSON object")
        return body


class _Counter(_ContractHandler):
    def get(self) -> None:
        self.write(count_visit(self.session))


class _View(_ContractHandler):
    def get(self) -> None:
        self.write(view_session(self.session))


class _Merge(_ContractHandler):
    def post(self) -> None:
        self.write(merge_session(self.session, self.json_body()))


class _Clear(_ContractHandler):
    def post(self) -> None:
        self.write(clear_session(self.session))


class _Untouched(_ContractHandler):
    def get(self) -> None:
        self.write(leave_untouched())


class _Nested(_ContractHandler):
    def get(self) -> None:
        self.write(append_nested(self.session, self.get_argument("item")))


class _Large(_ContractHandler):
    def get(self) -> None:
        self.write(store_blob(self.session, int(self.get_argument("size"))))


class _Remember(_ContractHandler):
    def get(self) -> None:
        self.write(remember_session(self.session, int(self.get_argument("seconds"))))


def _revocations(handler: RequestHandler) -> Revocations | None:
    # The policy's, which the application keeps for its logout (docs/revocation.md).
    codec = handler.settings.get("client_session")
    return codec.policy.revocations if isinstance(codec, SessionCodec) else None


class _Logout(_ContractHandler):
    async def post(self) -> None:
        await arevoke_session(_revocations(self), self.session)  # every copy, when configured
        self.write(end_session(self.session.clear))


class _LogoutEverywhere(_ContractHandler):
    async def post(self) -> None:
        await arevoke_user(_revocations(self), self.session)
        self.write(end_session(self.session.clear))


class _Regenerate(_ContractHandler):
    def post(self) -> None:
        # docs/tornado.md's login: self.session.regenerate() keeps the data, a new identity.
        self.write(regenerate_session(self.session, self.get_argument("user")))


class _WhoAmI(_ContractHandler):
    def get(self) -> None:
        self.write(who_is(self.session))


class _Login(_ContractHandler):
    def post(self) -> None:
        body = self.json_body()
        self.session.clear()  # docs/tornado.md's login: a new session, a new absolute lifetime
        self.write(start_session(self.session, body))


def contract_application(client_session: object) -> Application:
    """An Application serving the route contract, its ``client_session`` setting
    ``client_session`` (a codec, a policy or a dict of options)."""
    return Application(
        [
            ("/counter", _Counter),
            ("/view", _View),
            ("/merge", _Merge),
            ("/clear", _Clear),
            ("/untouched", _Untouched),
            ("/nested", _Nested),
            ("/large", _Large),
            ("/remember", _Remember),
            ("/logout", _Logout),
            ("/login", _Login),
            ("/logout-everywhere", _LogoutEverywhere),
            ("/regenerate", _Regenerate),
            ("/whoami", _WhoAmI),
        ],
        client_session=client_session,
    )


class TornadoHarness(Harness):
    """The route contract on Tornado: :class:`SessionMixin` handlers, Tornado's HTTPServer."""

    name = "tornado"

    key_text_options: ClassVar[tuple[str, ...]] = (CODEC_KEYS, SETTING_KEYS, ENVIRONMENT)

    def serve(self, policy: SessionPolicy, clock: Clock) -> contextlib.AbstractContextManager[str]:
        """Serve the route contract with ``policy`` and ``clock`` on 127.0.0.1."""
        return serve_application(contract_application(SessionCodec(policy, clock=clock)))

    @contextlib.contextmanager
    def serve_with_key_text(self, option: str, key_text: str, clock: Clock) -> Iterator[str]:
        """Serve the route contract with the keys given as ``key_text`` through ``option``,
        the other options at their defaults."""
        with contextlib.ExitStack() as stack:
            setting: object
            if option == CODEC_KEYS:
                setting = client_session_codec(keys=key_text, clock=clock)
            elif option == SETTING_KEYS:
                # The dict form is read on the first request that uses a session.
                setting = {"keys": key_text, "clock": clock}
            elif option == ENVIRONMENT:
                stack.enter_context(keys_in_environment(key_text))
                setting = client_session_codec(keys=None, clock=clock)
            else:
                raise ValueError(f"no key-text option {option!r}")
            yield stack.enter_context(serve_application(contract_application(setting)))

"""The ASGI middleware, and the two-line form without it: load the session from the request,
commit it on the response."""

from __future__ import annotations

import copy
import dataclasses
import datetime
import sys
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

from client_session_core.adapter import (
    Clock,
    ConfigurationError,
    Revocations,
    SameSite,
    Session,
    SessionCodec,
    SessionPolicy,
    asgi_cookie_header,
    asgi_response_headers,
)

from ._legacy import LegacyOption, legacy_cookies_for
from ._options import DEFAULT_MAX_AGE, UNSET, KeysOption, Unset, build_policy

if TYPE_CHECKING:
    from starlette.datastructures import Secret

__all__ = ["SessionMiddleware", "open_session"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class SessionMiddleware:
    """Sessions in an encrypted, authenticated cookie, for any ASGI application.

    A drop-in for ``starlette.middleware.sessions.SessionMiddleware``: the same arguments,
    and ``request.session`` works unchanged in Starlette and FastAPI::

        app.add_middleware(SessionMiddleware, secret_key=os.environ["SECRET_KEY"])

    The cookie is sealed with AES-256-GCM, the secret must be strong (a weak one is a
    :class:`~client_session_core.ConfigurationError`, at start-up: see below), and expiry is
    enforced by the server. ``Set-Cookie`` is sent only when the session changed or is due
    for renewal, and ``Vary: Cookie`` whenever it was used. The keyword-only options are
    this package's own: ``keys`` (a key ring, newest first, instead of ``secret_key``),
    ``idle_timeout``, ``absolute_lifetime``, ``renew_after``, ``max_chunks``,
    ``max_cookie_size``, ``not_before`` (what ``time.time()`` gives, or an aware
    ``datetime``: sessions created before it are refused), ``max_session_lifetime`` (the longest
    ``request.session.set_lifetime(...)`` may give one session), ``revocations`` (a
    :class:`~client_session_core.revocation.Revocations`: logout that ends every copy,
    ``docs/revocation.md``; its refresher thread is stopped at the lifespan shutdown),
    ``write_identity`` (default True; False while a running fleet is upgraded, readers
    first: ``docs/migrating.md``), ``clock``; or ``policy``, a whole
    :class:`~client_session_core.SessionPolicy`. Without ``secret_key``, ``keys`` or
    ``policy``, the keys come from the ``CLIENT_SESSION_KEYS`` environment variable.
    Built with Starlette's arguments, it writes ``Set-Cookie`` in Starlette's own spelling.

    ``legacy_cookies`` (default True) reads the cookies Starlette's own middleware signed
    with ``secret_key`` once, and reseals them in ours, until ``max_age`` after start-up: no
    user is logged out by the switch (``docs/migrating.md``). Each old cookie is judged from
    the time its signature covers: refused once older than ``max_age`` or the absolute
    lifetime, or when signed before ``not_before``, so no restart lengthens its life. A date
    reads them until then, ``starlette_cookies(old_secret, until=...)`` under another secret
    (as strong as a key), ``False`` never. Which old cookies are read, and until when, is
    logged once here, when the middleware is built.

    A bad option or key raises :class:`~client_session_core.ConfigurationError` from the
    constructor, at import for an application wrapped directly. Starlette and FastAPI build
    their middleware on the first ASGI message they receive, the lifespan start-up: built
    there, the middleware answers ``lifespan.startup`` with ``lifespan.startup.failed`` and
    the error's message, so that the server refuses to start (uvicorn, also under its default
    ``--lifespan auto``, and hypercorn), and raises the error; a server run without lifespan
    gets it raised on each request instead.

    WebSocket connections get ``scope["session"]`` to read; a WebSocket has no response
    that could carry a cookie, so changes made there are not saved.
    """

    def __init__(
        self,
        app: ASGIApp,
        secret_key: str | bytes | Secret | None = None,
        session_cookie: str = "session",
        max_age: int | None = DEFAULT_MAX_AGE,
        path: str = "/",
        same_site: SameSite | None = "lax",
        https_only: bool = False,
        domain: str | None = None,
        partitioned: bool = False,
        *,
        keys: KeysOption | None = None,
        idle_timeout: int | Unset | None = UNSET,
        absolute_lifetime: int | Unset | None = UNSET,
        renew_after: float | Unset = UNSET,
        max_chunks: int | Unset = UNSET,
        max_cookie_size: int | Unset = UNSET,
        not_before: float | datetime.datetime | Unset | None = UNSET,
        max_session_lifetime: int | Unset | None = UNSET,
        revocations: Revocations | Unset | None = UNSET,
        write_identity: bool | Unset = UNSET,
        clock: Clock = time.time,
        policy: SessionPolicy | None = None,
        legacy_cookies: LegacyOption = True,
    ) -> None:
        self.app = app
        # The codec, or the error that refused the options (see _built_on_the_first_message).
        self._codec: SessionCodec | ConfigurationError
        try:
            self._codec = _session_codec(
                secret_key=secret_key,
                keys=keys,
                policy=policy,
                starlette={
                    "session_cookie": session_cookie,
                    "max_age": max_age,
                    "path": path,
                    "same_site": same_site,
                    "https_only": https_only,
                    "domain": domain,
                    "partitioned": partitioned,
                },
                native={
                    "idle_timeout": idle_timeout,
                    "absolute_lifetime": absolute_lifetime,
                    "renew_after": renew_after,
                    "max_chunks": max_chunks,
                    "max_cookie_size": max_cookie_size,
                    "not_before": not_before,
                    "max_session_lifetime": max_session_lifetime,
                    "revocations": revocations,
                    "write_identity": write_identity,
                },
                legacy_cookies=legacy_cookies,
                clock=clock,
            )
        except ConfigurationError as error:
            if not _built_on_the_first_message(self):
                raise
            # Raised from here, the error would leave Starlette's __call__ during the lifespan
            # start-up, which uvicorn's --lifespan auto and hypercorn take for "lifespan
            # unsupported" before serving a 500 on every request: held for __call__ instead.
            self._codec = error

    @property
    def codec(self) -> SessionCodec:
        """The codec: ``codec.seal(data)`` makes a cookie value, for tests and tools.

        Raises the :class:`~client_session_core.ConfigurationError` that refused the options,
        when the middleware was built by Starlette on its first message with bad ones.
        """
        codec = self._codec
        if isinstance(codec, ConfigurationError):
            raise _refusal(codec)
        return codec

    @property
    def policy(self) -> SessionPolicy:
        """The session policy in force."""
        return self.codec.policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the application with ``scope["session"]``, and commit it on the response."""
        codec = self._codec
        if isinstance(codec, ConfigurationError):
            await _refuse(codec, scope, receive, send)
        elif scope["type"] not in ("http", "websocket"):
            revocations = codec.policy.revocations
            if scope["type"] == "lifespan" and revocations is not None:
                receive = _following_the_lifespan(receive, revocations)
            await self.app(scope, receive, send)
        else:
            _, send = open_session(scope, send, codec)  # the session is in scope["session"]
            await self.app(scope, receive, send)


def _following_the_lifespan(receive: Receive, revocations: Revocations) -> Receive:
    """``receive`` for the lifespan: at start-up, the revocations read the store once and
    start their refresher thread, so that the first request is judged by the store (one read,
    before the server takes requests); at shutdown, the thread (and its push channel) stops,
    before the application's own shutdown runs."""

    async def lifespan_receive() -> Message:
        message = await receive()
        if message["type"] == "lifespan.startup":
            revocations.start()
        elif message["type"] == "lifespan.shutdown":
            # The thread is told at once; waited for briefly, as it may be in a store's call
            # (a daemon, it cannot keep the process alive).
            revocations.stop(timeout=1.0)
        return message

    return lifespan_receive


async def _refuse(refused: ConfigurationError, scope: Scope, receive: Receive, send: Send) -> None:
    """Fail the lifespan start-up with the configuration error, or raise it.

    The ASGI lifespan protocol's way to stop a server: ``lifespan.startup.failed`` with a
    message, which uvicorn logs before exiting with status 3 and hypercorn raises. The
    application behind is never called: its own start-up does not run. Then the error is
    raised, as Starlette's router does after sending that message (Starlette's
    ``TestClient`` raises it). On a request, with no lifespan, it is raised: the server
    logs it and answers 500.
    """
    error = _refusal(refused)
    if scope["type"] == "lifespan":
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send(
                {
                    "type": "lifespan.startup.failed",
                    "message": f"client-session-asgi's SessionMiddleware cannot start: {error}",
                }
            )
    raise error


def _refusal(refused: ConfigurationError) -> ConfigurationError:
    # A copy each time: one exception object raised on every request would grow its
    # traceback, and be shared by concurrent requests.
    return copy.copy(refused)


def _session_codec(
    *,
    secret_key: str | bytes | Secret | None,
    keys: KeysOption | None,
    policy: SessionPolicy | None,
    starlette: dict[str, Any],
    native: dict[str, Any],
    legacy_cookies: LegacyOption,
    clock: Clock,
) -> SessionCodec:
    """The codec for SessionMiddleware's arguments; ConfigurationError if one is unusable."""
    session_policy = build_policy(
        secret_key=secret_key, keys=keys, policy=policy, starlette=starlette, native=native
    )
    legacy = legacy_cookies_for(
        legacy_cookies, secret_key=secret_key, max_age=starlette["max_age"], clock=clock
    )
    if legacy is not None:
        session_policy = dataclasses.replace(session_policy, legacy_cookies=legacy)
    return SessionCodec(session_policy, clock=clock)


def _built_on_the_first_message(middleware: SessionMiddleware) -> bool:
    """Whether Starlette (or FastAPI) is building ``middleware``: its
    ``build_middleware_stack()`` runs inside the application's first ASGI call, the lifespan
    start-up under a server that runs it, else the first request. Any other caller (an
    application wrapped directly, Litestar's ``DefineMiddleware``, which builds at import and
    keeps the lifespan messages to itself) gets the error at once, at import."""
    frame = sys._getframe(1)
    # Past __init__, and a subclass's __init__ calling it.
    while frame.f_back is not None and frame.f_locals.get("self") is middleware:
        frame = frame.f_back
    return frame.f_code.co_name == "build_middleware_stack"


def open_session(scope: Scope, send: Send, codec: SessionCodec) -> tuple[Session, Send]:
    """Open the request's session and wrap ``send`` to save it: the ASGI way without middleware.

    ::

        codec = SessionCodec(SessionPolicy(keys=KeyRing.from_env()))  # once, at start-up


        async def app(scope, receive, send):
            session, send = open_session(scope, send, codec)
            session["count"] = session.get("count", 0) + 1
            await PlainTextResponse(f"{session['count']} visits")(scope, receive, send)

    The session is read from the request's ``Cookie`` header (a bad cookie gives an empty
    session, never an error) and stored in ``scope["session"]``, where Starlette's
    ``request.session`` finds it. The returned ``send`` commits it when the response starts
    (``http.response.start``): change the session before that. A WebSocket connection gets
    its session to read and ``send`` unchanged, as it has no response to carry a cookie.
    """
    if scope["type"] not in ("http", "websocket"):
        raise ValueError(
            f"open_session needs an http or websocket scope, not {scope['type']!r}: pass "
            "lifespan messages to the application unchanged"
        )
    session = codec.load(asgi_cookie_header(scope.get("headers", ())))
    scope["session"] = session
    if scope["type"] == "websocket":
        return session, send

    async def send_with_session(message: Message) -> None:
        if message["type"] == "http.response.start":
            # SessionTooLarge and UnserializableValue propagate from here: the server
            # answers 500 and logs why, rather than the data being dropped unseen.
            commit = codec.commit(session)
            if commit.vary_cookie:  # also true whenever a cookie is set
                # A new header list (the application may hold on to the one it sent),
                # set on the message in place, as Starlette's own middleware does.
                message["headers"] = asgi_response_headers(message.get("headers", ()), commit)
        await send(message)

    return session, send_with_session

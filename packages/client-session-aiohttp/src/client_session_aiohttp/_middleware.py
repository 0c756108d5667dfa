"""A middleware of our own, for applications without aiohttp-session."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from client_session_core.adapter import (
    Clock,
    ConfigurationError,
    Session,
    SessionCodec,
    SessionPolicy,
)

from ._headers import add_commit_headers, cookie_header
from ._options import KeySource, key_ring

__all__ = ["get_session", "session_middleware"]

logger = logging.getLogger("client_session")

if TYPE_CHECKING:
    from aiohttp.typedefs import Handler, Middleware


def _request_key(name: str, kind: type[Any]) -> Any:
    # aiohttp 3.14 types request storage with RequestKey, and warns about plain str keys;
    # earlier releases take the str.
    request_key = getattr(web, "RequestKey", None)
    return name if request_key is None else request_key(name, kind)


# Request keys (aiohttp's Request is a mutable mapping for this): the codec the middleware
# serves with, and the session once a handler asked for it.
_CODEC_KEY = _request_key("client_session_aiohttp.codec", SessionCodec)
_SESSION_KEY = _request_key("client_session_aiohttp.session", Session)


def _codec(keys: KeySource | SessionCodec, clock: Clock, options: dict[str, Any]) -> SessionCodec:
    if isinstance(keys, SessionCodec):
        if options:
            raise ConfigurationError(
                "session_middleware(codec) takes no other options: the codec's policy has them"
            )
        return keys
    ring = key_ring(
        keys,
        taker="session_middleware(keys)",
        old_cookies="legacy_cookies=aiohttp_session_cookies(...)",
    )
    return SessionCodec(SessionPolicy(keys=ring, **options), clock=clock)


def session_middleware(
    keys: KeySource | SessionCodec = None, *, clock: Clock = time.time, **options: Any
) -> Middleware:
    """A middleware that gives handlers ``await get_session(request)``::

        app = web.Application(middlewares=[session_middleware()])  # CLIENT_SESSION_KEYS

    ``keys`` is one secret, several (newest first), a :class:`~client_session_core.KeyRing`,
    None to read ``CLIENT_SESSION_KEYS``, or a ready :class:`~client_session_core.SessionCodec`
    (a ``Fernet`` is refused, saying what to pass instead); ``options`` are the keyword
    arguments of :class:`~client_session_core.SessionPolicy` (``cookie_name``,
    ``idle_timeout``, ``secure``, ``not_before`` to log everyone out: ``time.time()`` or an
    aware datetime...), checked now, and the codec is built now, once: with
    ``legacy_cookies=aiohttp_session_cookies(old_secret)`` (and
    ``cookie_name="AIOHTTP_SESSION"``), which old cookies are read and until when is logged
    here, in one line. The session's headers
    are added to the response the handler returns (or raises, as ``HTTPFound``); a response
    the handler already sent (a stream) cannot carry them, and a change is then logged.
    :class:`~client_session_core.SessionTooLarge` propagates, and aiohttp answers 500.
    """
    codec = _codec(keys, clock, options)

    @web.middleware
    async def client_session_middleware(
        request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        request[_CODEC_KEY] = codec
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            # A redirect after a login is raised, and must carry its session.
            _save(request, exc, codec)
            raise
        _save(request, response, codec)
        return response

    return client_session_middleware


def _save(request: web.Request, response: web.StreamResponse, codec: SessionCodec) -> None:
    session: Session | None = request.get(_SESSION_KEY)
    if session is None:
        return
    if response.prepared:
        if session.unsaved:
            logger.warning(
                "%s %s changed the session after its response was prepared (streamed); that "
                "change is not saved: change the session before response.prepare()",
                request.method,
                request.path,
            )
        return
    add_commit_headers(response, codec.commit(session))


async def get_session(request: web.Request) -> Session:
    """The request's session (a ``dict``), opened from its cookie on first use: a missing
    or bad cookie gives a new, empty session, never an error."""
    session: Session | None = request.get(_SESSION_KEY)
    if session is None:
        codec: SessionCodec | None = request.get(_CODEC_KEY)
        if codec is None:
            raise RuntimeError(
                "no session middleware: create the application with "
                "web.Application(middlewares=[session_middleware()])"
            )
        session = request[_SESSION_KEY] = codec.load(cookie_header(request))
    return session

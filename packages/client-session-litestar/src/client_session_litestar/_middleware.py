"""The middleware: load the session from the request, commit it on the response, and honour
Litestar's ``request.set_session()`` and ``request.clear_session()``."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import TYPE_CHECKING, Any, Final, cast

from litestar.datastructures import Cookie
from litestar.enums import ScopeType
from litestar.serialization import decode_json, encode_json
from litestar.types import Empty
from litestar.utils import get_serializer_from_scope

from client_session_core.adapter import (
    Session,
    SessionCodec,
    asgi_cookie_header,
    asgi_response_headers,
)

if TYPE_CHECKING:
    from ._config import ClientSessionConfig

__all__ = ["ClientSessionMiddleware", "session_data"]

# Plain ASGI types: Litestar's own TypedDicts would not let a middleware read every scope.
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_SESSION: Final = "session"  # where Litestar's request.session looks, in the scope


class ClientSessionMiddleware:
    """The ASGI middleware of a :class:`~client_session_litestar.ClientSessionConfig`: put
    ``config.middleware`` in Litestar's middleware rather than naming this class.

    For each connection of the configuration's ``scopes`` whose route is not excluded (its
    path matches ``exclude``, or its handler's ``opt`` holds ``exclude_opt_key``), the session
    is read from the ``Cookie`` header (a bad cookie gives an empty session, never an error)
    into ``scope["session"]``, where ``request.session`` finds it. When the response starts,
    what is in ``scope["session"]`` then is saved: the same session, changed in place or not;
    a new session holding the given data after ``request.set_session(data)``; the end of the
    session (the cookie deleted) after ``request.clear_session()``. A WebSocket connection
    gets its session to read: it has no response to carry a cookie.
    """

    def __init__(self, app: ASGIApp, config: ClientSessionConfig) -> None:
        self.app = app
        self.config = config
        self._codec: SessionCodec = config.codec
        self._scopes = frozenset(ScopeType(scope).value for scope in config.scopes)
        self._exclude: re.Pattern[str] | None = config.exclude_pattern
        self._exclude_opt_key = config.exclude_opt_key
        self._name = config.key
        self._chunk_prefix = f"{config.key}-"
        self._chunk_attributes: dict[str, Any] = {
            "path": config.path,
            "domain": config.domain,
            "secure": config.secure,
            "httponly": config.httponly,
            "samesite": config.samesite,
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the application with ``scope["session"]``, and commit it on the response."""
        if self._bypassed(scope):
            await self.app(scope, receive, send)
            return
        header = asgi_cookie_header(scope["headers"])
        litestar_chunks: list[str] = []
        if header is not None and self._chunk_prefix in header:
            session, litestar_chunks = self._load_with_litestar_chunks(header)
        else:
            session = self._codec.load(header)
        scope[_SESSION] = session
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_session(message: Message) -> None:
            if message["type"] == "http.response.start":
                # SessionTooLarge and UnserializableValue propagate from here: Litestar
                # answers 500 and logs why, and the previous cookie stays.
                _follow_the_application(session, scope)
                commit = self._codec.commit(session)
                if commit.vary_cookie or litestar_chunks:
                    headers = asgi_response_headers(message.get("headers", ()), commit)
                    headers.extend(self._delete_litestar_chunks(litestar_chunks))
                    message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_session)

    def _bypassed(self, scope: Scope) -> bool:
        # Litestar's rule for its session middleware (should_bypass_middleware): the scope
        # type, then the handler's opt key, then the path (the raw path for a mounted app).
        if scope["type"] not in self._scopes:
            return True
        handler = scope.get("route_handler")
        if handler is not None and handler.opt.get(self._exclude_opt_key):
            return True
        if self._exclude is None:
            return False
        mounted = getattr(handler, "is_mount", False)
        path = scope["raw_path"].decode() if mounted else scope["path"]
        return bool(self._exclude.findall(path))

    def _load_with_litestar_chunks(self, header: str) -> tuple[Session, list[str]]:
        """The session, from our cookie or from the chunks of Litestar's, and the names of
        Litestar's chunk cookies the request carried, to delete on the response.

        Litestar splits a large session over ``session-0``, ``session-1``, ... and sorts
        their names as strings when it reads them, so that from ten chunks on it joins them
        out of order (``session-10`` before ``session-2``); here they are joined in numeric
        order, and only a complete run from ``-0`` is joined.
        """
        cookies = _cookies_named(header, self._name)
        chunks: dict[int, str] = {}
        for name, value in cookies.items():
            index = name[len(self._chunk_prefix) :]
            if name.startswith(self._chunk_prefix) and index.isdigit() and index.isascii():
                chunks[int(index)] = value
        names = [f"{self._chunk_prefix}{index}" for index in sorted(chunks)]
        if self._name not in cookies and chunks and sorted(chunks) == list(range(len(chunks))):
            cookies = {**cookies, self._name: "".join(chunks[i] for i in range(len(chunks)))}
        return self._codec.load_cookies(cookies), names

    def _delete_litestar_chunks(self, names: list[str]) -> list[tuple[bytes, bytes]]:
        # Deleted as Litestar deletes them (store_in_message), with its own Cookie.
        return [
            Cookie(key=name, value="null", expires=0, **self._chunk_attributes).to_encoded_header()
            for name in names
        ]


def _follow_the_application(session: Session, scope: Scope) -> None:
    """Make ``session`` what the application left in ``scope["session"]``: itself, changed in
    place or not; after ``request.clear_session()`` (Litestar's ``Empty``) or
    ``request.set_session(None)``, an ended session; after ``request.set_session(value)``, a
    new session holding ``value`` alone (a new identity and ``created_at``, as at a login:
    ``clear()`` then new content is a new session)."""
    current = scope.get(_SESSION)
    if current is session:
        return
    session.clear()
    if current is not None and current is not Empty:
        session.update(session_data(current, scope))


def session_data(value: object, scope: Scope | None = None) -> dict[str, Any]:
    """The session ``request.set_session(value)`` asks for: a mapping as it is, and a data
    container (a dataclass, a msgspec ``Struct``, a Pydantic model, an attrs class) as the
    JSON object Litestar's serializer makes of it, as Litestar's own cookie backend stores it.
    :class:`TypeError` for a value that is not one (a 500: the application's mistake)."""
    if isinstance(value, Mapping):
        return dict(value)
    # Litestar's type for a scope is its own TypedDict; this one is a plain mapping.
    serializer = get_serializer_from_scope(cast("Any", scope)) if scope is not None else None
    data = decode_json(encode_json(value, serializer))
    if not isinstance(data, dict):
        raise TypeError(
            f"request.set_session() takes a dict or a data container that serializes to a JSON "
            f"object, not {type(value).__name__}"
        )
    return data


def _cookies_named(header: str, prefix: str) -> dict[str, str]:
    """The cookies whose names start with ``prefix``, the first of each name winning, with one
    pair of surrounding double quotes removed (Litestar's ``SimpleCookie`` quotes a base64
    value): the core's reading of the header (``codec.load``), for the chunk names it does
    not know."""
    found: dict[str, str] = {}
    for pair in header.split(";"):
        name, sep, value = pair.partition("=")
        name = name.strip(" \t")
        if sep and name.startswith(prefix) and name not in found:
            value = value.partition(",")[0].strip(" \t")
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            found[name] = value
    return found

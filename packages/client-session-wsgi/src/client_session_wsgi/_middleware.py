"""WSGI: open the session before the application runs, send it back from ``start_response``.

PEP 3333 sends a response's status and headers when the application calls
``start_response``, so that is where the session is committed: its ``Set-Cookie`` and
``Vary: Cookie`` headers join the application's there, whether the body that follows is a
list or a stream. A change made to the session after that call cannot reach the browser any
more; :class:`SessionMiddleware` notices such a change when the response ends and logs a
warning on the ``client_session`` logger.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Protocol

from werkzeug.wsgi import ClosingIterator

from client_session_core.adapter import (
    Clock,
    Commit,
    KeyRing,
    Session,
    SessionCodec,
    SessionError,
    SessionPolicy,
    wsgi_response_headers,
)

if TYPE_CHECKING:
    from _typeshed import OptExcInfo
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["ENVIRON_KEY", "SessionMiddleware", "get_session", "open_session"]

ENVIRON_KEY = "client_session"
"""The WSGI environ key under which the request's :class:`~client_session_core.Session` lives."""

logger = logging.getLogger("client_session")

Headers = list[tuple[str, str]]


class _HasEnviron(Protocol):
    """A request object that carries its WSGI environ (werkzeug, Flask, Bottle, Django)."""

    @property
    def environ(self) -> WSGIEnvironment: ...


def get_session(source: WSGIEnvironment | _HasEnviron) -> Session:
    """The session of a request, from its WSGI environ or a request object with ``.environ``.

    ::

        session = get_session(environ)  # a bare WSGI application
        session = get_session(request)  # werkzeug, Flask, Bottle or Django request

    Raises :class:`RuntimeError`, saying how to fix it, when no session was opened for the
    request (the application is not wrapped in :class:`SessionMiddleware`).
    """
    environ = source if isinstance(source, dict) else source.environ
    session = environ.get(ENVIRON_KEY)
    if not isinstance(session, Session):
        raise RuntimeError(
            f"this request has no session (no environ[{ENVIRON_KEY!r}]): wrap the WSGI "
            "application in client_session_wsgi.SessionMiddleware, or call "
            "client_session_wsgi.open_session(environ, start_response, codec) first"
        )
    return session


class SessionStartResponse:
    """A ``start_response`` that commits the session and adds its headers.

    Made by :func:`open_session`. Each call commits the session as it is at that moment,
    so a second call with ``exc_info`` (an application replacing its response by an error
    page, as PEP 3333 allows) carries the session's headers too.
    """

    __slots__ = ("_codec", "_committed", "_late_change_reported", "_start_response", "session")

    def __init__(
        self, codec: SessionCodec, session: Session, start_response: StartResponse
    ) -> None:
        self._codec = codec
        self._start_response = start_response
        self._committed = False
        self._late_change_reported = False
        self.session = session

    def __call__(
        self, status: str, headers: Headers, exc_info: OptExcInfo | None = None, /
    ) -> Callable[[bytes], object]:
        try:
            commit = self._codec.commit(self.session)
        except SessionError:
            if exc_info is None:
                # SessionTooLarge, UnserializableValue: the application's bug, a 500.
                raise
            # The response is already an error page being sent for another exception;
            # raising here would hide that one. The session stays as the browser has it.
            logger.exception("session not saved on an error response")
            commit = Commit()
            self._late_change_reported = True  # the loss is logged already, just above
        self._committed = True
        return self._start_response(status, wsgi_response_headers(headers, commit), exc_info)

    def changed_after_commit(self) -> bool:
        """True when the session changed after its headers were sent (that change is lost).

        The session tells it (``session.unsaved`` after the codec's commit): when nothing
        reached it since ``start_response``, without serializing it again, so a request
        serializes its session once.
        """
        return self._committed and self.session.unsaved

    def report_late_change(self) -> None:
        """Log a warning, once, if the session changed after its headers were sent."""
        if self._late_change_reported or not self.changed_after_commit():
            return
        self._late_change_reported = True
        logger.warning(
            "the session of this request changed after start_response() had sent its "
            "headers, so the change was not saved: change the session before calling "
            "start_response() (or before a streamed body's first chunk)"
        )


def open_session(
    environ: WSGIEnvironment, start_response: StartResponse, codec: SessionCodec
) -> tuple[Session, SessionStartResponse]:
    """Open the request's session and wrap ``start_response`` to save it: the bare-WSGI way.

    ::

        codec = SessionCodec(SessionPolicy(keys=KeyRing.from_env()))


        def app(environ, start_response):
            session, start_response = open_session(environ, start_response, codec)
            session["count"] = session.get("count", 0) + 1
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"%d" % session["count"]]

    The session is read from the ``Cookie`` header (a bad cookie gives an empty session,
    never an error) and stored in ``environ["client_session"]``. Calling the returned
    ``start_response`` commits it: change the session before that call.
    """
    session = codec.load(environ.get("HTTP_COOKIE"))
    environ[ENVIRON_KEY] = session
    return session, SessionStartResponse(codec, session, start_response)


class SessionMiddleware:
    """WSGI middleware that gives every request a session kept in an encrypted cookie.

    ::

        app = SessionMiddleware(app, SessionPolicy(keys=KeyRing.from_env()))

    The application finds the session with ``get_session(environ)`` (or
    ``environ["client_session"]``). Any WSGI application works: a bare callable,
    werkzeug, Flask, Bottle, Falcon, or Django as plain WSGI.

    With no ``policy``, the defaults of :class:`~client_session_core.SessionPolicy` are
    used with the keys of the ``CLIENT_SESSION_KEYS`` environment variable; a missing or
    weak key is a :class:`~client_session_core.ConfigurationError` here, at start-up.
    ``clock`` is for tests, which move time rather than sleep.
    """

    __slots__ = ("app", "codec")

    def __init__(
        self,
        app: WSGIApplication,
        policy: SessionPolicy | None = None,
        *,
        clock: Clock = time.time,
    ) -> None:
        if policy is None:
            policy = SessionPolicy(keys=KeyRing.from_env())
        self.app = app
        self.codec = SessionCodec(policy, clock=clock)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        _, session_start_response = open_session(environ, start_response, self.codec)
        body = self.app(environ, session_start_response)
        if isinstance(body, (list, tuple)) or _is_file_wrapper(body, environ):
            # The application has produced its whole body: nothing can change any more.
            session_start_response.report_late_change()
            return body
        # A stream: the application may still run (and touch the session) while it is
        # iterated, so look once the server closes it. ClosingIterator calls the body's
        # own close() first, as PEP 3333 requires.
        return ClosingIterator(body, session_start_response.report_late_change)


def _is_file_wrapper(body: Iterable[bytes], environ: WSGIEnvironment) -> bool:
    # Wrapping the server's wsgi.file_wrapper would cost it its sendfile() fast path.
    file_wrapper = environ.get("wsgi.file_wrapper")
    return isinstance(file_wrapper, type) and isinstance(body, file_wrapper)

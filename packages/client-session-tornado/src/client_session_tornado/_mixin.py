"""``self.session`` for Tornado handlers: opened on first use, written before the headers."""

from __future__ import annotations

import logging
from typing import Any

from tornado.concurrent import Future
from tornado.web import RequestHandler

from client_session_core.adapter import (
    Commit,
    Session,
    SessionCodec,
    SessionError,
    vary_with_cookie,
)

from ._settings import session_codec

__all__ = ["SessionMixin"]

logger = logging.getLogger("client_session")


class SessionMixin(RequestHandler):
    """Gives a :class:`~tornado.web.RequestHandler` a ``self.session``.

    ::

        class CounterHandler(SessionMixin, tornado.web.RequestHandler):
            def get(self) -> None:
                self.session["count"] = self.session.get("count", 0) + 1
                self.write({"count": self.session["count"]})

    The session is opened from the request's Cookie header the first time a handler uses
    ``self.session``; a handler that never does parses no cookie and sends no
    ``Set-Cookie`` and no ``Vary``. Its ``Set-Cookie`` headers (and ``Vary: Cookie``) are
    added just before the response headers go out: at ``finish()``, or at the first
    ``flush()`` of a streamed response, after which changes can no longer be saved (they
    are logged as a warning).

    Error pages: a response with a status below 500, including the page of an
    ``HTTPError(4xx)``, saves the session as the handler left it. A 5xx response saves
    nothing - the browser keeps the cookie it had, as a failed transaction rolls back - so
    a handler that fails half-way through never stores half of its changes.

    A session that no longer fits in its cookie raises :class:`SessionTooLarge` from
    ``finish()`` (or the first ``flush()``): Tornado logs it and answers 500.
    """

    _client_session: Session | None = None
    # The application's codec, looked up once a request (see _codec()).
    _client_session_codec: SessionCodec | None = None
    # Whether headers went out before finish() (a flush()) after the session's commit, or
    # before the session was opened: a change made since cannot be saved any more, and the
    # session tells one (session.unsaved, measured from its commit) at finish().
    _client_session_sent = False
    _client_session_in_error_page = False

    @property
    def session(self) -> Session:
        """This request's session, opened from its cookie on first use (never raises for
        a bad cookie: that gives a new, empty session)."""
        session = self._client_session
        if session is None:
            # RFC 9113 section 8.2.3: an HTTP/2 request may split the Cookie header in
            # several fields, to be joined with "; ".
            cookie_fields = self.request.headers.get_list("Cookie")
            session = self._codec().load("; ".join(cookie_fields))
            self._client_session = session
            if self._headers_written:
                self._client_session_sent = True  # the headers carried nothing for it
        return session

    def flush(self, include_footers: bool = False) -> Future[None]:
        """Add the session's headers before the first flush sends the headers, then flush."""
        if self._client_session is not None:
            if not self._headers_written:
                self._add_session_headers(self._client_session, streaming=not include_footers)
            elif include_footers:
                self._warn_if_changed_after_headers(self._client_session)
        return super().flush(include_footers)

    def send_error(self, status_code: int = 500, **kwargs: Any) -> None:
        """Send an error page as Tornado does; below 500 it carries the session too."""
        self._client_session_in_error_page = True
        super().send_error(status_code, **kwargs)

    def _add_session_headers(self, session: Session, *, streaming: bool) -> None:
        # A 5xx answer saves nothing, as Django's SessionMiddleware skips saving on 5xx
        # responses: a handler that failed half-way must not store half of its changes.
        commit = self._commit(session, streaming=streaming) if self.get_status() < 500 else None
        if commit is None:
            # The browser keeps the cookie it has; the page may still depend on it.
            if session.accessed:
                self._vary_on_cookie()
            return
        for value in commit.set_cookie:
            # Straight into the headers: the core formats every attribute (Tornado's
            # set_cookie would re-parse them through http.cookies), from a policy whose
            # values were checked at start-up, so add_header's conversion is not needed.
            self._headers.add("Set-Cookie", value)
        if commit.vary_cookie:
            self._vary_on_cookie()
        if streaming:
            self._client_session_sent = True

    def _commit(self, session: Session, *, streaming: bool) -> Commit | None:
        try:
            return self._codec().commit(session)
        except SessionError:
            if not self._client_session_in_error_page:
                # Out of the handler or finish(): Tornado logs it and sends a 500 page,
                # which saves nothing.
                raise
            # Tornado is already sending an error page and would not send a second one:
            # log the error here and turn this page into a bare 500.
            logger.exception(
                "%s %s: the session could not be saved with the %d error page; answering 500",
                self.request.method,
                self.request.uri,
                self.get_status(),
            )
            self.clear()
            self.set_status(500)
            if not streaming:
                self.set_header("Content-Length", "0")
            return None

    def _codec(self) -> SessionCodec:
        codec = self._client_session_codec
        if codec is None:
            codec = self._client_session_codec = session_codec(self.application)
        return codec

    def _vary_on_cookie(self) -> None:
        vary = vary_with_cookie(self._headers.get_list("Vary"))
        if vary is not None:
            self._headers["Vary"] = vary

    def _warn_if_changed_after_headers(self, session: Session) -> None:
        if self._client_session_sent and session.unsaved:
            logger.warning(
                "%s %s changed the session after the response headers were sent by flush(); "
                "that change is not saved: change the session before the first flush()",
                self.request.method,
                self.request.uri,
            )

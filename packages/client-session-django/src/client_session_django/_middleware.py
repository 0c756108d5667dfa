"""The session middleware: Django's, with the core's ``Set-Cookie`` values as they are.

Django's own ``SessionMiddleware`` works with the engine too, but it writes the cookie itself
from ``session_key``: one cookie (no chunks), ``Expires`` from the system clock rather than
the codec's, and Django's attributes rather than the policy's (no ``Partitioned``). This one
sends what the core's commit says, each value as its own ``Set-Cookie`` header, and is
otherwise Django's: ``request.session`` is set in ``process_request``, ``Vary: Cookie`` is
patched in, ``SESSION_SAVE_EVERY_REQUEST`` re-sends a non-empty session, and no cookie is
written on a 5xx response.
"""

from __future__ import annotations

from http.cookies import Morsel
from typing import Any

from django.conf import settings
from django.contrib.sessions import middleware
from django.http import HttpRequest, HttpResponseBase
from django.utils.deprecation import MiddlewareMixin

from client_session_core.adapter import vary_with_cookie

from ._settings import session_codec
from ._store import SessionStore

__all__ = ["SessionMiddleware"]


class SessionMiddleware(middleware.SessionMiddleware):  # type: ignore[misc]
    """A drop-in for ``django.contrib.sessions.middleware.SessionMiddleware``.

    A subclass of it, so that what checks for Django's (the admin's system check, admin.E410)
    finds it; only a session of another engine, put in ``request.session`` by a view, is
    saved by Django's ``process_response``.
    The settings are read when Django builds the middleware, at start-up: a weak key or an
    impossible setting is a :class:`~client_session_core.ConfigurationError` then, not on the
    first request.
    """

    def __init__(self, get_response: Any) -> None:
        # MiddlewareMixin's: Django's __init__ would import SESSION_ENGINE for its store.
        MiddlewareMixin.__init__(self, get_response)
        self.codec = session_codec()
        self.save_every_request = bool(settings.SESSION_SAVE_EVERY_REQUEST)

    def process_request(self, request: HttpRequest) -> None:
        header = cookie_header(request)
        # request.COOKIES, once parsed, may have been given a value the header does not hold
        # (by a test's RequestFactory request, or a middleware before this one): Django's
        # middleware reads it there, and so does this one then.
        parsed = request.__dict__.get("COOKIES")
        value = parsed.get(self.codec.policy.cookie_name) if parsed else None
        if value is not None and value not in header:
            request.session = SessionStore(value, codec=self.codec)
        else:
            request.session = SessionStore(codec=self.codec, cookie_header=header)

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        store = getattr(request, "session", None)
        if not isinstance(store, SessionStore):
            # A view replaced request.session with another engine's: saved as Django's
            # middleware saves it.
            if store is not None:
                return super().process_response(request, response)
            return response
        if response.status_code >= 500:
            # As Django's: an error page does not save what the failed request changed.
            if store.accessed:
                _vary_on_cookie(response)
            return response
        if self.save_every_request and not store.is_empty():
            store.modified = True
        # SessionTooLarge propagates: Django answers 500 and the previous cookie stays.
        commit = store.commit()
        for value in commit.set_cookie:
            cookie = SetCookie(value)
            response.cookies[cookie.key] = cookie
        if commit.vary_cookie:
            _vary_on_cookie(response)
        return response


def cookie_header(request: HttpRequest) -> str:
    """The request's Cookie header, several fields joined with "; " where they can be.

    Django's ASGIRequest joins repeated headers in ``META`` with ``,`` (and so do WSGI
    servers, before Django sees them); a comma does not separate cookies (RFC 6265
    section 5.4), so under ASGI the fields are taken from the scope and joined with "; ",
    as RFC 9113 section 8.2.3 says for HTTP/2's split Cookie header.
    """
    scope = getattr(request, "scope", None)
    if isinstance(scope, dict):
        fields = [value for name, value in scope.get("headers", ()) if name == b"cookie"]
        if len(fields) > 1:
            return "; ".join(field.decode("latin-1") for field in fields)
    return str(request.META.get("HTTP_COOKIE", ""))


def _vary_on_cookie(response: HttpResponseBase) -> None:
    # What Django's patch_vary_headers(response, ("Cookie",)) does, by the core's rule, at a
    # fraction of its cost (it runs on every response that used the session).
    existing = response.headers.get("Vary")
    vary = vary_with_cookie([existing] if existing else [])
    if vary is not None:
        response.headers["Vary"] = vary


# What Morsel() starts with: every attribute it knows, empty.
_NO_ATTRIBUTES: dict[str, str] = dict.fromkeys(Morsel._reserved, "")  # type: ignore[attr-defined]


def _attributes(text: str) -> dict[str, str | bool]:
    """The morsel's attributes for a Set-Cookie's ``; ``-separated attribute text."""
    attributes: dict[str, str | bool] = dict(_NO_ATTRIBUTES)
    for attribute in text.split("; "):
        key, separator, value = attribute.partition("=")
        key = key.lower()
        if key in _NO_ATTRIBUTES:
            attributes[key] = value if separator else True
    return attributes


class SetCookie(Morsel[str]):
    """One of the core's ``Set-Cookie`` values, in ``response.cookies``.

    Django's handlers write every entry of ``response.cookies`` with ``output()``; this one
    writes the core's value unchanged. Its name, value and attributes are also parsed into the
    morsel, for code (and Django's test client) that reads them.
    """

    # The attributes of the last attribute text seen: within a second every response's is
    # the same (only Max-Age and Expires change, and only with the clock), so it is parsed
    # once, not per response. One entry, replaced whole (a thread sees old or new, each whole).
    _parsed: tuple[str, dict[str, str | bool]] = ("", dict(_NO_ATTRIBUTES))

    def __init__(self, header: str) -> None:
        # Morsel's own __init__, set() and __setitem__ check names and values one by one: the
        # core wrote a valid header already, so it is filled as the dict it is (once per
        # written response).
        pair, _, text = header.partition("; ")
        parsed = SetCookie._parsed
        if parsed[0] != text:
            parsed = SetCookie._parsed = (text, _attributes(text))
        dict.__init__(self, parsed[1])
        name, _, value = pair.partition("=")
        self._key = name
        self._value = self._coded_value = value
        self._header = header

    def OutputString(self, attrs: Any = None) -> str:  # noqa: N802 - Morsel's name
        return self._header

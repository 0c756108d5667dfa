"""Where the adapter touches HTTP: the request's Cookie header, the response's headers."""

from __future__ import annotations

from aiohttp import hdrs, web

from client_session_core.adapter import Commit, vary_with_cookie

__all__ = ["add_commit_headers", "cookie_header"]


def cookie_header(request: web.BaseRequest) -> str:
    """The request's raw Cookie header, for the core to parse.

    RFC 9113 section 8.2.3: an HTTP/2 request may split it over several fields, joined with
    "; ". The core parses it, rather than ``request.cookies``: of two cookies with one name it
    keeps the first (RFC 6265 section 5.4 sends the most specific path first).
    """
    return "; ".join(request.headers.getall(hdrs.COOKIE, ()))


def add_commit_headers(response: web.StreamResponse, commit: Commit) -> None:
    """Send ``commit``'s ``Set-Cookie`` values and ``Vary: Cookie`` with ``response``."""
    headers = response.headers
    for value in commit.set_cookie:
        # Straight into the headers: the core formats every attribute, and
        # response.set_cookie would re-parse them through http.cookies' Morsel.
        headers.add(hdrs.SET_COOKIE, value)
    if commit.vary_cookie:
        vary = vary_with_cookie(headers.getall(hdrs.VARY, ()))
        if vary is not None:
            headers[hdrs.VARY] = vary  # one Vary header, replacing the application's

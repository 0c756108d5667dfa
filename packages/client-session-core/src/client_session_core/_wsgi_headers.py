"""Set-Cookie and Vary for WSGI: header lists as PEP 3333's ``start_response`` takes them.

A WSGI application gives its response headers to ``start_response`` as a list of
``(name, value)`` pairs of text; frameworks built on other servers (Tornado, aiohttp) keep
their own header objects and use :func:`~client_session_core.adapter.vary_with_cookie`
directly. No framework, no I/O. Public through ``client_session_core.adapter``.
"""

from __future__ import annotations

from collections.abc import Iterable

from ._commit import Commit
from ._cookies import vary_with_cookie

__all__ = ["WSGIHeaders", "wsgi_response_headers"]

WSGIHeaders = Iterable[tuple[str, str]]
"""Header fields as WSGI's ``start_response`` takes them: ``(name, value)`` pairs of text."""


def wsgi_response_headers(headers: WSGIHeaders, commit: Commit) -> list[tuple[str, str]]:
    """A new list of the response's ``headers`` carrying ``commit``: ``Vary: Cookie`` when it
    asks for it (added, or merged into the response's own ``Vary``, or left as it is when
    that already covers it), then each of its ``Set-Cookie`` values, in order. Response
    header names may come in any case from an application, so they are compared lower-cased.
    """
    result = list(headers)
    if commit.vary_cookie:  # also true whenever a cookie is set
        present = [value for name, value in result if name.lower() == "vary"]
        vary = vary_with_cookie(present)
        if vary is not None:
            if present:
                result = [(name, value) for name, value in result if name.lower() != "vary"]
            result.append(("Vary", vary))
    result.extend(("Set-Cookie", value) for value in commit.set_cookie)
    return result

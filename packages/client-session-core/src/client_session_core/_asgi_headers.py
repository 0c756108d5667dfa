"""Cookie, Set-Cookie and Vary for ASGI: header lists as an ASGI scope and messages hold them.

The ASGI HTTP spec gives request headers as ``scope["headers"]`` and response headers in the
``http.response.start`` message's ``"headers"``: iterables of ``(name, value)`` byte pairs,
names lower-cased by the server for requests. These functions read and write such lists and
nothing else: no framework, no I/O. Public through ``client_session_core.adapter``.
"""

from __future__ import annotations

from collections.abc import Iterable

from ._commit import Commit
from ._cookies import vary_with_cookie

__all__ = ["ASGIHeaders", "asgi_cookie_header", "asgi_response_headers", "asgi_with_vary_cookie"]

ASGIHeaders = Iterable[tuple[bytes, bytes]]
"""Header fields as ASGI holds them: ``(name, value)`` pairs of bytes."""

# What vary_with_cookie([]) gives a response without a Vary of its own.
_VARY_COOKIE = (b"vary", b"Cookie")


def asgi_cookie_header(headers: ASGIHeaders) -> str | None:
    """The request's Cookie header for ``SessionCodec.load``: None without one; several
    fields (HTTP/2 may split it, RFC 9113 section 8.2.3) joined with ``"; "``.

    ASGI servers lower-case request header names (the ASGI HTTP spec; Starlette relies on it
    too), so none is lower-cased here, on every request. Values are latin-1, as ASGI gives
    header bytes as they came.
    """
    found = None
    for name, value in headers:  # a plain loop: it runs on every request
        if name == b"cookie":
            text = value.decode("latin-1")
            found = text if found is None else f"{found}; {text}"
    return found


def asgi_with_vary_cookie(headers: ASGIHeaders) -> list[tuple[bytes, bytes]]:
    """A new list of ``headers`` whose one ``Vary`` header covers the Cookie header: added, or
    merged into the response's own (``Vary: Accept-Encoding, Cookie``), or left as it is when
    it already covers it (``Vary: *``, ``Vary: cookie``). Response header names may come in
    any case from an application, so they are compared lower-cased."""
    return _merge_vary_cookie(list(headers))


def _merge_vary_cookie(result: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    # asgi_with_vary_cookie on a list of the caller's own, which it may return changed.
    present = [value.decode("latin-1") for name, value in result if name.lower() == b"vary"]
    vary = vary_with_cookie(present)
    if vary is not None:
        if present:
            result = [(name, value) for name, value in result if name.lower() != b"vary"]
        result.append((b"vary", vary.encode("latin-1")))
    return result


def asgi_response_headers(headers: ASGIHeaders, commit: Commit) -> list[tuple[bytes, bytes]]:
    """A new list of the response's ``headers`` carrying ``commit``: ``Vary: Cookie`` when it
    asks for it, then each of its ``Set-Cookie`` values, in order. Set it as the
    ``http.response.start`` message's ``"headers"`` (a new list: the application may hold on
    to the one it sent)."""
    result = list(headers)
    if commit.vary_cookie:
        # Most responses carry no Vary of their own: then Cookie's is simply added, and only
        # a response that has one pays for the merge (this runs on every response).
        for name, _value in result:
            # The length first: only a four-byte name is lower-cased (a new bytes object).
            if len(name) == 4 and name.lower() == b"vary":
                result = _merge_vary_cookie(result)
                break
        else:
            result.append(_VARY_COOKIE)
    for value in commit.set_cookie:
        result.append((b"set-cookie", value.encode("latin-1")))
    return result

"""Getting a valid session cookie from an app, and checking that it really opens.

A benchmark whose cookie silently failed to open would time a fresh empty session every
request and flatter the variant: each run first proves the cookie carries the session.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from .drivers import Reply
from .variants import Role, Variant

__all__ = ["BenchmarkError", "cookie_header_from", "prime_session"]

Send = Callable[[str, "str | None"], Reply]
"""Sends one GET for a target (path and query) with a Cookie header or none."""


class BenchmarkError(RuntimeError):
    """A variant did not behave as the benchmark needs (so its numbers would mean nothing)."""


def cookie_header_from(set_cookie: Iterable[str]) -> str:
    """The Cookie header a browser would send back after these Set-Cookie values."""
    pairs = []
    for header in set_cookie:
        pair, _, attributes = header.partition(";")
        name, _, value = pair.strip().partition("=")
        deleted = "max-age=0" in attributes.lower().replace(" ", "")
        if value and value != '""' and not deleted:
            pairs.append(f"{name}={value}")
    return "; ".join(pairs)


def _count_of(reply: Reply, what: str) -> int:
    if reply.status != 200:
        raise BenchmarkError(f"{what} answered {reply.status}: {reply.body[:200]!r}")
    count = json.loads(reply.body)["count"]
    assert isinstance(count, int)
    return count


def prime_session(variant: Variant, send: Send, fill: str | None = None) -> str | None:
    """A Cookie header holding a session, checked to open: the counter's (``fill`` None), or
    the one ``/fill?session=FILL`` stores ("login", or a size in bytes).

    None for the bare app, which keeps no session.
    """
    if variant.role is Role.BARE:
        _count_of(send("/counter", None), f"{variant.key} /counter")
        return None
    if variant.role is Role.HEADERS:
        # No session: the fixed cookie it sets, sent back as a browser would.
        first = send("/counter", None)
        _count_of(first, f"{variant.key} /counter")
        cookie = cookie_header_from(first.set_cookie)
        if not cookie:
            raise BenchmarkError(f"{variant.key} /counter set no cookie")
        return cookie
    target = "/counter" if fill is None else f"/fill?session={fill}"
    first = send(target, None)
    if first.status != 200:
        raise BenchmarkError(f"{variant.key} {target} answered {first.status}")
    cookie = cookie_header_from(first.set_cookie)
    if not cookie:
        raise BenchmarkError(f"{variant.key} {target} set no cookie")
    before = _count_of(send("/counter", cookie), f"{variant.key} /counter")
    again = send("/counter", cookie)
    # A cookie that did not open would restart the count at 1 on every request.
    if _count_of(again, f"{variant.key} /counter") <= 1 or before <= 1:
        raise BenchmarkError(f"{variant.key}: the session cookie did not open")
    if variant.role is not Role.STORE and not again.set_cookie:
        raise BenchmarkError(f"{variant.key}: a modified session was not sealed again")
    return cookie

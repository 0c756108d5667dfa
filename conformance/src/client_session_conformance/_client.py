"""An HTTP client that keeps session cookies the simple way, and Set-Cookie parsing."""

from __future__ import annotations

import functools
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import httpx

__all__ = ["SessionClient", "SetCookie", "parse_set_cookie", "vary_tokens"]

TIMEOUT = httpx.Timeout(10.0)
"""Every request of the suite is bounded: a hung server fails the test instead of the run."""


@functools.cache
def _tls_context() -> ssl.SSLContext:
    # The suite speaks plain HTTP, but httpx builds a TLS context for every client unless it
    # is given one, and loading the CA bundle costs tens of milliseconds each time.
    return ssl.create_default_context()


@dataclass(frozen=True, slots=True)
class SetCookie:
    """One ``Set-Cookie`` header value, split (RFC 6265 section 5.2).

    ``attributes`` maps each attribute's lower-cased name to its value, or to None for a
    flag such as ``Secure``.
    """

    name: str
    value: str
    attributes: dict[str, str | None] = field(default_factory=dict)

    @property
    def deletes(self) -> bool:
        """True when this header removes the cookie (``Max-Age=0`` or less)."""
        max_age = self.attributes.get("max-age")
        return max_age is not None and max_age.lstrip("-").isdigit() and int(max_age) <= 0


def parse_set_cookie(header: str) -> SetCookie:
    """Split a ``Set-Cookie`` value into name, value and attributes."""
    pair, *attributes = header.split(";")
    name, _, value = pair.partition("=")
    parsed: dict[str, str | None] = {}
    for attribute in attributes:
        key, sep, attribute_value = attribute.partition("=")
        parsed[key.strip().lower()] = attribute_value.strip() if sep else None
    return SetCookie(name.strip(), value.strip(), parsed)


def set_cookies(response: httpx.Response) -> list[SetCookie]:
    """Every ``Set-Cookie`` of ``response``, parsed, in order."""
    return [parse_set_cookie(value) for value in response.headers.get_list("set-cookie")]


def vary_tokens(response: httpx.Response) -> list[str]:
    """The field names of every ``Vary`` header of ``response``, lower-cased, in order."""
    return [
        token.strip().lower()
        for value in response.headers.get_list("vary")
        for token in value.split(",")
        if token.strip()
    ]


class SessionClient:
    """A client for one simulated browser: it keeps the cookies it is sent, by name.

    Unlike a real cookie jar it ignores ``Domain``, ``Path`` and ``Secure``, so that the
    suite can test those attributes against a server on ``http://127.0.0.1``; ``Max-Age=0``
    removes a cookie. ``cookie_header=`` on a request replaces the kept cookies with a raw
    header, for garbage and forged cookies. Use it as a context manager.
    """

    def __init__(self, base_url: str) -> None:
        self._http = httpx.Client(base_url=base_url, timeout=TIMEOUT, verify=_tls_context())
        self.cookies: dict[str, str] = {}

    def __enter__(self) -> SessionClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections."""
        self._http.close()

    @property
    def cookie_header(self) -> str | None:
        """The ``Cookie`` header the next request sends, or None."""
        if not self.cookies:
            return None
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def get(
        self,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        cookie_header: str | bytes | None = None,
        cookie_fields: Sequence[str] = (),
    ) -> httpx.Response:
        """``GET path`` with the kept cookies, or with ``cookie_header`` (or
        ``cookie_fields``) instead."""
        return self.request(
            "GET", path, params=params, cookie_header=cookie_header, cookie_fields=cookie_fields
        )

    def post(
        self,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str | int] | None = None,
        cookie_header: str | bytes | None = None,
    ) -> httpx.Response:
        """``POST path`` with a JSON body (and the query ``params``), with the kept cookies or
        ``cookie_header``."""
        return self.request("POST", path, params=params, json=json, cookie_header=cookie_header)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
        cookie_header: str | bytes | None = None,
        cookie_fields: Sequence[str] = (),
    ) -> httpx.Response:
        """Send a request and keep the cookies of its response. ``cookie_fields`` sends
        each of its values as a Cookie field of its own, instead of one Cookie header."""
        header = self.cookie_header if cookie_header is None else cookie_header
        headers: list[tuple[bytes, bytes]] = []
        if cookie_fields:
            headers += [(b"Cookie", field.encode("latin-1")) for field in cookie_fields]
        elif header is not None:
            value = header if isinstance(header, bytes) else header.encode("latin-1")
            headers.append((b"Cookie", value))
        response = self._http.request(method, path, params=params, json=json, headers=headers)
        # httpx keeps cookies of its own; this client decides what is sent, so drop them.
        self._http.cookies.clear()
        for cookie in set_cookies(response):
            if cookie.deletes:
                self.cookies.pop(cookie.name, None)
            else:
                self.cookies[cookie.name] = cookie.value
        return response

"""Cookies written by Litestar's own CookieBackendConfig, for the tests (a module of its own:
the tests run with --import-mode=importlib)."""

from __future__ import annotations

import base64
from typing import Any

from litestar import Litestar, Request, get
from litestar.middleware.session.client_side import CookieBackendConfig
from litestar.testing import TestClient


def aes_secret(key_text: str) -> bytes:
    """The 32 bytes of a generated key's text, as a Litestar ``secret``."""
    return base64.urlsafe_b64decode(key_text + "=")


def litestar_set_cookies(
    content: dict[str, Any],
    *,
    secret: bytes,
    key: str = "session",
    max_age: int = 14 * 24 * 3600,
) -> dict[str, str]:
    """The cookies Litestar's own CookieBackendConfig sets for ``content``: name to the
    value as the browser sends it back (quoted, as Litestar's SimpleCookie writes it)."""

    @get("/", sync_to_thread=False)
    def store(request: Request[Any, Any, Any]) -> dict[str, Any]:
        request.set_session(content)
        return {}

    config = CookieBackendConfig(secret=secret, key=key, max_age=max_age)
    app = Litestar(route_handlers=[store], middleware=[config.middleware], logging_config=None)
    with TestClient(app) as client:
        headers = client.get("/").headers.get_list("set-cookie")
    cookies = {}
    for header in headers:
        name, _, rest = header.partition("=")
        cookies[name] = rest.partition(";")[0]
    return cookies

"""The conformance suite's legacy-upgrade section: Litestar's own cookies, over uvicorn."""

from __future__ import annotations

from typing import Any, ClassVar

from litestar_cookies_helpers import aes_secret, litestar_set_cookies

from client_session_conformance import LegacyCookieWriter, LegacyUpgradeConformance
from client_session_conformance.harnesses.litestar import LitestarHarness
from client_session_core.adapter import LegacyCookies
from client_session_litestar import litestar_cookies


class LitestarCookieWriter(LegacyCookieWriter):
    """Cookies set by Litestar's own CookieBackendConfig, read by ``litestar_cookies``."""

    max_age: ClassVar[int] = 3600

    def write(self, content: dict[str, Any], *, secret: str, cookie_name: str) -> str:
        cookies = litestar_set_cookies(
            content, secret=aes_secret(secret), key=cookie_name, max_age=self.max_age
        )
        if cookie_name in cookies:
            return cookies[cookie_name]
        # Litestar split a large session over session-0, session-1, ...: the suite sends one
        # cookie, so it gets the chunks joined (test_legacy.py sends them as Litestar set them).
        chunks = [cookies[f"{cookie_name}-{index}"].strip('"') for index in range(len(cookies))]
        return "".join(chunks)

    def reader(self, *, secret: str, cookie_name: str, until: int) -> LegacyCookies:
        return litestar_cookies(aes_secret(secret), until=until, max_age=self.max_age)


class TestLitestarLegacyUpgrade(LegacyUpgradeConformance):
    harness_class = LitestarHarness
    legacy_writer = LitestarCookieWriter()

"""The conformance suite, served by aiohttp's own server: through aiohttp-session with our
storage, and through our own middleware; and its legacy-upgrade section with cookies that
aiohttp-session's own EncryptedCookieStorage wrote."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from aiohttp_session import Session
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from client_session_aiohttp import aiohttp_session_cookies
from client_session_conformance import (
    LegacyCookieWriter,
    LegacyUpgradeConformance,
    SessionConformance,
    installed_harnesses,
)
from client_session_conformance.harnesses.aiohttp import AiohttpHarness, AiohttpMiddlewareHarness
from client_session_core.adapter import LegacyCookies


class TestAiohttpSessionStorageConformance(SessionConformance):
    harness_class = AiohttpHarness


class TestAiohttpMiddlewareConformance(SessionConformance):
    harness_class = AiohttpMiddlewareHarness


def test_the_harness_is_registered_for_interoperability() -> None:
    assert installed_harnesses()["aiohttp"] is AiohttpHarness


def _old_secret(secret: str) -> bytes:
    # EncryptedCookieStorage takes 32 raw bytes; the suite's secret is text.
    return hashlib.sha256(secret.encode()).digest()


class EncryptedCookieStorageWriter(LegacyCookieWriter):
    """Cookies written by aiohttp-session's own EncryptedCookieStorage.save_session."""

    max_age = 3600

    def write(self, content: dict[str, Any], *, secret: str, cookie_name: str) -> str:
        storage = EncryptedCookieStorage(
            _old_secret(secret), cookie_name=cookie_name, max_age=self.max_age
        )
        session = Session(None, data=None, new=True, max_age=self.max_age)
        session.update(content)
        response = web.Response()

        async def save() -> None:
            await storage.save_session(make_mocked_request("GET", "/"), response, session)

        asyncio.run(save())
        value: str = response.cookies[cookie_name].value
        return value

    def reader(self, *, secret: str, cookie_name: str, until: int) -> LegacyCookies:
        return aiohttp_session_cookies(_old_secret(secret), max_age=self.max_age, until=until)


class TestAiohttpLegacyUpgrade(LegacyUpgradeConformance):
    harness_class = AiohttpHarness
    legacy_writer = EncryptedCookieStorageWriter()


class TestAiohttpMiddlewareLegacyUpgrade(LegacyUpgradeConformance):
    harness_class = AiohttpMiddlewareHarness
    legacy_writer = EncryptedCookieStorageWriter()

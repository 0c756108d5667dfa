"""The conformance suite's legacy-upgrade section: Starlette's own cookies, over uvicorn."""

from __future__ import annotations

from typing import Any, ClassVar

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware as StarletteSessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from client_session_asgi import starlette_cookies
from client_session_conformance import LegacyCookieWriter, LegacyUpgradeConformance
from client_session_conformance.harnesses.asgi import FastAPIHarness, StarletteHarness
from client_session_core.adapter import LegacyCookies


class StarletteCookieWriter(LegacyCookieWriter):
    """Cookies set by Starlette's own SessionMiddleware, read by ``starlette_cookies``."""

    max_age: ClassVar[int] = 3600

    def write(self, content: dict[str, Any], *, secret: str, cookie_name: str) -> str:
        async def store(request: Request) -> JSONResponse:
            request.session.update(content)
            return JSONResponse({})

        middleware = Middleware(
            StarletteSessionMiddleware,
            secret_key=secret,
            session_cookie=cookie_name,
            max_age=self.max_age,
        )
        with TestClient(Starlette(routes=[Route("/", store)], middleware=[middleware])) as client:
            header = client.get("/").headers["set-cookie"]
        return header.partition("=")[2].partition(";")[0]

    def reader(self, *, secret: str, cookie_name: str, until: int) -> LegacyCookies:
        return starlette_cookies(secret, until=until, max_age=self.max_age)


class TestStarletteLegacyUpgrade(LegacyUpgradeConformance):
    harness_class = StarletteHarness
    legacy_writer = StarletteCookieWriter()


class TestFastAPILegacyUpgrade(LegacyUpgradeConformance):
    harness_class = FastAPIHarness
    legacy_writer = StarletteCookieWriter()

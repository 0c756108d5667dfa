"""The conformance suite's legacy-upgrade section: Tornado's own signed cookies, over Tornado."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from tornado.web import create_signed_value

from client_session_conformance import LegacyCookieWriter, LegacyUpgradeConformance
from client_session_conformance.harnesses.tornado import TornadoHarness
from client_session_core.adapter import LegacyCookies
from client_session_tornado import tornado_signed_cookies


class TornadoCookieWriter(LegacyCookieWriter):
    """What ``set_signed_cookie(name, json.dumps(content))`` sends, in one of Tornado's two
    signed formats, read by ``tornado_signed_cookies``."""

    max_age: ClassVar[int] = 24 * 3600

    def __init__(self, version: int) -> None:
        self.version = version

    def write(self, content: dict[str, Any], *, secret: str, cookie_name: str) -> str:
        value = json.dumps(content).encode()
        return create_signed_value(secret, cookie_name, value, version=self.version).decode()

    def reader(self, *, secret: str, cookie_name: str, until: int) -> LegacyCookies:
        return tornado_signed_cookies(
            secret, name=cookie_name, until=until, max_age_days=self.max_age / (24 * 3600)
        )


class TestTornadoVersion1LegacyUpgrade(LegacyUpgradeConformance):
    harness_class = TornadoHarness
    legacy_writer = TornadoCookieWriter(version=1)


class TestTornadoVersion2LegacyUpgrade(LegacyUpgradeConformance):
    harness_class = TornadoHarness
    legacy_writer = TornadoCookieWriter(version=2)

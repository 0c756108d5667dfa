"""The conformance suite, over HTTP: Django under WSGI (werkzeug's server) and ASGI (uvicorn);
and its legacy-upgrade section with cookies that Django's own signed_cookies engine wrote."""

from __future__ import annotations

from typing import Any

from django.core import signing

from client_session_conformance import (
    LegacyCookieWriter,
    LegacyUpgradeConformance,
    SessionConformance,
)
from client_session_conformance.harnesses.django import DjangoASGIHarness, DjangoHarness
from client_session_core.adapter import LegacyCookies
from client_session_django import SIGNED_COOKIES_SALT, signed_cookies


class TestDjangoConformance(SessionConformance):
    harness_class = DjangoHarness


class TestDjangoASGIConformance(SessionConformance):
    harness_class = DjangoASGIHarness


class SignedCookiesWriter(LegacyCookieWriter):
    """Cookies written by Django's own signed_cookies backend (django.core.signing)."""

    max_age = 3600

    def write(self, content: dict[str, Any], *, secret: str, cookie_name: str) -> str:
        # The call signed_cookies' SessionStore makes to seal its session_key, with the
        # secret passed in rather than swapped into SECRET_KEY: overriding a setting fires
        # setting_changed while the suite's server threads are alive, which raced with them.
        value: str = signing.dumps(
            content,
            key=secret,
            compress=True,
            salt=SIGNED_COOKIES_SALT,
            serializer=signing.JSONSerializer,
        )
        return value

    def reader(self, *, secret: str, cookie_name: str, until: int) -> LegacyCookies:
        return signed_cookies(until=until, max_age=self.max_age, secret_keys=[secret])


class TestDjangoLegacyUpgrade(LegacyUpgradeConformance):
    harness_class = DjangoHarness
    legacy_writer = SignedCookiesWriter()


class TestDjangoASGILegacyUpgrade(LegacyUpgradeConformance):
    harness_class = DjangoASGIHarness
    legacy_writer = SignedCookiesWriter()

"""The conformance suite, over HTTP: Django under WSGI (werkzeug's server) and ASGI (uvicorn);
and its legacy-upgrade section with cookies that Django's own signed_cookies engine wrote."""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.signed_cookies import SessionStore as SignedCookieStore
from django.test import override_settings

from client_session_conformance import (
    LegacyCookieWriter,
    LegacyUpgradeConformance,
    SessionConformance,
)
from client_session_conformance.harnesses.django import DjangoASGIHarness, DjangoHarness
from client_session_core import LegacyCookies
from client_session_django import signed_cookies


class TestDjangoConformance(SessionConformance):
    harness_class = DjangoHarness


class TestDjangoASGIConformance(SessionConformance):
    harness_class = DjangoASGIHarness


class SignedCookiesWriter(LegacyCookieWriter):
    """Cookies written by Django's own signed_cookies backend (django.core.signing)."""

    max_age = 3600

    def write(self, content: dict[str, Any], *, secret: str, cookie_name: str) -> str:
        # The engine signs under SECRET_KEY; no request is being served while it is swapped.
        with override_settings(SECRET_KEY=secret):
            store = SignedCookieStore()
            store.update(content)
            store.save()
            value: str = store.session_key
        return value

    def reader(self, *, secret: str, cookie_name: str, until: int) -> LegacyCookies:
        return signed_cookies(until=until, max_age=self.max_age, secret_keys=[secret])


class TestDjangoLegacyUpgrade(LegacyUpgradeConformance):
    harness_class = DjangoHarness
    legacy_writer = SignedCookiesWriter()


class TestDjangoASGILegacyUpgrade(LegacyUpgradeConformance):
    harness_class = DjangoASGIHarness
    legacy_writer = SignedCookiesWriter()

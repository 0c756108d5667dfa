"""The conformance suite, served by aiohttp's own server: through aiohttp-session with our
storage, and through our own middleware."""

from __future__ import annotations

from client_session_conformance import SessionConformance, installed_harnesses
from client_session_conformance.harnesses.aiohttp import AiohttpHarness, AiohttpMiddlewareHarness


class TestAiohttpSessionStorageConformance(SessionConformance):
    harness_class = AiohttpHarness


class TestAiohttpMiddlewareConformance(SessionConformance):
    harness_class = AiohttpMiddlewareHarness


def test_the_harness_is_registered_for_interoperability() -> None:
    assert installed_harnesses()["aiohttp"] is AiohttpHarness

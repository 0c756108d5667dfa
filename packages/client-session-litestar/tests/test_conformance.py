"""The conformance suite, over HTTP, through uvicorn: a Litestar application."""

from __future__ import annotations

from client_session_conformance import SessionConformance
from client_session_conformance.harnesses.litestar import LitestarHarness


class TestLitestarConformance(SessionConformance):
    harness_class = LitestarHarness

"""The conformance suite, over HTTP, through uvicorn: Starlette and FastAPI."""

from __future__ import annotations

from client_session_conformance import SessionConformance
from client_session_conformance.harnesses.asgi import FastAPIHarness, StarletteHarness


class TestStarletteConformance(SessionConformance):
    harness_class = StarletteHarness


class TestFastAPIConformance(SessionConformance):
    harness_class = FastAPIHarness

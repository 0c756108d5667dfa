"""The conformance suite, over HTTP: Django under WSGI (werkzeug's server) and ASGI (uvicorn)."""

from __future__ import annotations

from client_session_conformance import SessionConformance
from client_session_conformance.harnesses.django import DjangoASGIHarness, DjangoHarness


class TestDjangoConformance(SessionConformance):
    harness_class = DjangoHarness


class TestDjangoASGIConformance(SessionConformance):
    harness_class = DjangoASGIHarness

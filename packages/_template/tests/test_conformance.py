"""The whole conformance suite, certified by a one-line subclass for each shape."""

from __future__ import annotations

from harness import TemplateHarness
from harness_asgi import TemplateASGIHarness

from client_session_conformance import SessionConformance


class TestTemplateConformance(SessionConformance):
    harness_class = TemplateHarness


class TestTemplateASGIConformance(SessionConformance):
    harness_class = TemplateASGIHarness

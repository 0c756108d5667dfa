"""The whole conformance suite, certified by a one-line subclass."""

from __future__ import annotations

from harness import TemplateHarness

from client_session_conformance import SessionConformance


class TestTemplateConformance(SessionConformance):
    harness_class = TemplateHarness

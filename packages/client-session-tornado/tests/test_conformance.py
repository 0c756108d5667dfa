"""The conformance suite, served by Tornado's own HTTPServer through SessionMixin."""

from __future__ import annotations

from client_session_conformance import SessionConformance, installed_harnesses
from client_session_conformance.harnesses.tornado import TornadoHarness


class TestTornadoConformance(SessionConformance):
    harness_class = TornadoHarness


def test_the_harness_is_registered_for_interoperability() -> None:
    assert installed_harnesses()["tornado"] is TornadoHarness

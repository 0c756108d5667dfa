"""The suite run against its own reference harness, and across every installed adapter."""

from __future__ import annotations

from client_session_conformance import (
    InteropConformance,
    ReferenceHarness,
    SessionConformance,
)


class TestReferenceConformance(SessionConformance):
    harness_class = ReferenceHarness


class TestInterop(InteropConformance):
    """Every installed harness (only ``reference`` unless adapters are installed too)."""

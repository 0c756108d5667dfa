"""The conformance suite, over werkzeug's threaded WSGI server on 127.0.0.1."""

from __future__ import annotations

from client_session_conformance import SessionConformance
from client_session_wsgi._flask_harness import FlaskHarness
from client_session_wsgi._harness import WSGIHarness


class TestWSGIConformance(SessionConformance):
    harness_class = WSGIHarness


class TestFlaskConformance(SessionConformance):
    harness_class = FlaskHarness

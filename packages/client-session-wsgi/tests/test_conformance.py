"""The conformance suite, over werkzeug's threaded WSGI server and over gunicorn, on 127.0.0.1."""

from __future__ import annotations

import pytest

from client_session_conformance import SessionConformance
from client_session_conformance.harnesses.flask import FlaskHarness
from client_session_conformance.harnesses.gunicorn import GunicornHarness
from client_session_conformance.harnesses.wsgi import WSGIHarness
from client_session_conformance.serving import gunicorn_unavailable

GUNICORN_MISSING = gunicorn_unavailable()


class TestWSGIConformance(SessionConformance):
    harness_class = WSGIHarness


class TestFlaskConformance(SessionConformance):
    harness_class = FlaskHarness


@pytest.mark.skipif(GUNICORN_MISSING is not None, reason=str(GUNICORN_MISSING))
@pytest.mark.slow
class TestGunicornConformance(SessionConformance):
    """The middleware in gunicorn's worker process: one gthread worker, the clock mirrored."""

    harness_class = GunicornHarness

"""Conformance harness of client-session-wsgi's middleware in a pre-fork server: gunicorn.

Entry point ``gunicorn``. Needs client-session-wsgi and gunicorn (not on Windows: where it
cannot run, :meth:`GunicornHarness.serve` skips the test). The application is the same
:func:`~client_session_conformance.harnesses.wsgi.contract_app` as the werkzeug harness's,
in the same ``SessionMiddleware``, built in gunicorn's worker by
:func:`contract_app_from_config`; :func:`~client_session_conformance.serving.serve_with_gunicorn`
carries the policy and the clock across.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import pytest

from client_session_conformance import Harness
from client_session_conformance.serving import (
    gunicorn_unavailable,
    read_worker_config,
    serve_with_gunicorn,
)
from client_session_core import Clock, SessionPolicy
from client_session_wsgi import SessionMiddleware

from .wsgi import contract_app

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

__all__ = ["GunicornHarness", "contract_app_from_config"]


def contract_app_from_config(config_path: str) -> WSGIApplication:
    """The worker's application: :func:`contract_app` in the middleware, configured by a file.

    gunicorn calls this factory in its worker with the file that
    :func:`~client_session_conformance.serving.serve_with_gunicorn` wrote.
    """
    config = read_worker_config(config_path)
    return SessionMiddleware(contract_app, config.policy, clock=config.clock)


class GunicornHarness(Harness):
    """A plain WSGI application wrapped in ``SessionMiddleware``, served by gunicorn.

    One arbiter and one ``gthread`` worker of several threads, on 127.0.0.1; the suite's
    clock is mirrored to the worker through a file.
    """

    name = "gunicorn"
    server_joins_cookie_fields_with_commas = True  # gunicorn, as for any header

    @contextmanager
    def serve(self, policy: SessionPolicy, clock: Clock) -> Iterator[str]:
        """Serve the contract with gunicorn until the block ends, then stop it."""
        reason = gunicorn_unavailable()
        if reason is not None:
            pytest.skip(reason)
        factory = f"{__name__}:{contract_app_from_config.__name__}"
        with serve_with_gunicorn(factory, policy, clock) as url:
            yield url

"""Conformance harness of client-session-wsgi's middleware in a pre-fork server: gunicorn.

Entry point ``gunicorn``. Needs client-session-wsgi and gunicorn (not on Windows: where it
cannot run, :meth:`GunicornHarness.serve` skips the test). The application is the same
:func:`~client_session_conformance.harnesses.wsgi.contract_app` as the werkzeug harness's,
in the same ``SessionMiddleware``, built in gunicorn's worker by
:func:`contract_app_from_config`; :func:`~client_session_conformance.serving.serve_with_gunicorn`
carries the policy and the clock across. A key text reaches the worker as a deployment gives it
one: in the ``CLIENT_SESSION_KEYS`` environment variable it inherits, with no policy.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, ClassVar

import pytest

from client_session_conformance import Harness
from client_session_conformance.serving import (
    gunicorn_unavailable,
    keys_in_environment,
    read_worker_config,
    serve_with_gunicorn,
)
from client_session_core import Clock, SessionPolicy
from client_session_wsgi import SessionMiddleware

from .wsgi import ENVIRONMENT, contract_app, with_revocations

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

__all__ = ["GunicornHarness", "contract_app_from_config"]


def contract_app_from_config(config_path: str) -> WSGIApplication:
    """The worker's application: :func:`contract_app` in the middleware, configured by a file.

    gunicorn calls this factory in its worker with the file that
    :func:`~client_session_conformance.serving.serve_with_gunicorn` wrote. Without a policy
    there, the middleware reads its keys from the worker's environment.
    """
    config = read_worker_config(config_path)
    # The worker's own revocations over the same Redis (policy_from_json builds them).
    revocations = None if config.policy is None else config.policy.revocations
    app = with_revocations(contract_app, revocations)
    return SessionMiddleware(app, config.policy, clock=config.clock)


class GunicornHarness(Harness):
    """A plain WSGI application wrapped in ``SessionMiddleware``, served by gunicorn.

    One arbiter and one ``gthread`` worker of several threads, on 127.0.0.1; the suite's
    clock is mirrored to the worker through a file.
    """

    name = "gunicorn"
    server_joins_cookie_fields_with_commas = True  # gunicorn, as for any header

    key_text_options: ClassVar[tuple[str, ...]] = (ENVIRONMENT,)

    def serve(self, policy: SessionPolicy, clock: Clock) -> AbstractContextManager[str]:
        """Serve the contract with gunicorn until the block ends, then stop it."""
        return self._serve(policy, clock)

    @contextmanager
    def serve_with_key_text(self, option: str, key_text: str, clock: Clock) -> Iterator[str]:
        """Serve the contract with gunicorn, its worker's keys in its environment."""
        if option != ENVIRONMENT:
            raise ValueError(f"no key-text option {option!r}")
        with keys_in_environment(key_text), self._serve(None, clock) as url:
            yield url

    @staticmethod
    @contextmanager
    def _serve(policy: SessionPolicy | None, clock: Clock) -> Iterator[str]:
        reason = gunicorn_unavailable()
        if reason is not None:
            pytest.skip(reason)
        factory = f"{__name__}:{contract_app_from_config.__name__}"
        with serve_with_gunicorn(factory, policy, clock) as url:
            yield url

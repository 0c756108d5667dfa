"""The project as a gunicorn worker builds it, from serve_with_gunicorn's configuration file."""

from __future__ import annotations

from typing import Any

from client_session_conformance.serving import read_worker_config


def application_from_config(config_path: str) -> Any:
    """The project's WSGI application, with the test's policy and (mirrored) clock."""
    import django
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application

    config = read_worker_config(config_path)
    # Before setup(): the engine's app builds its codec from the settings when it is ready.
    settings.CLIENT_SESSION_POLICY = config.policy
    settings.CLIENT_SESSION_CLOCK = config.clock
    django.setup()
    return get_wsgi_application()

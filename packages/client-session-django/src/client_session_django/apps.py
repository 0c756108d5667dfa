"""The app: with ``"client_session_django"`` in ``INSTALLED_APPS``, ``manage.py check`` (and
``runserver``, ``migrate``, ``test``) reports every problem of the engine's settings, each an
Error with an id (``client_session.E001`` ...) and a hint.

A server that runs no checks (gunicorn, uvicorn) still stops at start-up on the first problem:
this package's SessionMiddleware builds the codec when Django builds the middleware. Django's
own SessionMiddleware builds nothing before a request, so with it the app builds the codec
here, when Django starts; otherwise a bad setting would be a 500 on every request.
"""

from __future__ import annotations

from django.apps import AppConfig
from django.conf import settings
from django.core import checks

from ._checks import ENGINE, check_settings
from ._settings import DJANGO_MIDDLEWARE, OUR_MIDDLEWARE, session_codec


class ClientSessionConfig(AppConfig):  # type: ignore[misc]
    name = "client_session_django"
    verbose_name = "Encrypted cookie sessions"

    def ready(self) -> None:
        checks.register(check_settings, checks.Tags.security)
        middleware = list(getattr(settings, "MIDDLEWARE", None) or ())
        if (
            settings.SESSION_ENGINE == ENGINE
            and DJANGO_MIDDLEWARE in middleware
            and OUR_MIDDLEWARE not in middleware
        ):
            session_codec()  # ConfigurationError now, with how to fix it, not at each request

"""The optional app: with ``"client_session_django"`` in ``INSTALLED_APPS``, the settings are
checked when Django starts, even with Django's own SessionMiddleware."""

from __future__ import annotations

from django.apps import AppConfig
from django.conf import settings

from ._settings import session_codec


class ClientSessionConfig(AppConfig):  # type: ignore[misc]
    name = "client_session_django"
    verbose_name = "Encrypted cookie sessions"

    def ready(self) -> None:
        if self.name == settings.SESSION_ENGINE:
            session_codec()  # ConfigurationError now, with how to fix it, not at a request

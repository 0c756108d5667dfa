"""Django's system checks for the engine's settings.

``manage.py check`` (and ``runserver``, ``migrate`` and ``test``, which run the checks first)
reports each problem of :func:`~client_session_django._settings.configuration_problems` as an
Error with its id, a message in the project's setting names and a hint saying how to fix it,
as Django reports its own settings' problems. The app registers it
(``"client_session_django"`` in ``INSTALLED_APPS``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

from ._settings import configuration_problems

__all__ = ["check_settings"]

ENGINE = "client_session_django"


def check_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """An Error for each problem of the settings, when ``SESSION_ENGINE`` is this one."""
    if settings.SESSION_ENGINE != ENGINE:
        return []
    return [
        checks.Error(problem.msg, hint=problem.hint, id=problem.id)
        for problem in configuration_problems()
    ]

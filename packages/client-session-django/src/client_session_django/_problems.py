"""A configuration problem of the engine, and the ids ``manage.py check`` reports."""

from __future__ import annotations

from typing import NamedTuple

from client_session_core.adapter import ConfigurationError

__all__ = [
    "BAD_REVOCATIONS",
    "BAD_SETTING",
    "CHUNKS_NEED_OUR_MIDDLEWARE",
    "NO_KEY",
    "POLICY_IGNORES_SETTINGS",
    "WEAK_KEY",
    "WEAK_OLD_KEY",
    "Problem",
]


class Problem(NamedTuple):
    """A configuration problem: what ``manage.py check`` reports (``id``, ``msg``, ``hint``)
    and what start-up raises (:meth:`error`)."""

    id: str
    msg: str
    hint: str

    def error(self) -> ConfigurationError:
        """The :class:`~client_session_core.ConfigurationError` start-up raises for it."""
        return ConfigurationError(f"{self.msg}. {self.hint} ({self.id})")


# The ids, each one kind of problem (docs/django.md, "Configuration problems").
NO_KEY = "client_session.E001"
WEAK_KEY = "client_session.E002"
WEAK_OLD_KEY = "client_session.E003"
BAD_SETTING = "client_session.E004"
POLICY_IGNORES_SETTINGS = "client_session.E005"
CHUNKS_NEED_OUR_MIDDLEWARE = "client_session.E006"
BAD_REVOCATIONS = "client_session.E007"

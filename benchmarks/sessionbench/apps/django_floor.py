"""The AES-GCM floor as a Django session engine: ``SESSION_ENGINE`` names this module.

Django's own ``signed_cookies`` engine with its sealing swapped for the floor's json +
AES-GCM + base64url (:mod:`sessionbench.floor`), run by Django's ``SessionMiddleware`` as
that engine is: what a developer would write to encrypt Django's cookie sessions, with none
of client-session's policy (no expiry inside the cookie, no key ids or rotation, no size
check). Imported by Django, only in the processes of that variant.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.base import SessionBase

from ..floor import AesGcmFloor

__all__ = ["SessionStore"]

_FLOOR = AesGcmFloor()


class SessionStore(SessionBase):
    """The whole session in the cookie (``session_key``), sealed by the floor."""

    def load(self) -> dict[str, Any]:
        opened = _FLOOR.open(self.session_key) if self.session_key else None
        if opened is None:
            self.create()
            return {}
        return opened

    def create(self) -> None:
        self.modified = True

    def save(self, must_create: bool = False) -> None:
        self._session_key = _FLOOR.seal(self._session)
        self.modified = True

    def exists(self, session_key: str | None = None) -> bool:
        return False

    def delete(self, session_key: str | None = None) -> None:
        self._session_key = ""
        self._session_cache = {}
        self.modified = True

    def cycle_key(self) -> None:
        self.save()

    @classmethod
    def clear_expired(cls) -> None:
        pass

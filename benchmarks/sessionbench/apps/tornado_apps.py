"""The counter on Tornado, with each way of keeping a session (one process, Tornado's server)."""

from __future__ import annotations

import json
from typing import Any

from tornado.web import Application, RequestHandler

from ..content import filled_session
from ..floor import AesGcmFloor, cookie_from_header
from . import SECRET, AppOptions

__all__ = ["build_app"]


class BareCounter(RequestHandler):
    """No session: the cost of Tornado alone."""

    def get(self) -> None:
        self.write({"count": 1})


class SessionCounter(RequestHandler):
    """The counter and fill routes over :meth:`load_session` / :meth:`save_session`."""

    def load_session(self) -> dict[str, Any]:
        """The request's session (a subclass keeps it somewhere)."""
        raise NotImplementedError

    def save_session(self, session: dict[str, Any]) -> None:
        """Send ``session`` back with the response."""
        raise NotImplementedError

    def get(self) -> None:
        session = self.load_session()
        if self.request.path == "/fill":
            name = self.get_query_argument("session")
            session.clear()
            session.update(filled_session(name))
            body: dict[str, Any] = {"session": name}
        else:
            body = {"count": session.get("count", 0) + 1}
            session["count"] = body["count"]
        self.save_session(session)
        self.write(body)


class SignedCookieCounter(SessionCounter):
    """Tornado's own: JSON in a signed cookie (``set_signed_cookie``, format v2)."""

    def load_session(self) -> dict[str, Any]:
        raw = self.get_signed_cookie("session", max_age_days=31, min_version=2)
        return json.loads(raw) if raw else {}

    def save_session(self, session: dict[str, Any]) -> None:
        self.set_signed_cookie("session", json.dumps(session), httponly=True, samesite="Lax")


class FloorCounter(SessionCounter):
    """The AES-GCM floor, reading the Cookie header itself (faster than ``http.cookies``)."""

    floor = AesGcmFloor()

    def load_session(self) -> dict[str, Any]:
        sealed = cookie_from_header(self.request.headers.get("Cookie", ""), "session")
        return (sealed and self.floor.open(sealed)) or {}

    def save_session(self, session: dict[str, Any]) -> None:
        cookie = f"session={self.floor.seal(session)}; Path=/; HttpOnly; SameSite=Lax"
        self.add_header("Set-Cookie", cookie)


class OursCounter(SessionCounter):
    """client-session: the adapter's ``SessionMixin`` commits ``self.session`` at ``finish()``."""

    def load_session(self) -> dict[str, Any]:
        return self.session  # type: ignore[attr-defined, no-any-return]

    def save_session(self, session: dict[str, Any]) -> None:
        return None


def _ours_app(options: AppOptions) -> Application:
    from client_session_tornado import KeyRing, SessionMixin, SessionPolicy, generate_key

    handler = type("OursCounter", (SessionMixin, OursCounter), {})
    policy = SessionPolicy(keys=KeyRing([generate_key()]), max_chunks=options.max_chunks)
    return Application([(r"/counter", handler), (r"/fill", handler)], client_session=policy)


def build_app(variant: str, options: AppOptions) -> Application:
    """The counter app of ``variant``: "bare", "ours", "own" or "floor"."""
    if variant == "ours":
        return _ours_app(options)
    handler = {"bare": BareCounter, "own": SignedCookieCounter, "floor": FloorCounter}[variant]
    return Application([(r"/counter", handler), (r"/fill", handler)], cookie_secret=SECRET)

"""The counter on Flask, under each session interface (WSGI, served by gunicorn)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, request, session
from flask.sessions import SecureCookieSession, SessionInterface
from flask.wrappers import Request, Response

from ..content import filled_session
from ..floor import AesGcmFloor
from . import FIXED_SESSION_VALUE, SECRET, AppOptions

__all__ = ["build_app"]


def _counter() -> dict[str, Any]:
    count = session.get("count", 0) + 1
    session["count"] = count
    return {"count": count}


def _fill() -> dict[str, Any]:
    name = request.args["session"]
    session.clear()
    session.update(filled_session(name))
    return {"session": name}


def _bare_counter() -> dict[str, Any]:
    return {"count": 1}


class FloorSessionInterface(SessionInterface):
    """The AES-GCM floor as a Flask session interface."""

    floor = AesGcmFloor()

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession:
        sealed = request.cookies.get("session")
        return SecureCookieSession((sealed and self.floor.open(sealed)) or {})

    def save_session(self, app: Flask, session: Any, response: Response) -> None:
        if session.modified and session:
            sealed = self.floor.seal(dict(session))
            response.set_cookie("session", sealed, httponly=True, samesite="Lax")


def _ours(app: Flask, options: AppOptions) -> None:
    from client_session_wsgi import KeyRing, SessionPolicy, generate_key
    from client_session_wsgi.flask import EncryptedCookieSessionInterface

    if options.max_chunks == 1:
        # The drop-in: one line, and Flask's SECRET_KEY and SESSION_COOKIE_* settings.
        app.secret_key = generate_key()
        app.session_interface = EncryptedCookieSessionInterface()
    else:
        # Chunking is not a Flask setting: a policy of its own (the scaling run).
        policy = SessionPolicy(keys=KeyRing([generate_key()]), max_chunks=options.max_chunks)
        app.session_interface = EncryptedCookieSessionInterface(policy)


def _ours_policy(app: Flask, options: AppOptions, *, revocation: bool = False) -> None:
    # Revocation goes through policy= in Flask: the drop-in's own policy (the one Flask's
    # settings give, as _ours), given as policy=, with revocation on or off.
    import dataclasses

    from client_session_wsgi import generate_key
    from client_session_wsgi.flask import EncryptedCookieSessionInterface

    app.secret_key = generate_key()
    codec = EncryptedCookieSessionInterface().get_codec(app)
    if codec is None:
        raise RuntimeError("the drop-in built no codec")
    policy = codec.policy
    if revocation:
        policy = dataclasses.replace(policy, revocations=options.revocations())
    app.session_interface = EncryptedCookieSessionInterface(policy)


def _ours_revocation(app: Flask, options: AppOptions) -> None:
    _ours_policy(app, options, revocation=True)


def _flask(app: Flask, options: AppOptions) -> None:
    app.secret_key = SECRET


def _flask_session_redis(app: Flask, options: AppOptions) -> None:
    from flask_session import Session  # type: ignore[import-untyped]
    from redis import Redis

    app.config.update(
        SECRET_KEY=SECRET,
        SESSION_TYPE="redis",
        SESSION_REDIS=Redis(host="127.0.0.1", port=options.redis_port_or_fail()),
    )
    Session(app)


def _floor(app: Flask, options: AppOptions) -> None:
    app.session_interface = FloorSessionInterface()


_SESSIONS: dict[str, Callable[[Flask, AppOptions], None]] = {
    "ours": _ours,
    "policy": _ours_policy,
    "revocation": _ours_revocation,
    "own": _flask,
    "redis": _flask_session_redis,
    "floor": _floor,
}


# The drop-in's Set-Cookie for the counter, its value fixed (the "session headers only" row).
_FIXED_SET_COOKIE = f"session={FIXED_SESSION_VALUE}; Path=/; HttpOnly"


def _add_session_headers(response: Response) -> Response:
    response.headers.add("Set-Cookie", _FIXED_SET_COOKIE)
    response.headers.add("Vary", "Cookie")
    return response


def build_app(variant: str, options: AppOptions) -> Flask:
    """The counter app of ``variant`` ("bare", "headers" or a key of the session table)."""
    app = Flask("sessionbench")
    if variant in ("bare", "headers"):
        app.add_url_rule("/counter", view_func=_bare_counter)
        if variant == "headers":
            app.after_request(_add_session_headers)
        return app
    _SESSIONS[variant](app, options)
    app.add_url_rule("/counter", view_func=_counter)
    app.add_url_rule("/fill", view_func=_fill)
    return app

"""The route contract every harness serves, and the session logic of each route.

A harness binds each route of :data:`ROUTES` to its framework and calls the matching
function below with the framework's session object, so that every adapter runs the very
same session code and differs only where the adapter does. Every answer is a JSON object
with status 200, except ``/large`` when the session no longer fits in its cookies: the
adapter then lets :class:`~client_session_core.SessionTooLarge` reach the server, which
answers 500.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ROUTES",
    "Route",
    "append_nested",
    "clear_session",
    "count_visit",
    "end_session",
    "leave_untouched",
    "merge_session",
    "remember_session",
    "start_session",
    "store_blob",
    "view_session",
]

SessionMapping = MutableMapping[str, Any]


@dataclass(frozen=True, slots=True)
class Route:
    """One route of the contract: method, path, and what it does to the session."""

    method: str
    path: str
    behaviour: str


ROUTES: tuple[Route, ...] = (
    Route("GET", "/counter", "count_visit(session): increments session['count'], answers {count}"),
    Route("GET", "/view", "view_session(session): answers the session's content"),
    Route("POST", "/merge", "merge_session(session, body): session.update(JSON object body)"),
    Route("POST", "/clear", "clear_session(session): session.clear(), answers {}"),
    Route("GET", "/untouched", "leave_untouched(): never touches the session, answers {ok: true}"),
    Route("GET", "/nested", "append_nested(session, item): appends ?item= in place"),
    Route("GET", "/large", "store_blob(session, size): session['blob'] = 'x' * ?size="),
    Route(
        "GET",
        "/remember",
        "remember_session(session, seconds): its own idle timeout of ?seconds=, sealed",
    ),
    Route("POST", "/logout", "end_session(end): the framework's own call ends the session"),
    Route(
        "POST",
        "/login",
        "start_session(session, body): a new session by the framework's own call, with body",
    ),
)
"""The routes a :class:`Harness` serves, with the function each one calls."""


def count_visit(session: SessionMapping) -> dict[str, Any]:
    """``GET /counter``: one more visit; answers ``{"count": n}``."""
    count = session.get("count", 0) + 1
    session["count"] = count
    return {"count": count}


def view_session(session: SessionMapping) -> dict[str, Any]:
    """``GET /view``: answers the session's content (a read: the response varies on Cookie)."""
    return dict(session.items())


def merge_session(session: SessionMapping, body: Mapping[str, Any]) -> dict[str, Any]:
    """``POST /merge``: ``session.update(body)`` with the request's JSON object.

    Answers the session's content.
    """
    session.update(body)
    return dict(session.items())


def clear_session(session: SessionMapping) -> dict[str, Any]:
    """``POST /clear``: empties the session, which deletes its cookie; answers ``{}``."""
    session.clear()
    return {}


def leave_untouched() -> dict[str, Any]:
    """``GET /untouched``: never touches the session; answers ``{"ok": true}``."""
    return {"ok": True}


def append_nested(session: SessionMapping, item: str) -> dict[str, Any]:
    """``GET /nested?item=X``: appends X to ``session["nested"]["items"]`` in place.

    The write goes into a list inside the session, never through the session's own
    ``__setitem__`` after the first request, so only an adapter that compares content at
    commit time saves it.
    """
    if "nested" not in session:
        session["nested"] = {"items": []}
    session["nested"]["items"].append(item)
    return dict(session.items())


def store_blob(session: SessionMapping, size: int) -> dict[str, Any]:
    """``GET /large?size=N``: stores ``"x" * N`` under ``"blob"``; answers ``{"size": N}``."""
    session["blob"] = "x" * size
    return {"size": size}


def remember_session(
    session: SessionMapping, seconds: int, set_idle_timeout: Callable[[int], None] | None = None
) -> dict[str, Any]:
    """``GET /remember?seconds=N``: gives this session its own idle timeout of N seconds
    ("remember me"), sealed in its cookie, and stores ``session["remembered"] = N``.

    ``set_idle_timeout`` is how the adapter sets it, for a session object that is not the
    core's: by default ``session.set_lifetime(idle_timeout=N)`` (the core's ``Session``, as
    ASGI, WSGI, Flask and Tornado hand out); aiohttp passes its session's ``core``, Django
    ``request.session.set_expiry``. Answers ``{"remembered": N}``.
    """
    session["remembered"] = seconds
    if set_idle_timeout is None:
        session.set_lifetime(idle_timeout=seconds)  # type: ignore[attr-defined]
    else:
        set_idle_timeout(seconds)
    return {"remembered": seconds}


def end_session(end: Callable[[], object]) -> dict[str, Any]:
    """``POST /logout``: ends the session with ``end``, the framework's own call for a logout;
    answers ``{}``.

    ``end`` is what an application calls, not a shortcut around it: ``session.clear`` for a
    session that is a mapping and nothing more (the core's ``Session``, as ASGI, WSGI, Flask
    and Tornado hand out), Django's ``request.session.flush``, aiohttp-session's
    ``session.invalidate``. The response deletes the cookie, and the browser's next request
    is a new session.
    """
    end()
    return {}


def start_session(session: SessionMapping, body: Mapping[str, Any]) -> dict[str, Any]:
    """``POST /login``: fills ``session``, a new session the harness has just started with the
    framework's own call, with the request's JSON object; answers the session's content.

    The harness starts it as an application does at a login, replacing the old session:
    ``session.clear()`` (the core's ``Session``, Flask's), Django's
    ``request.session.flush()``, aiohttp-session's ``await new_session(request)`` (then
    ``session`` is the one it returns). The new cookie holds ``body`` alone, and a new
    session lifetime: its absolute lifetime starts again.
    """
    session.update(body)
    return dict(session.items())

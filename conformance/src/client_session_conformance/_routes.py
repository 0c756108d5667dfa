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
from typing import TYPE_CHECKING, Any

from client_session_core import Session

if TYPE_CHECKING:
    from client_session_core.revocation import Revocations

__all__ = [
    "ROUTES",
    "Route",
    "append_nested",
    "arevoke_session",
    "arevoke_user",
    "clear_session",
    "count_visit",
    "end_session",
    "leave_untouched",
    "merge_session",
    "regenerate_session",
    "remember_session",
    "revoke_session",
    "revoke_user",
    "start_session",
    "store_blob",
    "view_session",
    "who_is",
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
    Route(
        "POST",
        "/logout",
        "revoke_session(revocations, session), then end_session(end): the framework's own "
        "call ends the session",
    ),
    Route(
        "POST",
        "/login",
        "start_session(session, body): a new session by the framework's own call, with body",
    ),
    Route(
        "POST",
        "/regenerate",
        "regenerate_session(session, user, regenerate): a new identity, the data kept, bound "
        "to ?user=; answers {id, user}",
    ),
    Route(
        "POST",
        "/logout-everywhere",
        "revoke_user(revocations, session), then end_session(end): every session of the user",
    ),
    Route("GET", "/whoami", "who_is(session): answers the session's {id, user}"),
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
    is a new session. With revocations in the policy, the harness first calls
    :func:`revoke_session` (or :func:`revoke_user` for ``/logout-everywhere``), so that a copy
    of the cookie taken before is refused too, by every server sharing the store.
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


def _core(session: SessionMapping) -> Session:
    # Frameworks type their session as a dict (Starlette) or their own mixin (Flask): the
    # object is the core's Session all the same, checked here.
    if not isinstance(session, Session):
        raise TypeError(
            f"this route needs the core's Session, not {type(session).__name__}: pass the "
            "adapter's (Django's request.session.core, aiohttp-session's session.core)"
        )
    return session


def who_is(session: SessionMapping) -> dict[str, Any]:
    """``GET /whoami``: answers ``{"id": session.id, "user": session.user_id}`` of the core's
    ``Session`` (Django's ``request.session.core``, aiohttp-session's ``session.core``).

    A read: a new session answers an id of its own, which no cookie holds until it has
    content."""
    core = _core(session)
    return {"id": core.id, "user": core.user_id}


def regenerate_session(
    session: SessionMapping, user: str, regenerate: Callable[[], object] | None = None
) -> dict[str, Any]:
    """``POST /regenerate?user=U``: a login that keeps the data (the defence against session
    fixation): ``regenerate()``, then ``session.bind_user(U)``; answers :func:`who_is`.

    ``regenerate`` is the framework's own call for a new identity that keeps the data:
    ``session.regenerate`` by default (the core's ``Session``, as ASGI, WSGI, Flask, Tornado
    and Litestar hand out), Django's ``request.session.cycle_key``; aiohttp-session's
    ``new_session`` empties the session, so its harness passes ``session.core.regenerate``.
    ``session`` is the core's ``Session`` in every case. The cookie the browser held before is
    not this session: its id is the old one, and it is bound to no user.
    """
    core = _core(session)
    if regenerate is None:
        core.regenerate()
    else:
        regenerate()
    core.bind_user(user)
    return who_is(core)


def revoke_session(revocations: Revocations | None, session: SessionMapping) -> None:
    """The first half of ``POST /logout``: when the policy has ``revocations``, refuse every
    copy of ``session``'s cookie everywhere (``revocations.revoke(session)``, the core's
    ``Session``: the id its cookie carried, kept until no copy can be alive), before the
    framework's own call ends the session. Nothing without revocations.

    Blocks on the store: an async harness calls :func:`arevoke_session`."""
    core = _core(session)
    if revocations is not None:
        revocations.revoke(core)


async def arevoke_session(revocations: Revocations | None, session: SessionMapping) -> None:
    """:func:`revoke_session` for an async framework: the store is written in a worker thread
    (``await revocations.arevoke(session)``), so that the event loop never waits on it."""
    core = _core(session)
    if revocations is not None:
        await revocations.arevoke(core)


def revoke_user(revocations: Revocations | None, session: SessionMapping) -> None:
    """The first half of ``POST /logout-everywhere``: when the policy has ``revocations`` and
    a user is bound to ``session``, refuse every session of that user created before now
    (``revocations.revoke_user(session.user_id)``), before the framework's own call ends this
    one. A login after it is accepted. Blocks on the store: an async harness calls
    :func:`arevoke_user`."""
    user = _core(session).user_id
    if revocations is not None and user is not None:
        revocations.revoke_user(user)


async def arevoke_user(revocations: Revocations | None, session: SessionMapping) -> None:
    """:func:`revoke_user` for an async framework (``revocations.arevoke_user``)."""
    user = _core(session).user_id
    if revocations is not None and user is not None:
        await revocations.arevoke_user(user)

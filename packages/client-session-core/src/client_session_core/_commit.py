"""When a response carries ``Set-Cookie``: the decision, and what it tells the adapter.

:func:`decide` is the table "When a response carries Set-Cookie" of ``docs/policy.md``, row
for row; the codec carries out the :class:`Action` it returns, and hands the adapter a
:class:`Commit`.
"""

from __future__ import annotations

import enum
from typing import NamedTuple

from ._errors import InvalidReason
from ._lifetime import Lifetime
from ._session import Session

__all__ = ["Action", "Commit", "decide"]


class Action(enum.Enum):
    """What a response does with the session cookie (the rows of ``docs/policy.md``)."""

    NOTHING = "nothing"
    """The session was not used: no header at all."""
    DELETE = "delete"
    """The session was emptied, or a refused cookie is cleared: delete the cookie (and its
    chunks) with the same Path, Domain and flags."""
    VARY = "vary"
    """The session was used and is unchanged, and no renewal is due: ``Vary: Cookie`` only."""
    RESEAL = "reseal"
    """Seal the session again with its ``created_at``: it changed, its renewal is due
    (sliding expiry), or it was opened with an older key of the ring."""
    START = "start"
    """Seal a session that starts now (``created_at`` is now): a new session that holds
    something, or one cleared and filled again (as after a logout and a login)."""


def decide(
    session: Session, content: bytes | None, lifetime: Lifetime, now: int, clear_invalid: bool
) -> Action:
    """The :class:`Action` for ``session`` at ``now``, whose content serializes to
    ``content`` (``b""`` when empty; None when the session was not used)."""
    origin = session.origin
    # An old format's authentic cookie too large to reseal is this application's and of no
    # use to anyone: deleted even where refused cookies are otherwise left alone (Flask).
    clear_refused = clear_invalid or origin.rejected is InvalidReason.TOO_LARGE
    if content is None:
        refused_cookie_to_clear = origin.rejected is not None and clear_refused
        return Action.DELETE if refused_cookie_to_clear else Action.NOTHING
    if not content:
        if origin.cookie_present and (origin.rejected is None or clear_refused):
            return Action.DELETE
        return Action.VARY
    if origin.plaintext is None or session.was_cleared:
        return Action.START
    if (
        session.changed(content)
        or origin.needs_rekey
        or lifetime.renewal_due(origin.issued_at, now, session.sealed_lifetime)
    ):
        return Action.RESEAL
    return Action.VARY


class Commit(NamedTuple):
    """What a response must carry for its session, and the session as it was decided on.

    ``set_cookie`` holds zero or more ``Set-Cookie`` header values, each to be sent as its
    own header. ``vary_cookie`` is true when the response depends on the Cookie header (the
    session was used, or a cookie is set): add ``Vary: Cookie`` (:func:`vary_with_cookie`)
    so that no shared cache serves one user's response, or cookie, to another.

    ``content``, ``persistent``, ``forced`` and ``lifetime`` record the session as the
    commit saw it, so that an adapter whose headers are already sent can tell a later
    change, which no response will carry any more (:meth:`missed_change`).
    """

    set_cookie: tuple[str, ...] = ()
    vary_cookie: bool = False
    action: Action = Action.NOTHING
    """The row of ``docs/policy.md`` that applied."""
    content: bytes | None = None
    """The serialized session (``b""`` when empty); None when it was not used."""
    persistent: bool = False
    forced: bool = False
    unwritable: bool = False
    """The cookie opened to content the serializer cannot write back: it was left as it is."""
    lifetime: tuple[int, int] | None = None
    """The session's own lifetime as sealed (``Session.sealed_lifetime``)."""

    def missed_change(self, session: Session) -> bool:
        """True when ``session`` changed after this commit was made for it."""
        if self.unwritable:
            return False  # nothing of it could be saved: the commit said so once
        if self.content is None:
            return session.modified  # unused then: any change since is one
        if session.forced and not self.forced:
            return True
        try:
            content = session.serialized()
        except (TypeError, ValueError):
            return True
        return (
            content != self.content
            or session.persistent != self.persistent
            or session.sealed_lifetime != self.lifetime
        )


def commit_of(
    *,
    set_cookie: tuple[str, ...] = (),
    vary_cookie: bool = False,
    action: Action = Action.NOTHING,
    content: bytes | None = None,
    persistent: bool = False,
    forced: bool = False,
    unwritable: bool = False,
    lifetime: tuple[int, int] | None = None,
) -> Commit:
    """``Commit(...)`` with the same keywords, for the codec's request path.

    A named tuple's own ``__new__`` is Python code that the compiled build cannot compile
    (about 14 interpreted opcodes a request); ``tuple.__new__`` here runs in C. The fields
    are in the class's order, which a test checks against ``Commit``'s.
    """
    fields = (set_cookie, vary_cookie, action, content, persistent, forced, unwritable, lifetime)
    return tuple.__new__(Commit, fields)

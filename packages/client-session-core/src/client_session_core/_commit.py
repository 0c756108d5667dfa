"""When a response carries ``Set-Cookie``: the decision, and what it tells the adapter.

:func:`decide` is the table "When a response carries Set-Cookie" of ``docs/policy.md``, row
for row; the codec carries out the :class:`Action` it returns, and hands the adapter a
:class:`Commit`.
"""

from __future__ import annotations

import enum
from typing import Final

from ._errors import InvalidReason
from ._lifetime import Lifetime
from ._session import SessionState

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
    """Seal the session again with its ``created_at`` and identity: it changed, its renewal
    is due (sliding expiry), it was opened with an older key of the ring, or from a cookie
    sealed without an identity (which it gets now)."""
    START = "start"
    """Seal a session that starts now (``created_at`` is now): a new session that holds
    something, one cleared and filled again (as after a logout and a login), or one
    regenerated (a new identity, at login)."""


# The members as module constants: the compiled build reads a Final name from a C global,
# where ``Action.START`` is an attribute lookup on the enum class, on every request.
NOTHING: Final = Action.NOTHING
DELETE: Final = Action.DELETE
VARY: Final = Action.VARY
RESEAL: Final = Action.RESEAL
START: Final = Action.START
_TOO_LARGE: Final = InvalidReason.TOO_LARGE


def decide(
    state: SessionState, content: bytes | None, lifetime: Lifetime, now: int, clear_invalid: bool
) -> Action:
    """The :class:`Action` for the session of ``state`` at ``now``, whose content serializes
    to ``content`` (``b""`` when empty; None when the session was not used)."""
    origin = state.origin
    # An old format's authentic cookie too large to reseal is this application's and of no
    # use to anyone: deleted even where refused cookies are otherwise left alone (Flask).
    clear_refused = clear_invalid or origin.rejected is _TOO_LARGE
    if content is None:
        refused_cookie_to_clear = origin.rejected is not None and clear_refused
        return DELETE if refused_cookie_to_clear else NOTHING
    if not content:
        if origin.cookie_present and (origin.rejected is None or clear_refused):
            return DELETE
        return VARY
    if origin.plaintext is None or state.cleared or state.regenerated:
        return START
    if (
        state.differs(content)
        or origin.needs_rekey
        or origin.session_id is None
        or lifetime.renewal_due(origin.issued_at, now, state.lifetime)
    ):
        return RESEAL
    return VARY


class Commit:
    """What a response must carry for its session.

    ``set_cookie`` holds zero or more ``Set-Cookie`` header values, each to be sent as its
    own header. ``vary_cookie`` is true when the response depends on the Cookie header (the
    session was used, or a cookie is set): add ``Vary: Cookie`` (:func:`vary_with_cookie`)
    so that no shared cache serves one user's response, or cookie, to another. ``action``
    is the row of ``docs/policy.md`` that applied.

    A change made to the session after its commit is the session's to tell
    (``session.modified``), not the commit's.
    """

    __slots__ = ("action", "set_cookie", "vary_cookie")

    def __init__(
        self,
        *,
        set_cookie: tuple[str, ...] = (),
        vary_cookie: bool = False,
        action: Action = Action.NOTHING,
    ) -> None:
        self.set_cookie = set_cookie
        self.vary_cookie = vary_cookie
        self.action = action

    def __repr__(self) -> str:
        return (
            f"Commit(set_cookie={self.set_cookie!r}, vary_cookie={self.vary_cookie!r}, "
            f"action={self.action!r})"
        )

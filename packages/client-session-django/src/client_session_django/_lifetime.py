"""Per-session lifetime: Django's ``set_expiry``, on the core's own-lifetime header.

Django keeps a session's own expiry in its data, under ``_session_expiry``. Here it is the
core's per-session lifetime instead (``Session.set_lifetime``), sealed in the cookie's
authenticated header and enforced by the core on every load, before decryption, from the
header's timestamps and the injected clock:

- ``N`` seconds: the session's idle timeout is N (refused once ``now - issued_at >= N``);
  each write (a change, or the sliding renewal after a quarter of N) issues it again.
- a ``datetime`` (or a ``timedelta`` from now): the session's absolute lifetime ends then,
  to the second (``deadline - created_at``), however active the session is.
- ``0``: a browser-session cookie under the policy's lifetimes.
- ``None``: the policy's lifetimes and persistence.

The policy's ``max_session_lifetime`` is the ceiling: ``CLIENT_SESSION_MAX_SESSION_LIFETIME``;
unset, the absolute lifetime (``CLIENT_SESSION_ABSOLUTE_LIFETIME``: by default 30 days, or
``SESSION_COOKIE_AGE`` when longer); with ``CLIENT_SESSION_ABSOLUTE_LIFETIME = None``,
``SESSION_COOKIE_AGE``. ``set_expiry`` refuses a longer lifetime rather than promise one the
server would cut short, and its error names the setting that sets the ceiling.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

from django.conf import settings

from client_session_core.adapter import Session, SessionCodec, SessionPolicy

__all__ = ["EXPIRY_KEY", "apply_expiry", "legacy_lifetime"]

EXPIRY_KEY = "_session_expiry"
"""Where Django's own engines keep ``set_expiry``'s value (read from legacy cookies)."""


def _is_seconds(value: object) -> bool:
    # bool is an int subclass, but set_expiry(True) is a mistake.
    return isinstance(value, int) and not isinstance(value, bool)


def _created_at(session: Session, now: int) -> int:
    # The created_at the next seal will carry: the cookie's, or now for a new session (or
    # one cleared or regenerated in this request, which starts again).
    if session.new or session.was_cleared or session.regenerated:
        return now
    return session.origin.created_at


def apply_expiry(session: Session, value: object, codec: SessionCodec) -> None:
    """Carry out ``set_expiry(value)`` on the core's ``session``.

    ValueError for a lifetime over the policy's ceiling or a negative one; TypeError for a
    value of another type.
    """
    policy = codec.policy
    ceiling = policy.session_lifetime_ceiling
    now = codec.clock()
    if value is None:
        session.reset_lifetime()
        session.persistent = policy.persistent
        return
    if isinstance(value, timedelta):
        value = datetime.fromtimestamp(now, tz=timezone.utc) + value
    if isinstance(value, datetime):
        # A naive datetime is local time, as Django's timezone.now() gives with USE_TZ=False.
        deadline = value.timestamp()
        created_at = _created_at(session, int(now))
        # Whole seconds, rounded down: the server never keeps the session past the moment.
        # A moment already past leaves one second, so the next request finds it expired.
        absolute = max(1, math.floor(deadline - created_at))
        if absolute > ceiling:
            raise ValueError(
                f"set_expiry({value.isoformat()!r}) is {absolute} s after the session "
                f"began, over the longest session lifetime, {ceiling} s: "
                f"{_ceiling_in_words(policy)}; raise {_raise(policy)}, or choose a nearer date"
            )
        session.set_lifetime(absolute_lifetime=absolute)
        session.persistent = True
        return
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not _is_seconds(value):
        raise TypeError(
            "set_expiry takes whole seconds (0 for a browser-session cookie), a datetime, a "
            f"timedelta or None, not {value!r}"
        )
    seconds: int = value  # type: ignore[assignment]
    if seconds == 0:
        session.reset_lifetime()
        session.persistent = False
        return
    if seconds < 0:
        raise ValueError(
            f"set_expiry({seconds}) is negative: give 0 or more seconds (0 for a "
            "browser-session cookie), or a datetime to end the session at a given moment"
        )
    if seconds > ceiling:
        raise ValueError(
            f"set_expiry({seconds}) is longer than the longest session lifetime, {ceiling} s: "
            f"{_ceiling_in_words(policy)}; raise {_raise(policy)}, or choose a shorter one"
        )
    session.set_lifetime(idle_timeout=seconds)
    session.persistent = True


def _ceiling_in_words(policy: SessionPolicy) -> str:
    """Which setting gives ``policy.session_lifetime_ceiling``, in the project's words."""
    if getattr(settings, "CLIENT_SESSION_POLICY", None) is not None:
        if policy.max_session_lifetime is not None:
            return "CLIENT_SESSION_POLICY's max_session_lifetime"
        field = "absolute_lifetime" if policy.absolute_lifetime is not None else "idle_timeout"
        return f"CLIENT_SESSION_POLICY's {field}, as its max_session_lifetime is None"
    if policy.max_session_lifetime is not None:
        return "CLIENT_SESSION_MAX_SESSION_LIFETIME"
    if policy.absolute_lifetime is not None:
        default = (
            ""
            if settings.is_overridden("CLIENT_SESSION_ABSOLUTE_LIFETIME")
            else " (by default 30 days, or SESSION_COOKIE_AGE when longer)"
        )
        return (
            f"the absolute lifetime, CLIENT_SESSION_ABSOLUTE_LIFETIME{default}, as "
            "CLIENT_SESSION_MAX_SESSION_LIFETIME is unset"
        )
    return (
        "SESSION_COOKIE_AGE, as CLIENT_SESSION_MAX_SESSION_LIFETIME is unset and "
        "CLIENT_SESSION_ABSOLUTE_LIFETIME is None"
    )


def _raise(policy: SessionPolicy) -> str:
    # What lets set_expiry give longer lifetimes (to some sessions, not all of them).
    if getattr(settings, "CLIENT_SESSION_POLICY", None) is not None:
        return "the policy's max_session_lifetime"
    return "CLIENT_SESSION_MAX_SESSION_LIFETIME (the longest lifetime set_expiry may give)"


def legacy_lifetime(expiry: object, signed_at: int) -> tuple[int, int] | None:
    """The sealed lifetime (idle, absolute; 0 for none) of a session whose cookie, written by
    one of Django's own engines at ``signed_at``, held ``_session_expiry = expiry``.

    The core reseals such a session with ``signed_at`` as its ``created_at`` and its
    ``issued_at``, so both count from there, as Django counted them from the last save:
    seconds of inactivity from the signature, a date as the seconds from the signature to it
    (already past, the core finds it expired). The core cuts it to the policy's ceiling.

    ValueError for a date not after the signature, or a value ``set_expiry`` never stores:
    the cookie then does not open.
    """
    if expiry is None or (_is_seconds(expiry) and expiry == 0):
        return None  # the policy's lifetimes (0: a browser-session cookie)
    if _is_seconds(expiry) and expiry > 0:  # type: ignore[operator]
        return (expiry, 0)  # type: ignore[return-value]
    if isinstance(expiry, str):  # Django's engines store a date as ISO 8601
        absolute = math.floor(datetime.fromisoformat(expiry).timestamp() - signed_at)
        if absolute > 0:
            return (0, absolute)
        raise ValueError("its set_expiry date is not after it was signed")
    raise ValueError(f"unexpected {EXPIRY_KEY} of type {type(expiry).__name__}")

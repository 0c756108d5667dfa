"""Per-session lifetime: Django's ``set_expiry``, enforced by the server.

Django keeps a session's own expiry in its data, under ``_session_expiry``: whole seconds of
inactivity (``3600``), an ISO 8601 date and time (from a ``datetime`` or ``timedelta``), or
``0`` for a cookie that ends with the browser. Here the data is inside the sealed,
authenticated payload, so the value cannot be changed by the client, and the server enforces
it on every load, from the issue time in the sealed header and the injected clock:

- ``N`` seconds: the session is refused once ``now - issued_at >= N``; each write (a change,
  or the sliding renewal after a quarter of ``N``) issues it again.
- a date: refused from that instant on, however active the session is.
- ``0`` or absent: the policy's idle and absolute lifetimes alone, as for every session.

The policy's idle timeout (``SESSION_COOKIE_AGE``) stays the ceiling, checked by the core
before decryption: ``set_expiry`` refuses a longer lifetime rather than promise one that the
core would cut short. The cookie's ``Max-Age`` is the time left under the same rule: the
session is committed by a codec whose policy has the session's lifetime as idle timeout.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from datetime import datetime, timedelta, timezone
from typing import Any

from client_session_core import ConfigurationError, Session, SessionCodec

__all__ = ["EXPIRY_KEY", "codec_for", "enforce_expiry", "expiry_value", "lifetime_ceiling"]

EXPIRY_KEY = "_session_expiry"
logger = logging.getLogger("client_session")


def _is_seconds(value: object) -> bool:
    # bool is an int subclass, but set_expiry(True) is a mistake.
    return isinstance(value, int) and not isinstance(value, bool)


def _deadline(expiry: object, issued_at: int) -> float | None:
    """When a session issued at ``issued_at`` with this expiry stops opening; None: no limit
    of its own. ValueError for a value ``set_expiry`` never stores."""
    if expiry is None or (_is_seconds(expiry) and expiry == 0):
        return None
    if _is_seconds(expiry) and expiry > 0:  # type: ignore[operator]
        return float(issued_at + expiry)  # type: ignore[operator]
    if isinstance(expiry, str):
        return _timestamp(datetime.fromisoformat(expiry))
    raise ValueError(f"unexpected {EXPIRY_KEY} of type {type(expiry).__name__}")


def _timestamp(moment: datetime) -> float:
    # A naive datetime is local time, as Django's timezone.now() gives with USE_TZ = False.
    return moment.timestamp()


def enforce_expiry(session: Session, now: float) -> None:
    """Empty ``session`` when its own lifetime has run out at ``now``.

    The emptied session deletes the cookie on the response, as the core does for a cookie it
    refuses; the reason is logged once at DEBUG, without the cookie's content.
    """
    if session.new:
        return
    # dict.get: looking does not count as the application's use of the session.
    expiry = dict.get(session, EXPIRY_KEY)
    if expiry is None:
        return
    try:
        deadline = _deadline(expiry, session.origin.issued_at)
    except ValueError:
        deadline = float("-inf")  # written by something else than set_expiry: refuse it
    if deadline is not None and now >= deadline:
        logger.debug("session cookie refused: its own lifetime (set_expiry) has run out")
        session.clear()


def lifetime_ceiling(codec: SessionCodec) -> int:
    """The longest lifetime a session can have: the policy's idle timeout, else its absolute
    lifetime (one of them is always set)."""
    policy = codec.policy
    ceiling = policy.idle_timeout if policy.idle_timeout is not None else policy.absolute_lifetime
    if ceiling is None:  # SessionPolicy refuses both None; a hand-made codec could still try
        raise ConfigurationError("a session policy needs idle_timeout or absolute_lifetime")
    return ceiling


def expiry_value(value: int | float | datetime | timedelta, now: float, ceiling: int) -> Any:
    """What ``set_expiry(value)`` stores under ``_session_expiry``, as Django stores it.

    ValueError for a lifetime the policy's ceiling would cut short, or a negative one;
    TypeError for a value of another type.
    """
    if isinstance(value, timedelta):
        value = datetime.fromtimestamp(now, tz=timezone.utc) + value
    if isinstance(value, datetime):
        if _timestamp(value) - now > ceiling:
            raise ValueError(
                f"set_expiry({value.isoformat()!r}) is more than the longest session lifetime "
                f"({ceiling} s, SESSION_COOKIE_AGE) from now: raise SESSION_COOKIE_AGE, or "
                "choose a nearer date"
            )
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not _is_seconds(value):
        raise TypeError(
            "set_expiry takes whole seconds (0 for a browser-session cookie), a datetime, a "
            f"timedelta or None, not {value!r}"
        )
    if value < 0 or value > ceiling:
        raise ValueError(
            f"set_expiry({value}) is outside 0 .. {ceiling} seconds, the longest session "
            "lifetime (SESSION_COOKIE_AGE): raise SESSION_COOKIE_AGE, or choose a shorter one"
        )
    return value


def codec_for(codec: SessionCodec, expiry: object, now: float) -> SessionCodec:
    """The codec that commits a session with this ``_session_expiry`` at ``now``.

    The same keys, cookie and rules, with the session's own lifetime as the idle timeout, so
    that its ``Max-Age`` and its sliding renewal follow that lifetime.
    """
    if _is_seconds(expiry) and expiry > 0:  # type: ignore[operator]
        lifetime: int = expiry  # type: ignore[assignment]
    elif isinstance(expiry, str):
        try:
            remaining = _timestamp(datetime.fromisoformat(expiry)) - now
        except ValueError:
            return codec
        lifetime = max(1, int(remaining))  # whole seconds left, rounded down
    else:
        return codec
    return _codec_with_idle(codec, min(lifetime, lifetime_ceiling(codec)))


@functools.lru_cache(maxsize=64)
def _codec_with_idle(codec: SessionCodec, idle: int) -> SessionCodec:
    # A few distinct lifetimes per site ("remember me" or not): each codec is built once.
    policy = codec.policy
    absolute = policy.absolute_lifetime
    if absolute is not None and idle > absolute:
        idle = absolute
    return SessionCodec(dataclasses.replace(policy, idle_timeout=idle), clock=codec.clock)

"""How long a session lives: expiry, renewal and the cookie's Max-Age.

Every rule here reads the timestamps sealed in the cookie's authenticated header
(``created_at``, ``issued_at``) and the injected clock, never what the browser says about
the cookie's age. ``docs/policy.md`` ("Expiry, enforced on the server") is the table these
rules implement.
"""

from __future__ import annotations

from ._errors import InvalidReason, InvalidSession
from ._policy import SessionPolicy

__all__ = ["MAX_AGE_CAP", "Lifetime"]

# RFC 6265bis section 5.6.2: browsers cap a cookie's Max-Age at 400 days.
MAX_AGE_CAP = 400 * 24 * 3600


class Lifetime:
    """The policy's lifetime rules: when a session expires, when it is renewed, and the
    ``Max-Age`` its cookie carries. Built once per codec from a :class:`SessionPolicy`."""

    __slots__ = ("absolute", "idle", "not_before", "renew_after", "skew")

    def __init__(self, policy: SessionPolicy) -> None:
        self.idle = policy.idle_timeout
        self.absolute = policy.absolute_lifetime
        self.not_before = policy.not_before
        self.skew = policy.clock_skew
        # Seconds after its issue when a session in use is re-issued; None: never on a
        # schedule (without an idle timeout nothing slides, and renew_after=None says so).
        self.renew_after = (
            None
            if self.idle is None or policy.renew_after is None
            else policy.renew_after * self.idle
        )

    def check(self, created_at: int, issued_at: int, now: int) -> None:
        """:class:`InvalidSession` unless a cookie with these timestamps is alive ``now``."""
        if issued_at > now + self.skew or created_at > issued_at:
            raise InvalidSession(InvalidReason.FROM_THE_FUTURE)
        if self.not_before is not None and created_at < self.not_before:
            raise InvalidSession(InvalidReason.NOT_BEFORE)
        if self.absolute is not None and now - created_at >= self.absolute:
            raise InvalidSession(InvalidReason.EXPIRED_ABSOLUTE)
        if self.idle is not None and now - issued_at >= self.idle:
            raise InvalidSession(InvalidReason.EXPIRED_IDLE)

    def renewal_due(self, issued_at: int, now: int) -> bool:
        """Whether a session last issued at ``issued_at`` should be re-issued ``now``."""
        return self.renew_after is not None and now - issued_at >= self.renew_after

    def created_at(self, created_at: int, now: int) -> int:
        """The ``created_at`` to seal again ``now`` for a session created at ``created_at``.

        A session sealed by a server whose clock runs ahead (within the allowed skew) cannot
        have begun after it is issued: its absolute lifetime then counts from now.
        """
        return now if created_at > now else created_at

    def max_age(self, created_at: int, now: int) -> int:
        """Seconds from ``now`` until the server refuses a session created at ``created_at``
        and issued now: the cookie's ``Max-Age``, at most the 400 days browsers keep."""
        if self.absolute is None:
            remaining = self.idle if self.idle is not None else MAX_AGE_CAP
        else:
            remaining = created_at + self.absolute - now
            if self.idle is not None and self.idle < remaining:
                remaining = self.idle
        return max(0, min(remaining, MAX_AGE_CAP))

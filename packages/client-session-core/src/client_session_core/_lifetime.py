"""How long a session lives: expiry, renewal and the cookie's Max-Age.

Every rule here reads the timestamps sealed in the cookie's authenticated header
(``created_at``, ``issued_at``) and the injected clock, never what the browser says about
the cookie's age. ``docs/policy.md`` ("Expiry, enforced on the server") is the table these
rules implement.
"""

from __future__ import annotations

from typing import Final

from ._errors import InvalidReason, InvalidSession, LifetimeTooLong
from ._policy import SessionPolicy

__all__ = ["MAX_AGE_CAP", "Lifetime"]

OwnLifetime = tuple[int, int]
"""A session's own lifetime as sealed: (idle, absolute) seconds, 0 meaning none."""

# RFC 6265bis section 5.6.2: browsers cap a cookie's Max-Age at 400 days.
MAX_AGE_CAP: Final = 400 * 24 * 3600


class Lifetime:
    """The policy's lifetime rules: when a session expires, when it is renewed, and the
    ``Max-Age`` its cookie carries. Built once per codec from a :class:`SessionPolicy`.

    A session with its own lifetime (``Session.set_lifetime``, sealed in the header with
    flag bit 1) is held to its own idle and absolute seconds instead of the policy's, and,
    whatever they say, to ``ceiling``: no such session outlives the policy's
    ``max_session_lifetime`` counted from its ``created_at``. The ceiling is applied when
    the cookie is read, so lowering it shortens sessions already sealed with more.
    """

    __slots__ = ("absolute", "ceiling", "fraction", "idle", "not_before", "renew_after", "skew")

    def __init__(self, policy: SessionPolicy) -> None:
        self.idle = policy.idle_timeout
        self.absolute = policy.absolute_lifetime
        self.not_before = policy.not_before_seconds
        self.skew = policy.clock_skew
        self.ceiling = policy.session_lifetime_ceiling
        self.fraction = policy.renew_after
        # Seconds after its issue when a session in use is re-issued; None: never on a
        # schedule (without an idle timeout nothing slides, and renew_after=None says so).
        self.renew_after = (
            None
            if self.idle is None or policy.renew_after is None
            else policy.renew_after * self.idle
        )

    def check(
        self, created_at: int, issued_at: int, now: int, own: OwnLifetime | None = None
    ) -> None:
        """:class:`InvalidSession` unless a cookie with these timestamps (and this own
        lifetime, if it has one) is alive ``now``."""
        if issued_at > now + self.skew or created_at > issued_at:
            raise InvalidSession(InvalidReason.FROM_THE_FUTURE)
        if self.not_before is not None and created_at < self.not_before:
            raise InvalidSession(InvalidReason.NOT_BEFORE)
        if own is None:
            absolute, idle = self.absolute, self.idle
        else:
            absolute, idle = self._own_absolute(own), own[0] or None
        if absolute is not None and now - created_at >= absolute:
            raise InvalidSession(InvalidReason.EXPIRED_ABSOLUTE)
        if idle is not None and now - issued_at >= idle:
            raise InvalidSession(InvalidReason.EXPIRED_IDLE)

    def within_ceiling(self, own: OwnLifetime) -> OwnLifetime:
        """A cookie's own lifetime cut to the ceiling: the lifetime it is held to now. A
        cookie sealed under a higher ceiling (lowered since, or another server's) is read
        and resealed with what is enforced, never refused on every reseal."""
        ceiling = self.ceiling
        if own[0] <= ceiling and own[1] <= ceiling:
            return own
        return (min(own[0], ceiling), min(own[1], ceiling))

    @property
    def legacy_limit(self) -> int:
        """The longest an old format's cookie is read after it was signed: the absolute
        lifetime, or the ceiling when the policy has none (an old format without an age
        limit gets one here)."""
        return self.absolute if self.absolute is not None else self.ceiling

    def check_legacy(self, signed_at: int, now: int, own: OwnLifetime | None = None) -> None:
        """:class:`InvalidSession` unless an old format's cookie signed at ``signed_at`` may
        be read ``now``: not signed in the future (beyond the skew) nor before
        ``not_before``, and younger than :attr:`legacy_limit` counted from its signature.

        The policy's idle timeout does not count from the signature: an old format re-signs
        its cookie when it pleases (Tornado's once, at login), so the signing time is no
        last activity; the old format's own age limit stands in for it (its reader applies
        it). A lifetime of its own that the old cookie kept (Django's ``set_expiry``) holds as
        ours would, idle included, from the signature."""
        if own is not None:
            self.check(signed_at, signed_at, now, own)
        else:
            self.check(signed_at, max(signed_at, now), now)
        if now - signed_at >= self.legacy_limit:
            raise InvalidSession(InvalidReason.EXPIRED_ABSOLUTE)

    def _own_absolute(self, own: OwnLifetime) -> int:
        # The session's own absolute lifetime, never past the ceiling (0 is "none": the
        # ceiling alone then ends it).
        absolute = own[1]
        return absolute if 0 < absolute < self.ceiling else self.ceiling

    def renewal_due(self, issued_at: int, now: int, own: OwnLifetime | None = None) -> bool:
        """Whether a session last issued at ``issued_at`` should be re-issued ``now``."""
        if own is None:
            return self.renew_after is not None and now - issued_at >= self.renew_after
        # renew_after is a fraction of the idle timeout, here the session's own.
        if self.fraction is None or not own[0]:
            return False
        return now - issued_at >= self.fraction * own[0]

    def allow(self, own: OwnLifetime) -> None:
        """:class:`LifetimeTooLong` when a session's own lifetime exceeds the ceiling:
        raised when it is committed, as :class:`SessionTooLarge` is for its size."""
        for label, seconds in zip(("idle_timeout", "absolute_lifetime"), own, strict=True):
            if seconds > self.ceiling:
                raise LifetimeTooLong(label, seconds, self.ceiling)

    def created_at(self, created_at: int, now: int) -> int:
        """The ``created_at`` to seal again ``now`` for a session created at ``created_at``.

        A session sealed by a server whose clock runs ahead (within the allowed skew) cannot
        have begun after it is issued: its absolute lifetime then counts from now.
        """
        return now if created_at > now else created_at

    def max_age(self, created_at: int, now: int, own: OwnLifetime | None = None) -> int:
        """Seconds from ``now`` until the server refuses a session created at ``created_at``
        and issued now: the cookie's ``Max-Age``, at most the 400 days browsers keep."""
        if own is None:
            absolute, idle = self.absolute, self.idle
        else:
            absolute, idle = self._own_absolute(own), own[0] or None
        if absolute is None:
            remaining = idle if idle is not None else MAX_AGE_CAP
        else:
            remaining = created_at + absolute - now
            if idle is not None and idle < remaining:
                remaining = idle
        return max(0, min(remaining, MAX_AGE_CAP))

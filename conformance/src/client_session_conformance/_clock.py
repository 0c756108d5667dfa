"""A clock that moves only when a test says so."""

from __future__ import annotations

import math

__all__ = ["ManualClock"]

DEFAULT_START = 1_800_000_000.0
"""2027-01-15T08:00:00Z: a fixed, recent instant, far from the uint32 limit of the envelope."""


class ManualClock:
    """A clock for :class:`~client_session_core.SessionCodec` that tests move by hand.

    Give the same instance to the server (through :meth:`Harness.serve`) and to the test;
    :meth:`advance` then ages every cookie at once, and no test ever sleeps::

        clock = ManualClock()
        codec = SessionCodec(policy, clock=clock)
        clock.advance(policy.idle_timeout)  # the session is now idle-expired
    """

    __slots__ = ("_now",)

    def __init__(self, start: float = DEFAULT_START) -> None:
        self._now = self._checked(start)

    def __call__(self) -> float:
        """The current time, in seconds since the epoch."""
        return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds`` (zero or more)."""
        if not seconds >= 0:
            raise ValueError(f"a clock only moves forward: advance(seconds >= 0), not {seconds!r}")
        self._now += seconds

    def set(self, timestamp: float) -> None:
        """Jump to ``timestamp`` (seconds since the epoch), for test vectors that fix "now"."""
        self._now = self._checked(timestamp)

    @staticmethod
    def _checked(timestamp: float) -> float:
        if not (
            isinstance(timestamp, (int, float)) and math.isfinite(timestamp) and timestamp >= 0
        ):
            raise ValueError(
                f"a time is a finite number of seconds since the epoch, not {timestamp!r}"
            )
        return float(timestamp)

    def __repr__(self) -> str:
        return f"ManualClock({self._now!r})"

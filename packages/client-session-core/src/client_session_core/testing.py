"""Tools for testing code that uses sessions: a clock that moves only when a test says so.

::

    from client_session_core import SessionCodec
    from client_session_core.testing import ManualClock

    clock = ManualClock()  # 2027-01-15T08:00:00Z until moved
    codec = SessionCodec(policy, clock=clock)
    clock.advance(policy.idle_timeout)  # every session is now idle-expired

This module stays apart from the top of :mod:`client_session_core`, which keeps the names an
application needs. The conformance suite re-exports its clock:
``client_session_conformance.ManualClock`` is this class.
"""

from ._clock import DEFAULT_START, ManualClock

__all__ = ["DEFAULT_START", "ManualClock"]

ManualClock.__module__ = __name__

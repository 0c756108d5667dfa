"""A clock that moves only when a test says so."""

from __future__ import annotations

import contextlib
import math
import os
from pathlib import Path

__all__ = ["ManualClock"]

DEFAULT_START = 1_800_000_000.0
"""2027-01-15T08:00:00Z: a fixed, recent instant, far from the uint32 limit of the envelope."""


class ManualClock:
    """A clock for :class:`~client_session_core.SessionCodec` that tests move by hand.

    Give the same instance to the codec (or to the server, through the conformance suite's
    ``Harness.serve``) and to the test; :meth:`advance` then ages every cookie at once, and
    no test ever sleeps::

        clock = ManualClock()
        codec = SessionCodec(policy, clock=clock)
        clock.advance(policy.idle_timeout)  # the session is now idle-expired

    A server in another process follows the clock through a file: see :meth:`mirror_to`.
    """

    __slots__ = ("_mirrors", "_now")

    def __init__(self, start: float = DEFAULT_START) -> None:
        self._now = self._checked(start)
        self._mirrors: list[Path] = []

    def __call__(self) -> float:
        """The current time, in seconds since the epoch."""
        return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds`` (zero or more)."""
        if not seconds >= 0:
            raise ValueError(f"a clock only moves forward: advance(seconds >= 0), not {seconds!r}")
        self._now += seconds
        self._write_mirrors()

    def set(self, timestamp: float) -> None:
        """Jump to ``timestamp`` (seconds since the epoch), for test vectors that fix "now"."""
        self._now = self._checked(timestamp)
        self._write_mirrors()

    def mirror_to(self, path: str | os.PathLike[str]) -> contextlib.AbstractContextManager[object]:
        """Keep the file at ``path`` holding this clock's time, for a server in another process.

        The file is written at once, then again by every :meth:`advance` and :meth:`set`
        before they return, so a request sent after them sees the new time. It holds the
        time as ASCII text that ``float()`` reads back exactly (``"1800000000.0"``), and is
        replaced atomically (a temporary file beside it, then :func:`os.replace`): a reader
        never sees half a number. The server's clock reads it on every call::

            def clock() -> float:
                return float(Path(path).read_text("ascii"))

        Mirroring stops when the returned context manager exits (the file is left in place)::

            with clock.mirror_to(directory / "now"):
                ...  # start the server, pointing it at directory / "now"
        """
        target = Path(path)
        self._write_mirror(target)
        self._mirrors.append(target)
        stop = contextlib.ExitStack()
        stop.callback(self._mirrors.remove, target)
        return stop

    def _write_mirrors(self) -> None:
        for target in self._mirrors:
            self._write_mirror(target)

    def _write_mirror(self, target: Path) -> None:
        # Write beside the target, so that os.replace stays on one file system and is atomic.
        staging = target.with_name(f".{target.name}.tmp")
        staging.write_text(repr(self._now), encoding="ascii")
        os.replace(staging, target)

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

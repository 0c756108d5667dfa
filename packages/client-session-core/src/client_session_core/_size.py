"""How big a session cookie may be, and how a larger one is split over chunk cookies.

RFC 6265 section 6.1: user agents should store cookies of at least 4096 bytes, counted over
name, value and attributes, and drop larger ones without a word. So the whole ``Set-Cookie``
value is measured before it is sent: over the policy's ``max_cookie_size`` the session is
split over ``<name>C1``..``<name>CN`` (with ``max_chunks=N``), or :class:`SessionTooLarge`
names the size and the limit. ``docs/policy.md`` ("Size") describes the same rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

from ._errors import InvalidReason, InvalidSession, SessionTooLarge

if TYPE_CHECKING:
    from ._cookies import CookieWriter
    from ._policy import SessionPolicy

__all__ = ["BROWSER_COOKIE_LIMIT", "MAX_CHUNKS", "CookieBudget"]

BROWSER_COOKIE_LIMIT: Final = 4096
"""The most a browser is sure to keep of one cookie, in bytes (RFC 6265 section 6.1)."""
MAX_CHUNKS: Final = 9
"""The most cookies one session may be split over: servers refuse request headers much
beyond 8 KB, and nine chunks are already near that."""

# The main cookie of a chunked session holds "chunks-<count>", a count from 2 to MAX_CHUNKS.
_CHUNK_MARKER: Final = "chunks-"
# One ASCII digit: str.isdigit() alone also accepts "²" or "٣", which int() refuses.
_CHUNK_COUNTS: Final = frozenset(str(count) for count in range(2, MAX_CHUNKS + 1))


class CookieBudget:
    """The policy's size rules: one cookie while it fits, chunk cookies when allowed."""

    __slots__ = ("_limit", "_max_chunks", "_name", "_writer", "chunk_names", "max_value")

    def __init__(self, policy: SessionPolicy, writer: CookieWriter) -> None:
        self._name = policy.cookie_name
        self._limit = policy.max_cookie_size
        self._max_chunks = policy.max_chunks
        self._writer = writer
        self.chunk_names = tuple(policy.chunk_name(i) for i in range(1, MAX_CHUNKS + 1))
        """Every possible chunk cookie name, to find stale chunks of a larger session too."""
        self.max_value = self._limit * self._max_chunks
        """The longest sealed value this policy could have written (longer ones are forged)."""

    # -- reading ---------------------------------------------------------------------------

    def chunks_present(self, cookies: Mapping[str, str]) -> int:
        """How many chunk cookies the request carried: the highest index found."""
        found = 0
        for index, chunk_name in enumerate(self.chunk_names, start=1):
            if chunk_name in cookies:
                found = index
        return found

    def join(self, value: str, cookies: Mapping[str, str]) -> str:
        """The sealed value of the session cookie ``value``: itself, or its chunks joined.

        A missing, stale or reordered chunk changes the joined value, and the AEAD tag over
        the whole of it then fails: a partial set never opens.
        """
        if not value.startswith(_CHUNK_MARKER):
            return value
        count = value[len(_CHUNK_MARKER) :]
        if count not in _CHUNK_COUNTS or int(count) > self._max_chunks:
            raise InvalidSession(InvalidReason.INCOMPLETE_CHUNKS)
        parts = []
        for chunk_name in self.chunk_names[: int(count)]:
            part = cookies.get(chunk_name)
            if not part:
                raise InvalidSession(InvalidReason.INCOMPLETE_CHUNKS)
            parts.append(part)
        return "".join(parts)

    # -- writing ---------------------------------------------------------------------------

    def set_cookies(
        self, value: str, max_age: int | None, now: int, chunks_present: int
    ) -> tuple[str, ...]:
        """The ``Set-Cookie`` values that store the sealed ``value``, deleting the chunk
        cookies of an earlier, larger session; :class:`SessionTooLarge` when it cannot fit."""
        header = self._writer.set(self._name, value, max_age, now)
        if len(header) <= self._limit:
            if not chunks_present:
                return (header,)
            headers = [header]
        elif self._max_chunks == 1:
            raise SessionTooLarge(len(header), self._limit)
        else:
            headers = self._chunked(value, max_age, now)
        written_chunks = len(headers) - 1
        headers.extend(
            self._writer.delete(self.chunk_names[index])
            for index in range(written_chunks, chunks_present)
        )
        return tuple(headers)

    def delete_cookies(self, chunks_present: int) -> tuple[str, ...]:
        """The ``Set-Cookie`` values that delete the session cookie and its chunks."""
        names = (self._name, *self.chunk_names[:chunks_present])
        return tuple(self._writer.delete(name) for name in names)

    def _chunked(self, value: str, max_age: int | None, now: int) -> list[str]:
        writer = self._writer
        # Every chunk is given the room of the longest chunk name.
        room = self._limit - writer.overhead(self.chunk_names[-1], max_age=max_age, now=now)
        count = -(-len(value) // room)
        if count > self._max_chunks:
            size = len(value) + count * writer.overhead(self._name, max_age=max_age, now=now)
            raise SessionTooLarge(size, self._limit * self._max_chunks, chunks=self._max_chunks)
        headers = [writer.set(self._name, f"{_CHUNK_MARKER}{count}", max_age=max_age, now=now)]
        for index in range(count):
            part = value[index * room : (index + 1) * room]
            headers.append(writer.set(self.chunk_names[index], part, max_age=max_age, now=now))
        return headers

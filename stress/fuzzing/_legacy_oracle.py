"""Judging one input of an old framework's cookie reader, directly and through the codec.

Each input is a cookie value, given to the reader (``LegacyCookies.read(value, now)``) and,
as ``name=value``, to the codec whose policy holds that reader (``SessionCodec.load``). For
each of the two, exactly one of:

- it raises: an **exception** (neither may ever raise);
- it refuses: ``read`` returns None, or ``load`` gives a new, empty session, counted by
  ``session.rejected``;
- it opens, which is allowed only when the value is one of the real cookies, unchanged
  (for ``load``: the value the wire format reads from the header, as in :mod:`._oracle`), and
  gives exactly what that cookie gave unmutated: **opened**;
- a value that is not a real cookie opens to exactly what one of them gave (same content,
  signing time, flag and lifetime): **malleable**, an old library that accepts another
  spelling of a signed value. Our envelope allows none (its forgery rule counts that case
  as a forgery); a reader should not either, so each is a finding, counted apart;
- anything else that opens is a **forgery**.

A real cookie that is refused is a **disagreement** (the fixtures are checked before any
mutation, so this is the codec refusing, in a header, a value the reader accepts alone).
"""

from __future__ import annotations

import traceback
from typing import Any

from client_session_core import Session
from client_session_core.adapter import LegacySession

from ._corpus import NOW
from ._legacy_corpus import LegacyFixture, LegacyOriginal
from ._oracle import Finding, Tally, reference_cookies

__all__ = ["LegacyOracle", "UnusableFixture", "describe_edit", "legacy_reproducer"]


class UnusableFixture(Exception):
    """A real cookie that its own reader does not read as written: nothing can be judged."""


def _describe(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)[-6:])


def _opened(session: Session) -> tuple[Any, ...]:
    """What a session opened from an old cookie is, for comparing two of them."""
    return (session.data(), session.created_at, session.persistent, session.lifetime)


def _character_class(text: str) -> str:
    """What kinds of characters ``text`` holds, for grouping edits ("nothing": none)."""
    kinds = []
    for character in text:
        if character.isascii() and character.isalnum():
            kind = "base64 letter or digit"
        elif character in "-_":
            kind = "-_"
        elif character in "+/":
            kind = "+/"
        elif character == "=":
            kind = "="
        elif character in " \t\n\r\x0b\x0c":
            kind = "whitespace"
        elif not character.isascii():
            kind = "non-ASCII"
        else:
            kind = "other ASCII"
        if kind not in kinds:
            kinds.append(kind)
    return " and ".join(kinds) or "nothing"


def describe_edit(original: str, mutated: str, separator: str) -> tuple[str, str]:
    """Where ``mutated`` differs from ``original``, in a line (offset, part, what was
    removed and added), and the class of that edit (which part, where in it, what kinds of
    characters), which groups the findings that one strictness rule would stop."""
    start = 0
    limit = min(len(original), len(mutated))
    while start < limit and original[start] == mutated[start]:
        start += 1
    end = 0
    while (
        end < limit - start and original[len(original) - 1 - end] == mutated[len(mutated) - 1 - end]
    ):
        end += 1
    removed = original[start : len(original) - end]
    added = mutated[start : len(mutated) - end]
    parts = original.split(separator) if separator else [original]
    part = original[:start].count(separator) if separator else 0
    part_start = len(separator.join(parts[:part])) + (len(separator) if part else 0)
    where = start - part_start
    place = "start" if where == 0 else "end" if where >= len(parts[part]) - 1 else "middle"
    edit_class = (
        f"part {part + 1} of {len(parts)}, at its {place}: "
        f"{_character_class(removed)} -> {_character_class(added)}"
    )
    line = (
        f"{edit_class}; at character {start} of {len(original)}: {removed!r} -> {added!r} "
        f"(after {original[max(0, start - 6) : start]!r})"
    )
    return line, edit_class


def legacy_reproducer(finding: Finding) -> dict[str, Any]:
    """A finding of a legacy reader as JSON: enough to replay it with the fuzzer's fixtures."""
    call = (
        "LegacyCookies.read(input, now)"
        if finding.target == "read"
        else "SessionCodec.load(input) with the reader as the policy's legacy_cookies"
    )
    return {
        "kind": finding.kind,
        "reader": finding.fixture,
        "target": finding.target,
        "detail": finding.detail,
        "input": finding.header,
        "now": NOW,
        "note": (
            f"{call}: the {finding.fixture!r} fixture of stress/fuzzing/_legacy_corpus.py "
            "(made-up secrets: legacy_secret(label)); its real cookies are written afresh "
            "on each run, so a mutation of one replays against the same reader, not the "
            "same bytes"
        ),
    }


class LegacyOracle:
    """Applies the rules above to one reader's inputs, and tallies the outcomes."""

    def __init__(self, fixture: LegacyFixture, tally: Tally) -> None:
        self.fixture = fixture
        self.tally = tally
        self._name = fixture.cookie_name
        self._read: dict[str, LegacySession] = {}
        self._loaded: dict[str, tuple[Any, ...]] = {}
        self._edit_classes: set[tuple[str, str]] = set()
        for value, original in fixture.originals.items():
            self._read[value], self._loaded[value] = self._check_original(original)

    def _check_original(self, original: LegacyOriginal) -> tuple[LegacySession, tuple[Any, ...]]:
        """What the unmutated cookie opens to, by ``read`` and by ``load``; or
        :class:`UnusableFixture` when it does not open as written, or still opens after the
        old format's age limit."""
        fixture, where = self.fixture, f"{self.fixture.name}'s {original.label} cookie"
        found = fixture.legacy.read(original.value, NOW)
        if found is None or found.data != original.data:
            got = "nothing" if found is None else repr(found.data)
            raise UnusableFixture(f"{where} reads as {got}, not as it was written")
        session = fixture.codec.load(f"{self._name}={original.value}")
        if session.new or session.data() != original.data:
            raise UnusableFixture(
                f"the codec opens {where} to {session.data()!r} "
                f"(refused: {session.rejected}), not to the session it holds"
            )
        if fixture.max_age is not None:
            expired = original.signed_at + fixture.max_age + 1
            if fixture.legacy.read(original.value, expired) is not None:
                raise UnusableFixture(f"{where} still reads after the format's max age")
        return found, _opened(session)

    def _found(self, kind: str, target: str, shown: str, detail: str, *, keep: bool = True) -> None:
        self.tally.add(Finding(kind, target, self.fixture.name, shown, detail), keep=keep)

    def _closest(self, value: str) -> LegacyOriginal:
        originals = list(self.fixture.originals.values())
        return min(originals, key=lambda original: abs(len(original.value) - len(value)))

    def _judge_open(
        self, target: str, shown: str, carried: str | None, matches: list[LegacyOriginal]
    ) -> None:
        intact = self.fixture.originals.get(carried) if carried is not None else None
        if intact is not None and intact in matches:
            self.tally.opened += 1
            return
        if matches:
            original = matches[0]
            mutated = carried if carried is not None else shown
            line, edit_class = describe_edit(original.value, mutated, self.fixture.separator)
            # Every one is counted; the first of each class of edit is kept in full.
            novel = (target, edit_class) not in self._edit_classes
            self._edit_classes.add((target, edit_class))
            detail = f"a mutation of the {original.label} cookie opened to its session: {line}"
            self._found("malleable", target, shown, detail, keep=novel)
            return
        self._found(
            "forgery",
            target,
            shown,
            f"opened a session that no real cookie holds (closest: {self._closest(shown).label})",
        )

    def check_read(self, value: str) -> None:
        """``LegacyCookies.read(value, now)``, judged."""
        self.tally.inputs += 1
        try:
            found = self.fixture.legacy.read(value, NOW)
        except Exception as exc:  # noqa: BLE001 - any exception out of read is the finding
            self._found("exception", "read", value, _describe(exc))
            return
        if found is None:
            self.tally.refused["read: none"] += 1
            if value in self.fixture.originals:
                self._found("disagreement", "read", value, "refused a real cookie")
            return
        matches = [
            self.fixture.originals[known] for known, read in self._read.items() if read == found
        ]
        self._judge_open("read", value, value, matches)

    def check_header(self, header: str) -> None:
        """``SessionCodec.load(header)``, judged by the value the wire format reads there."""
        self.tally.inputs += 1
        try:
            session = self.fixture.codec.load(header)
        except Exception as exc:  # noqa: BLE001 - any exception out of load is the finding
            self._found("exception", "load", header, _describe(exc))
            return
        carried = reference_cookies(header).get(self._name)
        if session.new:
            reason = session.rejected.value if session.rejected is not None else "no_cookie"
            self.tally.refused[f"load: {reason}"] += 1
            if carried is not None and carried in self.fixture.originals:
                self._found("disagreement", "load", header, f"refused ({reason}) a real cookie")
            return
        opened = _opened(session)
        matches = [
            self.fixture.originals[known]
            for known, loaded in self._loaded.items()
            if loaded == opened
        ]
        self._judge_open("load", header, carried, matches)

    def check_value(self, value: str) -> None:
        """``value`` read alone, and loaded as the session cookie of a header."""
        self.check_read(value)
        self.check_header(f"{self._name}={value}")

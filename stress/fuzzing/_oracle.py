"""Judging one Cookie header: what ``load`` may do with it, and what it must never do.

``SessionCodec.load`` takes any header. For each, exactly one of:

- it raises: an **exception** (``load`` never raises);
- it gives a new, empty session: **refused**, counted by ``session.rejected`` (or
  ``no_cookie`` when the header carried none);
- it opens a session: **opened**, which is allowed only when that session is one that was
  sealed (:class:`~._corpus.Original`: same content, session id, timestamps and flag) *and*
  the header carries that original's envelope unchanged, as the whole value of the session
  cookie (or, chunked, as its chunks joined). Anything else is a **forgery**: a mutated envelope
  that opened, even to the original content.

(The legacy readers' oracle, :mod:`._legacy_oracle`, counts a mutated old cookie that opens
to the very session its original held apart, as **malleable**: an old library's doing, which
our own envelope never allows.)

Which value is "the session cookie" is the wire format's rule (``docs/wire-format.md``,
"Parsing the Cookie header"): split at ``;`` only, each pair at its first ``=``, the value
cut at its first ``,``, spaces and tabs stripped, one pair of double quotes removed, the
first cookie of a name kept. The forgery check accepts the original's envelope found by
that reading or by one that also splits at commas (as some servers fold several Cookie
fields), so that it judges the cryptography, not the splitting. The splitting is judged
separately: a header where the codec opens another envelope than the wire format's reading
finds, or refuses an intact one it finds, is a **parser disagreement**.
"""

from __future__ import annotations

import base64
import json
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from client_session_core import InvalidSession, Session
from client_session_core.wire import Envelope, Sealer

from ._corpus import NOW, Fixture, Original, key_text

__all__ = ["MAX_KEPT", "Finding", "Oracle", "Tally", "reference_cookies", "session_value"]

MAX_KEPT = 20
"""Findings of one kind kept in full (as reproducers); every one is counted."""

_WSP = " \t"


def reference_cookies(header: str, *, fold_commas: bool = False) -> dict[str, str]:
    """The cookies of ``header`` as the wire format reads them, first of each name kept;
    with ``fold_commas``, commas separate cookies too (a header folded by a server)."""
    if fold_commas:
        header = header.replace(",", ";")
    cookies: dict[str, str] = {}
    for pair in header.split(";"):
        name, sep, value = pair.partition("=")
        if not sep:
            continue
        name = name.strip(_WSP)
        value = value.partition(",")[0].strip(_WSP)
        if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
            value = value[1:-1]
        cookies.setdefault(name, value)
    return cookies


def session_value(cookies: dict[str, str], fixture: Fixture) -> str | None:
    """The envelope ``cookies`` carry for the fixture's session, chunks joined, or None."""
    policy = fixture.policy
    value = cookies.get(policy.cookie_name)
    if value is None or not value.startswith("chunks-"):
        return value
    count = value.removeprefix("chunks-")
    if count not in {str(n) for n in range(2, policy.max_chunks + 1)}:
        return None
    parts = [cookies.get(policy.chunk_name(index), "") for index in range(1, int(count) + 1)]
    return "".join(parts) if all(parts) else None


@dataclass
class Finding:
    """One header that broke a rule, with what is needed to replay it."""

    kind: str  # "forgery", "malleable", "exception", "disagreement"
    target: str
    fixture: str
    header: str
    detail: str

    def reproducer(self, fixture: Fixture) -> dict[str, Any]:
        policy = fixture.policy
        return {
            "kind": self.kind,
            "target": self.target,
            "detail": self.detail,
            "header": self.header,
            "now": NOW,
            "policy": {
                "keys": [key_text("current"), key_text("previous")],
                "cookie_name": policy.cookie_name,
                "max_chunks": policy.max_chunks,
            },
            "note": "made-up keys of stress/fuzzing/_corpus.py: load(header) at `now`",
        }


@dataclass
class Tally:
    """The counts of a run, and the findings kept in full."""

    inputs: int = 0
    opened: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    forgeries: int = 0
    exceptions: int = 0
    disagreements: int = 0
    malleable: int = 0
    """Mutated old cookies that opened to their original's very session (legacy readers)."""
    kept: list[Finding] = field(default_factory=list)

    def add(self, finding: Finding, *, keep: bool = True) -> None:
        """Count ``finding``; keep it in full too (with ``keep``, up to MAX_KEPT a kind)."""
        if finding.kind == "forgery":
            self.forgeries += 1
        elif finding.kind == "malleable":
            self.malleable += 1
        elif finding.kind == "exception":
            self.exceptions += 1
        else:
            self.disagreements += 1
        if keep and sum(1 for kept in self.kept if kept.kind == finding.kind) < MAX_KEPT:
            self.kept.append(finding)

    def merge(self, other: Tally) -> None:
        self.inputs += other.inputs
        self.opened += other.opened
        self.refused.update(other.refused)
        self.forgeries += other.forgeries
        self.exceptions += other.exceptions
        self.disagreements += other.disagreements
        self.malleable += other.malleable
        for finding in other.kept:
            if sum(1 for kept in self.kept if kept.kind == finding.kind) < MAX_KEPT:
                self.kept.append(finding)

    def to_json(self) -> dict[str, Any]:
        return {
            "inputs": self.inputs,
            "opened": self.opened,
            "refused": dict(sorted(self.refused.items())),
            "forgeries": self.forgeries,
            "exceptions": self.exceptions,
            "disagreements": self.disagreements,
            "malleable": self.malleable,
            "kept": [vars(finding) for finding in self.kept],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Tally:
        return cls(
            inputs=data["inputs"],
            opened=data["opened"],
            refused=Counter(data["refused"]),
            forgeries=data["forgeries"],
            exceptions=data["exceptions"],
            disagreements=data["disagreements"],
            malleable=data.get("malleable", 0),
            kept=[Finding(**finding) for finding in data["kept"]],
        )


def _describe(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)[-6:])


class Oracle:
    """Applies the rules above to headers for one fixture, and tallies the outcomes."""

    def __init__(self, fixture: Fixture, tally: Tally) -> None:
        self.fixture = fixture
        self.tally = tally
        self._sealer = Sealer(fixture.policy.keys)

    def _found(self, kind: str, target: str, header: str, detail: str) -> None:
        self.tally.add(Finding(kind, target, self.fixture.name, header, detail))

    def check_header(self, header: str) -> None:
        """``codec.load(header)``, judged."""
        self.tally.inputs += 1
        try:
            session = self.fixture.codec.load(header)
        except Exception as exc:  # noqa: BLE001 - any exception out of load is the finding
            self._found("exception", "load", header, _describe(exc))
            return
        folded = reference_cookies(header, fold_commas=True)
        self._judge(session, header, reference_cookies(header), folded)

    def check_cookies(self, cookies: dict[str, str]) -> None:
        """``codec.load_cookies(cookies)`` (cookies a framework parsed), judged."""
        self.tally.inputs += 1
        shown = json.dumps(cookies, ensure_ascii=True)
        try:
            session = self.fixture.codec.load_cookies(cookies)
        except Exception as exc:  # noqa: BLE001
            self._found("exception", "load_cookies", shown, _describe(exc))
            return
        self._judge(session, shown, cookies, cookies)

    def _judge(
        self, session: Session, shown: str, rfc: dict[str, str], folded: dict[str, str]
    ) -> None:
        rfc_value = session_value(rfc, self.fixture)
        rfc_original = self.fixture.originals.get(rfc_value) if rfc_value is not None else None
        if session.new:
            reason = session.rejected.value if session.rejected is not None else "no_cookie"
            self.tally.refused[reason] += 1
            if rfc_original is not None:
                self._found("disagreement", "load", shown, f"refused ({reason}) a valid cookie")
            return
        self.tally.opened += 1
        carried: list[Original] = []
        for value in {rfc_value, session_value(folded, self.fixture)}:
            if value is not None and value in self.fixture.originals:
                carried.append(self.fixture.originals[value])
        opened = [original for original in carried if original.opened_as(session)]
        if not opened:
            self._found(
                "forgery",
                "load",
                shown,
                f"opened {session.data()!r} (created {session.origin.created_at}), which is "
                "not a sealed session carried unchanged by this header",
            )
        elif opened[0] is not rfc_original:
            self._found(
                "disagreement", "load", shown, "opened a cookie the wire format does not read there"
            )

    def check_envelope(self, text: str) -> None:
        """``Envelope.parse(text)`` then ``Sealer.open``: only InvalidSession may come out,
        and only an original's envelope, unchanged, may open."""
        self.tally.inputs += 1
        try:
            envelope = Envelope.parse(text)
            plaintext, _ = self._sealer.open(envelope, self.fixture.policy.cookie_name)
        except InvalidSession as exc:
            self.tally.refused[exc.reason.value] += 1
            return
        except Exception as exc:  # noqa: BLE001
            self._found("exception", "envelope", text, _describe(exc))
            return
        self.tally.opened += 1
        original = self.fixture.originals.get(text)
        if original is None or original.sealed != plaintext:
            self._found("forgery", "envelope", text, "an envelope that was never sealed opened")


def write_reproducers(tally: Tally, fixtures: dict[str, Fixture], directory: Path) -> list[Path]:
    """One JSON file per kept finding, for replaying it."""
    written = []
    directory.mkdir(parents=True, exist_ok=True)
    for number, finding in enumerate(tally.kept, start=1):
        path = directory / f"{finding.kind}-{number:03d}.json"
        reproducer = finding.reproducer(fixtures[finding.fixture])
        path.write_text(json.dumps(reproducer, indent=2, ensure_ascii=True) + "\n")
        written.append(path)
    return written


def encode_header(header: str) -> str:
    """A header for a report line: printable, whatever it holds."""
    return base64.b64encode(header.encode("utf-8", "surrogatepass")).decode()

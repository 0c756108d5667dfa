"""Coverage-guided fuzzing: fuzzer bytes become calls of ``load``, ``load_cookies`` and the
envelope reader, each judged by the :class:`~._oracle.Oracle`; or, for the legacy readers,
calls of each reader and of the codec that holds it, judged by the
:class:`~._legacy_oracle.LegacyOracle`.

The first byte of an input picks the target (or the reader), the second how its text is
decoded (Latin-1, as ASGI and WSGI servers hand headers over, or UTF-8 with lone surrogates
for the bytes that are not), and the rest is the text. The seeds are the real cookies and
their headers, so the fuzzer starts from inputs that reach the cryptography, and mutates
from there.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from ._corpus import Fixture, build_fixture
from ._legacy_corpus import LEGACY_READERS, legacy_fixtures
from ._legacy_oracle import LegacyOracle
from ._oracle import Oracle, Tally

__all__ = [
    "DICTIONARY",
    "LEGACY_DICTIONARY",
    "LegacyTargets",
    "Targets",
    "run_hypothesis",
]

DICTIONARY = (
    "session",
    "sid",
    "sidC1",
    "sidC2",
    "sidC3",
    "chunks-2",
    "chunks-3",
    "; ",
    "=",
    '"',
    ", ",
    "\t",
    "AQAAAA",  # the start of every v1 envelope with no flag set
    "AQEAAA",  # ... and with the persistent flag
)
"""Tokens for the fuzzer's dictionary: cookie names, separators, the envelope's first bytes."""

LEGACY_DICTIONARY = (
    ".",
    ":",
    "|",
    "=",
    "==",
    ".eJ",  # a zlib-compressed itsdangerous or Django payload
    "eyJ",  # base64 of '{"'
    "gAAAAA",  # the start of a Fernet token
    "2|1:0|10:",  # Tornado's version 2 prefix
    "|7:session|",
    "+",
    "/",
    "-",
    "_",
)
"""Tokens for the legacy fuzzer: the formats' separators, marks and first bytes."""

LOAD_SINGLE, LOAD_CHUNKED, ENVELOPE, LOAD_COOKIES = range(4)


def fixtures() -> dict[str, Fixture]:
    """The two codecs every run fuzzes: one cookie only, and up to three chunks. Their
    cookie names differ, so that neither opens the other's cookies (the name is in the
    associated data)."""
    built = [
        build_fixture("single", max_chunks=1, cookie_name="session"),
        build_fixture("chunked", max_chunks=3, cookie_name="sid"),
    ]
    return {fixture.name: fixture for fixture in built}


def _decode(encoding: int, payload: bytes) -> str:
    if encoding & 1:
        return payload.decode("utf-8", "surrogateescape")
    return payload.decode("latin-1")


def _encode(text: str) -> tuple[int, bytes]:
    try:
        return 0, text.encode("latin-1")
    except UnicodeEncodeError:
        return 1, text.encode("utf-8", "surrogateescape")


class Targets:
    """Dispatches fuzzer inputs to oracles, and makes the seed inputs."""

    def __init__(self, tally: Tally) -> None:
        self.fixtures = fixtures()
        self.single = Oracle(self.fixtures["single"], tally)
        self.chunked = Oracle(self.fixtures["chunked"], tally)

    def __call__(self, data: bytes) -> None:
        if len(data) < 2:
            self.single.check_header(data.decode("latin-1"))
            return
        target = data[0] % 4
        text = _decode(data[1], data[2:])
        if target == LOAD_SINGLE:
            self.single.check_header(text)
        elif target == LOAD_CHUNKED:
            self.chunked.check_header(text)
        elif target == ENVELOPE:
            self.chunked.check_envelope(text)
        else:
            lines = (line.partition("=") for line in text.split("\n"))
            self.chunked.check_cookies({name: value for name, _, value in lines})

    def seeds(self) -> Iterator[bytes]:
        """Inputs that carry the real cookies to each target."""
        for target, oracle in ((LOAD_SINGLE, self.single), (LOAD_CHUNKED, self.chunked)):
            for sealed in oracle.fixture.headers:
                for header in (sealed.header, f"theme=dark; {sealed.header}; lang=en"):
                    encoding, payload = _encode(header)
                    yield bytes([target, encoding]) + payload
        # The envelope reader and load_cookies go to the chunked oracle: its cookies only.
        for sealed in self.chunked.fixture.headers:
            if not sealed.chunked:
                yield bytes([ENVELOPE, 0]) + sealed.original.value.encode()
            cookies = "\n".join(sealed.header.split("; "))
            yield bytes([LOAD_COOKIES, 0]) + cookies.encode()


class LegacyTargets:
    """Dispatches fuzzer inputs to the legacy readers' oracles: the first byte picks the
    reader, and the text is the cookie value, read alone and loaded by the codec."""

    def __init__(self, tallies: dict[str, Tally]) -> None:
        fixtures = legacy_fixtures()
        self.oracles = [LegacyOracle(fixtures[name], tallies[name]) for name in LEGACY_READERS]

    def __call__(self, data: bytes) -> None:
        if len(data) < 2:
            self.oracles[0].check_value(data.decode("latin-1"))
            return
        oracle = self.oracles[data[0] % len(self.oracles)]
        oracle.check_value(_decode(data[1], data[2:]))

    def seeds(self) -> Iterator[bytes]:
        """Every real cookie, and every stranger, of each reader."""
        for index, oracle in enumerate(self.oracles):
            for value in (*oracle.fixture.originals, *oracle.fixture.strangers):
                encoding, payload = _encode(value)
                yield bytes([index, encoding]) + payload


class _Fuzzable(Protocol):
    def __call__(self, data: bytes) -> None: ...

    def seeds(self) -> Iterator[bytes]: ...


def write_seeds(targets: _Fuzzable, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for number, seed in enumerate(targets.seeds()):
        (directory / f"seed-{number:03d}").write_bytes(seed)


def write_dictionary(path: Path, tokens: tuple[str, ...] = DICTIONARY) -> None:
    """The dictionary in libFuzzer's format: one quoted token a line."""
    lines = []
    for token in tokens:
        escaped = "".join(f"\\x{ord(c):02x}" if c in '"\\\t' else c for c in token)
        lines.append(f'"{escaped}"')
    path.write_text("\n".join(lines) + "\n")


def run_hypothesis(targets: _Fuzzable, inputs: int, seed: int) -> None:
    """Feed ``targets`` (their oracles tally) from hypothesis, where atheris does not run:
    random bytes and random edits of the seeds, ``inputs`` examples. Not coverage-guided."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed
    from hypothesis import strategies as st

    seeds = list(targets.seeds())
    actions = st.sampled_from(["flip", "delete", "insert"])
    edit = st.tuples(st.integers(0, 20_000), actions, st.integers(0, 255))

    @st.composite
    def edited_seed(draw: st.DrawFn) -> bytes:
        data = bytearray(draw(st.sampled_from(seeds)))
        for position, action, byte in draw(st.lists(edit, min_size=1, max_size=8)):
            position %= len(data) + 1
            if action == "insert" or position == len(data):
                data.insert(position, byte)
            elif action == "delete":
                del data[position]
            else:
                data[position] ^= byte or 1
        return bytes(data)

    @hypothesis_seed(seed)
    @settings(
        max_examples=inputs,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(st.one_of(edited_seed(), st.binary(max_size=512)))
    def fuzz(data: bytes) -> None:
        targets(data)

    fuzz()

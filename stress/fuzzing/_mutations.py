"""Every real cookie, mutated at every position: a deterministic sweep, no randomness.

For each sealed header (:func:`~._corpus.build_fixture`), and each character position of
it (the name, the ``=``, every character of the value, every chunk cookie):

- each of the 8 low bits flipped (``chr(ord(c) ^ 1 << bit)``);
- the character deleted, duplicated, and the header truncated before it;
- the character replaced by each other base64url character, and by each character a
  Cookie header or a decoder treats specially (``= + / . space tab " ; , NUL``, a
  non-ASCII letter, a lone surrogate).

Then, on the envelope itself: every bit of the decoded bytes flipped and re-encoded
canonically (so that the tag check, not the base64 decoder, must refuse it); the value
re-encoded non-canonically (padding, the standard alphabet); and for chunked sessions,
each chunk dropped, two chunks swapped, a chunk taken from another session, the count
in the ``chunks-N`` marker changed, and the boundary between two chunks moved (which
joins to the same envelope, and must still open). Finally, header-level moves: the value
under another cookie name, a second cookie of the same name before or after it, and the
header folded with commas.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator

from ._corpus import Fixture, SealedHeader, stranger_header

__all__ = ["count_mutations", "header_mutations", "mutations"]

BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
SPECIAL = '=+/. \t";,\x00é\udc80'
REPLACEMENTS = BASE64URL + SPECIAL


def header_mutations(header: str, positions: Iterable[int] | None = None) -> Iterator[str]:
    """Every flip, deletion, duplication, truncation and substitution of ``header`` (at
    each of ``positions``, or at every character)."""
    for position in range(len(header)) if positions is None else positions:
        character = header[position]
        before, after = header[:position], header[position + 1 :]
        code = ord(character)
        for bit in range(8):
            yield before + chr(code ^ (1 << bit)) + after
        yield before + after
        yield before + character + character + after
        yield before
        for replacement in REPLACEMENTS:
            if replacement != character:
                yield before + replacement + after


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _raw(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def envelope_mutations(value: str) -> Iterator[str]:
    """Every bit of the decoded envelope flipped, canonically re-encoded, and the same
    bytes encoded the ways a lenient decoder would also accept."""
    raw = bytearray(_raw(value))
    for index in range(len(raw)):
        for bit in range(8):
            raw[index] ^= 1 << bit
            yield _b64(bytes(raw))
            raw[index] ^= 1 << bit
    yield value + "=" * (-len(value) % 4)  # padded
    yield value.replace("-", "+").replace("_", "/")  # the standard alphabet
    yield value + "="
    yield value + "A"
    yield value[:-1]
    if len(value) % 4 in (2, 3):  # the last character's unused bits set
        last = BASE64URL.index(value[-1])
        for spare in range(1, 16 if len(value) % 4 == 2 else 4):
            yield value[:-1] + BASE64URL[last ^ spare]
    yield _b64(bytes(raw) + b"\x00")
    yield _b64(bytes(raw[:-1]))


def _split(header: str) -> list[tuple[str, str]]:
    return [tuple(pair.split("=", 1)) for pair in header.split("; ")]  # type: ignore[misc]


def _join(pairs: list[tuple[str, str]]) -> str:
    return "; ".join(f"{name}={value}" for name, value in pairs)


def chunk_mutations(sealed: SealedHeader, other: SealedHeader | None) -> Iterator[str]:
    """Drop, swap, borrow and re-count chunks, and move their boundaries."""
    pairs = _split(sealed.header)
    marker, chunks = pairs[0], pairs[1:]
    for index in range(len(chunks)):
        yield _join([marker, *chunks[:index], *chunks[index + 1 :]])  # one chunk missing
        for other_index in range(len(chunks)):
            if other_index != index:
                swapped = list(chunks)
                swapped[index] = (chunks[index][0], chunks[other_index][1])
                swapped[other_index] = (chunks[other_index][0], chunks[index][1])
                yield _join([marker, *swapped])
        if other is not None:
            foreign = _split(other.header)[1:]
            if index < len(foreign):
                borrowed = list(chunks)
                borrowed[index] = (chunks[index][0], foreign[index][1])
                yield _join([marker, *borrowed])  # a stale chunk of another session
        # The same chunks, in another order in the header: the names decide, so it opens.
        yield _join([marker, *chunks[index:], *chunks[:index]])
    for count in ("0", "1", str(len(chunks) - 1), str(len(chunks) + 1), "9", "10", "03", "²"):
        yield _join([(marker[0], f"chunks-{count}"), *chunks])
    yield _join([(marker[0], f"chunks-{len(chunks)}"), *chunks, (f"{marker[0]}C9", "AAAA")])
    for index in range(len(chunks) - 1):
        name, value = chunks[index]
        next_name, next_value = chunks[index + 1]
        for shift in (1, 3):
            moved = list(chunks)
            moved[index] = (name, value[:-shift])
            moved[index + 1] = (next_name, value[-shift:] + next_value)
            yield _join([marker, *moved])  # the same envelope when joined: it must open


def context_mutations(sealed: SealedHeader, fixture: Fixture) -> Iterator[str]:
    """The same cookie in different company and under other names."""
    header = sealed.header
    name = fixture.policy.cookie_name
    value = header.split(";", 1)[0].split("=", 1)[1]
    rest = header[len(f"{name}={value}") :]
    stranger = stranger_header(fixture)
    yield f"{name}X={value}{rest}"  # another cookie name: the name is authenticated
    yield f"{name.upper()}={value}{rest}"
    yield f"{name}C1={value}"
    yield f'{name}="{value}"{rest}'  # quoted: the same envelope
    yield f"{name}= {value} {rest}"
    yield f"{name}=garbage; {header}"  # first wins: refused
    yield f"{header}; {name}=garbage"  # first wins: opens
    yield f"{stranger}; {header}"  # the stranger's cookie is first: refused
    yield f"{header}; {stranger}"
    yield f"prefs=dark,{header}"  # folded with a comma by a proxy
    yield f"prefs=dark, {name}=garbage; {header}"
    yield f"{name}=garbage, {header}"
    yield f"{header}, {name}=garbage"
    yield stranger
    yield ""
    yield header * 2
    yield ";" * 3 + header + ";" * 3


def mutations(fixture: Fixture) -> Iterator[tuple[str, str]]:
    """(kind, text) for every mutation of every real cookie of ``fixture``: a Cookie
    header, or for the kind ``"envelope"`` a cookie value."""
    chunked = [sealed for sealed in fixture.headers if sealed.chunked]
    for sealed in fixture.headers:
        for header in header_mutations(sealed.header):
            yield "position", header
        if sealed.chunked:
            other = next((c for c in chunked if c is not sealed), None)
            for header in chunk_mutations(sealed, other):
                yield "chunks", header
        else:
            for value in envelope_mutations(sealed.original.value):
                yield "envelope", value  # the envelope reader's input; the codec gets name=value
        for header in context_mutations(sealed, fixture):
            yield "context", header


def count_mutations(fixture: Fixture) -> int:
    return sum(1 for _ in mutations(fixture))

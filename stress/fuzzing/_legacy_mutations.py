"""Every old framework's cookie, mutated: a deterministic sweep of each reader's input.

For each real cookie of a reader (:mod:`._legacy_corpus`), values that are not that cookie:

- at every character position (of a long cookie: in its first and last 64 characters and
  around each separator), the sweep of :func:`~._mutations.header_mutations` (the low 8
  bits flipped, the character deleted, duplicated, cut before, replaced by every base64url
  character and every character a decoder treats specially);
- in each part of the value (split at the format's separator: ``.`` for itsdangerous, ``:``
  for Django, ``|`` for Tornado; a Fernet token is one part), each bit of what the part
  encodes flipped and encoded again the same way (so that the signature check, not the
  decoder, has to refuse it), and the very same bytes written as a lenient decoder would
  still take them: padding added or removed, the other base64 alphabet, the unused bits of
  the last character set, a character outside the alphabet inserted, hexadecimal in upper
  case, a number with a leading zero, a sign or a space;
- the parts themselves dropped, doubled, swapped, emptied, joined by another separator, and
  spliced from another cookie of the same reader (one cookie's signature on another's
  content).

Then the cookie in different company in the Cookie header (quoted, beside another cookie of
the same name, under another name), for the codec only. Every mutated value must be refused:
an old library that still accepts one is a finding, counted apart as "malleable" when it
opens to the very session the original held.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator

from ._legacy_corpus import LegacyFixture
from ._mutations import BASE64URL, header_mutations

__all__ = [
    "legacy_context_mutations",
    "legacy_mutations",
    "part_mutations",
    "structure_mutations",
    "swept_positions",
]

_B64_CHARS = re.compile(r"[A-Za-z0-9+/_-]+=*")
_HEX = re.compile(r"[0-9a-f]{16,}")
_DECIMAL = re.compile(r"[0-9]+")
_OUTSIDERS = ("!", "*", ".", "~", " ", "\n", "\t", "\x00", "é", "\udc80", "=")
"""Characters outside both base64 alphabets, inserted into a part: a strict decoder refuses
each; Python's lenient ``b64decode`` skips most of them."""
_SEPARATORS = (".", ":", "|", ",", "!", "")
LONG = 300
"""Cookies longer than this many characters are swept character by character in windows."""
WINDOW = 64
_EDGE_BYTES = 32
"""Bits flipped in the first and last this many bytes of a long part (all of a short one):
the signature or MAC is at one end, the timestamp and version at the other."""


def _decode_b64(body: str) -> tuple[bytes, bool, bool] | None:
    """The bytes a base64 part encodes, whether it used the URL-safe alphabet, whether it
    was padded; None when it is not canonical base64 of some bytes."""
    if not _B64_CHARS.fullmatch(body):
        return None
    urlsafe = "-" in body or "_" in body
    padded = body.endswith("=")
    stripped = body.rstrip("=")
    try:
        raw = base64.b64decode(
            stripped.replace("-", "+").replace("_", "/") + "=" * (-len(stripped) % 4),
            validate=True,
        )
    except binascii.Error:
        return None
    if _encode_b64(raw, urlsafe=urlsafe, padded=padded) != body:
        # Another way of writing these bytes already: the part is not one to re-encode.
        return None
    return raw, urlsafe, padded


def _encode_b64(raw: bytes, *, urlsafe: bool, padded: bool) -> str:
    text = base64.b64encode(raw).decode("ascii")
    if urlsafe:
        text = text.replace("+", "-").replace("/", "_")
    return text if padded else text.rstrip("=")


def _flipped(raw: bytes) -> Iterator[bytes]:
    """``raw`` with one bit flipped, for every bit of its first and last bytes."""
    if len(raw) <= 2 * _EDGE_BYTES:
        positions = list(range(len(raw)))
    else:
        positions = [*range(_EDGE_BYTES), *range(len(raw) - _EDGE_BYTES, len(raw))]
    buffer = bytearray(raw)
    for index in positions:
        for bit in range(8):
            buffer[index] ^= 1 << bit
            yield bytes(buffer)
            buffer[index] ^= 1 << bit


def _base64_variants(body: str) -> Iterator[str]:
    decoded = _decode_b64(body)
    if decoded is None:
        return
    raw, urlsafe, padded = decoded
    for flipped in _flipped(raw):
        yield _encode_b64(flipped, urlsafe=urlsafe, padded=padded)
    # The same bytes, written another way.
    yield _encode_b64(raw, urlsafe=urlsafe, padded=not padded)
    yield _encode_b64(raw, urlsafe=not urlsafe, padded=padded)
    yield body + "="
    yield body + "=="
    yield body + "A"
    yield body[:-1] if not padded else body.rstrip("=")[:-1]
    stripped = body.rstrip("=")
    spare_bits = {2: 15, 3: 3}.get(len(stripped) % 4, 0)
    if spare_bits:  # the last character's unused bits set
        alphabet = BASE64URL if urlsafe else BASE64URL[:62] + "+/"
        last = alphabet.index(stripped[-1])
        for spare in range(1, spare_bits + 1):
            yield stripped[:-1] + alphabet[last ^ spare] + body[len(stripped) :]
    middle = len(body) // 2
    for outsider in _OUTSIDERS:
        yield body[:middle] + outsider + body[middle:]
        yield body + outsider
        yield outsider + body
    yield body.swapcase()


def _hex_variants(body: str) -> Iterator[str]:
    raw = bytes.fromhex(body) if len(body) % 2 == 0 else None
    if raw is not None:
        for flipped in _flipped(raw):
            yield flipped.hex()
    yield body.upper()
    first_letter = next((i for i, c in enumerate(body) if c.isalpha()), None)
    if first_letter is not None:
        yield body[:first_letter] + body[first_letter].upper() + body[first_letter + 1 :]
    yield "0x" + body
    yield body + "\n"
    yield " " + body


def _decimal_variants(body: str) -> Iterator[str]:
    number = int(body)
    yield from ("0" + body, "+" + body, " " + body, body + " ", "-" + body)
    yield body[:1] + "_" + body[1:]
    # Unicode digits that int() reads as the same number.
    yield body.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    for delta in (-1, 1, 86400, 10**9):
        yield str(number + delta)
    yield str(number * 1000)  # a timestamp in milliseconds


def _body_variants(body: str) -> Iterator[str]:
    if not body:
        return
    if _DECIMAL.fullmatch(body):
        yield from _decimal_variants(body)
    if _HEX.fullmatch(body):
        yield from _hex_variants(body)
    yield from _base64_variants(body)


def _part_variants(part: str, separator: str) -> Iterator[str]:
    if separator == "|":
        # Tornado's version 2 fields are "length:content": each mutated on its own.
        length, colon, body = part.partition(":")
        if colon and _DECIMAL.fullmatch(length):
            for variant in _decimal_variants(length):
                yield f"{variant}:{body}"
            for variant in _body_variants(body):
                yield f"{length}:{variant}"
            return
    # itsdangerous marks a compressed payload with a leading ".".
    lead = "." if separator == "." and part.startswith(".") else ""
    for variant in _body_variants(part.removeprefix(lead)):
        yield lead + variant


def part_mutations(value: str, separator: str) -> Iterator[str]:
    """Each part of ``value`` re-encoded or with a bit of its bytes flipped, the others kept."""
    parts = value.split(separator) if separator else [value]
    for index, part in enumerate(parts):
        for variant in _part_variants(part, separator):
            mutated = separator.join([*parts[:index], variant, *parts[index + 1 :]])
            if mutated != value:
                yield mutated


def structure_mutations(value: str, separator: str) -> Iterator[str]:
    """The parts dropped, doubled, swapped, emptied and joined by another separator."""
    if not separator:
        yield value + value
        yield value[: len(value) // 2]
        return
    parts = value.split(separator)
    for index in range(len(parts)):
        yield separator.join(parts[:index] + parts[index + 1 :])
        yield separator.join(parts[: index + 1] + parts[index:])
        yield separator.join([*parts[:index], "", *parts[index + 1 :]])
        if index + 1 < len(parts):
            swapped = list(parts)
            swapped[index], swapped[index + 1] = swapped[index + 1], swapped[index]
            yield separator.join(swapped)
    for other in _SEPARATORS:
        if other != separator:
            yield other.join(parts)
    yield separator + value
    yield value + separator
    yield value + separator + parts[-1]
    yield separator.join(reversed(parts))


def _splices(values: list[str], separator: str) -> Iterator[str]:
    """One cookie's part in another cookie of the same reader, for every part."""
    if not separator:
        return
    for first in values:
        for second in values:
            if first == second:
                continue
            mine, theirs = first.split(separator), second.split(separator)
            if len(mine) != len(theirs):
                continue
            for index in range(len(mine)):
                if mine[index] != theirs[index]:
                    yield separator.join([*mine[:index], theirs[index], *mine[index + 1 :]])


def swept_positions(value: str, separator: str) -> list[int]:
    """Where the character sweep mutates ``value``: everywhere in a short cookie; in a long
    one, its first and last :data:`WINDOW` characters and those around each separator (the
    middle of a long payload is under the same signature as a short one's, swept whole)."""
    if len(value) <= LONG:
        return list(range(len(value)))
    chosen = {*range(WINDOW), *range(len(value) - WINDOW, len(value))}
    for index, character in enumerate(value):
        if separator and character == separator:
            chosen.update(range(max(0, index - 8), min(len(value), index + 9)))
    return sorted(chosen)


def legacy_mutations(fixture: LegacyFixture) -> Iterator[tuple[str, str]]:
    """(kind, value) for every mutated value of every cookie of ``fixture``, then its
    strangers (valid cookies of the format that are not this reader's)."""
    values = list(fixture.originals)
    for value in values:
        for mutated in header_mutations(value, swept_positions(value, fixture.separator)):
            yield "position", mutated
        for mutated in part_mutations(value, fixture.separator):
            yield "encoding", mutated
        for mutated in structure_mutations(value, fixture.separator):
            yield "parts", mutated
    for mutated in _splices(values, fixture.separator):
        yield "splice", mutated
    for stranger in fixture.strangers:
        yield "stranger", stranger


def legacy_context_mutations(fixture: LegacyFixture) -> Iterator[str]:
    """Cookie headers carrying each real cookie in different company: for ``load`` only."""
    name = fixture.cookie_name
    for value in fixture.originals:
        yield f'{name}="{value}"'  # quoted: the same value, so it opens
        yield f"{name}= {value} "
        yield f"theme=dark; {name}={value}; lang=en"
        yield f"{name}={value}; {name}=garbage"  # the first of a name is read: opens
        yield f"{name}=garbage; {name}={value}"  # refused
        yield f"{name.upper()}={value}"  # another cookie: none of ours
        yield f"{name}X={value}"
        yield f"prefs=dark,{name}={value}"  # one cookie named prefs

"""How a session's content becomes bytes: compact JSON by default, never pickle."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any, Final, Protocol

from ._compile_hints import mypyc_attr
from ._errors import SessionTooDeep, UnserializableValue

__all__ = ["JSON", "MAX_DEPTH", "JSONSerializer", "Serializer", "dumps_with", "loads_with"]

MAX_DEPTH: Final = 64
"""The deepest nesting of arrays and objects a session may have, the session object itself
counting as 1 (``docs/wire-format.md``, "Plaintext"). Writers refuse a deeper session and
readers refuse a deeper plaintext, so nothing is written that a reader drops. Python's own
parser stops near 1000 levels (its recursion limit), other languages' parsers earlier (Rust's
serde_json at 128 by default); 64 is under all of them and far above any real session."""

# A JSON string token (escapes included) or one bracket: what nesting depth is counted on,
# so that brackets inside strings do not count.
_TOKENS: Final = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
_SURROGATE_ESCAPE: Final = re.compile(r"\\u[dD][89a-fA-F]")
# The least magnitude that rounds to infinity as a double (round to nearest, ties to even):
# halfway between the largest double, (2 - 2**-52) * 2**1023, and 2**1024. An integer is
# refused from there on, as a float is (docs/wire-format.md, "Plaintext").
_DOUBLE_OVERFLOW: Final = 2**1024 - 2**970
# Every integer below it has at most 309 digits: fewer than 640, the least limit that
# sys.set_int_max_str_digits() accepts, so that no setting of it (and no Python without
# it) changes what is read or written.
_OVERFLOW_DIGITS: Final = 309
# Digits to "1" and every other byte to "0": a run of _OVERFLOW_DIGITS digits is then a
# substring search, which is how a plaintext that cannot hold such an integer is told apart
# cheaply (a regular expression tries every position, and is tens of times slower).
_DIGIT_RUNS: Final = bytes(0x31 if 0x30 <= byte <= 0x39 else 0x30 for byte in range(256))
_LONG_RUN: Final = b"1" * _OVERFLOW_DIGITS


class Serializer(Protocol):
    """Turns a session's content into bytes and back.

    ``loads`` only ever sees plaintext that authenticated under a key of the ring; it
    must return a ``dict`` or raise ``ValueError``. Frameworks with richer session types
    (Flask's tagged JSON) plug in their own; the result must still be JSON so that every
    adapter can read every cookie.
    """

    def dumps(self, data: Mapping[str, Any]) -> bytes:
        """The bytes of ``data``; :class:`UnserializableValue` naming the bad key."""
        ...

    def loads(self, payload: bytes) -> dict[str, Any]:
        """The content ``payload`` holds; ``ValueError`` if it is not a session."""
        ...


def find_unserializable(
    data: Mapping[str, Any], dump_one: Any, error: Exception
) -> UnserializableValue:
    """The :class:`UnserializableValue` for the first key whose value ``dump_one`` refuses."""
    for key, value in data.items():
        try:
            dump_one(value)
        except (TypeError, ValueError) as exc:
            return UnserializableValue(str(key), str(exc))
        except RecursionError:
            # The slow path checks for cycles (a ValueError): this is depth alone.
            return SessionTooDeep(str(key), MAX_DEPTH)
    return UnserializableValue("?", str(error))


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    # 1e999 is valid JSON but no double: Python reads it as infinity, which no writer may
    # write (NaN and the infinities are not JSON), so it is refused as they are.
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"the number {text[:20]} overflows a double")
    return value


def _finite_int(text: str) -> int:
    # An integer is kept exactly, unless it is too large for any double (its magnitude
    # rounds to infinity): such a number is refused whatever its form, 1e999 or 1000...0.
    digits = len(text) - 1 if text[0] == "-" else len(text)
    if digits >= _OVERFLOW_DIGITS and (
        digits > _OVERFLOW_DIGITS or abs(int(text)) >= _DOUBLE_OVERFLOW
    ):
        raise ValueError(f"an integer of {digits} digits overflows a double")
    return int(text)


def _may_overflow(content: bytes) -> bool:
    """Whether the JSON ``content`` has a run of 309 digits, as an integer that overflows a
    double has: only then are its integers checked one by one."""
    return len(content) >= _OVERFLOW_DIGITS and _LONG_RUN in content.translate(_DIGIT_RUNS)


# Reads integers as _finite_int does, to find one that overflows in what a writer encoded.
_INTEGERS: Final = json.JSONDecoder(parse_int=_finite_int)


def nests_deeper_than(text: str, limit: int) -> bool:
    """Whether the arrays and objects of the JSON ``text`` nest deeper than ``limit``
    (``{}`` is one level, ``{"a":[]}`` two)."""
    # Most sessions hold fewer brackets than the limit: two counts in C decide it then.
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for token in _TOKENS.finditer(text):
        char = token.group()[0]
        if char == "[" or char == "{":
            depth += 1
            if depth > limit:
                return True
        elif char == "]" or char == "}":
            depth -= 1
    return False


def _holds_lone_surrogate(text: str) -> bool:
    # Only a \uD800-\uDFFF escape can put a surrogate in a parsed string (UTF-8 cannot
    # encode one), and a pair of them is one character; a lone one cannot be written back
    # as UTF-8, and I-JSON (RFC 7493 section 2.1) forbids it, so it is refused on reading.
    # A plain search first: most sessions hold no escape at all, and it costs no regex.
    if "\\u" not in text or not _SURROGATE_ESCAPE.search(text):
        return False
    for token in _TOKENS.finditer(text):
        string = token.group()
        if string[0] == '"' and _SURROGATE_ESCAPE.search(string):
            try:
                json.loads(string).encode("utf-8")
            except UnicodeEncodeError:
                return True
    return False


# Subclassable from Python code when compiled by mypyc too (hatch_build.py).
@mypyc_attr(allow_interpreted_subclasses=True)
class JSONSerializer:
    """Compact UTF-8 JSON (RFC 8259): objects, arrays, strings, numbers, true/false/null.

    NaN and infinities are refused (they are not JSON), so are numbers that overflow a
    double (``1e999``, and an integer of that size: integers below it are kept exactly),
    strings holding a lone surrogate (``"\\udc00"``), and nesting deeper
    than :data:`MAX_DEPTH`, on writing and on reading alike: nothing is read that could not
    be written back. Tuples come back as lists; that is JSON's doing. ``default`` and
    ``object_hook`` are :mod:`json`'s: a function that turns another type into a JSON value
    when writing, and one that rebuilds each object when reading (Flask's tagged JSON uses
    both). The encoder and decoder are built once,
    not on every call as :func:`json.dumps` with options would.
    """

    __slots__ = ("_checked", "_decoder", "_encode_c", "_encoder", "_scan")

    def __init__(
        self,
        *,
        default: Callable[[Any], Any] | None = None,
        object_hook: Callable[[dict[str, Any]], Any] | None = None,
    ) -> None:
        self._encoder = json.JSONEncoder(
            separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=default
        )
        # Python's decoder reads NaN, Infinity and -Infinity by default; they are not JSON
        # (RFC 8259 section 6), and a session holding one could never be written back.
        self._decoder = json.JSONDecoder(
            parse_constant=_refuse_constant, parse_float=_finite_float, object_hook=object_hook
        )
        # The same, with every integer checked: for the rare plaintext that may hold one
        # that overflows a double (parse_int costs a call per integer).
        self._checked = json.JSONDecoder(
            parse_constant=_refuse_constant,
            parse_float=_finite_float,
            parse_int=_finite_int,
            object_hook=object_hook,
        )
        # JSONEncoder.encode builds a new C encoder on every call; sessions are encoded on
        # every response, so the same C encoder (the one encode() would build) is kept.
        # Without circular-reference markers a cycle ends in RecursionError, caught below.
        self._encode_c = (
            None
            if c_make_encoder is None
            else c_make_encoder(
                None, self._encoder.default, encode_basestring, None, ":", ",", False, False, False
            )
        )
        self._scan = self._decoder.scan_once  # type: ignore[attr-defined]

    def dumps(self, data: Mapping[str, Any]) -> bytes:
        """Compact JSON bytes of ``data``."""
        try:
            if self._encode_c is not None and isinstance(data, dict):
                text = "".join(self._encode_c(data, 0))
            else:
                text = self._encoder.encode(data)
            # UTF-8 refuses lone surrogates ("\ud800"), which the encoder lets through.
            content = text.encode("utf-8")
        except (TypeError, ValueError, RecursionError) as exc:
            raise find_unserializable(data, self._encode_checked, exc) from None
        if nests_deeper_than(text, MAX_DEPTH):
            raise self._too_deep(data)
        if _may_overflow(content):
            try:
                _INTEGERS.decode(text)
            except ValueError as exc:
                raise find_unserializable(data, self._encode_checked, exc) from None
        return content

    def _encode_checked(self, value: Any) -> bytes:
        # The slow path, with circular-reference checks, to name the key that fails.
        content = self._encoder.encode(value).encode("utf-8")
        if _may_overflow(content):
            _INTEGERS.decode(content.decode("utf-8"))  # ValueError for an overflowing integer
        return content

    def _too_deep(self, data: Mapping[str, Any]) -> SessionTooDeep:
        for key, value in data.items():
            # Under the session object, a value's own depth is one level deeper.
            if nests_deeper_than(self._encoder.encode(value), MAX_DEPTH - 1):
                return SessionTooDeep(str(key), MAX_DEPTH)
        return SessionTooDeep("?", MAX_DEPTH)

    def loads(self, payload: bytes) -> dict[str, Any]:
        """The JSON object in ``payload``; ``ValueError`` for anything else."""
        text = payload.decode("utf-8")
        if nests_deeper_than(text, MAX_DEPTH):
            # Before parsing: the parser recurses once per level.
            raise ValueError(f"nested deeper than MAX_DEPTH = {MAX_DEPTH} levels")
        if _may_overflow(payload):
            # Only a run of 309 digits can be an integer too large for a double.
            data = self._checked.decode(text)
        else:
            try:
                # The decoder's own scanner, without decode()'s layers; what it leaves
                # unread must be white space (RFC 8259 section 2).
                data, end = self._scan(text, 0)
            except StopIteration:
                data, end = self._decoder.decode(text), len(text)  # raises the precise error
            if end != len(text) and text[end:].strip(" \t\n\r"):
                raise ValueError("extra data after the JSON object")
        if not isinstance(data, dict):
            raise ValueError("a session is a JSON object")
        if _holds_lone_surrogate(text):
            raise ValueError("a string holds a lone surrogate")
        return data


JSON = JSONSerializer()


# The request path's two calls of a serializer. Through the Serializer protocol, the compiled
# build calls a method by looking its name up on every call; narrowed to JSONSerializer (the
# default), it calls the compiled method directly (an interpreted subclass's override still
# runs, through mypyc's glue). Both arms are the same call on purpose.


def dumps_with(serializer: Serializer, data: Mapping[str, Any]) -> bytes:
    """``serializer.dumps(data)``."""
    if isinstance(serializer, JSONSerializer):
        return serializer.dumps(data)
    return serializer.dumps(data)


def loads_with(serializer: Serializer, payload: bytes) -> dict[str, Any]:
    """``serializer.loads(payload)``."""
    if isinstance(serializer, JSONSerializer):
        return serializer.loads(payload)
    return serializer.loads(payload)

"""How a session's content becomes bytes: compact JSON by default, never pickle."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any, Protocol

from ._compile_hints import mypyc_attr
from ._errors import UnserializableValue

__all__ = ["JSON", "JSONSerializer", "Serializer"]


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
    return UnserializableValue("?", str(error))


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


# Subclassable from Python code when compiled by mypyc too (hatch_build.py).
@mypyc_attr(allow_interpreted_subclasses=True)
class JSONSerializer:
    """Compact UTF-8 JSON (RFC 8259): objects, arrays, strings, numbers, true/false/null.

    NaN and infinities are refused (they are not JSON). Tuples come back as lists; that
    is JSON's doing. ``default`` and ``object_hook`` are :mod:`json`'s: a function that
    turns another type into a JSON value when writing, and one that rebuilds each object
    when reading (Flask's tagged JSON uses both). The encoder and decoder are built once,
    not on every call as :func:`json.dumps` with options would.
    """

    __slots__ = ("_decoder", "_encode_c", "_encoder", "_scan")

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
        self._decoder = json.JSONDecoder(parse_constant=_refuse_constant, object_hook=object_hook)
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
            return text.encode("utf-8")
        except (TypeError, ValueError, RecursionError) as exc:
            raise find_unserializable(data, self._encode_checked, exc) from None

    def _encode_checked(self, value: Any) -> bytes:
        # The slow path, with circular-reference checks, to name the key that fails.
        return self._encoder.encode(value).encode("utf-8")

    def loads(self, payload: bytes) -> dict[str, Any]:
        """The JSON object in ``payload``; ``ValueError`` for anything else."""
        text = payload.decode("utf-8")
        try:
            # The decoder's own scanner, without decode()'s layers; what it leaves unread
            # must be white space (RFC 8259 section 2).
            data, end = self._scan(text, 0)
        except StopIteration:
            data, end = self._decoder.decode(text), len(text)  # raises the precise error
        if end != len(text) and text[end:].strip(" \t\n\r"):
            raise ValueError("extra data after the JSON object")
        if not isinstance(data, dict):
            raise ValueError("a session is a JSON object")
        return data


JSON = JSONSerializer()

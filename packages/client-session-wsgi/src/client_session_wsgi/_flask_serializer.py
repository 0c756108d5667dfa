"""Flask's tagged JSON as the core's serializer, so that ``flask.session`` keeps its types.

Flask's own sessions serialize with :class:`~flask.json.tag.TaggedJSONSerializer`: tuples,
bytes, datetimes, UUIDs and ``Markup`` come back as they went in. The serializer here keeps
those tags inside the core's compact JSON, so that the bytes are still JSON that every other
adapter reads (as plain values) and an error names the application's own key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask.json.provider import DefaultJSONProvider
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import session_json_serializer

from client_session_core.adapter import JSONSerializer, UnserializableValue

__all__ = ["TaggedJSONSessionSerializer"]

# The types JSON has as they are; subclasses (Markup is a str) are not among them.
_JSON_SCALARS = frozenset({str, int, float, bool, type(None)})


class TaggedJSONSessionSerializer:
    """Flask's tagged JSON as the core's serializer.

    Tuples, bytes, datetimes, UUIDs and ``Markup`` come back as they went in, as with
    Flask's own sessions; the bytes are still JSON, so every other adapter reads the plain
    values of the same cookie. Custom tags registered on the wrapped
    :class:`~flask.json.tag.TaggedJSONSerializer` apply.
    """

    __slots__ = ("_default_order", "_json", "_tagged")

    def __init__(self, tagged: TaggedJSONSerializer = session_json_serializer) -> None:
        self._tagged = tagged
        # Flask's default tags, as they are now: register() changes this list.
        default = [type(tag) for tag in tagged.order] == TaggedJSONSerializer.default_tags
        self._default_order = list(tagged.order) if default else None
        # The core's compact, NaN-refusing JSON, with Flask's fallback for other types
        # (dates, decimals, dataclasses), the same in and out of an app context so that
        # equal content gives equal bytes, and each object untagged as it is read
        # (innermost first, as Flask's own loads does).
        self._json = JSONSerializer(default=DefaultJSONProvider.default, object_hook=tagged.untag)

    @property
    def tagged(self) -> TaggedJSONSerializer:
        """The Flask serializer whose tags apply."""
        return self._tagged

    def dumps(self, data: Mapping[str, Any]) -> bytes:
        """Tagged, compact JSON bytes of ``data``."""
        try:
            return self._json.dumps(self._tag(dict(data)))
        except (TypeError, ValueError, RecursionError) as exc:
            # The core names a key of the tagged dict; name the application's own.
            raise self._unserializable(data, exc) from None

    def _tag(self, content: dict[str, Any]) -> Any:
        # Flask's default tags leave JSON's own scalars as they are, so a session holding
        # only those (unless its one key is a tag's, which TagDict escapes) is its own
        # tagged form: the tags are not tried on every value.
        tagged = self._tagged
        if (
            self._default_order is not None
            and tagged.order == self._default_order
            and _JSON_SCALARS.issuperset(map(type, content.values()))
            and not (len(content) == 1 and next(iter(content)) in tagged.tags)
        ):
            return content
        return tagged.tag(content)

    def _unserializable(self, data: Mapping[str, Any], error: Exception) -> UnserializableValue:
        for key, value in data.items():
            try:
                # Each value alone, through the same encoder, under a stand-in key.
                self._json.dumps({"value": self._tagged.tag(value)})
            except (TypeError, ValueError, RecursionError) as exc:
                detail = exc.detail if isinstance(exc, UnserializableValue) else str(exc)
                return UnserializableValue(str(key), detail)
        return UnserializableValue("?", str(error))

    def loads(self, payload: bytes) -> dict[str, Any]:
        """The session in ``payload``; ``ValueError`` if it is not a JSON object."""
        return self._json.loads(payload)

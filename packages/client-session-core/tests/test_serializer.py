"""JSONSerializer: compact JSON, with json's ``default`` and ``object_hook`` when given."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from client_session_core import JSONSerializer, UnserializableValue


def _iso_date(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return {"$date": value.isoformat()}
    raise TypeError(f"{type(value).__name__} is not JSON")


def _from_iso_date(obj: dict[str, Any]) -> Any:
    if obj.keys() == {"$date"}:
        return datetime.date.fromisoformat(obj["$date"])
    return obj


def test_default_writes_other_types_and_object_hook_reads_them_back() -> None:
    serializer = JSONSerializer(default=_iso_date, object_hook=_from_iso_date)
    day = datetime.date(2026, 11, 30)

    payload = serializer.dumps({"since": day, "nested": {"days": [day]}})

    assert payload == b'{"since":{"$date":"2026-11-30"},"nested":{"days":[{"$date":"2026-11-30"}]}}'
    assert serializer.loads(payload) == {"since": day, "nested": {"days": [day]}}


def test_with_hooks_it_still_refuses_what_is_not_json() -> None:
    serializer = JSONSerializer(default=_iso_date, object_hook=_from_iso_date)

    with pytest.raises(UnserializableValue, match="'when'") as raised:
        serializer.dumps({"fine": 1, "when": datetime.time(12, 0)})
    assert "time is not JSON" in raised.value.detail
    with pytest.raises(UnserializableValue, match="'ratio'"):
        serializer.dumps({"ratio": float("nan")})
    with pytest.raises(ValueError, match="NaN is not JSON"):
        serializer.loads(b'{"ratio":NaN}')


def test_without_hooks_other_types_are_refused_and_objects_stay_dicts() -> None:
    serializer = JSONSerializer()

    with pytest.raises(UnserializableValue, match="'since'"):
        serializer.dumps({"since": datetime.date(2026, 11, 30)})
    assert serializer.loads(b'{"$date":"2026-11-30"}') == {"$date": "2026-11-30"}

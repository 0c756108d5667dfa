"""What a plaintext may hold: the reader refuses exactly what the writer cannot write
(issue 13, findings 2 and 6; docs/wire-format.md, "Plaintext")."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from client_session_core import (
    MAX_DEPTH,
    InvalidReason,
    JSONSerializer,
    KeyRing,
    SessionCodec,
    SessionTooDeep,
    UnserializableValue,
)
from client_session_core.adapter import Action
from client_session_core.wire import seal_for_test_vector

MakeCodec = Callable[..., SessionCodec]
NOW = 1_800_000_000  # the clock fixture's time
PRIMARY_KEY = "z76G3iWRnUMt72gCbxf2v3cqPNo0Q2vTnD7TFsg4z30"  # the make_codec fixture's key
SALT = bytes(range(16))
NONCE = bytes(range(100, 112))


def _cookie_holding(plaintext: bytes) -> str:
    """``session=<value>``: an authentic cookie whose plaintext is ``plaintext`` as given."""
    value = seal_for_test_vector(
        KeyRing([PRIMARY_KEY]).primary,
        plaintext,
        cookie_name="session",
        created_at=NOW,
        issued_at=NOW,
        flags=1,
        salt=SALT,
        nonce=NONCE,
    )
    return f"session={value}"


def _nested(depth: int) -> dict[str, Any]:
    """A session whose arrays and objects nest ``depth`` levels, the session itself first."""
    value: Any = []
    for _ in range(depth - 2):
        value = [value]
    return {"deep": value}


@pytest.mark.parametrize(
    "plaintext",
    [
        pytest.param(b'{"x":1e999}', id="overflowing float"),
        pytest.param(b'{"x":-1e400}', id="overflowing negative float"),
        pytest.param(b'{"x":"\\udc00"}', id="lone low surrogate"),
        pytest.param(b'{"x":"a\\ud83d"}', id="lone high surrogate at the end"),
        pytest.param(b'{"\\ud800":1}', id="lone surrogate in a name"),
        pytest.param(b'{"x":"\\ude00\\ud83d"}', id="surrogates in the wrong order"),
        pytest.param(b'\xef\xbb\xbf{"x":1}', id="byte order mark"),
    ],
)
def test_what_the_writer_cannot_write_does_not_open(codec: SessionCodec, plaintext: bytes) -> None:
    session = codec.load(_cookie_holding(plaintext))
    assert session.rejected is InvalidReason.BAD_PAYLOAD
    assert session.data() == {}


@pytest.mark.parametrize(
    ("plaintext", "data"),
    [
        pytest.param(b'{"x":"\\ud83d\\ude00"}', {"x": "\U0001f600"}, id="escaped surrogate pair"),
        pytest.param(b'{"x":"\\\\udc00"}', {"x": "\\udc00"}, id="escaped backslash, then udc00"),
        pytest.param(b'{"x":1.7976931348623157e308}', {"x": 1.7976931348623157e308}, id="max"),
        pytest.param(b'{"x":1e-999}', {"x": 0.0}, id="underflow to zero"),
    ],
)
def test_near_misses_open_and_write_back(
    codec: SessionCodec, plaintext: bytes, data: dict[str, Any]
) -> None:
    session = codec.load(_cookie_holding(plaintext))
    assert session.rejected is None
    assert session.data() == data
    session["touched"] = True
    assert codec.commit(session).action is Action.RESEAL


def test_the_deepest_session_allowed_is_written_and_read(
    make_codec: MakeCodec, codec: SessionCodec
) -> None:
    session = codec.load(None)
    session.update(_nested(MAX_DEPTH))
    (set_cookie,) = codec.commit(session).set_cookie
    reopened = codec.load(set_cookie.split(";")[0])
    assert reopened.rejected is None
    assert reopened.data() == _nested(MAX_DEPTH)


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 995, 5000])
def test_a_deeper_session_is_refused_at_write_time_naming_the_limit(
    codec: SessionCodec, depth: int
) -> None:
    session = codec.load(None)
    session["flat"] = 1
    session.update(_nested(depth))
    with pytest.raises(SessionTooDeep, match=rf"session\['deep'\].*MAX_DEPTH = {MAX_DEPTH}") as e:
        codec.commit(session)
    assert isinstance(e.value, UnserializableValue)
    assert (e.value.key, e.value.limit) == ("deep", MAX_DEPTH)


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 950])
def test_a_deeper_plaintext_does_not_open(codec: SessionCodec, depth: int) -> None:
    plaintext = json.dumps(_nested(depth), separators=(",", ":")).encode()
    assert codec.load(_cookie_holding(plaintext)).rejected is InvalidReason.BAD_PAYLOAD


def test_brackets_inside_strings_are_not_nesting(codec: SessionCodec) -> None:
    text = '[{"\\"[' * 40
    session = codec.load(None)
    session["text"] = text
    (set_cookie,) = codec.commit(session).set_cookie
    assert codec.load(set_cookie.split(";")[0]).data() == {"text": text}


class _LenientSerializer(JSONSerializer):
    """Reads what it cannot write (json.loads takes 1e999 as infinity)."""

    def loads(self, payload: bytes) -> dict[str, Any]:
        data = json.loads(payload)
        assert isinstance(data, dict)
        return data


@pytest.mark.parametrize("write", [False, True])
def test_a_session_read_from_an_unwritable_cookie_never_fails_the_response(
    make_codec: MakeCodec, caplog: pytest.LogCaptureFixture, write: bool
) -> None:
    codec = make_codec(serializer=_LenientSerializer())
    session = codec.load(_cookie_holding(b'{"x":1e999,"name":"Zoe"}'))
    assert session.get("name") == "Zoe"
    if write:
        session["more"] = 1
    with caplog.at_level(logging.WARNING, logger="client_session"):
        commit = codec.commit(session)
    assert (commit.action, commit.set_cookie, commit.vary_cookie) == (Action.VARY, (), True)
    assert not session.unsaved  # nothing of it could be saved: said once, just below
    (record,) = caplog.records
    assert "session['x'] cannot be written back" in record.getMessage()
    assert "1e999" not in record.getMessage()


def test_an_unwritable_value_the_application_stored_still_raises(make_codec: MakeCodec) -> None:
    codec = make_codec(serializer=_LenientSerializer())
    session = codec.load(_cookie_holding(b'{"name":"Zoe"}'))
    session["x"] = float("inf")
    with pytest.raises(UnserializableValue, match=r"session\['x'\]"):
        codec.commit(session)


def _float_by_the_spec(value: float) -> str:
    """A float written by docs/wire-format.md's rule, from its shortest round-trip digits."""
    for digits in range(1, 18):
        mantissa, _, exponent_text = f"{value:.{digits - 1}e}".partition("e")
        if float(f"{mantissa}e{exponent_text}") == value:
            break
    sign = "-" if mantissa.startswith("-") else ""
    significant = mantissa.lstrip("-").replace(".", "").rstrip("0") or "0"
    exponent = int(exponent_text)
    if -4 <= exponent < 16:
        point = exponent + 1  # digits before the decimal point
        if point <= 0:
            return f"{sign}0.{'0' * -point}{significant}"
        whole, fraction = significant[:point].ljust(point, "0"), significant[point:]
        return f"{sign}{whole}.{fraction or '0'}"
    rest = f".{significant[1:]}" if len(significant) > 1 else ""
    return f"{sign}{significant[0]}{rest}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"


@pytest.mark.parametrize(
    "value",
    [
        *(0.25, 2.0, -0.0, 0.0, 1e-4, 1e-5, 1e15, 1e16, 123456789012345678.0, 1.5e300),
        *(5e-324, 1.7976931348623157e308, -2.5e-7, 0.1 + 0.2, 1 / 3, 12345.678),
    ],
)
def test_floats_are_written_by_the_rule_the_spec_states(value: float) -> None:
    assert JSONSerializer().dumps({"x": value}) == f'{{"x":{_float_by_the_spec(value)}}}'.encode()


# The least magnitude that rounds to infinity as a double: halfway between the largest
# double and 2**1024 (docs/wire-format.md, "Plaintext").
DOUBLE_OVERFLOW = 2**1024 - 2**970


@pytest.fixture(params=[None, 0, 640], ids=["default digit limit", "no limit", "least limit"])
def int_max_str_digits(request: pytest.FixtureRequest) -> Iterator[None]:
    """Python's limit on int-string conversions (4300 digits by default), set otherwise."""
    setting = request.param
    if setting is None:
        yield
        return
    if not hasattr(sys, "set_int_max_str_digits"):  # pragma: no cover - before 3.10.7
        pytest.skip("this Python has no limit on int-string conversions")
    before = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(setting)
    try:
        yield
    finally:
        sys.set_int_max_str_digits(before)


@pytest.mark.usefixtures("int_max_str_digits")
@pytest.mark.parametrize("value", [DOUBLE_OVERFLOW - 1, -(DOUBLE_OVERFLOW - 1), 2**53, -(2**63)])
def test_integers_below_a_doubles_overflow_are_kept_exactly_both_ways(
    codec: SessionCodec, value: int
) -> None:
    session = codec.load(None)
    session["n"] = value
    (set_cookie,) = codec.commit(session).set_cookie
    assert codec.load(set_cookie.split(";")[0]).data() == {"n": value}
    assert codec.load(_cookie_holding(b'{"n":%d}' % value)).data() == {"n": value}


@pytest.mark.usefixtures("int_max_str_digits")
@pytest.mark.parametrize(
    "digits",
    [
        pytest.param(str(DOUBLE_OVERFLOW), id="the overflow itself, 309 digits"),
        pytest.param(str(-DOUBLE_OVERFLOW), id="its negative: the sign does not count"),
        pytest.param("1" + "0" * 309, id="310 digits"),
        pytest.param("9" * 4300, id="4300 digits, Python's default limit"),
        pytest.param("-" + "9" * 4301, id="4301 digits, negative"),
    ],
)
def test_integers_that_overflow_a_double_are_refused_both_ways(
    make_codec: MakeCodec, digits: str
) -> None:
    # Issue 22: the answer was Python's int_max_str_digits (4300 digits kept, unless the
    # process set another limit); it is now the double's, as for 1e999, on every setting.
    codec = make_codec(max_chunks=3)
    too_large = codec.load(None)
    too_large["fine"] = 1
    too_large["n"] = _int_of(digits)
    with pytest.raises(UnserializableValue, match=r"session\['n'\]"):
        codec.commit(too_large)
    refused = codec.load(_cookie_holding(b'{"n":' + digits.encode() + b"}"))
    assert refused.rejected is InvalidReason.BAD_PAYLOAD


def _int_of(digits: str) -> int:
    """The integer written ``digits``, whatever the process's int_max_str_digits."""
    negative = digits.startswith("-")
    value = 0
    for chunk_start in range(int(negative), len(digits), 300):
        chunk = digits[chunk_start : chunk_start + 300]
        value = value * 10 ** len(chunk) + int(chunk)
    return -value if negative else value


def test_a_long_run_of_digits_in_a_string_is_no_number(codec: SessionCodec) -> None:
    text = "7" * 400
    session = codec.load(None)
    session["digits"] = text
    (set_cookie,) = codec.commit(session).set_cookie
    assert codec.load(set_cookie.split(";")[0]).data() == {"digits": text}

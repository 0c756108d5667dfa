"""Reading the Cookie request header: RFC 6265 section 5.4 as browsers send it, and worse."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from client_session_core import InvalidReason, SessionCodec
from client_session_core._cookies import parse_cookie_header


@pytest.fixture
def value(codec: SessionCodec) -> str:
    return codec.seal({"count": 1})


def _opens(codec: SessionCodec, header: str) -> bool:
    session = codec.load(header)
    return session.rejected is None and session.data() == {"count": 1}


def test_the_first_of_duplicate_cookies_wins(codec: SessionCodec, value: str) -> None:
    # The browser sends the cookie with the longest path first (section 5.4, step 2).
    assert _opens(codec, f"session={value}; session=garbage")
    session = codec.load(f"session=garbage; session={value}")
    assert session.rejected is InvalidReason.MALFORMED


@pytest.mark.parametrize(
    "template",
    [
        "session={}",
        'session="{}"',
        "  session = {}  ",
        "a=1;session={};b=2",
        "flag; session={}; other",
        ";;session={};;",
        "theme=därk; emoji=🍪; session={}",
        "session={},theme=dark",
        "session={}, theme=dark; b=2",
        "sessionid=x; session_old=y; session={}",
        "SESSION=x; session={}",
    ],
)
def test_the_session_cookie_is_found(codec: SessionCodec, value: str, template: str) -> None:
    assert _opens(codec, template.format(value))


@pytest.mark.parametrize("template", ["theme=dark, session={}", "a=1; b=2,session={}, c=3"])
def test_a_comma_does_not_separate_cookies(codec: SessionCodec, value: str, template: str) -> None:
    # RFC 6265 section 5.4 joins cookies with "; " only: "b=2,session=..." is the cookie b.
    session = codec.load(template.format(value))
    assert (session.new, session.rejected) == (True, None)


def test_a_cookie_smuggled_after_a_comma_does_not_shadow_the_real_one(
    codec: SessionCodec, value: str
) -> None:
    # Issue 13, finding 3: split on commas, the attacker's cookie came first and won.
    attacker = codec.seal({"count": 666})
    assert _opens(codec, f"prefs=dark,session={attacker}; session={value}")
    garbage = codec.load(f"prefs=dark,session=garbage; session={value}")
    assert (garbage.rejected, garbage.data()) == (None, {"count": 1})


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ('session="{}', InvalidReason.MALFORMED),
        ('session=""{}""', InvalidReason.MALFORMED),
        ("session={}é", InvalidReason.MALFORMED),
        ("session={} x", InvalidReason.MALFORMED),
        ("session=", InvalidReason.MALFORMED),
    ],
)
def test_odd_values_are_refused(
    codec: SessionCodec, value: str, template: str, reason: InvalidReason
) -> None:
    assert codec.load(template.format(value)).rejected is reason


@pytest.mark.parametrize("space", ["\u00a0", "\u2003", "\r\n", "\v"])
def test_only_spaces_and_tabs_are_trimmed(codec: SessionCodec, value: str, space: str) -> None:
    # RFC 6265 section 5.2 trims WSP only; another implementation must find the same cookie.
    assert _opens(codec, f" \tsession\t = {value}\t ")
    assert codec.load(f"session={value}{space}").rejected is InvalidReason.MALFORMED
    session = codec.load(f"{space}session={value}")
    assert (session.new, session.rejected) == (True, None)


def test_names_are_case_sensitive(codec: SessionCodec, value: str) -> None:
    session = codec.load(f"Session={value}")
    assert (session.new, session.rejected) == (True, None)


def test_a_stray_chunk_cookie_is_deleted_when_the_session_is_written(
    codec: SessionCodec, value: str
) -> None:
    session = codec.load(f"session={value}; sessionC1=left-over")
    session["count"] = 2
    set_cookie = codec.commit(session).set_cookie
    assert [header.partition("=")[0] for header in set_cookie] == ["session", "sessionC1"]
    assert set_cookie[1].startswith("sessionC1=; Path=/; Max-Age=0;")


def test_the_parser_keeps_only_names_with_the_prefix() -> None:
    header = 'a=1; sessionC1=x; session="q"; session=second; sessionid=z; other'
    assert parse_cookie_header(header, "session") == {
        "sessionC1": "x",
        "session": "q",
        "sessionid": "z",
    }
    assert parse_cookie_header("a=1; b=2", "session") == {}


def _best_of_3(parse: Callable[[], object]) -> float:
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        parse()
        timings.append(time.perf_counter() - start)
    return min(timings)


SHAPES = ["a=b; ", ";", " ", "=", "session", "session=A", 'session="', "sessionC1=x;"]
SHAPE_IDS = ["pairs", "semicolons", "spaces", "equals", "prefix", "value", "quote", "chunks"]


def _header_of(unit: str, size: int) -> str:
    # The cookie name up front, so that no shape takes the "not in the header" shortcut.
    return "session=x;" + unit * (size // len(unit))


@pytest.mark.parametrize("unit", SHAPES, ids=SHAPE_IDS)
def test_a_multi_megabyte_header_gives_a_new_session(codec: SessionCodec, unit: str) -> None:
    session = codec.load(_header_of(unit, 2 * 1024 * 1024))
    assert session.data() == {}
    assert session.rejected is InvalidReason.MALFORMED


@pytest.mark.parametrize("unit", SHAPES, ids=SHAPE_IDS)
def test_reading_a_header_takes_linear_time(codec: SessionCodec, unit: str) -> None:
    # Work, not wall time, is the claim: a 16 times larger header may take at most 64 times
    # longer (a quadratic parser would take about 256 times longer); the bound is generous
    # so that a busy machine does not fail it.
    small, large = _header_of(unit, 64 * 1024), _header_of(unit, 1024 * 1024)
    small_time = _best_of_3(lambda: codec.load(small))
    large_time = _best_of_3(lambda: codec.load(large))
    assert large_time < 64 * small_time + 0.05

"""The suite's own tools: the clock (the core's), Set-Cookie parsing, vectors, harness discovery."""

from __future__ import annotations

from pathlib import Path

import pytest

from client_session_conformance import (
    HARNESS_ENTRY_POINT_GROUP,
    ROUTES,
    Harness,
    ManualClock,
    ReferenceHarness,
    installed_harnesses,
    load_invalid_vectors,
    load_valid_vectors,
    parse_set_cookie,
)
from client_session_core import KeyRing, SessionPolicy, generate_key, testing


def test_the_clock_is_the_cores() -> None:
    # Tested with the core (client_session_core.testing); the suite and its harnesses take it
    # from there, and every adapter's tests from here.
    assert ManualClock is testing.ManualClock


def test_parse_set_cookie_splits_attributes() -> None:
    cookie = parse_set_cookie(
        "session=abc=; Path=/app; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly"
    )
    assert cookie.name == "session"
    assert cookie.value == "abc="
    assert cookie.attributes == {
        "path": "/app",
        "max-age": "0",
        "expires": "Thu, 01 Jan 1970 00:00:00 GMT",
        "httponly": None,
    }
    assert cookie.deletes
    assert not parse_set_cookie("session=abc; Max-Age=60").deletes
    assert not parse_set_cookie("session=abc").deletes


def test_routes_name_every_contract_path() -> None:
    assert [(r.method, r.path) for r in ROUTES] == [
        ("GET", "/counter"),
        ("GET", "/view"),
        ("POST", "/merge"),
        ("POST", "/clear"),
        ("GET", "/untouched"),
        ("GET", "/nested"),
        ("GET", "/large"),
        ("GET", "/remember"),
        ("POST", "/logout"),
        ("POST", "/login"),
        ("POST", "/regenerate"),
        ("POST", "/logout-everywhere"),
        ("GET", "/whoami"),
    ]


def test_the_reference_harness_is_registered() -> None:
    harnesses = installed_harnesses()
    assert harnesses["reference"] is ReferenceHarness
    assert all(issubclass(harness, Harness) for harness in harnesses.values())


def test_a_harness_that_cannot_import_skips_naming_the_missing_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A distribution installed on sys.path that registers a harness needing a package that
    # is not installed, as client-session-conformance does for every adapter's harness.
    dist_info = tmp_path / "someframework_harness-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: someframework-harness\nVersion: 1.0\n", encoding="utf-8"
    )
    (dist_info / "entry_points.txt").write_text(
        f"[{HARNESS_ENTRY_POINT_GROUP}]\nsomeframework = someframework_harness:Harness\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))

    harnesses = installed_harnesses()

    assert harnesses["reference"] is ReferenceHarness  # the others still load
    stand_in = harnesses["someframework"]
    assert issubclass(stand_in, Harness)
    assert stand_in.name == "someframework"
    policy = SessionPolicy(keys=KeyRing([generate_key()]))
    message = (
        "harness 'someframework' needs the package 'someframework_harness', which is not installed"
    )
    with pytest.raises(pytest.skip.Exception, match=message):
        stand_in().serve(policy, ManualClock())


def test_vectors_load_and_open_with_the_core() -> None:
    from client_session_core import SessionCodec

    valid, invalid = load_valid_vectors(), load_invalid_vectors()
    assert valid
    assert invalid
    for vector in valid:
        codec = SessionCodec(vector.session_policy(), clock=lambda v=vector: float(v.now))
        session = codec.load(vector.cookie_header)
        assert session.rejected is None, vector.description
        assert session.data() == vector.session, vector.description
    for bad in invalid:
        codec = SessionCodec(bad.session_policy(), clock=lambda v=bad: float(v.now))
        assert codec.load(bad.cookie_header).rejected is not None, bad.description

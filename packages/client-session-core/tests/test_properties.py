"""Properties over generated input: round trips, tampering, and headers of any shape."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from client_session_core import KeyRing, SessionCodec, SessionPolicy

NOW = 1_800_000_000
BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

# Function-scoped fixtures are fine here: every example only reads the codec.
PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
json_objects = st.dictionaries(st.text(max_size=12), json_values, max_size=6)


@pytest.fixture
def chunking_codec(primary_key: str) -> SessionCodec:
    policy = SessionPolicy(keys=KeyRing([primary_key]), max_chunks=9)
    return SessionCodec(policy, clock=lambda: NOW)


@PROPERTY
@given(data=json_objects)
def test_any_json_object_round_trips(chunking_codec: SessionCodec, data: dict[str, Any]) -> None:
    session = chunking_codec.load(None)
    session.update(data)
    commit = chunking_codec.commit(session)
    header = "; ".join(set_cookie.split(";", 1)[0] for set_cookie in commit.set_cookie)
    restored = chunking_codec.load(header or None)
    assert restored.rejected is None
    assert restored.data() == data


@pytest.fixture
def sealed(codec: SessionCodec) -> str:
    return codec.seal({"user": "alice", "roles": ["admin"]})


@PROPERTY
@given(position=st.integers(min_value=0), replacement=st.sampled_from(BASE64URL + "+/=.~ é"))
def test_changing_any_one_character_is_refused(
    codec: SessionCodec, sealed: str, position: int, replacement: str
) -> None:
    position %= len(sealed)
    if sealed[position] == replacement:
        replacement = "B" if replacement == "A" else "A"
    tampered = sealed[:position] + replacement + sealed[position + 1 :]
    session = codec.load(f"session={tampered}")
    assert session.rejected is not None
    assert session.data() == {}


def _assert_new_or_refused(codec: SessionCodec, header: str) -> None:
    session = codec.load(header)
    assert session.new
    assert session.data() == {}
    assert session.origin.cookie_present is (session.rejected is not None)
    codec.commit(session)  # nothing to write, or a deletion; never an error


@PROPERTY
@given(header=st.text(max_size=300))
def test_any_text_header_gives_a_new_or_refused_session(codec: SessionCodec, header: str) -> None:
    _assert_new_or_refused(codec, header)


@PROPERTY
@given(raw=st.binary(max_size=300))
def test_any_bytes_header_gives_a_new_or_refused_session(codec: SessionCodec, raw: bytes) -> None:
    # ASGI and WSGI servers hand headers over as bytes, decoded as ISO-8859-1.
    _assert_new_or_refused(codec, raw.decode("latin-1"))


cookie_names = st.sampled_from(["session", "sessionC1", "sessionC2", "sessionC9", "other"])
cookie_values = st.text(max_size=40) | st.sampled_from(["chunks-2", "chunks-9", "chunks-²", ""])


@PROPERTY
@given(
    pairs=st.lists(st.tuples(cookie_names, cookie_values), max_size=6),
    separator=st.sampled_from(["; ", ";", " ; "]),
)
def test_any_cookies_under_our_names_give_a_new_or_refused_session(
    chunking_codec: SessionCodec, pairs: list[tuple[str, str]], separator: str
) -> None:
    _assert_new_or_refused(chunking_codec, separator.join(f"{n}={v}" for n, v in pairs))
    chunking_codec.load_cookies(dict(pairs))

"""The cookie budget: SessionTooLarge, and chunking over <name>C1..<name>CN."""

from __future__ import annotations

from typing import Any

import pytest

from client_session_core import InvalidReason, SessionCodec, SessionTooLarge
from client_session_core.adapter import Commit


def _commit_blob(codec: SessionCodec, size: int, header: str | None = None) -> Commit:
    session = codec.load(header)
    session["blob"] = "x" * size
    return codec.commit(session)


def _names(commit: Commit) -> list[str]:
    return [header.partition("=")[0] for header in commit.set_cookie]


def _deleted(commit: Commit) -> list[str]:
    return [header.partition("=")[0] for header in commit.set_cookie if "; Max-Age=0;" in header]


def test_too_large_names_the_size_and_the_limit(codec: SessionCodec) -> None:
    with pytest.raises(SessionTooLarge) as caught:
        _commit_blob(codec, 5000)
    error = caught.value
    assert error.limit == 4096
    assert error.size > 4096
    message = str(error)
    assert f"Set-Cookie of {error.size} bytes" in message
    assert "limit of 4096 bytes for one cookie" in message
    assert "max_chunks" in message


@pytest.mark.parametrize("limit", [4096, 1024])
def test_the_limit_counts_the_whole_set_cookie(make_codec: Any, limit: int) -> None:
    codec = make_codec(max_cookie_size=limit)
    low, high = 0, limit  # the largest blob that fits: fits(low), not fits(high)
    while high - low > 1:
        middle = (low + high) // 2
        try:
            _commit_blob(codec, middle)
        except SessionTooLarge:
            high = middle
        else:
            low = middle
    (set_cookie,) = _commit_blob(codec, low).set_cookie
    # One more plaintext byte adds one or two base64 characters.
    assert limit - 2 < len(set_cookie.encode("ascii")) <= limit
    with pytest.raises(SessionTooLarge):
        _commit_blob(codec, high)


def test_a_chunked_session_is_split_and_reassembled(make_codec: Any, browser: Any) -> None:
    codec = make_codec(max_chunks=3, path="/app", secure=True)
    commit = _commit_blob(codec, 6000)
    assert _names(commit) == ["session", "sessionC1", "sessionC2", "sessionC3"]
    assert commit.set_cookie[0].startswith("session=chunks-3; Path=/app; Max-Age=1800;")
    for header in commit.set_cookie:
        assert len(header) <= 4096
        assert "; Path=/app; Max-Age=1800; Expires=" in header
        assert header.endswith("; Secure; HttpOnly; SameSite=Lax")
    browser.receive(commit)
    session = codec.load(browser.header())
    assert session.get("blob") == "x" * 6000
    assert session.origin.chunk_cookies == 3


def test_stale_chunks_are_deleted_as_the_session_shrinks(make_codec: Any, browser: Any) -> None:
    codec = make_codec(max_chunks=3)
    browser.receive(_commit_blob(codec, 6000))
    commit = _commit_blob(codec, 4000, browser.header())
    assert _names(commit) == ["session", "sessionC1", "sessionC2", "sessionC3"]
    assert _deleted(commit) == ["sessionC3"]
    browser.receive(commit)
    assert sorted(browser.cookies) == ["session", "sessionC1", "sessionC2"]
    commit = _commit_blob(codec, 10, browser.header())
    assert _deleted(commit) == ["sessionC1", "sessionC2"]
    browser.receive(commit)
    assert list(browser.cookies) == ["session"]
    assert codec.load(browser.header())["blob"] == "x" * 10


def test_clearing_a_chunked_session_deletes_every_chunk(make_codec: Any, browser: Any) -> None:
    codec = make_codec(max_chunks=3)
    browser.receive(_commit_blob(codec, 6000))
    session = codec.load(browser.header())
    session.clear()
    assert _deleted(codec.commit(session)) == ["session", "sessionC1", "sessionC2", "sessionC3"]


def _chunked(codec: SessionCodec, browser: Any, size: int = 6000) -> dict[str, str]:
    browser.receive(_commit_blob(codec, size))
    return dict(browser.cookies)


def _load(codec: SessionCodec, cookies: dict[str, str]) -> Any:
    return codec.load("; ".join(f"{name}={value}" for name, value in cookies.items()))


def test_a_missing_chunk_opens_nothing(make_codec: Any, browser: Any) -> None:
    codec = make_codec(max_chunks=3)
    cookies = _chunked(codec, browser)
    del cookies["sessionC2"]
    assert _load(codec, cookies).rejected is InvalidReason.INCOMPLETE_CHUNKS
    cookies["sessionC2"] = ""
    assert _load(codec, cookies).rejected is InvalidReason.INCOMPLETE_CHUNKS


def test_reordered_chunks_open_nothing(make_codec: Any, browser: Any) -> None:
    codec = make_codec(max_chunks=3)
    cookies = _chunked(codec, browser)
    for first, second in [("sessionC1", "sessionC2"), ("sessionC2", "sessionC3")]:
        swapped = {**cookies, first: cookies[second], second: cookies[first]}
        session = _load(codec, swapped)
        assert session.rejected is not None
        assert session.data() == {}


def test_a_chunk_of_another_session_opens_nothing(make_codec: Any, browser: Any) -> None:
    codec = make_codec(max_chunks=3)
    first = _chunked(codec, browser)
    second = _chunked(codec, browser, size=6001)
    mixed = {**second, "sessionC2": first["sessionC2"]}
    assert _load(codec, mixed).rejected is InvalidReason.FORGED


def test_chunks_without_the_main_cookie_are_refused_and_deleted(
    make_codec: Any, browser: Any
) -> None:
    codec = make_codec(max_chunks=3)
    cookies = _chunked(codec, browser)
    del cookies["session"]
    session = _load(codec, cookies)
    assert session.rejected is InvalidReason.INCOMPLETE_CHUNKS
    assert _deleted(codec.commit(session)) == ["session", "sessionC1", "sessionC2", "sessionC3"]


@pytest.mark.parametrize(
    "marker",
    [
        "chunks-4",
        "chunks-1",
        "chunks-0",
        "chunks-10",
        "chunks-",
        "chunks-x",
        "chunks-²",
        "chunks-٣",
    ],
)
def test_a_chunk_count_outside_the_policy_opens_nothing(
    make_codec: Any, browser: Any, marker: str
) -> None:
    codec = make_codec(max_chunks=3)
    cookies = {**_chunked(codec, browser), "session": marker}
    assert _load(codec, cookies).rejected is InvalidReason.INCOMPLETE_CHUNKS


def test_without_chunking_a_marker_opens_nothing(codec: SessionCodec) -> None:
    assert codec.load("session=chunks-2; sessionC1=a; sessionC2=b").rejected is (
        InvalidReason.INCOMPLETE_CHUNKS
    )


def test_max_chunks_bounds_the_session(make_codec: Any) -> None:
    codec = make_codec(max_chunks=2)
    with pytest.raises(SessionTooLarge) as caught:
        _commit_blob(codec, 6000)
    assert caught.value.limit == 2 * 4096
    assert "for 2 cookies" in str(caught.value)


def test_a_value_longer_than_the_budget_is_not_decoded(make_codec: Any) -> None:
    codec = make_codec(max_cookie_size=1024, max_chunks=2)
    assert codec.load("session=" + "A" * 2049).rejected is InvalidReason.MALFORMED

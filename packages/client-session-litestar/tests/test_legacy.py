"""Reading the cookies Litestar's own CookieBackendConfig wrote: once, resealed in ours, its
chunks in numeric order, never an error for a bad one."""

from __future__ import annotations

import datetime
import os
import time
from typing import Any

import pytest
from litestar import Litestar, Request, get
from litestar.middleware.session import client_side
from litestar.testing import TestClient
from litestar_cookies_helpers import aes_secret, litestar_set_cookies

from client_session_core.adapter import ConfigurationError, SessionCodec
from client_session_core.testing import ManualClock
from client_session_litestar import ClientSessionConfig, generate_key, litestar_cookies

SECRET = aes_secret(generate_key())


@get("/view", sync_to_thread=False)
def view(request: Request[Any, Any, Any]) -> dict[str, Any]:
    session = request.session
    reason = session.rejected  # type: ignore[attr-defined]
    return {"data": dict(session), "rejected": None if reason is None else reason.value}


def app_for(config: ClientSessionConfig) -> Litestar:
    return Litestar(route_handlers=[view], middleware=[config.middleware], logging_config=None)


def header_for(cookies: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def served(config: ClientSessionConfig, cookie_header: str) -> tuple[dict[str, Any], list[str]]:
    with TestClient(app_for(config)) as client:
        response = client.get("/view", headers={"cookie": cookie_header})
    assert response.status_code == 200
    return response.json(), response.headers.get_list("set-cookie")


def opened(config: ClientSessionConfig, set_cookies: list[str]) -> dict[str, Any]:
    """The session our codec (without any legacy reader) finds in the response's cookie."""
    ours = [value for value in set_cookies if value.startswith(f"{config.key}=")]
    assert len(ours) == 1
    plain = SessionCodec(config.session_policy.__class__(keys=config.session_policy.keys))
    return dict(plain.load(ours[0].partition(";")[0]))


def test_a_litestar_cookie_is_read_once_and_resealed_in_ours() -> None:
    clock = ManualClock(start=time.time() + 1)
    config = ClientSessionConfig(secret=SECRET, clock=clock)
    cookies = litestar_set_cookies({"user": "ann", "roles": ["a", "b"]}, secret=SECRET)
    assert list(cookies) == ["session"]
    assert cookies["session"].startswith('"')
    answer, set_cookies = served(config, header_for(cookies))
    assert answer == {"data": {"user": "ann", "roles": ["a", "b"]}, "rejected": None}
    assert opened(config, set_cookies) == {"user": "ann", "roles": ["a", "b"]}


def test_chunked_cookies_are_joined_in_numeric_order_and_deleted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Litestar's own chunking, at a smaller size, so that 12 chunks hold a small session:
    # Litestar sorts "session-10" before "session-2" and cannot read it back; we can.
    monkeypatch.setattr(client_side, "CHUNK_SIZE", 40)
    content = {"user": "ann", "note": "n" * 300}
    cookies = litestar_set_cookies(content, secret=SECRET)
    assert "session" not in cookies
    assert len(cookies) >= 12
    monkeypatch.undo()
    config = ClientSessionConfig(secret=SECRET, clock=ManualClock(start=time.time() + 1))
    # In the browser's order, not sorted: the order of the Cookie header does not matter.
    shuffled = dict(reversed(list(cookies.items())))
    answer, set_cookies = served(config, header_for(shuffled))
    assert answer == {"data": content, "rejected": None}
    assert opened(config, set_cookies) == content
    deleted = {value.partition("=")[0] for value in set_cookies if "=null;" in value}
    assert deleted == set(cookies)
    assert all("Path=/" in value for value in set_cookies if "=null;" in value)


def test_an_incomplete_run_of_chunks_is_no_session_and_deleted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(client_side, "CHUNK_SIZE", 40)
    cookies = litestar_set_cookies({"note": "n" * 100}, secret=SECRET)
    monkeypatch.undo()
    del cookies["session-1"]
    config = ClientSessionConfig(secret=SECRET, clock=ManualClock(start=time.time() + 1))
    answer, set_cookies = served(config, header_for(cookies))
    assert answer["data"] == {}
    deleted = {value.partition("=")[0] for value in set_cookies if "=null;" in value}
    assert deleted == set(cookies)


def test_a_large_litestar_session_becomes_our_chunks_when_max_chunks_allows() -> None:
    content = {"blob": "x" * 4000}
    cookies = litestar_set_cookies(content, secret=SECRET)
    assert sorted(cookies) == ["session-0", "session-1"]
    config = ClientSessionConfig(secret=SECRET, max_chunks=3, clock=ManualClock(time.time() + 1))
    answer, set_cookies = served(config, header_for(cookies))
    assert answer == {"data": content, "rejected": None}
    assert {value.partition("=")[0] for value in set_cookies} == {
        "session", "sessionC1", "sessionC2", "session-0", "session-1",
    }  # fmt: skip


@pytest.mark.parametrize(
    "spoil",
    [
        lambda value: value[:10] + "!" + value[10:],  # a stray character Litestar skips
        lambda value: value[:-6] + "%3D" + value[-5:],  # a percent escape Litestar would read
        lambda value: value[:20] + ("A" if value[20] != "A" else "B") + value[21:],  # tampered
    ],
)
def test_an_altered_litestar_cookie_is_an_empty_session(spoil: Any) -> None:
    cookies = litestar_set_cookies({"user": "ann"}, secret=SECRET)
    value = spoil(cookies["session"].strip('"'))
    config = ClientSessionConfig(secret=SECRET, clock=ManualClock(start=time.time() + 1))
    answer, set_cookies = served(config, f'session="{value}"')
    assert answer["data"] == {}
    assert answer["rejected"] is not None
    assert all(value.startswith("session=;") for value in set_cookies)


def test_a_cookie_under_another_secret_is_an_empty_session() -> None:
    cookies = litestar_set_cookies({"user": "ann"}, secret=aes_secret(generate_key()))
    config = ClientSessionConfig(secret=SECRET, clock=ManualClock(start=time.time() + 1))
    answer, _ = served(config, header_for(cookies))
    assert answer["data"] == {}


def test_litestar_max_age_bounds_an_old_cookie_from_its_write_time() -> None:
    written = time.time()
    cookies = litestar_set_cookies({"user": "ann"}, secret=SECRET, max_age=600)
    clock = ManualClock(start=written + 1)  # Litestar rounds its time
    config = ClientSessionConfig(
        keys=[generate_key()],
        legacy_cookies=litestar_cookies(SECRET, until=int(written) + 3600, max_age=600),
        clock=clock,
    )
    assert served(config, header_for(cookies))[0]["data"] == {"user": "ann"}
    clock.advance(601)  # Litestar's own rule: expired once expires_at is reached
    assert served(config, header_for(cookies))[0]["data"] == {}


def test_the_absolute_lifetime_counts_from_litestar_s_write_time() -> None:
    written = time.time()
    cookies = litestar_set_cookies({"user": "ann"}, secret=SECRET, max_age=7200)
    clock = ManualClock(start=written + 1800)
    config = ClientSessionConfig(
        secret=SECRET, max_age=7200, absolute_lifetime=3600, idle_timeout=3600, clock=clock
    )
    with TestClient(app_for(config)) as client:
        response = client.get("/view", headers={"cookie": header_for(cookies)})
        assert response.json()["data"] == {"user": "ann"}
        created = config.codec.load(response.headers["set-cookie"].partition(";")[0]).created_at
    assert created is not None
    # Litestar rounds its write time: the earlier of the two seconds it may have been in.
    assert written - 2 <= created <= written


def test_reading_stops_at_the_cut_off() -> None:
    cookies = litestar_set_cookies({"user": "ann"}, secret=SECRET)
    clock = ManualClock(start=time.time() + 1)
    config = ClientSessionConfig(
        secret=SECRET, legacy_cookies=datetime.date(2000, 1, 1), clock=clock
    )
    assert served(config, header_for(cookies))[0]["data"] == {}


def test_legacy_cookies_false_reads_none() -> None:
    cookies = litestar_set_cookies({"user": "ann"}, secret=SECRET)
    config = ClientSessionConfig(
        secret=SECRET, legacy_cookies=False, clock=ManualClock(start=time.time() + 1)
    )
    assert served(config, header_for(cookies))[0]["data"] == {}


def test_the_reader_is_announced_at_start_up(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("INFO", logger="client_session"):
        ClientSessionConfig(secret=SECRET, clock=ManualClock())
    assert "Litestar's CookieBackendConfig" in caplog.text
    assert "reading the cookies of" in caplog.text


def test_keys_alone_read_no_litestar_cookie_by_default() -> None:
    config = ClientSessionConfig(keys=[generate_key()], clock=ManualClock())
    assert config.session_policy.legacy_cookies is None


@pytest.mark.parametrize("size", [16, 24])
def test_a_random_aes_128_or_192_secret_of_litestar_s_docs_is_read(size: int) -> None:
    # Litestar's documentation: CookieBackendConfig(secret=os.urandom(16)).
    old_secret = os.urandom(size)
    config = ClientSessionConfig(
        keys=[generate_key()],
        legacy_cookies=litestar_cookies(old_secret, until=datetime.date(2100, 1, 1)),
        clock=ManualClock(start=time.time() + 1),
    )
    cookies = litestar_set_cookies({"user": "ann"}, secret=old_secret)
    answer, set_cookies = served(config, header_for(cookies))
    assert answer == {"data": {"user": "ann"}, "rejected": None}
    assert opened(config, set_cookies) == {"user": "ann"}


@pytest.mark.parametrize(
    "weak",
    [b"0123456789abcdef", b"kR8#vL2$qW9!zX4@", b"\0" * 16, bytes(range(24)), b"a" * 32],
)
def test_a_weak_old_secret_is_refused_naming_the_way_out(weak: bytes) -> None:
    with pytest.raises(ConfigurationError, match=r"legacy_cookies=False"):
        litestar_cookies(weak, until=datetime.date(2100, 1, 1))


def test_a_date_without_a_bytes_secret_says_what_to_pass() -> None:
    with pytest.raises(ConfigurationError, match=r"litestar_cookies\(old_secret"):
        ClientSessionConfig(keys=[generate_key()], legacy_cookies=datetime.date(2100, 1, 1))


def test_a_bad_legacy_option_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="legacy_cookies is True, False"):
        ClientSessionConfig(secret=SECRET, legacy_cookies="yes")  # type: ignore[arg-type]

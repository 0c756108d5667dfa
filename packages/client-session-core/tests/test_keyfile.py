"""Key rings read from a file and followed as it changes (a fleet's rotation)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from client_session_core import (
    DEFAULT_KEYS_ENV,
    ConfigurationError,
    Envelope,
    InvalidReason,
    Key,
    KeyFile,
    KeyRing,
    SessionCodec,
    SessionPolicy,
    generate_key,
)

NOW = 1_800_000_000


class Ticker:
    """A monotonic clock for KeyFile's checks that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _kids(ring: KeyRing) -> list[str]:
    return [key.kid.hex() for key in ring]


def _write(path: Path, *keys: str) -> None:
    # As a secret store updates a mounted file: a new file renamed over the old one.
    temporary = path.with_name(path.name + ".new")
    temporary.write_text("\n".join(keys) + "\n", encoding="utf-8")
    os.replace(temporary, path)


@pytest.fixture
def key_file(tmp_path: Path, primary_key: str) -> Path:
    path = tmp_path / "session-keys"
    _write(path, primary_key)
    return path


def test_a_key_file_is_a_key_ring(key_file: Path, primary_key: str) -> None:
    ring = KeyRing.from_file(key_file)
    assert isinstance(ring, KeyFile)
    assert isinstance(ring, KeyRing)
    assert ring.primary.kid == Key.from_secret(primary_key).kid
    assert len(ring) == 1
    assert ring.find(Key.from_secret(primary_key).kid) is not None
    assert primary_key not in repr(ring)
    assert str(key_file) in repr(ring)


def test_a_change_is_seen_at_the_next_check(key_file: Path, primary_key: str, old_key: str) -> None:
    ticker = Ticker()
    ring = KeyFile(key_file, check_interval=1.0, monotonic=ticker)
    first = ring.current()
    _write(key_file, old_key, primary_key)
    ticker.now += 0.5
    assert ring.current() is first  # not checked again within the interval
    ticker.now += 0.5
    assert _kids(ring.current()) == _kids(KeyRing([old_key, primary_key]))
    assert ring.primary.kid == Key.from_secret(old_key).kid


def test_reload_reads_the_file_at_once(key_file: Path, primary_key: str, old_key: str) -> None:
    ring = KeyFile(key_file, monotonic=Ticker())
    _write(key_file, old_key)
    assert ring.reload() is True
    assert _kids(ring) == _kids(KeyRing([old_key]))
    assert ring.reload() is False  # the same ring again


def test_an_unchanged_file_is_not_read_again(key_file: Path) -> None:
    ticker = Ticker()
    ring = KeyFile(key_file, monotonic=ticker)
    first = ring.current()
    for _ in range(5):
        ticker.now += 1
        assert ring.current() is first


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"A" * 43 + b"\n", "bits of guessing"),
        (b"\n , \n", "holds no key"),
        (b"Tr0ub4dor&3 plus a long tail of words: \xe9\xe8 spindle quartz", "not valid UTF-8"),
        (None, "cannot be used"),
    ],
    ids=["weak", "empty", "not-utf8", "removed"],
)
def test_an_invalid_new_file_keeps_the_old_ring_and_logs_an_error(
    key_file: Path,
    primary_key: str,
    caplog: pytest.LogCaptureFixture,
    content: bytes | None,
    message: str,
) -> None:
    ticker = Ticker()
    ring = KeyFile(key_file, monotonic=ticker)
    if content is None:
        key_file.unlink()
    else:
        key_file.write_bytes(content)
    ticker.now += 1
    with caplog.at_level(logging.DEBUG, logger="client_session"):
        assert ring.current().primary.kid == Key.from_secret(primary_key).kid
        ticker.now += 1
        ring.current()  # the same broken file: not logged again
    errors = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert len(errors) == 1
    text = errors[0].getMessage()
    assert message in text
    assert str(key_file) in text
    assert Key.from_secret(primary_key).kid.hex() in text  # the ring that stays, by id
    assert primary_key not in text
    assert "\\xe9" not in text
    assert "quartz" not in text


def test_a_fixed_file_after_a_broken_one_is_taken(
    key_file: Path, old_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    ticker = Ticker()
    ring = KeyFile(key_file, monotonic=ticker)
    key_file.write_text("short\n", encoding="utf-8")
    ticker.now += 1
    with caplog.at_level(logging.ERROR, logger="client_session"):
        ring.current()
    _write(key_file, old_key)
    ticker.now += 1
    assert _kids(ring) == _kids(KeyRing([old_key]))


def test_a_missing_or_weak_file_at_start_up_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot be read") as caught:
        KeyRing.from_file(tmp_path / "absent")
    assert "client-session keygen" in str(caught.value)
    weak = tmp_path / "weak"
    weak.write_text("A" * 43, encoding="utf-8")
    with pytest.raises(ConfigurationError, match=f"key file {weak}: key #1 is worth"):
        KeyRing.from_file(weak)


@pytest.mark.parametrize("interval", [0, -1, 7200, "1"])
def test_the_check_interval_is_checked(key_file: Path, interval: object) -> None:
    with pytest.raises(ConfigurationError, match="check_interval"):
        KeyFile(key_file, check_interval=interval)  # type: ignore[arg-type]


def test_the_environment_can_name_the_file(
    monkeypatch: pytest.MonkeyPatch, key_file: Path, primary_key: str
) -> None:
    monkeypatch.delenv(DEFAULT_KEYS_ENV, raising=False)
    monkeypatch.setenv(f"{DEFAULT_KEYS_ENV}_FILE", str(key_file))
    ring = KeyRing.from_env()
    assert isinstance(ring, KeyFile)
    assert ring.primary.kid == Key.from_secret(primary_key).kid
    monkeypatch.setenv(DEFAULT_KEYS_ENV, generate_key())
    with pytest.raises(ConfigurationError, match="both"):
        KeyRing.from_env()


def test_a_static_ring_is_its_own_current_ring(primary_key: str) -> None:
    ring = KeyRing([primary_key])
    assert ring.current() is ring


def _cookie_kid(set_cookie: tuple[str, ...]) -> str:
    value = set_cookie[0].split(";", 1)[0].removeprefix("session=")
    return Envelope.parse(value).kid.hex()


def test_a_codec_follows_the_ring_of_its_key_file(
    key_file: Path, primary_key: str, old_key: str
) -> None:
    ticker = Ticker()
    codec = SessionCodec(SessionPolicy(keys=KeyFile(key_file, monotonic=ticker)), clock=lambda: NOW)
    first_kid, second_kid = (Key.from_secret(key).kid.hex() for key in (primary_key, old_key))
    session = codec.load(None)
    session["count"] = 1
    cookie = codec.commit(session).set_cookie
    assert _cookie_kid(cookie) == first_kid
    header = cookie[0].split(";", 1)[0]
    assert codec.load(header)["count"] == 1  # its subkey is now in the opening cache

    _write(key_file, old_key, primary_key)  # the new key is promoted
    ticker.now += 1
    session = codec.load(header)
    assert session["count"] == 1
    resealed = codec.commit(session).set_cookie  # unchanged, but opened with an older key
    assert _cookie_kid(resealed) == second_kid

    _write(key_file, old_key)  # the old key is retired
    ticker.now += 1
    assert codec.load(header).rejected is InvalidReason.UNKNOWN_KEY
    assert codec.load(resealed[0].split(";", 1)[0])["count"] == 1


def test_a_forked_child_checks_the_file_even_if_the_lock_was_held_at_the_fork(
    key_file: Path, old_key: str
) -> None:
    ticker = Ticker()
    ring = KeyFile(key_file, monotonic=ticker)
    ring._lock.acquire()  # a thread of the parent was checking when it forked
    ring._lock_pid = -1  # as the child sees it: the lock is the parent's
    _write(key_file, old_key)
    ticker.now += 1
    assert _kids(ring) == _kids(KeyRing([old_key]))

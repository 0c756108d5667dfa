"""Key rings read from a file and followed as it changes (a fleet's rotation)."""

from __future__ import annotations

import logging
import os
import stat
import threading
from pathlib import Path

import pytest

from client_session_core import (
    DEFAULT_KEYS_ENV,
    ConfigurationError,
    InvalidReason,
    Key,
    KeyFile,
    KeyRing,
    SessionCodec,
    SessionPolicy,
    generate_key,
)
from client_session_core.wire import Envelope

NOW = 1_800_000_000


class Ticker:
    """A monotonic clock for KeyFile's checks that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _kids(ring: KeyRing) -> list[str]:
    return [key.kid.hex() for key in ring]


END = "# end of keys"  # docs/wire-format.md, "Key file"


def _text(*keys: str) -> str:
    return "".join(f"{key}\n" for key in keys) + f"{END}\n"


def _write(path: Path, *keys: str) -> None:
    # As a secret store updates a mounted file: a new file renamed over the old one.
    temporary = path.with_name(path.name + ".new")
    temporary.write_text(_text(*keys), encoding="utf-8")
    temporary.chmod(0o600)
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
        (b"A" * 43 + b"\n# end of keys\n", "bits of guessing"),
        (b"\n , \n# end of keys\n", "holds no key"),
        (
            b"Tr0ub4dor&3 plus a long tail of words: \xe9\xe8 spindle quartz\n# end of keys\n",
            "not valid UTF-8",
        ),
        (None, "cannot be used"),
        (b"Tr0ub4dor&3 plus a long tail of words: spindle quartz\n", "does not end with"),
    ],
    ids=["weak", "empty", "not-utf8", "removed", "no-end-line"],
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
    key_file.write_text(f"short\n{END}\n", encoding="utf-8")
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
    weak.write_text(f"{'A' * 43}\n{END}", encoding="utf-8")
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


# -- a file cut short or half written is never another ring (issue 22, section 3) ----------------


def _outcome(path: Path, text: str) -> list[str] | None:
    """The key ids a key file holding ``text`` gives, or None if it is refused."""
    path.write_text(text, encoding="utf-8", newline="")
    try:
        return _kids(KeyFile(path))
    except ConfigurationError:
        return None


@pytest.mark.parametrize("line_end", ["\n", "\r\n"], ids=["lf", "crlf"])
@pytest.mark.parametrize("count", [2, 3])
def test_a_file_cut_at_any_byte_is_refused_or_the_same_ring(
    tmp_path: Path, line_end: str, count: int
) -> None:
    keys = [generate_key() for _ in range(count)]
    text = _text(*keys).replace("\n", line_end)
    expected = _kids(KeyRing(keys))
    path = tmp_path / "session-keys"
    outcomes = {cut: _outcome(path, text[:cut]) for cut in range(len(text) + 1)}
    assert all(kids in (None, expected) for kids in outcomes.values()), {
        cut: kids for cut, kids in outcomes.items() if kids not in (None, expected)
    }
    # Only a cut after the whole end line keeps the file: its line end may go.
    kept = sorted(cut for cut, kids in outcomes.items() if kids == expected)
    assert kept == list(range(text.index(END) + len(END), len(text) + 1))


def test_a_new_ring_half_written_over_an_old_one_is_never_taken(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A writer that truncates the file and writes it again (not a rename): a reader may see
    # any prefix of the new file. The ring in force is the old one or the whole new one.
    first, second, third = (generate_key() for _ in range(3))
    path = tmp_path / "session-keys"
    old, new = (first, second), (third, first, second)  # a key added first: a leak's rotation
    _write(path, *old)
    ticker = Ticker()
    ring = KeyFile(path, monotonic=ticker)
    old_kids, new_kids = _kids(KeyRing(old)), _kids(KeyRing(new))
    text = _text(*new)
    with caplog.at_level(logging.ERROR, logger="client_session"):
        for cut in range(len(text) + 1):
            assert _outcome(tmp_path / "alone", text[:cut]) in (None, new_kids), cut
            path.write_text(text[:cut], encoding="utf-8")
            ticker.now += 1
            seen = _kids(ring)
            assert seen == (new_kids if cut >= text.index(END) + len(END) else old_kids), cut
    assert _kids(ring) == new_kids


def test_a_key_file_that_others_can_read_is_logged_once_per_load(
    key_file: Path, primary_key: str, old_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    key_file.chmod(0o644)
    ticker = Ticker()
    with caplog.at_level(logging.DEBUG, logger="client_session"):
        ring = KeyFile(key_file, monotonic=ticker)
        for _ in range(3):  # requests: the file is not read again, nor logged
            ticker.now += 1
            ring.current()
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].name == "client_session"
    text = warnings[0].getMessage()
    assert str(key_file) in text
    assert "0644" in text
    assert f"chmod 600 {key_file}" in text
    assert "defaultMode: 0400" in text
    assert primary_key not in text
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="client_session"):
        _write(key_file, old_key, primary_key)
        key_file.chmod(0o604)
        ticker.now += 1
        assert _kids(ring) == _kids(KeyRing([old_key, primary_key]))  # taken, with a warning
        ticker.now += 1
        ring.current()
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert [record.getMessage().count("0604") for record in warnings] == [1]


@pytest.mark.parametrize(
    ("mode", "warned"),
    [(0o600, False), (0o400, False), (0o640, False), (0o660, True), (0o601, True), (0o602, True)],
    ids=oct,
)
def test_which_modes_are_logged(
    key_file: Path, caplog: pytest.LogCaptureFixture, mode: int, warned: bool
) -> None:
    key_file.chmod(mode)
    with caplog.at_level(logging.WARNING, logger="client_session"):
        KeyFile(key_file)
    assert len(caplog.records) == int(warned)


# -- reload() from a signal handler (issue 22, section 3) ----------------------------------------


def test_reload_inside_a_check_does_not_wait_and_the_change_is_taken_at_the_next_use(
    key_file: Path, primary_key: str, old_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SIGHUP arrives while the same thread is inside the periodic check, holding the lock: the
    # handler's reload() runs on top of it (threading.Lock is not reentrant).
    from client_session_core import _keyfile

    ticker = Ticker()
    ring = KeyFile(key_file, monotonic=ticker)
    stamp = _keyfile._stamp
    reloads: list[bool] = []

    def stat_then_signal(path: str) -> tuple[int, int, int, int]:
        seen = stamp(path)  # the file as it was...
        if not reloads:
            _write(key_file, old_key, primary_key)  # ...changed by the operator, who sends
            reloads.append(ring.reload())  # SIGHUP, handled here, inside the check
        return seen

    monkeypatch.setattr(_keyfile, "_stamp", stat_then_signal)
    ticker.now += 1
    checking = threading.Thread(target=ring.current, daemon=True)
    checking.start()
    checking.join(timeout=10)
    assert not checking.is_alive(), "reload() inside the check waits for itself for ever"
    assert reloads == [False]  # nothing read during the check in progress
    monkeypatch.setattr(_keyfile, "_stamp", stamp)
    # The next use reads the file, though the check interval has not passed.
    assert _kids(ring) == _kids(KeyRing([old_key, primary_key]))


def test_reload_while_another_thread_checks_returns_at_once(key_file: Path, old_key: str) -> None:
    ring = KeyFile(key_file, monotonic=Ticker())
    assert ring._lock.acquire()  # another thread is checking
    try:
        _write(key_file, old_key)
        assert ring.reload() is False
    finally:
        ring._lock.release()
    assert _kids(ring) == _kids(KeyRing([old_key]))  # read at the next use


# -- writing a key file (issue 22, section 3) -----------------------------------------------------


def test_the_end_line_is_the_documented_text() -> None:
    assert KeyFile.END_LINE == END


def test_a_new_key_file_is_0600_whatever_the_umask(tmp_path: Path, primary_key: str) -> None:
    path = tmp_path / "session-keys"
    previous = os.umask(0)
    try:
        KeyFile.write(path, [primary_key])
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text(encoding="utf-8") == f"{primary_key}\n{END}\n"
    assert _kids(KeyFile(path)) == _kids(KeyRing([primary_key]))


def test_writing_keeps_the_mode_and_owner_and_is_atomic_and_durable(
    key_file: Path, primary_key: str, old_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file.chmod(0o640)
    if os.geteuid() == 0:
        os.chown(key_file, 4321, 4322)  # the application's user and group
    before = key_file.stat()
    synced: list[tuple[bool, int]] = []
    at_rename: list[os.stat_result] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(descriptor: int) -> None:
        status = os.fstat(descriptor)
        synced.append((stat.S_ISDIR(status.st_mode), status.st_ino))
        real_fsync(descriptor)

    def replace(source: str, target: str) -> None:
        assert os.path.dirname(source) == str(key_file.parent)  # a rename, never a copy
        at_rename.append(os.stat(source))
        assert _kids(KeyFile(key_file)) == _kids(KeyRing([primary_key]))  # the old ring
        real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    KeyFile.write(key_file, [old_key, primary_key])
    after = key_file.stat()
    assert (stat.S_IMODE(after.st_mode), after.st_uid, after.st_gid) == (
        0o640,
        before.st_uid,
        before.st_gid,
    )
    (renamed,) = at_rename  # mode and owner were the old file's before the rename
    assert (stat.S_IMODE(renamed.st_mode), renamed.st_uid) == (0o640, before.st_uid)
    # The file's data before the rename, then the directory after it.
    assert synced == [(False, renamed.st_ino), (True, key_file.parent.stat().st_ino)]
    assert after.st_ino == renamed.st_ino != before.st_ino
    assert _kids(KeyFile(key_file)) == _kids(KeyRing([old_key, primary_key]))
    assert sorted(path.name for path in key_file.parent.iterdir()) == [key_file.name]


def test_a_write_that_fails_leaves_the_old_file_and_no_temporary(
    key_file: Path, primary_key: str, old_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = key_file.read_bytes()

    def full_disk(descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space left"):
        KeyFile.write(key_file, [old_key, primary_key])
    assert key_file.read_bytes() == before
    assert sorted(path.name for path in key_file.parent.iterdir()) == [key_file.name]


def test_an_invalid_ring_is_never_written(key_file: Path) -> None:
    before = key_file.read_bytes()
    for keys in (["A" * 43], [], [generate_key(), END]):
        with pytest.raises(ConfigurationError):
            KeyFile.write(key_file, keys)
    assert key_file.read_bytes() == before


def test_writing_through_a_symbolic_link_replaces_its_target(key_file: Path, old_key: str) -> None:
    link = key_file.with_name("current-keys")
    link.symlink_to(key_file.name)
    KeyFile.write(link, [old_key])
    assert link.is_symlink()
    assert _kids(KeyFile(key_file)) == _kids(KeyRing([old_key]))


def test_a_new_file_written_exclusively_never_replaces_one(key_file: Path, old_key: str) -> None:
    from client_session_core._keyfile import write_key_file

    before = key_file.read_bytes()
    with pytest.raises(ConfigurationError, match="exists already"):
        write_key_file(key_file, [old_key], exclusive=True)
    assert key_file.read_bytes() == before
    assert sorted(path.name for path in key_file.parent.iterdir()) == [key_file.name]

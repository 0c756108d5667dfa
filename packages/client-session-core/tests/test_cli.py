"""The client-session command: keygen, seal, inspect."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import re
import select
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from client_session_core import (
    DEFAULT_KEYS_ENV,
    Key,
    KeyFile,
    KeyRing,
    SessionCodec,
    SessionPolicy,
    generate_key,
)
from client_session_core._cli import main

NOW = 1_800_000_000
END = "# end of keys"  # the last line of a key file
KEYS_FILE_ENV = f"{DEFAULT_KEYS_ENV}_FILE"


def _assert_no_part_of(key: str, text: str) -> None:
    """No 8 characters in a row of ``key`` are in ``text`` (a key id is 8 hex digits, never
    a run of the key's own text)."""
    for start in range(len(key) - 7):
        assert key[start : start + 8] not in text, "a part of the key is shown"


@pytest.fixture
def keys_env(monkeypatch: pytest.MonkeyPatch, primary_key: str, old_key: str) -> None:
    monkeypatch.setenv(DEFAULT_KEYS_ENV, f"{primary_key},{old_key}")


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _fields(out: str) -> dict[str, str]:
    """The ``label: value`` lines of an inspect report."""
    head = out.split("payload:\n", 1)[0]
    pairs = (line.split(":", 1) for line in head.splitlines())
    return {label: value.strip() for label, value in pairs}


def _payload(out: str) -> Any:
    return json.loads(out.split("payload:\n", 1)[1])


def _sealed(key: str, data: dict[str, Any], *, name: str = "session", at: int = NOW) -> str:
    codec = SessionCodec(SessionPolicy(keys=KeyRing([key]), cookie_name=name), clock=lambda: at)
    return codec.seal(data)


def test_keygen_prints_a_key_and_nothing_else(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        status, out, err = _run(capsys, "keygen")
    assert status == 0
    key = out.strip()
    assert len(key) == 43
    assert len(KeyRing([key])) == 1
    assert out == f"{key}\n"
    # Issue 22: the key was on stderr too ("use it with: export CLIENT_SESSION_KEYS=<key>").
    _assert_no_part_of(key, err)
    for record in caplog.records:
        _assert_no_part_of(key, record.getMessage())


def test_seal_then_inspect(capsys: pytest.CaptureFixture[str], keys_env: None) -> None:
    status, out, _ = _run(capsys, "seal", '{"count": 1, "name": "Zoë"}')
    assert status == 0
    cookie = out.strip()
    status, out, _ = _run(capsys, "inspect", cookie)
    assert status == 0
    assert _fields(out)["verdict"] == "valid"
    assert _payload(out) == {"count": 1, "name": "Zoë"}
    # The identity is in the ciphertext: inspect shows it to whoever holds the key.
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}, no user bound", _fields(out)["identity"])


def test_inspect_reports_the_header_and_the_key(
    capsys: pytest.CaptureFixture[str], keys_env: None, old_key: str
) -> None:
    cookie = _sealed(old_key, {"count": 2}, at=NOW - 600)
    status, out, _ = _run(capsys, "inspect", cookie, "--now", str(NOW))
    assert status == 0
    kid = Key.from_secret(old_key).kid.hex()
    fields = _fields(out)
    assert fields["version"] == "1"
    assert fields["flags"] == "0x05 (persistent)"
    assert fields["kid"] == kid
    assert fields["created_at"] == "2027-01-15T07:50:00Z (1799999400)"
    assert fields["issued_at"] == "2027-01-15T07:50:00Z (1799999400)"
    assert fields["now"] == "2027-01-15T08:00:00Z (1800000000)"
    assert fields["policy"] == (
        "the core's defaults (pass --policy MODULE:NAME to judge by your application's): "
        "cookie 'session', idle timeout 1800 s, absolute lifetime 43200 s"
    )
    assert fields["key"].startswith(f"#2 of 2 in {DEFAULT_KEYS_ENV}, kid {kid} (older key")
    assert fields["deadlines"] == (
        "idle 2027-01-15T08:20:00Z (1800001200); absolute 2027-01-15T19:50:00Z (1800042600)"
    )
    assert old_key not in out


@pytest.mark.parametrize(
    "template",
    ["{}", "session={}", "a=1; session={}; b=2", "Cookie: theme=dark; session={}"],
    ids=["bare", "pair", "header", "with-field-name"],
)
def test_inspect_accepts_a_value_a_pair_or_a_header(
    capsys: pytest.CaptureFixture[str], keys_env: None, primary_key: str, template: str
) -> None:
    cookie = _sealed(primary_key, {"count": 3}, at=NOW)
    status, out, _ = _run(capsys, "inspect", template.format(cookie), "--now", str(NOW))
    assert status == 0
    assert _payload(out) == {"count": 3}


def test_an_expired_cookie_shows_its_reason_and_content(
    capsys: pytest.CaptureFixture[str], keys_env: None, primary_key: str
) -> None:
    cookie = _sealed(primary_key, {"count": 4}, at=NOW - 1800)
    status, out, _ = _run(capsys, "inspect", cookie, "--now", str(NOW))
    assert status == 1
    assert _fields(out)["verdict"].startswith("rejected: expired_idle (")
    assert _payload(out) == {"count": 4}
    # Judged by another policy, the same cookie is valid.
    status, out, _ = _run(capsys, "inspect", cookie, "--now", str(NOW), "--idle", "3600")
    assert (status, _fields(out)["verdict"]) == (0, "valid")
    status, out, _ = _run(capsys, "inspect", cookie, "--now", str(NOW), "--idle", "0")
    assert (status, _fields(out)["deadlines"]) == (0, "absolute 2027-01-15T19:30:00Z (1800041400)")
    status, out, _ = _run(capsys, "inspect", cookie, "--now", str(NOW), "--absolute", "1000")
    assert status == 2  # an idle timeout longer than the absolute lifetime: a usage error


def test_a_cookie_of_another_name_or_key_is_forged_or_unknown(
    capsys: pytest.CaptureFixture[str], keys_env: None, primary_key: str
) -> None:
    cookie = _sealed(primary_key, {"count": 5}, name="sid", at=NOW)
    status, out, _ = _run(capsys, "inspect", cookie, "--now", str(NOW))
    assert status == 1
    assert _fields(out)["verdict"].startswith("rejected: forged (")
    assert "payload:" not in out
    status, out, _ = _run(capsys, "inspect", cookie, "--now", str(NOW), "--name", "sid")
    assert status == 0
    stranger_key = base64.urlsafe_b64encode(hashlib.sha256(b"stranger").digest())
    stranger = _sealed(stranger_key.rstrip(b"=").decode(), {"a": 1}, at=NOW)
    status, out, _ = _run(capsys, "inspect", stranger, "--now", str(NOW))
    assert status == 1
    assert _fields(out)["key"].startswith(f"none of the 2 key(s) in {DEFAULT_KEYS_ENV}")
    assert _fields(out)["verdict"].startswith("rejected: unknown_key")


def test_a_malformed_cookie_is_rejected(capsys: pytest.CaptureFixture[str], keys_env: None) -> None:
    status, out, _ = _run(capsys, "inspect", "session=not*base64")
    assert status == 1
    assert _fields(out)["verdict"].startswith("rejected: malformed")


def test_a_chunked_cookie_is_inspected_whole(
    capsys: pytest.CaptureFixture[str], keys_env: None, primary_key: str
) -> None:
    codec = SessionCodec(
        SessionPolicy(keys=KeyRing([primary_key]), max_chunks=2), clock=lambda: NOW
    )
    session = codec.load(None)
    session["blob"] = "x" * 5000
    header = "; ".join(value.split(";", 1)[0] for value in codec.commit(session).set_cookie)
    status, out, _ = _run(capsys, "inspect", header, "--now", str(NOW))
    assert status == 0
    assert _fields(out)["cookie"] == "session, chunks-2 (chunked)"
    assert _payload(out) == {"blob": "x" * 5000}
    status, out, _ = _run(capsys, "inspect", header.rsplit(";", 1)[0], "--now", str(NOW))
    assert status == 1
    assert _fields(out)["verdict"].startswith("rejected: incomplete_chunks")


def test_no_cookie_of_that_name(capsys: pytest.CaptureFixture[str], keys_env: None) -> None:
    status, _, err = _run(capsys, "inspect", "a=1; b=2")
    assert status == 1
    assert "no cookie named 'session' (found: a, b)" in err


@pytest.mark.parametrize("command", [["seal", "{}"], ["inspect", "AQEA"]])
def test_missing_keys_are_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.delenv(DEFAULT_KEYS_ENV, raising=False)
    status, out, err = _run(capsys, *command)
    assert (status, out) == (2, "")
    assert f"{DEFAULT_KEYS_ENV} holds no key" in err
    assert "client-session keygen" in err


@pytest.mark.parametrize("text", ["[1, 2]", "{not json", '{"x": NaN}', "42"])
def test_seal_takes_a_json_object_only(
    capsys: pytest.CaptureFixture[str], keys_env: None, text: str
) -> None:
    status, out, err = _run(capsys, "seal", text)
    assert (status, out) == (2, "")
    assert "JSON must be a JSON object" in err


def test_a_bad_cookie_name_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], keys_env: None
) -> None:
    status, _, err = _run(capsys, "seal", "{}", "--name", "bad name")
    assert status == 2
    assert "is not a cookie name" in err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main([])
    assert caught.value.code == 2
    assert "COMMAND" in capsys.readouterr().err


def test_runs_as_a_module() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "client_session_core", "keygen"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0
    assert len(result.stdout.strip()) == 43


# -- clean errors (issue 13, finding 7) -----------------------------------------------------------


def test_seal_of_an_overflowing_number_is_a_clean_usage_error(
    capsys: pytest.CaptureFixture[str], keys_env: None
) -> None:
    status, out, err = _run(capsys, "seal", '{"a":1e999}')
    assert (status, out) == (2, "")
    assert err.startswith("client-session seal: ")
    assert "Traceback" not in err


def _run_module(*argv: str, env: dict[str, str | bytes]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(  # noqa: S603 - the test's own arguments
        [sys.executable, "-m", "client_session_core", *argv],
        capture_output=True,
        env={**os.environ, **env},
        check=False,
        timeout=60,
    )


def test_keys_that_are_not_utf8_are_a_clean_error_without_a_key_character() -> None:
    passphrase = b"Tr0ub4dor&3 plus a long tail of words: spindle quartz \xe9\xe8"
    result = _run_module("seal", "{}", env={DEFAULT_KEYS_ENV: passphrase})
    assert result.returncode == 2
    assert result.stdout == b""
    assert b"Traceback" not in result.stderr
    assert b"not valid UTF-8" in result.stderr
    for fragment in (b"\xe9", b"\\xe9", b"udce9", b"quartz", b"Tr0ub"):
        assert fragment not in result.stderr


def test_seal_of_1e999_gives_no_traceback_from_the_command_line(primary_key: str) -> None:
    result = _run_module("seal", '{"a":1e999}', env={DEFAULT_KEYS_ENV: primary_key})
    assert result.returncode == 2
    assert b"Traceback" not in result.stderr
    assert primary_key.encode() not in result.stderr


@pytest.mark.parametrize("key", ["A" * 43, ("changeme" * 6)[:42] + "c"])
def test_a_weak_key_in_the_environment_is_refused_by_the_cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    monkeypatch.setenv(DEFAULT_KEYS_ENV, key)
    status, out, err = _run(capsys, "seal", "{}")
    assert (status, out) == (2, "")
    assert "bits of guessing" in err
    assert key not in err


# -- inspect judges by the application's policy ---------------------------------------------------


@pytest.fixture
def app_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, primary_key: str, old_key: str
) -> str:
    """A module ``app_for_inspect`` with a policy, a codec and an object holding a codec."""
    source = f"""
from client_session_core import KeyRing, SessionCodec, SessionPolicy

policy = SessionPolicy(
    keys=KeyRing([{old_key!r}, {primary_key!r}]), cookie_name="sid", idle_timeout=60,
    absolute_lifetime=3600,
)
codec = SessionCodec(policy)


class Middleware:
    codec = codec


app = Middleware()
"""
    (tmp_path / "app_for_inspect.py").write_text(source, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    return "app_for_inspect"


@pytest.mark.parametrize("name", ["policy", "codec", "app", "app.codec.policy"])
def test_inspect_judges_by_the_applications_policy_and_keys(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    app_module: str,
    primary_key: str,
    name: str,
) -> None:
    monkeypatch.delenv(DEFAULT_KEYS_ENV, raising=False)  # the keys are the policy's
    cookie = _sealed(primary_key, {"count": 1}, name="sid", at=NOW - 120)
    reference = f"{app_module}:{name}"
    status, out, _ = _run(capsys, "inspect", cookie, "--now", str(NOW), "--policy", reference)
    fields = _fields(out)
    assert status == 1
    assert fields["verdict"].startswith("rejected: expired_idle")  # 120 s > the app's 60 s
    assert fields["policy"] == (
        f"{reference}: cookie 'sid', idle timeout 60 s, absolute lifetime 3600 s"
    )
    assert fields["key"].startswith(f"#2 of 2 in the policy {reference}")
    status, out, _ = _run(
        capsys, "inspect", cookie, "--now", str(NOW), "--policy", reference, "--idle", "600"
    )
    assert status == 0
    assert _fields(out)["policy"].startswith(
        f"{reference}, with idle_timeout from the command line: cookie 'sid', idle timeout 600 s"
    )


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("no_colon", "is not MODULE:NAME"),
        ("no_such_module_here:policy", "cannot be imported"),
        ("app_for_inspect:missing", "cannot be imported"),
        ("app_for_inspect:Middleware.__name__", "is a str, not a SessionPolicy"),
    ],
)
def test_a_bad_policy_reference_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], app_module: str, reference: str, message: str
) -> None:
    status, out, err = _run(capsys, "inspect", "AQEA", "--policy", reference)
    assert (status, out) == (2, "")
    assert message in err


def test_inspect_reads_a_key_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, primary_key: str, old_key: str
) -> None:
    key_file = tmp_path / "keys"
    key_file.write_text(f"{primary_key}\n{old_key}\n{END}\n", encoding="utf-8")
    cookie = _sealed(old_key, {"count": 9}, at=NOW)
    status, out, _ = _run(
        capsys, "inspect", cookie, "--now", str(NOW), "--keys-file", str(key_file)
    )
    assert status == 0
    assert _fields(out)["key"].startswith(f"#2 of 2 in the key file {key_file}")


# -- the steps of a rolling rotation --------------------------------------------------------------


def _kids(text: str) -> list[str]:
    return [key.kid.hex() for key in KeyRing.from_text(text)]


def test_rotation_steps_from_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, primary_key: str
) -> None:
    monkeypatch.setenv(DEFAULT_KEYS_ENV, primary_key)
    old_kid = Key.from_secret(primary_key).kid.hex()

    status, added, err = _run(capsys, "keys", "add")
    assert status == 0
    assert added.splitlines()[0] == primary_key
    new_key = added.splitlines()[-1]
    assert _kids(added) == [old_kid, Key.from_secret(new_key).kid.hex()]
    assert "keys promote" in err
    assert new_key not in err

    monkeypatch.setenv(DEFAULT_KEYS_ENV, added)
    status, promoted, err = _run(capsys, "keys", "promote")
    assert status == 0
    assert promoted.splitlines() == [new_key, primary_key]
    assert "absolute_lifetime" in err

    monkeypatch.setenv(DEFAULT_KEYS_ENV, promoted)
    status, retired, _ = _run(capsys, "keys", "retire")
    assert (status, retired) == (0, f"{new_key}\n")

    status, listed, _ = _run(capsys, "keys", "list")
    assert listed.splitlines() == [f"#1 {_kids(new_key)[0]} (primary)", f"#2 {old_kid}"]


def test_rotation_steps_rewrite_a_key_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, primary_key: str, old_key: str
) -> None:
    key_file = tmp_path / "keys"
    key_file.write_text(f"{primary_key}\n{END}\n", encoding="utf-8")
    for step in ("add", "promote"):
        status, out, _ = _run(capsys, "keys", step, "--keys-file", str(key_file), "--write")
        assert (status, out) == (0, "")
    lines = key_file.read_text(encoding="utf-8").splitlines()
    assert lines[1:] == [primary_key, END]
    assert len(lines) == 3
    status, _, _ = _run(capsys, "keys", "retire", "--keys-file", str(key_file), "--write")
    assert status == 0
    assert key_file.read_text(encoding="utf-8").splitlines() == [lines[0], END]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["keys"]  # no temporary left


def test_rotation_steps_refuse_what_makes_no_sense(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, primary_key: str
) -> None:
    monkeypatch.setenv(DEFAULT_KEYS_ENV, primary_key)
    kid = Key.from_secret(primary_key).kid.hex()
    for argv, message in [
        (["keys", "promote"], "the ring has one key"),
        (["keys", "retire", "--kid", kid], "is the primary"),
        (["keys", "promote", "--kid", "00000000"], "no key of the ring has id"),
        (["keys", "add", "--write"], "--write replaces a key file, and the keys come from"),
    ]:
        status, out, err = _run(capsys, *argv)
        assert (status, out) == (2, ""), argv
        assert message in err


def test_inspect_reports_a_sessions_own_lifetime(
    capsys: pytest.CaptureFixture[str], keys_env: None, primary_key: str
) -> None:
    codec = SessionCodec(SessionPolicy(keys=KeyRing([primary_key])), clock=lambda: NOW - 600)
    session = codec.load(None)
    session["count"] = 3
    session.set_lifetime(idle_timeout=300, absolute_lifetime=3600)
    (set_cookie,) = codec.commit(session).set_cookie
    cookie = set_cookie.split(";", 1)[0].partition("=")[2]
    status, out, _ = _run(capsys, "inspect", cookie, "--now", str(NOW))
    fields = _fields(out)
    assert fields["flags"] == "0x07 (persistent)"
    assert fields["lifetime"] == "its own: idle 300 s, absolute 3600 s"
    assert fields["deadlines"] == (
        "idle 2027-01-15T07:55:00Z (1799999700); absolute 2027-01-15T08:50:00Z (1800003000)"
    )
    assert fields["verdict"].startswith("rejected: expired_idle")
    assert status != 0


# -- keys handled as secrets: keygen's output (issue 22, section 3) ------------------------------


def _keygen(*argv: str, stdout: Any, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(DEFAULT_KEYS_ENV)}
    return subprocess.run(  # noqa: S603 - the test's own arguments
        [sys.executable, "-m", "client_session_core", "keygen", *argv],
        stdout=stdout,
        stderr=subprocess.PIPE,
        env=env,
        cwd=cwd,
        check=False,
        timeout=60,
    )


def test_keygen_into_a_pipe_prints_the_bare_key_and_nothing_on_stderr() -> None:
    result = _keygen(stdout=subprocess.PIPE)
    assert result.returncode == 0
    key = result.stdout.decode().strip()
    assert result.stdout == f"{key}\n".encode()
    assert len(KeyRing.from_text(key)) == 1  # export CLIENT_SESSION_KEYS=$(client-session keygen)
    assert result.stderr == b""


def test_keygen_on_a_terminal_shows_a_hint_without_the_key() -> None:
    primary, secondary = os.openpty()
    try:
        result = _keygen(stdout=secondary)
        os.close(secondary)
        secondary = -1
        output = b""
        while select.select([primary], [], [], 5)[0]:
            try:
                chunk = os.read(primary, 4096)
            except OSError:  # Linux: EIO once the terminal's other end is closed
                break
            if not chunk:
                break
            output += chunk
    finally:
        os.close(primary)
        if secondary != -1:
            os.close(secondary)
    key = output.decode().strip()
    assert result.returncode == 0
    kid = Key.from_secret(key).kid.hex()
    err = result.stderr.decode()
    assert f"key id {kid}" in err
    assert "--write FILE" in err
    _assert_no_part_of(key, err)


def test_keygen_into_a_file_writes_a_key_file_readable_by_its_owner_alone(
    tmp_path: Path,
) -> None:
    path = tmp_path / "session-keys"
    with open(path, "wb") as file:  # as the shell's "> FILE": new, 0644 under umask 022
        assert stat.S_IMODE(os.fstat(file.fileno()).st_mode) == 0o644
        result = _keygen(stdout=file)
    assert result.returncode == 0
    # Issue 22: `keygen > FILE` left the key in a 0644 file.
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text(encoding="utf-8")
    key = text.splitlines()[0]
    assert text == f"{key}\n{END}\n"
    assert len(KeyFile(path)) == 1
    _assert_no_part_of(key, result.stderr.decode())


def test_keygen_appended_to_a_file_leaves_its_mode_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "notes"
    path.write_text("not empty\n", encoding="utf-8")
    path.chmod(0o644)
    with open(path, "ab") as file:
        result = _keygen(stdout=file)
    assert result.returncode == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    err = result.stderr.decode()
    assert "was not empty" in err
    assert "chmod 600" in err
    _assert_no_part_of(path.read_text(encoding="utf-8").splitlines()[1], err)


def test_keygen_write_creates_a_key_file_and_never_replaces_one(tmp_path: Path) -> None:
    path = tmp_path / "session-keys"
    previous = os.umask(0)
    try:
        result = _keygen("--write", str(path), stdout=subprocess.PIPE)
    finally:
        os.umask(previous)
    assert (result.returncode, result.stdout) == (0, b"")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text(encoding="utf-8")
    key = text.splitlines()[0]
    assert text == f"{key}\n{END}\n"
    assert f"key id {Key.from_secret(key).kid.hex()}" in result.stderr.decode()
    _assert_no_part_of(key, result.stderr.decode())

    again = _keygen("--write", str(path), stdout=subprocess.PIPE)
    assert (again.returncode, again.stdout) == (2, b"")
    assert again.stderr.count(b"\n") == 1
    assert b"exists already" in again.stderr
    assert path.read_text(encoding="utf-8") == text
    assert sorted(entry.name for entry in tmp_path.iterdir()) == ["session-keys"]


def test_rotation_steps_into_a_file_write_a_key_file(
    tmp_path: Path, primary_key: str, old_key: str
) -> None:
    path = tmp_path / "next-ring"
    with open(path, "wb") as file:
        result = subprocess.run(
            [sys.executable, "-m", "client_session_core", "keys", "promote"],
            stdout=file,
            stderr=subprocess.PIPE,
            env={**os.environ, DEFAULT_KEYS_ENV: f"{primary_key},{old_key}"},
            check=False,
            timeout=60,
        )
    assert result.returncode == 0
    assert path.read_text(encoding="utf-8") == f"{old_key}\n{primary_key}\n{END}\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert primary_key not in result.stderr.decode()


# -- rewriting a key file keeps its mode and owner (issue 22, section 3) -------------------------


def test_rotation_steps_keep_the_key_files_mode_and_owner(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, primary_key: str
) -> None:
    key_file = tmp_path / "keys"
    key_file.write_text(f"{primary_key}\n{END}\n", encoding="utf-8")
    key_file.chmod(0o640)  # readable by the application through its group
    if os.geteuid() == 0:
        os.chown(key_file, 4321, 4322)  # the application's user and group
    before = key_file.stat()
    status, _, _ = _run(capsys, "keys", "add", "--keys-file", str(key_file), "--write")
    assert status == 0
    after = key_file.stat()
    assert after.st_ino != before.st_ino  # a new file, renamed over the old one
    assert (stat.S_IMODE(after.st_mode), after.st_uid, after.st_gid) == (
        0o640,
        before.st_uid,
        before.st_gid,
    )


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to own a file of another"
)
def test_a_user_who_cannot_give_the_file_its_owner_does_not_replace_it(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    primary_key: str,
) -> None:
    key_file = tmp_path / "keys"
    key_file.write_text(f"{primary_key}\n{END}\n", encoding="utf-8")
    key_file.chmod(0o600)
    os.chown(key_file, 4321, 4322)  # the application's
    before = key_file.read_bytes()
    # Run as an operator who is not root: the new file would be theirs, unreadable by the app.
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    status, out, err = _run(capsys, "keys", "add", "--keys-file", str(key_file), "--write")
    assert (status, out) == (2, "")
    assert "belongs to user 4321, and only root can give the new file that owner" in err
    assert err.count("\n") == 1
    assert key_file.read_bytes() == before
    assert key_file.stat().st_uid == 4321
    assert sorted(entry.name for entry in tmp_path.iterdir()) == ["keys"]


# -- every error is one line, exit 2 (issue 22, section 3; issue 23) ----------------------------


@pytest.mark.parametrize("now", ["99999999999999", "-1", "4294967296"])
def test_inspect_at_a_time_no_cookie_can_hold_is_a_one_line_usage_error(
    capsys: pytest.CaptureFixture[str], keys_env: None, primary_key: str, now: str
) -> None:
    cookie = _sealed(primary_key, {"count": 1})
    status, out, err = _run(capsys, "inspect", cookie, "--now", now)
    assert (status, out) == (2, "")
    assert err.count("\n") == 1
    assert f"--now {now} is not a time a cookie can hold" in err
    result = _run_module("inspect", cookie, "--now", now, env={DEFAULT_KEYS_ENV: primary_key})
    assert result.returncode == 2
    assert b"Traceback" not in result.stderr
    assert result.stderr.count(b"\n") == 1


@pytest.mark.parametrize("command", [["inspect", "AQEA"], ["seal", "{}"], ["keys", "list"]])
def test_a_key_file_that_cannot_be_read_is_a_one_line_usage_error(
    tmp_path: Path, command: list[str]
) -> None:
    result = _run_module(*command, "--keys-file", str(tmp_path), env={})  # a directory
    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr.count(b"\n") == 1
    assert f"the key file {tmp_path} cannot be read".encode() in result.stderr


def test_an_os_error_in_a_command_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, primary_key: str
) -> None:
    # keygen --write into a directory that does not exist: the OSError of mkstemp.
    status, out, err = _run(capsys, "keygen", "--write", str(tmp_path / "absent" / "keys"))
    assert (status, out) == (2, "")
    assert err.startswith("client-session: ")
    assert err.count("\n") == 1


def test_keys_write_names_what_is_missing(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    primary_key: str,
) -> None:
    # Issue 23: with CLIENT_SESSION_KEYS_FILE set, the message asked for it.
    key_file = tmp_path / "keys"
    key_file.write_text(f"{primary_key}\n{END}\n", encoding="utf-8")
    monkeypatch.setenv(DEFAULT_KEYS_ENV, generate_key())
    monkeypatch.setenv(KEYS_FILE_ENV, str(key_file))
    status, out, err = _run(capsys, "keys", "add", "--write")
    assert (status, out) == (2, "")
    assert f"both {DEFAULT_KEYS_ENV} and {KEYS_FILE_ENV} are set" in err
    assert err.count("\n") == 1

    monkeypatch.delenv(KEYS_FILE_ENV)
    status, _, err = _run(capsys, "keys", "add", "--write")
    assert status == 2
    assert f"and the keys come from {DEFAULT_KEYS_ENV}: name the file with --keys-file" in err

    monkeypatch.delenv(DEFAULT_KEYS_ENV)
    status, _, err = _run(capsys, "keys", "add", "--write")
    assert status == 2
    assert f"and neither --keys-file nor {KEYS_FILE_ENV} names one" in err

    # An empty CLIENT_SESSION_KEYS is unset, for the application and the command alike.
    monkeypatch.setenv(DEFAULT_KEYS_ENV, "")
    monkeypatch.setenv(KEYS_FILE_ENV, str(key_file))
    status, _, err = _run(capsys, "keys", "add", "--write")
    assert status == 0, err
    assert len(KeyFile(key_file)) == 2


def test_a_key_file_without_its_end_line_says_how_to_fix_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, primary_key: str
) -> None:
    key_file = tmp_path / "keys"
    key_file.write_text(f"{primary_key}\n", encoding="utf-8")
    status, out, err = _run(capsys, "keys", "list", "--keys-file", str(key_file))
    assert (status, out) == (2, "")
    assert f"does not end with the line '{END}'" in err
    assert f"echo '{END}' >> FILE" in err
    assert "--write" in err
    assert primary_key not in err

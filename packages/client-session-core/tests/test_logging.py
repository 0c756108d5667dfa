"""What reaches logs and error messages: reason codes, never cookies or keys."""

from __future__ import annotations

import logging

import pytest

from client_session_core import (
    SECURITY_LOGGER,
    ConfigurationError,
    InvalidReason,
    InvalidSession,
    Key,
    KeyRing,
    SessionCodec,
    SessionPolicy,
)


@pytest.mark.parametrize(
    "header",
    [
        "session=not-a-cookie-value-at-all",
        "session=chunks-3",
        "sessionC1=secret-looking-chunk",
    ],
)
def test_a_refused_cookie_is_logged_once_at_debug_without_its_content(
    codec: SessionCodec, primary_key: str, caplog: pytest.LogCaptureFixture, header: str
) -> None:
    with caplog.at_level(logging.DEBUG, logger="client_session"):
        session = codec.load(header)
        codec.commit(session)
    assert session.rejected is not None
    (record,) = caplog.records
    assert (record.name, record.levelno) == ("client_session", logging.DEBUG)
    message = record.getMessage()
    assert message == f"session cookie 'session' refused: {session.rejected.value}"
    value = header.partition("=")[2]
    assert value not in message
    assert primary_key not in message


def test_a_tampered_cookie_logs_the_reason_code_only(
    codec: SessionCodec, primary_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    value = codec.seal({"user": "alice"})
    tampered = value[:-2] + ("A" if value[-2] != "A" else "B") + value[-1]
    with caplog.at_level(logging.DEBUG, logger="client_session"):
        assert codec.load(f"session={tampered}").rejected is InvalidReason.FORGED
    (record,) = caplog.records
    assert record.getMessage() == "session cookie 'session' refused: forged"
    assert "alice" not in caplog.text
    assert tampered not in caplog.text


def test_a_forged_cookie_is_a_warning_on_the_security_logger(
    codec: SessionCodec, caplog: pytest.LogCaptureFixture
) -> None:
    # Issue 22: operators alert on forged cookies (Django's SuspiciousSession is a WARNING);
    # expired or garbage cookies stay at DEBUG.
    value = codec.seal({"user": "alice"})
    tampered = value[:-2] + ("A" if value[-2] != "A" else "B") + value[-1]
    with caplog.at_level(logging.DEBUG, logger="client_session"):
        codec.load(f"session={tampered}")
        codec.load("session=garbage")
    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == [
        (SECURITY_LOGGER, logging.WARNING, "session cookie 'session' refused: forged"),
        ("client_session", logging.DEBUG, "session cookie 'session' refused: malformed"),
    ]
    assert SECURITY_LOGGER == "client_session.security"


def test_an_adapter_names_its_frameworks_security_logger(
    primary_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    framework = logging.getLogger("framework.security.SuspiciousSession")
    codec = SessionCodec(SessionPolicy(keys=KeyRing([primary_key])), security_logger=framework)
    value = codec.seal({"user": "alice"})
    with caplog.at_level(logging.DEBUG):
        codec.load(f"session={value[:-3]}AAA")
    (record,) = caplog.records
    assert (record.name, record.levelno) == (framework.name, logging.WARNING)


def test_valid_and_absent_cookies_log_nothing(
    codec: SessionCodec, caplog: pytest.LogCaptureFixture
) -> None:
    value = codec.seal({"a": 1})
    with caplog.at_level(logging.DEBUG, logger="client_session"):
        codec.commit(codec.load(f"session={value}"))
        codec.commit(codec.load(None))
        codec.commit(codec.load("other=1"))
    assert caplog.records == []


def test_the_invalid_session_error_holds_only_the_code() -> None:
    error = InvalidSession(InvalidReason.EXPIRED_IDLE)
    assert str(error) == "invalid session cookie (expired_idle)"
    assert error.reason is InvalidReason.EXPIRED_IDLE


@pytest.mark.parametrize(
    "secret",
    [
        "a-real-looking-but-short-secret",
        "this-secret-is-long-enough-but-says-changeme-inside",
        "abcabcabcabcabcabcabcabcabcabcabcabcabc",
        b"raw secret bytes that are short",
        b"\x01\x02" * 32,
    ],
)
def test_configuration_errors_never_contain_the_key(secret: str | bytes) -> None:
    with pytest.raises(ConfigurationError) as caught:
        KeyRing([secret])
    shown = f"{caught.value} {caught.value!r}"
    text = secret if isinstance(secret, str) else secret.decode("latin-1")
    assert text not in shown
    assert text[:12] not in shown


def test_a_later_bad_key_does_not_show_the_good_ones(primary_key: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        KeyRing([primary_key, "short-bad-key"])
    assert primary_key not in str(caught.value)
    assert "short-bad-key" not in str(caught.value)


def test_policy_errors_and_reprs_never_contain_the_key(primary_key: str) -> None:
    ring = KeyRing([primary_key])
    with pytest.raises(ConfigurationError) as caught:
        SessionPolicy(keys=ring, idle_timeout=-1)
    material = Key.from_secret(primary_key).material
    for text in (str(caught.value), repr(ring), repr(SessionPolicy(keys=ring)), repr(ring.primary)):
        assert primary_key not in text
        assert material.hex() not in text
        assert repr(material) not in text

"""check_legacy_secret's raw_key_sizes: an old format that took its secret as a raw cipher key
(Litestar's AES key, 16 or 24 bytes) has that key judged as a key of its size: random bytes
pass, text and patterned bytes are refused, and 32 bytes or more keep the usual rule."""

from __future__ import annotations

import random

import pytest

from client_session_core._errors import ConfigurationError
from client_session_core.adapter import check_legacy_secret

RAW = (16, 24)
# Drawn from a seeded generator, so that the run is the same every time; os.urandom's keys
# are judged alike (docs/litestar.md reports the rate measured over a million of them).
DRAWN = random.Random(20261207)  # noqa: S311 - reproducible test keys, never a real key


def check(secret: bytes, raw_key_sizes: tuple[int, ...] = RAW) -> None:
    check_legacy_secret(
        secret,
        setting="secret",
        label="Litestar session",
        turn_off="legacy_cookies=False",
        raw_key_sizes=raw_key_sizes,
    )


@pytest.mark.parametrize("size", RAW)
def test_random_keys_of_a_raw_size_are_accepted(size: int) -> None:
    for _ in range(2000):
        key = DRAWN.randbytes(size)
        try:
            printable = key.decode("utf-8").isprintable()
        except UnicodeDecodeError:
            printable = False
        if not printable:  # about 3 in a million 16-byte keys are printable text
            check(key)


@pytest.mark.parametrize("size", RAW)
def test_without_raw_key_sizes_a_short_key_is_refused_as_before(size: int) -> None:
    with pytest.raises(ConfigurationError, match=f"{size} bytes long"):
        check(DRAWN.randbytes(size), raw_key_sizes=())


@pytest.mark.parametrize(
    ("weak", "reason"),
    [
        (b"0123456789abcdef", "16 bytes of text"),
        (b"kR8#vL2$qW9!zX4@", "16 bytes of text"),  # random-looking, but typed: a password
        (b"0123456789abcdef01234567", "24 bytes of text"),
        ("Zürich-Passwort".encode(), "16 bytes of text"),
        (b"a" * 16, "16 bytes of text"),
        (b"\0" * 16, "worth about 13 bits"),
        (bytes(range(16)), "worth about 15 bits"),
        (bytes(range(24)), "worth about"),
        (bytes(8) + bytes.fromhex("4df7d1be3c9a0e51"), "worth about"),  # 64 random bits
        (bytes.fromhex("d8544216eab8695e") * 2, "worth about"),  # a repeat
    ],
)
def test_text_and_patterned_bytes_of_a_raw_size_are_refused(weak: bytes, reason: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        check(weak)
    message = str(refused.value)
    assert reason in message
    assert "16 or 24 random bytes (os.urandom)" in message
    assert "legacy_cookies=False" in message
    assert weak.hex() not in message
    assert repr(weak) not in message


def test_a_raw_key_half_random_passes_only_with_96_bits() -> None:
    # 4 zero bytes and 12 random ones: 96 random bits and the zeros' run, over the 96 needed.
    check(bytes(4) + bytes.fromhex("4df7d1be3c9a0e51b2c4d6e8"))
    with pytest.raises(ConfigurationError, match="worth about"):
        check(bytes(6) + bytes.fromhex("4df7d1be3c9a0e51b2c4"))


def test_32_bytes_and_more_keep_the_usual_rule() -> None:
    check(DRAWN.randbytes(32))
    check(b"orbit flame tundra cobalt ripple verdict sonic lumber")  # a passphrase, as before
    with pytest.raises(ConfigurationError, match="worth about"):
        check(b"a" * 32, raw_key_sizes=(16, 24, 32))


def test_a_size_that_is_not_raw_is_refused_as_short() -> None:
    with pytest.raises(ConfigurationError, match="20 bytes long"):
        check(DRAWN.randbytes(20))


def test_text_given_as_str_is_never_a_raw_key() -> None:
    with pytest.raises(ConfigurationError, match="16 characters long"):
        check_legacy_secret(
            "kR8#vL2$qW9!zX4@", setting="secret", label="x", turn_off="off", raw_key_sizes=RAW
        )

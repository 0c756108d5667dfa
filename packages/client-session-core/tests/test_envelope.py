"""The v1 envelope, checked against the format rather than against the code that writes it."""

from __future__ import annotations

import base64
import binascii
import os
import struct

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from hypothesis import given, settings
from hypothesis import strategies as st

from client_session_core import InvalidReason, InvalidSession, Key, KeyRing, _envelope
from client_session_core.wire import Envelope, Sealer, seal_for_test_vector

NOW = 1_800_000_000
SALT = bytes(range(16))
NONCE = bytes(range(100, 112))


def _raw(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.fixture
def sealer(primary_key: str) -> Sealer:
    return Sealer(KeyRing([primary_key]))


def _seal(sealer: Sealer, plaintext: bytes = b'{"a":1}', **overrides: object) -> str:
    options: dict[str, object] = {
        "cookie_name": "session",
        "created_at": NOW - 100,
        "issued_at": NOW,
        "flags": 1,
        "salt": SALT,
        "nonce": NONCE,
        **overrides,
    }
    return seal_for_test_vector(sealer.keys.primary, plaintext, **options)  # type: ignore[arg-type]


def test_byte_layout(sealer: Sealer, primary_key: str) -> None:
    raw = _raw(_seal(sealer))
    version, flags, kid, created_at, issued_at = struct.unpack_from(">BB4sII", raw)
    assert (version, flags, kid) == (1, 1, Key.from_secret(primary_key).kid)
    assert (created_at, issued_at) == (NOW - 100, NOW)
    assert raw[14:30] == SALT
    assert raw[30:42] == NONCE
    assert len(raw) == 42 + len(b'{"a":1}') + 16


def test_opens_with_the_documented_key_schedule_and_aad(sealer: Sealer, primary_key: str) -> None:
    raw = _raw(_seal(sealer, cookie_name="app"))
    hkdf = HKDF(hashes.SHA256(), length=32, salt=SALT, info=b"client-session/v1/seal")
    subkey = hkdf.derive(Key.from_secret(primary_key).material)
    plaintext = AESGCM(subkey).decrypt(NONCE, raw[42:], raw[:42] + b"app")
    assert plaintext == b'{"a":1}'


def test_the_value_is_unpadded_base64url(sealer: Sealer) -> None:
    for size in range(6):
        value = _seal(sealer, b"x" * size)
        assert "=" not in value
        assert set(value) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_parse_reads_the_header(sealer: Sealer, primary_key: str) -> None:
    value = _seal(sealer)
    envelope = Envelope.parse(value)
    assert envelope.flags == 1
    assert envelope.kid == Key.from_secret(primary_key).kid
    assert (envelope.created_at, envelope.issued_at) == (NOW - 100, NOW)
    assert (envelope.salt, envelope.nonce) == (SALT, NONCE)
    assert envelope.raw == _raw(value)


def test_open_returns_the_plaintext_and_the_key(primary_key: str, old_key: str) -> None:
    old_sealer = Sealer(KeyRing([old_key]))
    value = _seal(old_sealer)
    ring = KeyRing([primary_key, old_key])
    plaintext, key = Sealer(ring).open(Envelope.parse(value), cookie_name="session")
    assert plaintext == b'{"a":1}'
    assert key is list(ring)[1]


@pytest.mark.parametrize(
    ("make_value", "reason"),
    [
        (lambda raw: _encode(raw[:57]), InvalidReason.MALFORMED),
        (lambda raw: "", InvalidReason.MALFORMED),
        (lambda raw: _encode(b"\x02" + raw[1:]), InvalidReason.UNKNOWN_VERSION),
        (lambda raw: _encode(b"\x00" + raw[1:]), InvalidReason.UNKNOWN_VERSION),
        (lambda raw: _encode(raw[:1] + b"\x09" + raw[2:]), InvalidReason.UNKNOWN_VERSION),
        (lambda raw: _encode(raw[:1] + b"\x80" + raw[2:]), InvalidReason.UNKNOWN_VERSION),
        (lambda raw: base64.urlsafe_b64encode(raw).decode(), InvalidReason.MALFORMED),
        (lambda raw: base64.b64encode(raw).decode().rstrip("="), InvalidReason.MALFORMED),
    ],
    ids=["short", "empty", "version-2", "version-0", "flag-3", "flag-7", "padded", "std-b64"],
)
def test_parse_refuses(sealer: Sealer, make_value: object, reason: InvalidReason) -> None:
    # A plaintext whose envelope holds '+' or '/' in standard base64, and needs padding.
    raw = _raw(_seal(sealer, b"xxxx"))
    assert len(raw) % 3
    assert b"+" in base64.b64encode(raw) or b"/" in base64.b64encode(raw)
    with pytest.raises(InvalidSession) as caught:
        Envelope.parse(make_value(raw))  # type: ignore[operator]
    assert caught.value.reason is reason


@pytest.mark.parametrize(("plaintext_size", "last_group"), [(1, 3), (3, 2)])
def test_only_the_canonical_encoding_parses(
    sealer: Sealer, plaintext_size: int, last_group: int
) -> None:
    # A last group of 2 or 3 characters carries 4 or 2 unused low bits, which must be zero
    # (RFC 4648 section 3.5): one string per envelope, so no variant slips past a check.
    value = _seal(sealer, b"y" * plaintext_size)
    assert len(value) % 4 == last_group
    Envelope.parse(value)
    variants = [
        value[:-1] + candidate
        for candidate in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        if candidate != value[-1] and _raw(value[:-1] + candidate) == _raw(value)
    ]
    assert len(variants) == 2 ** (2 * (4 - last_group)) - 1
    for variant in variants:
        with pytest.raises(InvalidSession, match="malformed"):
            Envelope.parse(variant)


_URLSAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _canonical_decode(text: str) -> bytes | None:
    """What a strict base64url decoder must answer, found another way: the bytes whose one
    unpadded base64url spelling is ``text``, or None when there are none."""
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if text and _encode(raw) == text else None


def _strict(text: str) -> bytes | None:
    try:
        return _envelope.b64decode_strict(text)
    except InvalidSession as refused:
        if refused.reason is not InvalidReason.MALFORMED:  # every refusal here is MALFORMED
            raise
        return None


# Every value of 0 to 5 bytes, as all three remainders (0, 2 and 3 characters in the last
# group) and the empty string.
_SPELLINGS = [_encode(bytes(range(7, 7 + size))) for size in range(6)]


@pytest.mark.parametrize("value", _SPELLINGS[1:])
def test_strict_base64url_refuses_every_character_outside_its_alphabet(value: str) -> None:
    # Python 3.11+ leaves this to binascii's strict mode, 3.10 to a scan: the same answers.
    assert _strict(value) == _raw(value)
    outside = [chr(code) for code in range(128) if chr(code) not in _URLSAFE]
    outside += ["\x80", "\xe9", "\u00ff", "\u2028", "\U0001f600", "\udc80"]
    for char in outside:
        for position in (0, len(value) // 2, len(value) - 1, len(value)):
            inserted = value[:position] + char + value[position:]
            replaced = value[:position] + char + value[position + 1 :]
            assert _strict(inserted) is None, inserted
            assert _strict(replaced) is None, replaced


@pytest.mark.parametrize(
    "text",
    [
        "",
        "=",
        "====",
        "AA==",
        "AAA=",
        "AA=",
        "AAAA=",
        "AAAA====",
        "=AAA",
        "A=AA",
        "A===",
        "AAAAAA==",
        "AAAAAAA=",
        "AAAA\n",
        " AAAA",
        "AA AA",
        "AA+A",
        "AA/A",
        "AB",  # 4 trailing bits, not zero
        "AAB",  # 2 trailing bits, not zero
        "Q",
        "AAAAA",
    ],
)
def test_strict_base64url_refuses_padding_other_alphabets_and_trailing_bits(text: str) -> None:
    assert _canonical_decode(text) is None
    assert _strict(text) is None


def test_strict_base64url_reads_the_canonical_spellings() -> None:
    assert _strict("AA") == b"\x00"
    assert _strict("AAE") == b"\x00\x01"
    assert _strict("-_-_") == b"\xfb\xff\xbf"
    for size in range(64):
        raw = os.urandom(size)
        assert _strict(_encode(raw)) == (raw or None)


_NEAR_BASE64URL = st.text(alphabet=_URLSAFE + "+/= \n\x00!\xe9\udc80", max_size=12)


@st.composite
def _near_canonical(draw: st.DrawFn) -> str:
    # A canonical spelling, then at most two characters changed, added or removed.
    text = _encode(draw(st.binary(max_size=10)))
    for _ in range(draw(st.integers(0, 2))):
        position = draw(st.integers(0, len(text)))
        char = draw(st.sampled_from(_URLSAFE + "+/=\n\xe9"))
        cut = draw(st.integers(0, 1))
        text = text[:position] + char * draw(st.integers(0, 1)) + text[position + cut :]
    return text


@settings(max_examples=600, deadline=None)
@given(st.one_of(_NEAR_BASE64URL, _near_canonical()))
def test_strict_base64url_accepts_exactly_the_canonical_spellings(text: str) -> None:
    expected = _canonical_decode(text)
    assert _strict(text) == expected
    # The Python 3.10 way, with the length and the last character already checked (which
    # b64decode_strict does first on every version), answers the same.
    encoded = text.encode("ascii", "replace")
    remainder = len(encoded) % 4
    last = _envelope._CANONICAL_LAST.get(remainder)
    if text.isascii() and text and remainder != 1 and (last is None or encoded[-1] in last):
        try:
            scanned: bytes | None = _envelope._b64decode_scanning(encoded, remainder)
        except InvalidSession:
            scanned = None
        assert scanned == expected


@pytest.mark.parametrize("extra", ["A", "AAAAA", "Q"])
def test_a_length_of_4n_plus_1_is_malformed(sealer: Sealer, extra: str) -> None:
    value = _seal(sealer, b"12")  # 60 bytes: 80 characters
    with pytest.raises(InvalidSession, match="malformed"):
        Envelope.parse(value + extra)


def test_a_key_outside_the_ring_is_unknown(sealer: Sealer, old_key: str) -> None:
    with pytest.raises(InvalidSession) as caught:
        Sealer(KeyRing([old_key])).open(Envelope.parse(_seal(sealer)), cookie_name="session")
    assert caught.value.reason is InvalidReason.UNKNOWN_KEY


@pytest.mark.parametrize("offset", [1, 6, 10, 14, 30, 42, -1])
def test_any_changed_authenticated_byte_is_forged(sealer: Sealer, offset: int) -> None:
    raw = bytearray(_raw(_seal(sealer)))
    raw[offset] ^= 0x01  # flags (still a known flag), timestamps, salt, nonce, data, tag
    with pytest.raises(InvalidSession) as caught:
        sealer.open(Envelope.parse(_encode(bytes(raw))), cookie_name="session")
    assert caught.value.reason is InvalidReason.FORGED


def test_the_cookie_name_is_bound(sealer: Sealer) -> None:
    envelope = Envelope.parse(_seal(sealer, cookie_name="session"))
    with pytest.raises(InvalidSession, match="forged"):
        sealer.open(envelope, cookie_name="session2")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"created_at": NOW + 1, "issued_at": NOW}, "timestamps"),
        ({"created_at": -1}, "timestamps"),
        ({"created_at": NOW, "issued_at": 2**32}, "timestamps"),
        ({"flags": 8}, "unknown envelope flags 0x8"),
        ({"flags": 2}, "own-lifetime flag needs lifetime"),
        ({"lifetime": (2**32, 0)}, "lifetime seconds"),
        ({"lifetime": (0, -1)}, "lifetime seconds"),
    ],
)
def test_seal_refuses_what_the_format_cannot_hold(
    sealer: Sealer, options: dict[str, int], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        _seal(sealer, b"{}", **options)


def test_random_nonces_under_one_subkey_until_its_budget_is_spent(
    sealer: Sealer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_envelope, "SUBKEY_USES", 3)

    def salt_and_nonce() -> tuple[bytes, bytes]:
        raw = _raw(sealer.seal(b"{}", cookie_name="s", created_at=NOW, issued_at=NOW))
        return raw[14:30], raw[30:42]

    first, second, third, fourth = (salt_and_nonce() for _ in range(4))
    assert first[0] == second[0] == third[0] != fourth[0]
    assert len({first[1], second[1], third[1], fourth[1]}) == 4


def _sealing_salt(sealer: Sealer) -> bytes:
    """The salt, hence the subkey, that ``sealer`` seals with now."""
    return _raw(sealer.seal(b"{}", cookie_name="s", created_at=NOW, issued_at=NOW))[14:30]


def test_a_forked_child_starts_a_new_subkey(sealer: Sealer) -> None:
    before, lock = _sealing_salt(sealer), _envelope._sealing_lock
    assert _sealing_salt(sealer) == before
    _envelope._after_fork_in_child()  # what os.register_at_fork runs in a child
    assert _envelope._sealing_lock is not lock  # one held by another thread at the fork stays held
    assert _sealing_salt(sealer) != before


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_real_fork_gives_the_child_its_own_subkey(sealer: Sealer) -> None:
    parent_salt = _sealing_salt(sealer)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child reports the salt it seals with, and leaves at once
        try:
            os.write(write_end, _sealing_salt(sealer))
        finally:
            os._exit(0)
    os.close(write_end)
    try:
        child_salt = os.read(read_end, 64)
    finally:
        os.close(read_end)
        os.waitpid(pid, 0)
    assert len(child_salt) == 16
    assert child_salt != parent_salt
    assert _sealing_salt(sealer) == parent_salt  # the parent goes on with its own subkey


def test_sealers_register_no_fork_hook_of_their_own(
    primary_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One hook for the process, registered at import: a hook per sealer would keep every
    # sealer (and its keys) alive for the life of the process.
    registered: list[object] = []
    monkeypatch.setattr(os, "register_at_fork", lambda **hooks: registered.append(hooks))
    Sealer(KeyRing([primary_key]))
    assert registered == []


def test_only_verified_subkeys_are_cached(sealer: Sealer) -> None:
    raw = bytearray(_raw(_seal(sealer)))
    raw[-1] ^= 0x01
    for index in range(50):
        raw[14] = index  # a new salt each time: a forger asking for new subkeys
        with pytest.raises(InvalidSession):
            sealer.open(Envelope.parse(_encode(bytes(raw))), cookie_name="session")
    assert not sealer._opening
    sealer.open(Envelope.parse(_seal(sealer)), cookie_name="session")
    assert len(sealer._opening) == 1


def test_seal_takes_no_salt_or_nonce(sealer: Sealer) -> None:
    # A nonce chosen by the caller under the live subkey would repeat (subkey, nonce)
    # pairs; only seal_for_test_vector fixes them, and it needs both.
    with pytest.raises(TypeError):
        sealer.seal(b"{}", "s", NOW, NOW, nonce=NONCE)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        sealer.seal(b"{}", "s", NOW, NOW, salt=SALT)  # type: ignore[call-arg]
    without_salt = {"cookie_name": "s", "created_at": NOW, "issued_at": NOW, "flags": 0}
    with pytest.raises(TypeError):
        seal_for_test_vector(sealer.keys.primary, b"{}", nonce=NONCE, **without_salt)  # type: ignore[arg-type]


def test_a_test_vector_seal_never_uses_the_live_subkey(sealer: Sealer) -> None:
    live = _raw(sealer.seal(b"{}", cookie_name="s", created_at=NOW, issued_at=NOW))
    live_salt, live_nonce = live[14:30], live[30:42]
    assert _raw(_seal(sealer, nonce=live_nonce))[14:30] == SALT != live_salt


def test_a_test_vector_seal_wants_a_full_salt_and_nonce(sealer: Sealer) -> None:
    with pytest.raises(ValueError, match="salt is 16 bytes and nonce 12 bytes"):
        _seal(sealer, nonce=NONCE[:8])

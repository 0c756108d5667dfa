"""Keys, their ids, passphrases and the key ring."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from client_session_core import DEFAULT_KEYS_ENV, ConfigurationError, Key, KeyRing, generate_key

PASSPHRASE = "Tr0ub4dor&3 plus a long tail of words: spindle quartz"
# Fixed bytes that look random (they are a hash), so that failures reproduce.
RANDOM_32 = hashlib.sha256(b"client-session tests: 32 random bytes").digest()
RANDOM_64 = RANDOM_32 + hashlib.sha256(b"client-session tests: 32 more").digest()
ALL_ZERO_KEY_TEXT = "A" * 43
PLACEHOLDER_KEY_TEXT = ("changeme" * 6)[:42] + "c"
# The review's passphrases that passed the old pattern checks (issue 13, finding 5).
WEAK_PASSPHRASES = [
    "abcdefghij" * 3 + "ab",
    "0123456789" * 3 + "01",
    "password1234567890password1234567",
    "my-super-secret-key-for-production-use",
]


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_generated_keys_are_43_characters_of_canonical_base64url() -> None:
    keys = {generate_key() for _ in range(20)}
    assert len(keys) == 20
    for text in keys:
        assert len(text) == 43
        raw = _b64decode(text)
        assert len(raw) == 32
        assert base64.urlsafe_b64encode(raw).rstrip(b"=").decode() == text


def test_key_text_is_the_32_bytes_it_encodes(primary_key: str) -> None:
    assert Key.from_secret(primary_key).material == _b64decode(primary_key)


def test_key_text_surrounded_by_whitespace_is_the_same_key(primary_key: str) -> None:
    assert Key.from_secret(f"  {primary_key}\n").kid == Key.from_secret(primary_key).kid


def test_kid_is_the_first_4_bytes_of_hmac_sha256_of_the_label(primary_key: str) -> None:
    material = _b64decode(primary_key)
    expected = hmac.new(material, b"client-session/v1/kid", hashlib.sha256).digest()[:4]
    assert Key(material).kid == expected


def test_passphrase_is_stretched_with_scrypt() -> None:
    expected = hashlib.scrypt(
        PASSPHRASE.encode(), salt=b"client-session/v1/passphrase", n=2**14, r=8, p=1, dklen=32
    )
    assert Key.from_secret(PASSPHRASE).material == expected


def test_a_non_canonical_key_text_is_a_passphrase_not_that_key(primary_key: str) -> None:
    # The 43rd character carries 4 unused bits; only the canonical text names the key.
    other_last = "B" if primary_key[-1] != "B" else "C"
    near_copy = primary_key[:-1] + other_last
    assert Key.from_secret(near_copy).material != Key.from_secret(primary_key).material


def test_32_raw_bytes_are_the_key() -> None:
    assert Key.from_secret(RANDOM_32).material == RANDOM_32
    assert Key(RANDOM_32).material == RANDOM_32


def test_longer_raw_secrets_are_reduced_with_hkdf() -> None:
    raw = RANDOM_64
    hkdf = HKDF(hashes.SHA256(), length=32, salt=None, info=b"client-session/v1/long-secret")
    assert Key.from_secret(raw).material == hkdf.derive(raw)


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        ("short-but-random-Xq7", "20 characters long, too short"),
        ("", "0 characters long"),
        ("ab" * 20, "bits of guessing"),
        ("aaaaaaaaaabbbbbbbbbbccccccccccdddddddddd", "bits of guessing"),
        ("please-changeme-before-production-2024-xyz", "placeholder"),
        ("THIS_IS_AN_INSECURE_KEY_FOR_DEVELOPMENT_ONLY", "placeholder"),
        (b"\x00" * 32, "bits of guessing"),
        (bytes(range(32)), "bits of guessing"),
        (b"my-super-secret-key-for-production-use", "bits of guessing"),
        (bytes(range(16)), "16 bytes"),
        (12345, "is a int, not str or bytes"),
    ],
)
def test_weak_secrets_are_refused_with_a_way_to_fix_them(secret: object, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message) as caught:
        Key.from_secret(secret)  # type: ignore[arg-type]
    assert "client-session keygen" in str(caught.value)


@pytest.mark.parametrize("size", [0, 16, 31, 33, 64])
def test_key_takes_exactly_32_bytes(size: int) -> None:
    with pytest.raises(ConfigurationError, match="exactly 32 bytes"):
        Key(bytes(range(size)))


def test_the_first_key_of_a_ring_is_primary_and_every_key_is_found(
    primary_key: str, old_key: str
) -> None:
    ring = KeyRing([primary_key, old_key])
    primary, old = Key.from_secret(primary_key), Key.from_secret(old_key)
    assert ring.primary.kid == primary.kid
    assert [key.kid for key in ring] == [primary.kid, old.kid]
    assert len(ring) == 2
    found = ring.find(old.kid)
    assert found is not None
    assert found.material == old.material
    assert ring.find(b"\x00\x00\x00\x00") is None


def test_a_ring_takes_keys_of_every_accepted_form(primary_key: str) -> None:
    ring = KeyRing([Key(RANDOM_32), primary_key, PASSPHRASE, RANDOM_64])
    assert len(ring) == 4


def test_an_empty_ring_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="no key configured"):
        KeyRing([])


def test_a_repeated_key_is_refused(primary_key: str) -> None:
    with pytest.raises(ConfigurationError, match="key #2 has the same id"):
        KeyRing([primary_key, primary_key])


def test_a_bare_secret_is_not_taken_for_a_list_of_keys(primary_key: str) -> None:
    with pytest.raises(ConfigurationError, match=r"KeyRing\(\[key\]\)"):
        KeyRing(primary_key)


def test_messages_number_the_bad_key(primary_key: str) -> None:
    with pytest.raises(ConfigurationError, match="key #2 is 5 characters long"):
        KeyRing([primary_key, "short"])


def test_from_env_reads_comma_or_newline_separated_keys_primary_first(
    monkeypatch: pytest.MonkeyPatch, primary_key: str, old_key: str
) -> None:
    monkeypatch.setenv(DEFAULT_KEYS_ENV, f" {primary_key}, {old_key}\n")
    ring = KeyRing.from_env()
    assert [key.kid for key in ring] == [
        Key.from_secret(primary_key).kid,
        Key.from_secret(old_key).kid,
    ]
    monkeypatch.setenv("MY_KEYS", f"{old_key}\n{primary_key}")
    assert KeyRing.from_env("MY_KEYS").primary.kid == Key.from_secret(old_key).kid


def test_from_env_keeps_spaces_inside_a_passphrase(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DEFAULT_KEYS_ENV, f" {PASSPHRASE} ")
    ring = KeyRing.from_env()
    assert ring.primary.kid == Key.from_secret(PASSPHRASE).kid


@pytest.mark.parametrize("value", [None, "", " , ,\n"])
def test_from_env_without_a_key_says_how_to_make_one(
    monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is None:
        monkeypatch.delenv(DEFAULT_KEYS_ENV, raising=False)
    else:
        monkeypatch.setenv(DEFAULT_KEYS_ENV, value)
    with pytest.raises(ConfigurationError, match=f"{DEFAULT_KEYS_ENV} holds no key") as caught:
        KeyRing.from_env()
    assert "client-session keygen" in str(caught.value)


def test_reprs_show_key_ids_only(primary_key: str) -> None:
    key = Key.from_secret(primary_key)
    ring = KeyRing([primary_key])
    assert repr(key) == f"Key(kid={key.kid.hex()!r})"
    assert repr(ring) == f"KeyRing([{key.kid.hex()!r}])"


# -- one strength rule for every way a key arrives (issue 13, findings 1 and 5) ------------------


@pytest.mark.parametrize("text", [ALL_ZERO_KEY_TEXT, PLACEHOLDER_KEY_TEXT])
def test_a_low_entropy_key_text_is_refused(text: str) -> None:
    # Both are canonical 43-character base64url: they used to be taken as raw keys unchecked.
    assert base64.urlsafe_b64encode(_b64decode(text)).rstrip(b"=").decode() == text
    with pytest.raises(ConfigurationError, match="bits of guessing") as caught:
        Key.from_secret(text)
    assert text not in str(caught.value)
    with pytest.raises(ConfigurationError, match="key #2 is worth"):
        KeyRing([generate_key(), text])


@pytest.mark.parametrize("text", [ALL_ZERO_KEY_TEXT, PLACEHOLDER_KEY_TEXT])
def test_a_low_entropy_key_text_is_refused_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    monkeypatch.setenv(DEFAULT_KEYS_ENV, f"{generate_key()},{text}")
    with pytest.raises(ConfigurationError, match=f"{DEFAULT_KEYS_ENV}: key #2 is worth"):
        KeyRing.from_env()


@pytest.mark.parametrize("material", [b"\x00" * 32, bytes(range(32)), b"\xff\x00" * 16])
def test_low_entropy_bytes_are_refused_by_the_key_itself(material: bytes) -> None:
    with pytest.raises(ConfigurationError, match="bits of guessing"):
        Key(material)


@pytest.mark.parametrize("passphrase", WEAK_PASSPHRASES)
def test_the_passphrases_of_the_review_are_refused(passphrase: str) -> None:
    with pytest.raises(ConfigurationError, match="bits of guessing"):
        Key.from_secret(passphrase)
    with pytest.raises(ConfigurationError, match="bits of guessing"):
        Key.from_secret(passphrase.encode())


def test_generated_and_token_keys_are_accepted_every_time() -> None:
    for _ in range(300):
        Key.from_secret(generate_key())
        Key.from_secret(secrets.token_urlsafe(32))
        Key.from_secret(secrets.token_hex(32))
        Key.from_secret(secrets.token_bytes(32))
        Key(secrets.token_bytes(32))


def test_long_random_phrases_are_accepted() -> None:
    for passphrase in (
        PASSPHRASE,
        "correct horse battery staple; but much longer: 7 vectors / v1",
        "orbit flame tundra cobalt ripple verdict sonic lumber",
    ):
        Key.from_secret(passphrase)


def test_only_ascii_space_tab_cr_and_lf_are_stripped(primary_key: str) -> None:
    key = Key.from_secret(primary_key)
    assert Key.from_secret(f" \t\r\n{primary_key}\r\n\t ").kid == key.kid
    # Other white space (no-break space, the line separator) belongs to the text: around a
    # passphrase it makes another passphrase; around a generated key, a text holding a key
    # among other characters, which is refused rather than taken for a passphrase.
    for space in ("\u00a0", "\u2028", "\x0b", "\x0c"):
        assert Key.from_secret(f"{space}{PASSPHRASE}{space}").kid != Key.from_secret(PASSPHRASE).kid
        with pytest.raises(ConfigurationError, match="holds a generated key among other"):
            Key.from_secret(f"{space}{primary_key}{space}")


def test_a_passphrase_is_stripped_too() -> None:
    assert Key.from_secret(f"  {PASSPHRASE}\n").kid == Key.from_secret(PASSPHRASE).kid


def test_text_that_is_not_utf8_is_refused_without_showing_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # os.environ decodes bytes that are not UTF-8 as lone surrogates (PEP 383).
    passphrase = PASSPHRASE + os.fsdecode(b"\xe9t\xe9")
    monkeypatch.setenv(DEFAULT_KEYS_ENV, passphrase)
    with pytest.raises(ConfigurationError, match="not valid UTF-8") as caught:
        KeyRing.from_env()
    message = str(caught.value)
    assert "\udce9" not in message
    assert "quartz" not in message
    assert message.isascii()


def test_from_text_skips_empty_entries_and_crlf(primary_key: str, old_key: str) -> None:
    ring = KeyRing.from_text(f"\r\n{primary_key},,\r\n , {old_key},\r\n\r\n")
    assert [key.kid for key in ring] == [
        Key.from_secret(primary_key).kid,
        Key.from_secret(old_key).kid,
    ]


def test_a_comma_ends_a_passphrase_in_a_key_list() -> None:
    with pytest.raises(ConfigurationError, match="too short"):
        KeyRing.from_text("correct horse battery staple, but much longer: 7 vectors / v1")


def test_key_ring_of_an_option(monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = generate_key(), generate_key()
    ring = KeyRing([first, second])
    assert KeyRing.of(ring) is ring
    assert [key.kid for key in KeyRing.of(first)] == [Key.from_secret(first).kid]
    assert len(KeyRing.of(first.encode())) == 1
    assert len(KeyRing.of([first, second])) == 2
    assert len(KeyRing.of(Key.from_secret(first))) == 1
    monkeypatch.setenv(DEFAULT_KEYS_ENV, f"{second},{first}")
    assert KeyRing.of(None).primary.kid == Key.from_secret(second).kid


def test_a_key_text_given_as_an_option_is_a_key_list_as_everywhere_else() -> None:
    # Issue 22: KeyRing.of("new,old") was one passphrase while CLIENT_SESSION_KEYS, from_text,
    # Flask and Django read the same text as two keys: a rotation logged everyone out.
    new, old = generate_key(), generate_key()
    text = f"{new},{old}"
    assert [key.kid for key in KeyRing.of(text)] == [key.kid for key in KeyRing.from_text(text)]
    assert [key.kid for key in KeyRing.of(f" {new}\n{old}\n")] == [
        Key.from_secret(new).kid,
        Key.from_secret(old).kid,
    ]


# -- one rule for key text, wherever it arrives (issue 22, section 2) ----------------------------


@pytest.mark.parametrize(
    "text",
    [
        "{new},{old}",
        "{new}\n{old}",
        "{new},",
        " {new} ,\n",
        "correct horse battery staple, but much longer: 7 vectors / v1",
        "a passphrase over two lines: lantern umbrella\nquokka 93 / x spindle",
    ],
    ids=["comma", "line-feed", "trailing-comma", "comma-inside-spaces", "passphrase", "lf"],
)
def test_a_text_holding_a_separator_is_never_one_key(text: str) -> None:
    # Before: one passphrase, a new key id; every user of a rotation logged out, silently.
    secret = text.format(new=generate_key(), old=generate_key())
    with pytest.raises(ConfigurationError, match="holds a comma or a line feed: it is a key list"):
        Key.from_secret(secret)
    with pytest.raises(ConfigurationError, match="key #2 holds a comma or a line feed") as caught:
        KeyRing([generate_key(), secret])
    assert "KeyRing.from_text" in str(caught.value)
    for part in secret.replace("\n", ",").split(","):
        if part.strip():
            assert part.strip() not in str(caught.value)


@pytest.mark.parametrize("separator", [" ", "\t", ";", " ; ", "\u00a0", "|"])
def test_generated_keys_joined_otherwise_are_never_one_passphrase(separator: str) -> None:
    new, old = generate_key(), generate_key()
    text = f"{new}{separator}{old}"
    with pytest.raises(ConfigurationError, match="holds a generated key among other") as caught:
        Key.from_secret(text)
    assert new not in str(caught.value)
    assert old not in str(caught.value)
    for route in (KeyRing.from_text, KeyRing.of, lambda value: KeyRing([value])):
        with pytest.raises(ConfigurationError, match="holds a generated key among other"):
            route(text)


def test_a_key_text_is_a_key_list_through_every_route(
    monkeypatch: pytest.MonkeyPatch, primary_key: str, old_key: str
) -> None:
    text = f"{primary_key},{old_key}"
    expected = [Key.from_secret(primary_key).kid, Key.from_secret(old_key).kid]
    monkeypatch.setenv(DEFAULT_KEYS_ENV, text)
    for ring in (KeyRing.from_text(text), KeyRing.of(text), KeyRing.from_env()):
        assert [key.kid for key in ring] == expected
    # Where one key is expected (a list of keys), the text is refused, never a passphrase.
    for one_key in ([text], (text,), [primary_key, text]):
        with pytest.raises(ConfigurationError, match="it is a key list"):
            KeyRing.of(one_key)


def test_bytes_are_key_material_and_may_hold_any_byte() -> None:
    # Random bytes hold commas and line feeds: bytes are never read as a key list.
    material = b",\n" + RANDOM_32[2:]
    assert Key.from_secret(material).material == material
    assert len(KeyRing.of(material)) == 1


def test_the_end_line_of_a_key_file_in_a_key_list_says_what_it_is(primary_key: str) -> None:
    with pytest.raises(ConfigurationError, match="end line of a key file") as caught:
        KeyRing.from_text(f"{primary_key}\n# end of keys\n", source="CLIENT_SESSION_KEYS")
    assert "CLIENT_SESSION_KEYS_FILE" in str(caught.value)
    assert primary_key not in str(caught.value)


def test_a_frameworks_secret_key_is_a_key_text_and_each_fallback_one_key() -> None:
    # Issue 22: Flask's and Django's SECRET_KEY="new,old" was one passphrase (then refused):
    # the same text is a rotation wherever it arrives.
    new, old, older = generate_key(), generate_key(), generate_key()
    ring = KeyRing.from_secret_key(f"{new},{old}", [older])
    assert [key.kid for key in ring] == [Key.from_secret(k).kid for k in (new, old, older)]
    raw = bytes.fromhex("9c1f4e07b2a85d36e1c07f4a92b3d6e85f017c2ab4d9e36f08a17b5c2e94d0f3")
    assert len(KeyRing.from_secret_key(raw)) == 1  # bytes are one key, commas or not


@pytest.mark.parametrize("fallbacks", ["one-old-key-as-a-string", b"bytes", 7, {"a": 1}])
def test_secret_key_fallbacks_must_be_a_list(fallbacks: object) -> None:
    with pytest.raises(ConfigurationError, match="SECRET_KEY_FALLBACKS must be a list"):
        KeyRing.from_secret_key(generate_key(), fallbacks)


def test_a_key_error_keeps_its_advice_apart_for_an_adapters_own() -> None:
    # Django's adapter reads no environment variable: it gives its own advice instead of
    # cutting the core's out of the message text.
    with pytest.raises(ConfigurationError) as caught:
        KeyRing.from_text("too-short", source="settings.CLIENT_SESSION_KEYS")
    error = caught.value
    assert error.reason.startswith("settings.CLIENT_SESSION_KEYS: key #1 is 9 characters long")
    assert error.advice is not None
    assert "CLIENT_SESSION_KEYS environment variable" in error.advice
    assert str(error) == f"{error.reason}; {error.advice}"
    assert str(error.with_advice("set SECRET_KEY")) == f"{error.reason}; set SECRET_KEY"
    assert str(error.with_advice(None)) == error.reason


def test_a_weak_fallback_is_named_by_its_setting() -> None:
    with pytest.raises(ConfigurationError) as caught:
        KeyRing.from_secret_key(generate_key(), [generate_key(), "too-short"])
    assert caught.value.reason.startswith("SECRET_KEY_FALLBACKS[1]: key #3 is 9 characters")
    with pytest.raises(ConfigurationError, match=r"^SECRET_KEY: key #1 is 3 characters"):
        KeyRing.from_secret_key("dev", [generate_key()])
    # Bytes too (Flask's app.secret_key may be bytes): the setting is named as for text.
    with pytest.raises(ConfigurationError, match=r"^SECRET_KEY: key #1 is 16 bytes"):
        KeyRing.from_secret_key(b"\x01" * 16)

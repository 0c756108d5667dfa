"""Keys and the key ring.

A key is 32 random bytes. Its 4-byte id, ``HMAC-SHA256(key, "client-session/v1/kid")[:4]``,
travels in every cookie so that the key that opens it is found directly, never by trial
decryption. The first key of a ring is the primary: it seals. Every key opens.
"""

from __future__ import annotations

import base64
import binascii
import functools
import os
import secrets
from collections.abc import Iterable, Iterator

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from ._errors import ConfigurationError

__all__ = ["DEFAULT_KEYS_ENV", "Key", "KeyRing", "generate_key"]

KEY_SIZE = 32
KID_SIZE = 4
DEFAULT_KEYS_ENV = "CLIENT_SESSION_KEYS"
MIN_PASSPHRASE_LENGTH = 32
MIN_DISTINCT_CHARACTERS = 10

_KID_LABEL = b"client-session/v1/kid"
_PASSPHRASE_SALT = b"client-session/v1/passphrase"
_LONG_SECRET_INFO = b"client-session/v1/long-secret"
# Text that marks a secret copied from a tutorial or a template rather than generated.
_PLACEHOLDER_MARKERS = (
    "changeme",
    "change-me",
    "change_me",
    "replaceme",
    "replace-me",
    "replace_me",
    "insecure",
    "placeholder",
    "your-secret",
    "your_secret",
    "yoursecret",
    "not-a-secret",
    "notasecret",
)
_HOW_TO_FIX = (
    "generate a key with `client-session keygen` (or "
    "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`) and pass it, "
    f"or set it in the {DEFAULT_KEYS_ENV} environment variable"
)


def generate_key() -> str:
    """A new random key, as the 43-character base64url text that :class:`Key` reads."""
    return _b64encode(secrets.token_bytes(KEY_SIZE))


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _decode_key_text(text: str) -> bytes | None:
    """The 32 bytes of a generated key's text, or None if ``text`` is not one."""
    if len(text) != 43:
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=")
    except (binascii.Error, ValueError):
        return None
    # Strict: only the canonical encoding counts as a key (else it is a passphrase).
    return raw if _b64encode(raw) == text else None


@functools.lru_cache(maxsize=16)
def _derive_from_passphrase(passphrase: str) -> bytes:
    # One slow derivation per process and passphrase (cached): scrypt, RFC 7914, with the
    # interactive-login cost parameters. The salt is fixed so every process derives the same
    # key; a passphrase is accepted only when long enough that the fixed salt does not matter.
    kdf = Scrypt(salt=_PASSPHRASE_SALT, length=KEY_SIZE, n=2**14, r=8, p=1)
    return kdf.derive(passphrase.encode("utf-8"))


def _is_repetition(text: str) -> bool:
    n = len(text)
    return any(n % k == 0 and text == text[:k] * (n // k) for k in range(1, n // 2 + 1))


def _check_secret_text(text: str, position: int) -> None:
    where = f"key #{position}"
    if len(text) < MIN_PASSPHRASE_LENGTH:
        raise ConfigurationError(
            f"{where} is {len(text)} characters long, too short to be a secret "
            f"(at least {MIN_PASSPHRASE_LENGTH} characters of a random passphrase, "
            f"or a generated key); {_HOW_TO_FIX}"
        )
    lowered = text.lower()
    if (
        len(set(text)) < MIN_DISTINCT_CHARACTERS
        or _is_repetition(text)
        or any(marker in lowered for marker in _PLACEHOLDER_MARKERS)
    ):
        raise ConfigurationError(
            f"{where} looks like a placeholder or a low-entropy string, not a secret; {_HOW_TO_FIX}"
        )


class Key:
    """One 32-byte key and its 4-byte id. Its ``repr`` shows the id only."""

    __slots__ = ("_material", "kid")

    def __init__(self, material: bytes) -> None:
        if not isinstance(material, bytes) or len(material) != KEY_SIZE:
            raise ConfigurationError(f"a Key takes exactly {KEY_SIZE} bytes; {_HOW_TO_FIX}")
        self._material = material
        mac = hmac.HMAC(material, hashes.SHA256())
        mac.update(_KID_LABEL)
        self.kid: bytes = mac.finalize()[:KID_SIZE]

    @property
    def material(self) -> bytes:
        """The 32 key bytes. Never log them."""
        return self._material

    @classmethod
    def from_secret(cls, secret: str | bytes, *, position: int = 1) -> Key:
        """A key from configuration.

        - the 43-character text of :func:`generate_key`: that key;
        - other text: a passphrase of at least 32 characters, stretched once with scrypt
          (cached) - accepted for drop-in use with frameworks whose secret is a string;
        - 32 bytes: that key; more than 32 bytes: HKDF-SHA256 of them.

        Anything shorter, or that looks like a placeholder, is a :class:`ConfigurationError`
        whose message says how to make a good key. ``position`` numbers the key in
        messages (the key itself is never shown).
        """
        if isinstance(secret, str):
            raw = _decode_key_text(secret.strip())
            if raw is not None:
                return cls(raw)
            _check_secret_text(secret, position)
            return cls(_derive_from_passphrase(secret))
        if isinstance(secret, bytes):
            if len(secret) < KEY_SIZE or len(set(secret)) < MIN_DISTINCT_CHARACTERS:
                raise ConfigurationError(
                    f"key #{position} is {len(secret)} bytes of low entropy or fewer than "
                    f"{KEY_SIZE}; a key needs {KEY_SIZE} random bytes; {_HOW_TO_FIX}"
                )
            if len(secret) == KEY_SIZE:
                return cls(secret)
            hkdf = HKDF(
                algorithm=hashes.SHA256(), length=KEY_SIZE, salt=None, info=_LONG_SECRET_INFO
            )
            return cls(hkdf.derive(secret))
        raise ConfigurationError(
            f"key #{position} is a {type(secret).__name__}, not str or bytes; {_HOW_TO_FIX}"
        )

    def __repr__(self) -> str:
        return f"Key(kid={self.kid.hex()!r})"


class KeyRing:
    """An ordered set of keys: the first (primary) seals, every one opens.

    Rotate by putting a new key first and keeping the old ones after it until every
    cookie sealed under them has expired; cookies opened with an old key are resealed
    under the primary on their next response.
    """

    __slots__ = ("_by_kid", "_keys")

    def __init__(self, keys: Iterable[Key | str | bytes]) -> None:
        if isinstance(keys, (str, bytes, Key)):
            # Iterating a single secret would make a "key" of each character.
            raise ConfigurationError(
                "KeyRing takes a list of keys, primary first: KeyRing([key]) or "
                "KeyRing([new_key, old_key]), or use KeyRing.from_env()"
            )
        resolved: list[Key] = []
        by_kid: dict[bytes, Key] = {}
        for position, item in enumerate(keys, start=1):
            key = item if isinstance(item, Key) else Key.from_secret(item, position=position)
            if key.kid in by_kid:
                raise ConfigurationError(
                    f"key #{position} has the same id as an earlier key (it repeats it); "
                    "remove the repeated key, or generate a new one with `client-session keygen`"
                )
            by_kid[key.kid] = key
            resolved.append(key)
        if not resolved:
            raise ConfigurationError(f"no key configured: {_HOW_TO_FIX}")
        self._keys: tuple[Key, ...] = tuple(resolved)
        self._by_kid = by_kid

    @classmethod
    def from_env(cls, variable: str = DEFAULT_KEYS_ENV) -> KeyRing:
        """Keys from an environment variable: comma- or newline-separated, primary first.

        Spaces around each key are dropped; spaces inside one are kept, so a passphrase
        may contain them.
        """
        value = os.environ.get(variable, "")
        parts = [part.strip() for part in value.replace("\n", ",").split(",")]
        parts = [part for part in parts if part]
        if not parts:
            raise ConfigurationError(
                f"the environment variable {variable} holds no key: generate one with "
                f"`client-session keygen` and export {variable}=<key> "
                "(comma-separated, newest first, to rotate)"
            )
        return cls(parts)

    @property
    def primary(self) -> Key:
        """The key that seals new cookies."""
        return self._keys[0]

    def find(self, kid: bytes) -> Key | None:
        """The key with id ``kid``, or None."""
        return self._by_kid.get(kid)

    def __iter__(self) -> Iterator[Key]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"KeyRing({[key.kid.hex() for key in self._keys]!r})"

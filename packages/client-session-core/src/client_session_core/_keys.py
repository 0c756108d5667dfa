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
import re
import secrets
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from ._errors import ConfigurationError
from ._strength import MIN_SECRET_BITS, estimate_bits

if TYPE_CHECKING:
    from ._keyfile import KeyFile

__all__ = ["DEFAULT_KEYS_ENV", "Key", "KeyRing", "generate_key"]

KEY_SIZE = 32
KID_SIZE = 4
DEFAULT_KEYS_ENV = "CLIENT_SESSION_KEYS"
MIN_PASSPHRASE_LENGTH = 32
# Stripped around a key or passphrase, and nothing else (not str.isspace()'s Unicode
# spaces): a rule every language can implement exactly (docs/wire-format.md, "Key text").
KEY_TEXT_WHITESPACE = " \t\r\n"
# What separates the keys of a key list: no key text, passphrase or key, holds one.
KEY_LIST_SEPARATORS = ",\n"
# The last line of a key file (docs/wire-format.md, "Key file"): a file cut short lacks it.
KEY_FILE_END_LINE = "# end of keys"

_KID_LABEL = b"client-session/v1/kid"
_PASSPHRASE_SALT = b"client-session/v1/passphrase"
_LONG_SECRET_INFO = b"client-session/v1/long-secret"
# The words of a text, cut at every character outside the base64url alphabet: a word that is a
# generated key's text means the text holds a key (several keys joined by spaces, a key with a
# no-break space around it), and is never a passphrase.
_NOT_BASE64URL = re.compile(r"[^A-Za-z0-9_-]+")
KEY_ADVICE = (
    "generate a key with `client-session keygen` (or "
    "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`) and pass it, "
    f"or set it in the {DEFAULT_KEYS_ENV} environment variable"
)
"""How to make a good key, the ``advice`` of a key's :class:`ConfigurationError`; an adapter
whose keys come from elsewhere than the environment gives its own (``with_advice``)."""


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
def _derive_from_passphrase(passphrase: bytes) -> bytes:
    # One slow derivation per process and passphrase (cached): scrypt, RFC 7914, with the
    # interactive-login cost parameters. The salt is fixed so every process derives the same
    # key; a passphrase is accepted only when long enough that the fixed salt does not matter.
    kdf = Scrypt(salt=_PASSPHRASE_SALT, length=KEY_SIZE, n=2**14, r=8, p=1)
    return kdf.derive(passphrase)


def split_key_list(text: str) -> list[str]:
    """The key texts of a key list (CLIENT_SESSION_KEYS, a key file), as written: split at
    commas and line feeds, stripped, the empty ones left out (docs/wire-format.md)."""
    parts = (part.strip(KEY_TEXT_WHITESPACE) for part in text.replace("\n", ",").split(","))
    return [part for part in parts if part]


def _check_strength(secret: str | bytes, position: int, *material: bytes) -> None:
    """:class:`ConfigurationError` unless ``secret`` (and the key bytes it stands for, if
    given) is worth MIN_SECRET_BITS by the estimate of ``_strength``: one rule for bytes,
    key texts and passphrases alike."""
    bits = min(estimate_bits(value) for value in (secret, *material))
    if bits < MIN_SECRET_BITS:
        raise ConfigurationError(
            f"key #{position} is worth about {bits:.0f} bits of guessing, fewer than the "
            f"{MIN_SECRET_BITS} required: it looks like a placeholder, a pattern, a repetition "
            f"or a phrase, not a random secret (docs/security.md, 'Key strength')",
            advice=KEY_ADVICE,
        )


def _utf8_of(text: str, position: int) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        # The character itself is not shown: it is part of a secret. Environment variables
        # holding bytes that are not UTF-8 arrive as lone surrogates (PEP 383).
        raise ConfigurationError(
            f"key #{position} is not valid UTF-8 text (it holds bytes that are not UTF-8, or "
            "a lone surrogate)",
            advice=KEY_ADVICE,
        ) from None


class Key:
    """One 32-byte key and its 4-byte id. Its ``repr`` shows the id only."""

    __slots__ = ("_material", "kid")

    def __init__(self, material: bytes) -> None:
        """The key of exactly 32 ``material`` bytes, refused when they are not random
        enough (the same rule as every other way a key arrives)."""
        if not isinstance(material, bytes) or len(material) != KEY_SIZE:
            raise ConfigurationError(f"a Key takes exactly {KEY_SIZE} bytes", advice=KEY_ADVICE)
        _check_strength(material, 1)
        self._set(material)

    @classmethod
    def _derived(cls, material: bytes) -> Key:
        # The output of scrypt or HKDF: its input was judged instead.
        key = cls.__new__(cls)
        key._set(material)
        return key

    def _set(self, material: bytes) -> None:
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

        - text is first stripped of ASCII spaces, tabs, CRs and LFs around it; then
        - the 43-character text of :func:`generate_key`: that key;
        - other text: a passphrase of at least 32 characters, stretched once with scrypt
          (cached) - accepted for drop-in use with frameworks whose secret is a string;
        - 32 bytes: that key; more than 32 bytes: HKDF-SHA256 of them.

        Text is one key, never a key list: a stripped text that still holds a comma or a line
        feed (the separators of ``CLIENT_SESSION_KEYS``) is refused, to be read with
        :meth:`KeyRing.from_text` or given as a list; so is a passphrase holding a generated
        key's text as a word (keys joined by spaces), so that no text holding several keys is
        ever taken for one passphrase (docs/wire-format.md, "Key text").

        Every form must be worth 128 bits by the estimate of ``docs/security.md`` (a
        generated key always is); anything weaker, shorter, or text that is not UTF-8 is a
        :class:`ConfigurationError` whose message says how to make a good key.
        ``position`` numbers the key in messages (the key itself is never shown).
        """
        if isinstance(secret, str):
            text = secret.strip(KEY_TEXT_WHITESPACE)
            if any(separator in text for separator in KEY_LIST_SEPARATORS):
                raise ConfigurationError(
                    f"key #{position} holds a comma or a line feed: it is a key list (keys "
                    "separated by commas or line feeds, newest first), not one key; read it with "
                    "KeyRing.from_text(text), or give the keys as a list (a passphrase cannot "
                    "hold a comma or a line feed: docs/wire-format.md, 'Key text')"
                )
            encoded = _utf8_of(text, position)
            raw = _decode_key_text(text)
            if raw is not None:
                _check_strength(text, position, raw)
                return cls._derived(raw)
            if any(_decode_key_text(word) is not None for word in _NOT_BASE64URL.split(text)):
                raise ConfigurationError(
                    f"key #{position} holds a generated key among other characters (keys joined "
                    "by spaces or semicolons, or a key with other white space around it than "
                    "ASCII spaces, tabs and line ends): separate the keys of a list with commas "
                    "or line feeds, newest first, and remove the other characters; such a text "
                    "is never taken for one passphrase (docs/wire-format.md, 'Key text')"
                )
            if len(text) < MIN_PASSPHRASE_LENGTH:
                raise ConfigurationError(
                    f"key #{position} is {len(text)} characters long, too short to be a secret "
                    f"(at least {MIN_PASSPHRASE_LENGTH} characters of a random passphrase, "
                    "or a generated key)",
                    advice=KEY_ADVICE,
                )
            _check_strength(text, position)
            return cls._derived(_derive_from_passphrase(encoded))
        if isinstance(secret, bytes):
            if len(secret) < KEY_SIZE:
                raise ConfigurationError(
                    f"key #{position} is {len(secret)} bytes, fewer than {KEY_SIZE}; a key "
                    f"needs {KEY_SIZE} random bytes",
                    advice=KEY_ADVICE,
                )
            _check_strength(secret, position)
            if len(secret) == KEY_SIZE:
                return cls._derived(secret)
            hkdf = HKDF(
                algorithm=hashes.SHA256(), length=KEY_SIZE, salt=None, info=_LONG_SECRET_INFO
            )
            return cls._derived(hkdf.derive(secret))
        raise ConfigurationError(
            f"key #{position} is a {type(secret).__name__}, not str or bytes",
            advice=KEY_ADVICE,
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
            raise ConfigurationError("no key configured", advice=KEY_ADVICE)
        self._keys: tuple[Key, ...] = tuple(resolved)
        self._by_kid = by_kid

    @classmethod
    def from_env(cls, variable: str = DEFAULT_KEYS_ENV) -> KeyRing:
        """Keys from an environment variable, as :meth:`from_text` reads them.

        When the variable is unset and ``<variable>_FILE`` names a file (as
        ``CLIENT_SESSION_KEYS_FILE``), the keys are that file's, followed as it changes
        (:meth:`from_file`).
        """
        value = os.environ.get(variable)
        file_name = os.environ.get(f"{variable}_FILE")
        if value and file_name:
            raise ConfigurationError(
                f"both {variable} and {variable}_FILE are set: keep one (the file, to "
                "rotate keys without restarting)"
            )
        if not value and file_name:
            return cls.from_file(file_name)
        return cls.from_text(value or "", source=f"the environment variable {variable}")

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], *, check_interval: float = 1.0) -> KeyFile:
        """The keys of a file (a mounted secret), re-read when it changes: a
        :class:`~client_session_core.KeyFile`. The file holds a key list as
        :meth:`from_text` reads it."""
        from ._keyfile import KeyFile as Followed  # here: _keyfile builds on this module

        return Followed(path, check_interval=check_interval)

    def current(self) -> KeyRing:
        """The ring in force now: this one; a :class:`~client_session_core.KeyFile`'s
        changes with its file. A codec seals and opens with ``keys.current()``."""
        return self

    @classmethod
    def from_text(cls, text: str, *, source: str = "the key list") -> KeyRing:
        """Keys from one text: separated by commas or line feeds, primary first.

        ASCII spaces, tabs and CRs around each key are dropped, so a Windows line end is
        fine; empty entries (a trailing comma, a blank line) are skipped. A passphrase cannot
        hold a comma or a line feed, here or anywhere. ``source`` names the text in messages.
        """
        parts = split_key_list(text)
        if not parts:
            raise ConfigurationError(
                f"{source} holds no key: generate one with `client-session keygen` and put it "
                "there (comma-separated, newest first, to rotate)"
            )
        if KEY_FILE_END_LINE in parts:
            raise ConfigurationError(
                f"{source} holds the end line of a key file ({KEY_FILE_END_LINE!r}), which is "
                "no key: name the file instead, with CLIENT_SESSION_KEYS_FILE or "
                "KeyRing.from_file(path), or leave the line out"
            )
        try:
            return cls(parts)
        except ConfigurationError as exc:
            raise exc.within(source) from None

    @classmethod
    def from_secret_key(cls, secret_key: str | bytes, fallbacks: object = ()) -> KeyRing:
        """The ring of a framework's ``SECRET_KEY`` and ``SECRET_KEY_FALLBACKS`` (Django's and
        Flask's): the secret key is a key text, read as every key text is (``"new,old"`` is
        two keys, newest first), or bytes (one key); each fallback is one older key, in order.

        ``fallbacks`` must be a list or a tuple: a single string would be a ring of
        one-character keys (flask#6089), so it is a :class:`ConfigurationError`. An error about
        one key names the setting that holds it (``SECRET_KEY: ...``,
        ``SECRET_KEY_FALLBACKS[1]: ...``), so that an adapter can say which to change.
        """
        if isinstance(fallbacks, (str, bytes)) or not isinstance(fallbacks, (list, tuple)):
            raise ConfigurationError(
                "SECRET_KEY_FALLBACKS must be a list of old keys, newest first, such as "
                f"[previous_key], not a {type(fallbacks).__name__}"
            )
        if isinstance(secret_key, str):
            newest = cls.from_text(secret_key, source="SECRET_KEY")
        else:
            try:
                newest = cls.of(secret_key)
            except ConfigurationError as exc:
                raise exc.within("SECRET_KEY") from None
        older: list[Key] = []
        for index, fallback in enumerate(fallbacks):
            try:
                older.append(
                    fallback
                    if isinstance(fallback, Key)
                    else Key.from_secret(fallback, position=len(newest) + index + 1)
                )
            except ConfigurationError as exc:
                raise exc.within(f"SECRET_KEY_FALLBACKS[{index}]") from None
        return cls([*newest, *older])

    @classmethod
    def of(cls, keys: KeyRing | Key | str | bytes | Iterable[Key | str | bytes] | None) -> KeyRing:
        """The key ring an option names: a :class:`KeyRing` as it is, a key text (``str``)
        read as a key list exactly as :meth:`from_text` and ``CLIENT_SESSION_KEYS`` read it
        (``"new,old"`` is two keys, newest first), one key (a :class:`Key`, or ``bytes``),
        several keys newest first, or None for the ``CLIENT_SESSION_KEYS`` environment
        variable (:meth:`from_env`).

        Adapters take their ``keys`` and ``secret_key`` options through this, so that every
        way a key text arrives follows one rule, and one secret is never a string of
        one-character keys.
        """
        if keys is None:
            return cls.from_env()
        if isinstance(keys, KeyRing):
            return keys
        if isinstance(keys, str):
            # One rule wherever a key text arrives: "new,old" is a rotation, never one
            # passphrase (docs/wire-format.md, "Key text").
            return cls.from_text(keys, source="the key text")
        if isinstance(keys, (Key, bytes)):
            return cls([keys])
        return cls(keys)

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

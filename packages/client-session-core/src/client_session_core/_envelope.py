"""The sealed envelope, version 1 (``docs/wire-format.md`` is the normative description).

::

    off  size  field
    0    1     version       0x01: AES-256-GCM, HKDF-SHA256, fixed; nothing is negotiated
    1    1     flags         bit 0: persistent cookie; bit 1: own lifetime; bit 2:
                             identity; bits 3-7 reserved, must be 0
    2    4     kid           HMAC-SHA256(key, "client-session/v1/kid")[:4]
    6    4     created_at    uint32 seconds since the epoch: anchor of the absolute lifetime
    10   4     issued_at     uint32 seconds since the epoch: anchor of the idle timeout
    14   16    salt          random; selects the subkey
                       HKDF-SHA256(ikm=key, salt=salt, info="client-session/v1/seal")
    30   12    nonce         random, per message
    (only with flag bit 1, "own lifetime": the session's lifetime instead of the policy's)
    42   4     idle          uint32 seconds, 0 for none: this session's idle timeout
    46   4     absolute      uint32 seconds, 0 for none: this session's absolute lifetime
    h    n     ciphertext    AES-256-GCM of the serialized session (h = 42, or 50 with bit 1)
    h+n  16    tag           GCM tag over the ciphertext, AAD = bytes 0..h-1 || cookie name (UTF-8)

all big-endian, then base64url without padding (RFC 4648 section 5), decoded strictly.

With flag bit 2 ("identity") the plaintext, hence the encrypted part, starts with the
session's identity block, and the serialized session follows it::

    0    16    session id    random, made when the session starts, kept for its life
    16   1     user length   0 for no user, else 1 to MAX_USER_ID_SIZE
    17   u     user id       UTF-8, the user the application bound (bind_user)

Inside the ciphertext, so that the cookie shows neither to anyone without the key; behind
the authenticated flag, so that a cookie without it is what it was before.

Why a salt *and* a nonce: NIST SP 800-38D section 8.3 caps one GCM key at 2**32
messages with random 96-bit nonces. Each subkey here seals at most ``SUBKEY_USES``
messages before a fresh salt gives a fresh subkey, so no key ring key is ever near that
cap however many cookies it seals (the construction of XAES-256-GCM), and a process does
not pay an HKDF for every cookie. Subkeys are cached on the opening side too, but only
after a tag has verified under them, so a forger cannot fill the cache.
"""

from __future__ import annotations

import binascii
import os
import struct
import sys
import threading
from typing import Final, NamedTuple

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ._compile_hints import mypyc_attr
from ._errors import InvalidReason, InvalidSession
from ._keys import Key, KeyRing

__all__ = [
    "Envelope",
    "EnvelopeFields",
    "Sealer",
    "identity_block",
    "read_identity",
    "seal_for_test_vector",
    "unpack_envelope",
]

# Final: the compiled build (docs/compiled.md) reads each as a constant, not from the
# module's namespace on every seal and open.
VERSION: Final = 1
FLAG_PERSISTENT: Final = 0x01
FLAG_OWN_LIFETIME: Final = 0x02
FLAG_IDENTITY: Final = 0x04
_KNOWN_FLAGS: Final = FLAG_PERSISTENT | FLAG_OWN_LIFETIME | FLAG_IDENTITY
SALT_SIZE: Final = 16
NONCE_SIZE: Final = 12
TAG_SIZE: Final = 16
_HEADER: Final = struct.Struct(">BB4sII16s12s")
HEADER_SIZE: Final = _HEADER.size  # 42
OVERHEAD: Final = HEADER_SIZE + TAG_SIZE  # 58 bytes, 78 characters of base64url
# The own-lifetime extension (flag bit 1): idle and absolute seconds, 0 meaning none.
_LIFETIME: Final = struct.Struct(">II")
LIFETIME_HEADER_SIZE: Final = HEADER_SIZE + _LIFETIME.size  # 50
# The identity block (flag bit 2), at the start of the plaintext: a session id, then a user id
# behind its length byte.
SESSION_ID_SIZE: Final = 16
MAX_USER_ID_SIZE: Final = 128
IDENTITY_SIZE: Final = SESSION_ID_SIZE + 1  # the block without a user: 17 bytes
# Not Final: read from the module, so that a test can lower it (test_envelope.py).
SUBKEY_USES = 2**24
_SUBKEY_CACHE_SIZE: Final = 512
_SEAL_INFO: Final = b"client-session/v1/seal"
_UINT32_MAX: Final = 2**32 - 1

_ALPHABET: Final = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_TO_STANDARD: Final = bytes.maketrans(b"-_", b"+/")
# For binascii's strict mode (Python 3.11+), which refuses every byte outside the standard
# alphabet, '=' anywhere but at the end, and an impossible length: '+', '/' and '=' are
# standard base64 but not base64url, so they become '!', which it refuses too.
_TO_STANDARD_STRICT: Final = bytes.maketrans(b"-_+/=", b"+/!!!")
_PADDING: Final = (b"", b"", b"==", b"=")
# In a canonical encoding the bits below the last character's data bits are zero
# (RFC 4648 section 3.5): these are the last characters allowed for each remainder.
_CANONICAL_LAST: Final = {2: frozenset(b"AQgw"), 3: frozenset(b"AEIMQUYcgkosw048")}


_TO_URLSAFE: Final = bytes.maketrans(b"+/", b"-_")


def b64encode(data: bytes) -> str:
    """base64url without padding (binascii directly: the base64 module adds two layers).

    The translation deletes the padding as it maps the alphabet: '=' is only ever padding.
    """
    return binascii.b2a_base64(data, newline=False).translate(_TO_URLSAFE, b"=").decode()


def b64decode_strict(text: str) -> bytes:
    """Decode base64url without padding, refusing every non-canonical form.

    Raises :class:`InvalidSession` (``MALFORMED``) on any other alphabet, padding,
    impossible length or non-zero trailing bits, so that exactly one string encodes
    each envelope.
    """
    try:
        encoded = text.encode("ascii")
    except UnicodeEncodeError:
        raise InvalidSession(InvalidReason.MALFORMED) from None
    remainder = len(encoded) % 4
    if remainder == 1 or not encoded:
        raise InvalidSession(InvalidReason.MALFORMED)
    if remainder and encoded[-1] not in _CANONICAL_LAST[remainder]:
        raise InvalidSession(InvalidReason.MALFORMED)
    if sys.version_info >= (3, 11):
        # binascii refuses what is not the alphabet in the same pass as it decodes.
        try:
            return binascii.a2b_base64(
                encoded.translate(_TO_STANDARD_STRICT) + _PADDING[remainder], strict_mode=True
            )
        except binascii.Error:
            raise InvalidSession(InvalidReason.MALFORMED) from None
    return _b64decode_scanning(encoded, remainder)


def _b64decode_scanning(encoded: bytes, remainder: int) -> bytes:
    # Python 3.10, whose binascii has no strict mode, and skips what is not the alphabet:
    # the alphabet is checked first. ``encoded`` is ASCII, of a possible length and with a
    # canonical last character.
    # Deleting every alphabet byte leaves nothing only when nothing else was there.
    if encoded.translate(None, _ALPHABET):
        raise InvalidSession(InvalidReason.MALFORMED)
    try:
        return binascii.a2b_base64(encoded.translate(_TO_STANDARD) + _PADDING[remainder])
    except (binascii.Error, ValueError):  # unreachable after the checks above
        raise InvalidSession(InvalidReason.MALFORMED) from None


def identity_block(session_id: bytes, user_id: str | None) -> bytes:
    """The identity block that starts the plaintext of a cookie with flag bit 2.

    ``ValueError`` for what the format cannot hold: an id that is not 16 bytes, an empty
    user id, one that is not UTF-8 (a lone surrogate) or longer than 128 bytes in UTF-8.
    """
    if len(session_id) != SESSION_ID_SIZE:
        raise ValueError(f"a session id is {SESSION_ID_SIZE} bytes, not {len(session_id)}")
    if user_id is None:
        return session_id + b"\x00"
    user = user_id.encode("utf-8")  # UnicodeEncodeError (a ValueError) for a lone surrogate
    if not 0 < len(user) <= MAX_USER_ID_SIZE:
        raise ValueError(f"a user id is 1 to {MAX_USER_ID_SIZE} bytes of UTF-8, not {len(user)}")
    return session_id + bytes((len(user),)) + user


def read_identity(plaintext: bytes) -> tuple[bytes, str | None, bytes]:
    """The session id, user id and serialized session of a plaintext with flag bit 2.

    :class:`InvalidSession` (``BAD_PAYLOAD``) when the block is cut short, its user length
    is over 128 or runs past the plaintext, or its user id is not UTF-8: an authentic
    plaintext that no writer writes.
    """
    if len(plaintext) < IDENTITY_SIZE:
        raise InvalidSession(InvalidReason.BAD_PAYLOAD)
    size = plaintext[SESSION_ID_SIZE]
    end = IDENTITY_SIZE + size
    if size > MAX_USER_ID_SIZE or len(plaintext) < end:
        raise InvalidSession(InvalidReason.BAD_PAYLOAD)
    user: str | None = None
    if size:
        try:
            user = plaintext[IDENTITY_SIZE:end].decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidSession(InvalidReason.BAD_PAYLOAD) from None
    return plaintext[:SESSION_ID_SIZE], user, plaintext[end:]


def _derive_subkey(key: Key, salt: bytes) -> AESGCM:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=_SEAL_INFO)
    return AESGCM(hkdf.derive(key.material))


# Bumped in a forked child, whose sealers then start a fresh subkey: the use count that
# bounds a subkey is per process, so two processes continuing one subkey could each spend
# its whole budget. A counter rather than a registry of sealers: nothing holds a sealer
# alive, and the check on every seal is one comparison.
_fork_generation = 0
# Guards the rare derivation of a new sealing subkey, for every sealer of the process.
_sealing_lock = threading.Lock()


def _after_fork_in_child() -> None:
    global _fork_generation, _sealing_lock
    _fork_generation += 1
    # A fresh lock too: another thread of the parent may have held this one at the fork,
    # and nothing in the child would ever release it.
    _sealing_lock = threading.Lock()


if hasattr(os, "register_at_fork"):  # not on Windows, which has no fork
    os.register_at_fork(after_in_child=_after_fork_in_child)


class Envelope(NamedTuple):
    """The authenticated header of a sealed value, readable before decryption."""

    flags: int
    kid: bytes
    created_at: int
    issued_at: int
    salt: bytes
    nonce: bytes
    raw: bytes
    """The whole decoded value: header, ciphertext and tag."""
    lifetime: tuple[int, int] | None = None
    """The session's own (idle, absolute) seconds, 0 meaning none (flag bit 1); None when
    the policy's lifetimes apply."""

    @property
    def header_size(self) -> int:
        """Bytes of authenticated header before the ciphertext: 42, or 50 with a lifetime."""
        return HEADER_SIZE if self.lifetime is None else LIFETIME_HEADER_SIZE

    @classmethod
    def parse(cls, value: str) -> Envelope:
        """Decode and split ``value``; :class:`InvalidSession` if it is not a v1 envelope."""
        # tuple.__new__ builds it in C (a named tuple's own __new__ is Python).
        return tuple.__new__(cls, unpack_envelope(value))


EnvelopeFields = tuple[int, bytes, int, int, bytes, bytes, bytes, tuple[int, int] | None]
"""An :class:`Envelope`'s fields in its order, as a plain tuple: flags, kid, created_at,
issued_at, salt, nonce, raw and lifetime."""


def unpack_envelope(value: str) -> EnvelopeFields:
    """:meth:`Envelope.parse` as a plain tuple, for the codec on every request: the compiled
    build returns it as a C struct, where a named tuple's fields would each be read through
    Python's attribute lookup. :class:`InvalidSession` if ``value`` is not a v1 envelope."""
    raw = b64decode_strict(value)
    if len(raw) < OVERHEAD:
        raise InvalidSession(InvalidReason.MALFORMED)
    version, flags, kid, created_at, issued_at, salt, nonce = _HEADER.unpack_from(raw)
    if version != VERSION or flags & ~_KNOWN_FLAGS:
        raise InvalidSession(InvalidReason.UNKNOWN_VERSION)
    lifetime: tuple[int, int] | None = None
    if flags & FLAG_OWN_LIFETIME:
        if len(raw) < LIFETIME_HEADER_SIZE + TAG_SIZE:
            raise InvalidSession(InvalidReason.MALFORMED)
        idle, absolute = _LIFETIME.unpack_from(raw, HEADER_SIZE)
        lifetime = (idle, absolute)
    return (flags, kid, created_at, issued_at, salt, nonce, raw, lifetime)


def _check_header(
    created_at: int, issued_at: int, flags: int, lifetime: tuple[int, int] | None
) -> int:
    """The flags byte to seal (bit 1 set with a lifetime); ValueError for what the format
    cannot hold."""
    if not 0 <= created_at <= issued_at <= _UINT32_MAX:
        raise ValueError("timestamps must satisfy 0 <= created_at <= issued_at < 2**32")
    if flags & ~_KNOWN_FLAGS:
        raise ValueError(f"unknown envelope flags {flags:#x}")
    if lifetime is None:
        if flags & FLAG_OWN_LIFETIME:
            raise ValueError("the own-lifetime flag needs lifetime=(idle, absolute)")
        return flags
    idle, absolute = lifetime
    if not (0 <= idle <= _UINT32_MAX and 0 <= absolute <= _UINT32_MAX):
        raise ValueError("lifetime seconds must satisfy 0 <= seconds < 2**32")
    return flags | FLAG_OWN_LIFETIME


def _seal_with(
    subkey: AESGCM,
    kid: bytes,
    salt: bytes,
    nonce: bytes,
    plaintext: bytes,
    cookie_name: str,
    created_at: int,
    issued_at: int,
    flags: int,
    lifetime: tuple[int, int] | None,
) -> str:
    header = _HEADER.pack(VERSION, flags, kid, created_at, issued_at, salt, nonce)
    if lifetime is not None:
        header += _LIFETIME.pack(*lifetime)
    aad = header + cookie_name.encode()
    return b64encode(header + subkey.encrypt(nonce, plaintext, aad))


def seal_for_test_vector(
    key: Key,
    plaintext: bytes,
    *,
    cookie_name: str,
    created_at: int,
    issued_at: int,
    flags: int,
    salt: bytes,
    nonce: bytes,
    lifetime: tuple[int, int] | None = None,
    identity: tuple[bytes, str | None] | None = None,
) -> str:
    """The cookie value that ``key`` seals from ``plaintext`` with the given salt and nonce.

    ``identity`` is a (session id, user id) pair: its block goes before ``plaintext`` and
    flag bit 2 is set. Without it, a ``flags`` holding bit 2 seals ``plaintext`` as given,
    block included (an invalid vector's broken block).

    For test vectors only, which must come out the same on every run. Never use it for a
    response: a salt and nonce chosen twice repeat a (subkey, nonce) pair, and GCM then
    leaks the XOR of the two plaintexts and lets the tag be forged (NIST SP 800-38D
    section 8). It shares nothing with a :class:`Sealer`: the subkey is derived here from
    ``salt``, both of which must be given, so it cannot reuse a sealer's live subkey.
    """
    if len(salt) != SALT_SIZE or len(nonce) != NONCE_SIZE:
        raise ValueError(f"salt is {SALT_SIZE} bytes and nonce {NONCE_SIZE} bytes")
    flags = _check_header(created_at, issued_at, flags, lifetime)
    if identity is not None:
        plaintext = identity_block(identity[0], identity[1]) + plaintext
        flags |= FLAG_IDENTITY
    subkey = _derive_subkey(key, salt)
    return _seal_with(
        subkey, key.kid, salt, nonce, plaintext, cookie_name, created_at, issued_at, flags, lifetime
    )


# Subclassable from Python code when compiled by mypyc too (hatch_build.py).
@mypyc_attr(allow_interpreted_subclasses=True)
class Sealer:
    """Seals and opens envelopes under a key ring. Thread-safe; one per policy."""

    def __init__(self, keys: KeyRing) -> None:
        # The ring of this moment (a KeyFile's changes): the header's kid and the subkeys
        # must come from one ring.
        keys = keys.current()
        self._keys = keys
        self._primary = keys.primary
        self._kid = self._primary.kid
        # salt -> (subkey, key): subkeys that have opened a cookie, so the HKDF is skipped.
        self._opening: dict[bytes, tuple[AESGCM, Key]] = {}
        self._sealing: tuple[bytes, AESGCM] | None = None
        self._sealing_uses = 0
        self._sealing_generation = _fork_generation
        # The cookie name last sealed for, with its UTF-8 (the AAD's end): one policy seals
        # for one name, so it is encoded once. One attribute, so that a thread reads a pair.
        self._name_aad: tuple[str, bytes] = ("", b"")

    @property
    def keys(self) -> KeyRing:
        """The key ring this sealer uses."""
        return self._keys

    @property
    def primary(self) -> Key:
        """The ring's primary key, which seals (kept here: the ring's own property is
        Python code that the compiled build would call on every request)."""
        return self._primary

    def _next_sealing_subkey(self) -> tuple[bytes, AESGCM]:
        # A fresh salt, hence a fresh subkey: on the first seal, after SUBKEY_USES, and in
        # a forked child.
        with _sealing_lock:
            current = self._sealing
            if (
                current is None
                or self._sealing_uses >= SUBKEY_USES
                or self._sealing_generation != _fork_generation
            ):
                salt = os.urandom(SALT_SIZE)
                current = (salt, _derive_subkey(self._primary, salt))
                self._sealing = current
                self._sealing_uses = 0
                self._sealing_generation = _fork_generation
            self._sealing_uses += 1
            return current

    def seal(
        self,
        plaintext: bytes,
        cookie_name: str,
        created_at: int,
        issued_at: int,
        flags: int = 0,
        *,
        lifetime: tuple[int, int] | None = None,
        identity: tuple[bytes, str | None] | None = None,
    ) -> str:
        """Seal ``plaintext`` under the primary key into a cookie value.

        ``lifetime`` is the session's own (idle, absolute) seconds, 0 meaning none: it sets
        flag bit 1 and is sealed into the authenticated header. ``identity`` is the session's
        (id, user id): it sets flag bit 2 and its block is sealed before ``plaintext``, in
        the ciphertext (:func:`identity_block`; ``ValueError`` for what the format cannot
        hold). A ``flags`` holding bit 2 without ``identity`` seals a plaintext that already
        starts with its block (one that :meth:`open` returned).

        A fresh nonce is drawn for every message under the current subkey. There is no way
        to choose the salt or the nonce here: a chosen nonce under the live subkey would
        repeat a (key, nonce) pair, which breaks GCM. Test vectors, which need both fixed,
        use :func:`seal_for_test_vector`.
        """
        flags = _check_header(created_at, issued_at, flags, lifetime)
        if identity is not None:
            plaintext = identity_block(identity[0], identity[1]) + plaintext
            flags |= FLAG_IDENTITY
        if (
            self._sealing is not None
            and self._sealing_uses < SUBKEY_USES
            and self._sealing_generation == _fork_generation
        ):
            # The use count is read and bumped without the lock: a race can only let a few
            # more messages than SUBKEY_USES through, nothing beside GCM's 2**32.
            self._sealing_uses += 1
            salt, subkey = self._sealing
        else:
            salt, subkey = self._next_sealing_subkey()
        named = self._name_aad
        if named[0] != cookie_name:
            named = self._name_aad = (cookie_name, cookie_name.encode())
        nonce = os.urandom(NONCE_SIZE)
        header = _HEADER.pack(VERSION, flags, self._kid, created_at, issued_at, salt, nonce)
        if lifetime is not None:
            header += _LIFETIME.pack(*lifetime)
        return b64encode(header + subkey.encrypt(nonce, plaintext, header + named[1]))

    def open(self, envelope: Envelope, cookie_name: str) -> tuple[bytes, Key]:
        """The plaintext of ``envelope`` and the key that opened it (with flag bit 2, the
        identity block first: :func:`read_identity` splits it).

        :class:`InvalidSession` with ``UNKNOWN_KEY`` or ``FORGED``; nothing else.
        """
        return self.open_fields(
            envelope.kid,
            envelope.salt,
            envelope.nonce,
            envelope.raw,
            envelope.lifetime,
            cookie_name,
        )

    def open_fields(
        self,
        kid: bytes,
        salt: bytes,
        nonce: bytes,
        raw: bytes,
        lifetime: tuple[int, int] | None,
        cookie_name: str,
    ) -> tuple[bytes, Key]:
        """:meth:`open` from the fields :func:`unpack_envelope` gives (the codec's way)."""
        cached = self._opening.get(salt)
        if cached is not None and cached[1].kid == kid:
            subkey, key = cached
        else:
            found = self._keys.find(kid)
            if found is None:
                raise InvalidSession(InvalidReason.UNKNOWN_KEY)
            key, subkey, cached = found, _derive_subkey(found, salt), None
        header_size = HEADER_SIZE if lifetime is None else LIFETIME_HEADER_SIZE
        aad = raw[:header_size] + cookie_name.encode()
        try:
            plaintext = subkey.decrypt(nonce, raw[header_size:], aad)
        except InvalidTag:
            raise InvalidSession(InvalidReason.FORGED) from None
        if cached is None:
            # Only subkeys proven by a valid tag enter the cache, so a forger cannot fill it.
            if len(self._opening) >= _SUBKEY_CACHE_SIZE:
                self._opening.clear()
            self._opening[salt] = (subkey, key)
        return plaintext, key

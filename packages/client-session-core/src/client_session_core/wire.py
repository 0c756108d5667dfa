"""The wire format's tools: the sealed envelope itself, for test vectors, fuzzers and readers.

Like cryptography's ``hazmat`` layer, this module is apart because it is easy to misuse. An
application seals and opens sessions with :class:`~client_session_core.SessionCodec`, and an
adapter with the same codec (``client_session_core.adapter``); neither needs anything here.
Implementations in other languages, the conformance vectors and the fuzzer do:

- :class:`Envelope`: the authenticated header of a sealed value (version, flags, key id,
  ``created_at``, ``issued_at``, salt, nonce, the session's own lifetime), parsed from a
  cookie value with :meth:`Envelope.parse` before any decryption.
- :class:`Sealer`: seals and opens envelopes under a key ring (one per policy; thread-safe).
- :func:`identity_block` and :func:`read_identity`: the session's identity block (flag bit 2)
  at the start of the plaintext, written and split.
- :func:`seal_for_test_vector`: the value a key seals with a given salt and nonce, so that a
  vector comes out the same on every run. Never for a response: a salt and nonce chosen twice
  break AES-GCM (NIST SP 800-38D section 8).

``docs/wire-format.md`` is the normative description of the bytes; the constants below are
its sizes and flag bits.
"""

from __future__ import annotations

from ._envelope import (
    FLAG_IDENTITY,
    FLAG_OWN_LIFETIME,
    FLAG_PERSISTENT,
    HEADER_SIZE,
    IDENTITY_SIZE,
    LIFETIME_HEADER_SIZE,
    MAX_USER_ID_SIZE,
    NONCE_SIZE,
    OVERHEAD,
    SALT_SIZE,
    SESSION_ID_SIZE,
    TAG_SIZE,
    VERSION,
    Envelope,
    Sealer,
    identity_block,
    read_identity,
    seal_for_test_vector,
)

__all__ = [
    "FLAG_IDENTITY",
    "FLAG_OWN_LIFETIME",
    "FLAG_PERSISTENT",
    "HEADER_SIZE",
    "IDENTITY_SIZE",
    "LIFETIME_HEADER_SIZE",
    "MAX_USER_ID_SIZE",
    "NONCE_SIZE",
    "OVERHEAD",
    "SALT_SIZE",
    "SESSION_ID_SIZE",
    "TAG_SIZE",
    "VERSION",
    "Envelope",
    "Sealer",
    "identity_block",
    "read_identity",
    "seal_for_test_vector",
]

for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, type) and getattr(_obj, "__module__", "").startswith(
        "client_session_core._"
    ):
        _obj.__module__ = __name__
del _name, _obj

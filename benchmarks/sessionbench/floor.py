"""The floor: json + AES-256-GCM + base64url, and nothing else.

What a sealed cookie costs at the least, hand-written as a developer would in 60 lines: no
expiry, no key rotation or key ids, no cookie-name binding, no size check, no change tracking.
The benchmarks put it beside client-session to show what its policy costs on top.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = ["FLOOR_KEY", "AesGcmFloor", "cookie_from_header"]

FLOOR_KEY = bytes(range(32))
"""A fixed benchmark key: these cookies protect nothing."""

_NONCE_SIZE = 12


class AesGcmFloor:
    """Seals a dict into a cookie value and opens it again, or gives None."""

    __slots__ = ("_aead",)

    def __init__(self, key: bytes = FLOOR_KEY) -> None:
        self._aead = AESGCM(key)

    def seal(self, data: dict[str, Any]) -> str:
        """The cookie value holding ``data``."""
        nonce = os.urandom(_NONCE_SIZE)
        plaintext = json.dumps(data, separators=(",", ":")).encode()
        sealed = nonce + self._aead.encrypt(nonce, plaintext, None)
        return base64.urlsafe_b64encode(sealed).rstrip(b"=").decode("ascii")

    def open(self, value: str) -> dict[str, Any] | None:
        """The dict sealed in ``value``, or None if it does not open."""
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
            data = json.loads(self._aead.decrypt(raw[:_NONCE_SIZE], raw[_NONCE_SIZE:], None))
        except (binascii.Error, ValueError, InvalidTag):
            return None
        return data if isinstance(data, dict) else None


def cookie_from_header(header: str, name: str) -> str | None:
    """The value of cookie ``name`` in a Cookie header, by a plain split."""
    for pair in header.split(";"):
        key, _, value = pair.strip().partition("=")
        if key == name:
            return value
    return None

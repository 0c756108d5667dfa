"""From aiohttp-session's storage arguments to the core's policy and codec, checked at start-up."""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from cryptography.fernet import Fernet, MultiFernet

from client_session_core.adapter import (
    UNSET,
    Clock,
    ConfigurationError,
    Key,
    KeyRing,
    OptionSpelling,
    SessionCodec,
    SessionPolicy,
    UnserializableValue,
    check_options,
    max_age_lifetimes,
    policy_options,
    same_site_option,
    spelled_as_arguments,
)

__all__ = ["DEFAULT_COOKIE_NAME", "KeySource", "TextSerializer", "key_ring", "session_codec"]

DEFAULT_COOKIE_NAME = "AIOHTTP_SESSION"
"""aiohttp-session's cookie name, kept so that its cookies can be read once and replaced."""

KeySource = KeyRing | Key | str | bytes | Iterable[Key | str | bytes] | None

_POLICY_OPTIONS = policy_options(
    excluding=(
        "keys",
        # Spelled as aiohttp-session spells them, below.
        "cookie_name",
        "domain",
        "path",
        "secure",
        "http_only",
        "same_site",
        "persistent",
        "serializer",
    )
)
# aiohttp-session's own arguments, which the storage takes besides the core's options.
_AIOHTTP_SESSION_ARGUMENTS = (
    "cookie_name",
    "domain",
    "max_age",
    "path",
    "secure",
    "httponly",
    "samesite",
    "encoder",
    "decoder",
)


class TextSerializer:
    """The core's :class:`~client_session_core.Serializer` over aiohttp-session's
    ``encoder``/``decoder`` pair (text functions, ``json.dumps``/``json.loads`` by default)."""

    __slots__ = ("_decoder", "_encoder")

    def __init__(self, encoder: Callable[[object], str], decoder: Callable[[str], Any]) -> None:
        self._encoder = encoder
        self._decoder = decoder

    def dumps(self, data: Mapping[str, Any]) -> bytes:
        try:
            return self._encoder(dict(data)).encode("utf-8")
        except (TypeError, ValueError) as exc:
            raise UnserializableValue("?", str(exc)) from exc

    def loads(self, payload: bytes) -> dict[str, Any]:
        data = self._decoder(payload.decode("utf-8"))
        if not isinstance(data, dict):
            raise ValueError("a session is a JSON object")
        return data


def _fernet_key_bytes(text: str) -> bytes | None:
    # The Fernet spec: a key is 32 bytes in base64url with its padding, 44 characters, as
    # Fernet.generate_key() gives it (a generated key of ours is the same without the "=").
    text = text.strip()
    if len(text) != 44 or not text.endswith("="):
        return None
    try:
        raw = base64.urlsafe_b64decode(text)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == 32 and base64.urlsafe_b64encode(raw).decode() == text else None


def key_ring(keys: KeySource, *, taker: str, old_cookies: str) -> KeyRing:
    """The ring of a ``keys`` argument, as ``KeyRing.of`` reads it, with aiohttp-session's
    ways of giving a key: a Fernet key's text (``Fernet.generate_key().decode()``) is its 32
    bytes, as ``EncryptedCookieStorage`` reads it; a ``Fernet`` or ``MultiFernet`` is a
    :class:`ConfigurationError` saying what to pass instead, since its key cannot be read
    back. ``taker`` names the call in that message, ``old_cookies`` the way to read the
    cookies the old storage wrote with it."""
    if isinstance(keys, (Fernet, MultiFernet)):
        kind = type(keys).__name__
        raise ConfigurationError(
            f"{taker} takes keys, not a {kind}: cryptography keeps a {kind}'s keys private, so "
            "they cannot be read back. Pass the key you gave Fernet (its text, or its 32 "
            "bytes), or a new key from `client-session keygen`; to keep reading the cookies "
            f"aiohttp-session's EncryptedCookieStorage wrote with it, give the {kind} as "
            f"{old_cookies}"
        )
    if isinstance(keys, str):
        raw = _fernet_key_bytes(keys)
        if raw is not None:
            return KeyRing.of(raw)
    return KeyRing.of(keys)


def _lifetimes(max_age: int | None, options: dict[str, Any]) -> dict[str, Any]:
    # aiohttp-session's max_age is both the cookie's Max-Age and the time an unchanged cookie
    # stays valid (Fernet's ttl), counted from its last write; None is a browser-session cookie
    # valid for ever. Here it is the kit's rule of every drop-in (max_age_lifetimes): max_age
    # is the idle timeout, renewed while the session is in use, and both get the drop-in cap
    # of 30 days from the login unless absolute_lifetime is given.
    if max_age is not None and "idle_timeout" in options:
        raise ConfigurationError(
            "give max_age (aiohttp-session's name) or idle_timeout, not both: they are the same "
            "setting, the seconds an unused session stays valid"
        )
    return max_age_lifetimes(
        max_age,
        idle_timeout=options.pop("idle_timeout", UNSET),
        absolute_lifetime=options.pop("absolute_lifetime", UNSET),
    ).options()


# The core's options that aiohttp-session's storage spells its own way.
_AIOHTTP_NAMES = {"http_only": "httponly", "same_site": "samesite"}


def _in_aiohttp_words(idle_from_max_age: bool) -> OptionSpelling:
    # With max_age given, the idle timeout is what it gave.
    extra = {"idle_timeout": "max_age"} if idle_from_max_age else {}
    return spelled_as_arguments({**_AIOHTTP_NAMES, **extra})


def session_codec(
    keys: KeySource = None,
    *,
    cookie_name: str = DEFAULT_COOKIE_NAME,
    domain: str | None = None,
    max_age: int | None = None,
    path: str = "/",
    secure: bool | None = None,
    httponly: bool = True,
    samesite: str | None = "lax",
    encoder: Callable[[object], str] | None = None,
    decoder: Callable[[str], Any] | None = None,
    clock: Clock = time.time,
    options: Mapping[str, Any] | None = None,
) -> SessionCodec:
    """The codec for aiohttp-session's storage arguments and the core's other ``options``.

    A bad key or option raises :class:`ConfigurationError` here, when the application is
    set up, with a message that says how to fix it.
    """
    extra = dict(options or {})
    check_options(
        extra,
        _POLICY_OPTIONS,
        taker="EncryptedCookieSessionStorage",
        own=_AIOHTTP_SESSION_ARGUMENTS,
    )
    if (encoder is None) != (decoder is None):
        raise ConfigurationError(
            "give encoder and decoder together (text functions such as json.dumps and "
            "json.loads), or neither for the core's compact JSON"
        )
    # json.dumps and json.loads, aiohttp-session's defaults, are what the core's own serializer
    # does (compact, and refusing NaN, which is not JSON), without the text round trip.
    custom_text = (encoder, decoder) != (json.dumps, json.loads)
    if encoder is not None and decoder is not None and custom_text:
        extra["serializer"] = TextSerializer(encoder, decoder)
    try:
        policy = SessionPolicy(
            keys=key_ring(
                keys,
                taker="EncryptedCookieSessionStorage(keys)",
                old_cookies="legacy_secret_key",
            ),
            cookie_name=cookie_name,
            domain=domain,
            path=path,
            secure=bool(secure),
            http_only=httponly,
            # aiohttp-session passes the value through, so users write "Lax" or "lax".
            same_site=same_site_option(samesite),
            **_lifetimes(max_age, extra),
            **extra,
        )
    except ConfigurationError as exc:
        # The core names its own options; say it with aiohttp-session's arguments.
        raise exc.in_words_of(_in_aiohttp_words(max_age is not None)) from None
    return SessionCodec(policy, clock=clock)

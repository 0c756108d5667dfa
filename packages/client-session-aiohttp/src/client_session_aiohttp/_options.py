"""From aiohttp-session's storage arguments to the core's policy and codec, checked at start-up."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from client_session_core import (
    Clock,
    ConfigurationError,
    Key,
    KeyRing,
    OptionSpelling,
    SessionCodec,
    SessionPolicy,
    UnserializableValue,
    spelled_as_arguments,
)

__all__ = ["DEFAULT_COOKIE_NAME", "KeySource", "TextSerializer", "session_codec"]

DEFAULT_COOKIE_NAME = "AIOHTTP_SESSION"
"""aiohttp-session's cookie name, kept so that its cookies can be read once and replaced."""

KeySource = KeyRing | Key | str | bytes | Iterable[Key | str | bytes] | None

_DEFAULT_ABSOLUTE_LIFETIME: int = next(
    f.default for f in dataclasses.fields(SessionPolicy) if f.name == "absolute_lifetime"
)  # type: ignore[assignment]  # a dataclass default is typed as "maybe MISSING"
_POLICY_OPTIONS = frozenset(field.name for field in dataclasses.fields(SessionPolicy)) - {
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
}


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


def _lifetimes(max_age: int | None, options: dict[str, Any]) -> dict[str, Any]:
    # aiohttp-session's max_age is both the cookie's Max-Age and the time an unchanged cookie
    # stays valid (Fernet's ttl): here it is the idle timeout, renewed while the session is in
    # use, and the cookie's Max-Age follows the server's deadline.
    if max_age is None:
        return {"persistent": False}
    if "idle_timeout" in options:
        raise ConfigurationError(
            "give max_age (aiohttp-session's name) or idle_timeout, not both: they are the same "
            "setting, the seconds an unused session stays valid"
        )
    if isinstance(max_age, bool) or not isinstance(max_age, int) or max_age <= 0:
        raise ConfigurationError(
            f"max_age must be a positive whole number of seconds or None (a browser-session "
            f"cookie), not {max_age!r}"
        )
    lifetimes: dict[str, Any] = {"persistent": True, "idle_timeout": max_age}
    if "absolute_lifetime" not in options and max_age > _DEFAULT_ABSOLUTE_LIFETIME:
        # A "remember me for 30 days" max_age must not be cut short by the 12-hour default.
        lifetimes["absolute_lifetime"] = max_age
    return lifetimes


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
    unknown = sorted(set(extra) - _POLICY_OPTIONS)
    if unknown:
        raise ConfigurationError(
            f"no option {', '.join(map(repr, unknown))}; besides aiohttp-session's own "
            "(cookie_name, domain, max_age, path, secure, httponly, samesite, encoder, "
            f"decoder) the options are {', '.join(sorted(_POLICY_OPTIONS))}"
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
    if isinstance(samesite, str):
        # aiohttp-session passes the value through, so users write "Lax" or "lax".
        samesite = samesite.lower()
    try:
        policy = SessionPolicy(
            keys=KeyRing.of(keys),
            cookie_name=cookie_name,
            domain=domain,
            path=path,
            secure=bool(secure),
            http_only=httponly,
            same_site=samesite,  # type: ignore[arg-type]  # checked by SessionPolicy
            **_lifetimes(max_age, extra),
            **extra,
        )
    except ConfigurationError as exc:
        # The core names its own options; say it with aiohttp-session's arguments.
        raise exc.in_words_of(_in_aiohttp_words(max_age is not None)) from None
    return SessionCodec(policy, clock=clock)

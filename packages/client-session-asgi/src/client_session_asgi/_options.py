"""From SessionMiddleware's keyword arguments, Starlette's and our own, to a SessionPolicy.

Starlette's ``SessionMiddleware(secret_key, session_cookie, max_age, path, same_site,
https_only, domain, partitioned)`` maps onto the core's policy as follows:

- ``max_age=N`` (seconds, default 14 days): a persistent cookie and ``idle_timeout=N``, with
  an absolute lifetime of 30 days (or N, when longer) unless ``absolute_lifetime`` is given
  (``None`` for none). Starlette's cookie expired ``max_age`` after its
  last write; ours expires ``max_age`` after the last request that used the session, and is
  renewed as it is used.
- ``max_age=None``: a browser-session cookie (no ``Max-Age``). The server still refuses a
  cookie older than ``absolute_lifetime``, 30 days unless given (the cap of every drop-in),
  so that a copied cookie does not live for ever; a cookie Starlette's own middleware signed
  (``legacy_cookies``) too, counted from its signature, although Starlette set it no limit.

Both are the kit's :func:`~client_session_core.adapter.max_age_lifetimes`, the rule every
drop-in with a ``max_age`` follows.
- ``https_only`` is ``secure``, ``session_cookie`` is ``cookie_name``; ``path``, ``domain``,
  ``same_site`` and ``partitioned`` keep their names.
- ``Set-Cookie`` is written in Starlette's own spelling and order
  (:data:`STARLETTE_COOKIE_STYLE`), so that tests grepping Starlette's headers still pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from client_session_core.adapter import (
    UNSET,
    ConfigurationError,
    CookieStyle,
    Key,
    KeyRing,
    Lifetimes,
    SessionPolicy,
    Unset,
    arguments_key_ring,
    check_policy_alone,
    max_age_lifetimes,
    spelled_as_arguments,
)

__all__ = ["DEFAULT_MAX_AGE", "STARLETTE_COOKIE_STYLE", "UNSET", "Unset", "build_policy"]

DEFAULT_MAX_AGE: Final = 14 * 24 * 60 * 60
"""Starlette's default ``max_age``: 14 days, in seconds."""

STARLETTE_COOKIE_STYLE: Final = CookieStyle(
    path="path",
    domain="domain",
    expires="expires",
    expires_with_max_age=False,
    secure="secure",
    http_only="httponly",
    same_site="samesite",
    same_site_values=("lax", "strict", "none"),
    partitioned="partitioned",
    order=("path", "max_age", "http_only", "same_site", "secure", "domain", "partitioned"),
    keep_domain_dot=True,
    deleted_value="null",
    delete_with_max_age=False,
)
"""How Starlette's SessionMiddleware writes ``Set-Cookie``, attribute for attribute:
``session=...; path=/; Max-Age=1209600; httponly; samesite=lax; secure; domain=...;
partitioned``, and ``session=null; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; ...`` to
delete. Browsers read it as they read the canonical spelling."""

KeysOption = KeyRing | Iterable[Key | str | bytes]
_STARLETTE_DEFAULTS: Final[dict[str, Any]] = {
    "session_cookie": "session",
    "max_age": DEFAULT_MAX_AGE,
    "path": "/",
    "same_site": "lax",
    "https_only": False,
    "domain": None,
    "partitioned": False,
}


def build_policy(
    *,
    secret_key: object,
    keys: KeysOption | None,
    policy: SessionPolicy | None,
    starlette: dict[str, Any],
    native: dict[str, Any],
) -> SessionPolicy:
    """The policy for SessionMiddleware's arguments: Starlette's ones (``starlette``, by
    their Starlette names) and our own (``native``, by policy field name; UNSET if not given).
    """
    given = {name: value for name, value in native.items() if value is not UNSET}
    if policy is not None:
        _check_policy_alone(policy, secret_key, keys, starlette, given)
        return policy
    ring = _key_ring(secret_key, keys)
    idle_from_max_age = "idle_timeout" not in given
    try:
        lifetimes = max_age_lifetimes(
            starlette["max_age"],
            idle_timeout=given.pop("idle_timeout", UNSET),
            absolute_lifetime=given.pop("absolute_lifetime", UNSET),
        )
        return _policy(ring, starlette, lifetimes, given)
    except ConfigurationError as exc:
        # The core names its own options; say it with the arguments this middleware took.
        raise exc.in_words_of(
            _in_starlette_words if idle_from_max_age else _in_native_words
        ) from None


# The core's option names that SessionMiddleware spells as Starlette does; without
# idle_timeout=, the idle timeout is what max_age gave.
_STARLETTE_NAMES: Final = {"secure": "https_only", "cookie_name": "session_cookie"}
_in_native_words = spelled_as_arguments(_STARLETTE_NAMES)
_in_starlette_words = spelled_as_arguments({**_STARLETTE_NAMES, "idle_timeout": "max_age"})


def _policy(
    ring: KeyRing, starlette: dict[str, Any], lifetimes: Lifetimes, given: dict[str, Any]
) -> SessionPolicy:
    return SessionPolicy(
        keys=ring,
        cookie_name=starlette["session_cookie"],
        **lifetimes.options(),
        path=starlette["path"],
        domain=starlette["domain"],
        secure=starlette["https_only"],
        same_site=starlette["same_site"],
        partitioned=starlette["partitioned"],
        cookie_style=STARLETTE_COOKIE_STYLE,
        **given,
    )


def _check_policy_alone(
    policy: SessionPolicy,
    secret_key: object,
    keys: KeysOption | None,
    starlette: dict[str, Any],
    given: dict[str, Any],
) -> None:
    key_options = {"secret_key": secret_key, "keys": keys}
    others = [name for name, value in key_options.items() if value is not None]
    others += [name for name, value in starlette.items() if value != _STARLETTE_DEFAULTS[name]]
    others += list(given)
    check_policy_alone(policy, others, goes_with="only clock=")


def _key_ring(secret_key: object, keys: KeysOption | None) -> KeyRing:
    if secret_key is not None and not isinstance(secret_key, bytes):
        # starlette.datastructures.Secret (from starlette.config) hides its value behind str().
        secret_key = str(secret_key)
    return arguments_key_ring(
        secret_key,
        keys,
        single_option="secret_key",
        single_is="as Starlette does",
        give_single="pass secret_key=...",
    )

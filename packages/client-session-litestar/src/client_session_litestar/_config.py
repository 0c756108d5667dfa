"""``ClientSessionConfig``: Litestar's session configuration shape, our session policy.

Litestar's ``CookieBackendConfig(secret, key, max_age, scopes, path, domain, secure,
httponly, samesite, exclude, exclude_opt_key)`` maps onto the core's policy as follows:

- ``max_age=N`` (seconds, default 14 days): a persistent cookie and ``idle_timeout=N``, with
  an absolute lifetime of 30 days (or N, when longer) unless ``absolute_lifetime`` is given
  (``None`` for none). Litestar's cookie expired ``max_age`` after its last write, and it
  wrote one on every response; ours expires ``max_age`` after the last request that used the
  session, and is renewed as it is used.
- ``key`` is ``cookie_name``, ``httponly`` is ``http_only``, ``samesite`` is ``same_site``;
  ``path``, ``domain`` and ``secure`` keep their names.
- ``secret`` is the key (as Litestar's was), ``keys`` a key ring instead; neither: the
  ``CLIENT_SESSION_KEYS`` environment variable.
- ``scopes``, ``exclude`` and ``exclude_opt_key`` choose the connections the middleware
  handles, as Litestar's session middleware does.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Final, Literal, cast

from litestar.enums import ScopeType
from litestar.middleware import DefineMiddleware

from client_session_core.adapter import (
    MAX_AGE,
    UNSET,
    ConfigurationError,
    Key,
    KeyRing,
    LegacyOption,
    Revocations,
    SessionCodec,
    SessionPolicy,
    Unset,
    arguments_key_ring,
    check_policy_alone,
    max_age_lifetimes,
    spelled_as_arguments,
)

from ._legacy import DEFAULT_MAX_AGE, legacy_cookies_for

if TYPE_CHECKING:
    from client_session_core.adapter import Clock

__all__ = ["ClientSessionConfig"]

KeysOption = KeyRing | str | Iterable[Key | str | bytes]
_SCOPE_TYPES: Final = frozenset({ScopeType.HTTP, ScopeType.WEBSOCKET})
# The core's option names that this configuration spells as Litestar does; without
# idle_timeout=, the idle timeout is what max_age gave.
_LITESTAR_NAMES: Final = {"cookie_name": "key", "http_only": "httponly", "same_site": "samesite"}
_in_native_words = spelled_as_arguments(_LITESTAR_NAMES)
_in_litestar_words = spelled_as_arguments({**_LITESTAR_NAMES, "idle_timeout": MAX_AGE})
# The options that go into the policy, Litestar's and our own; policy= replaces them all.
_LITESTAR_OPTIONS: Final = (
    "secret", "keys", "key", "max_age", "path", "domain", "secure", "httponly", "samesite",
)  # fmt: skip
_NATIVE_OPTIONS: Final = (
    "partitioned", "idle_timeout", "absolute_lifetime", "renew_after", "max_chunks",
    "max_cookie_size", "not_before", "max_session_lifetime", "revocations", "write_identity",
)  # fmt: skip


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class ClientSessionConfig:
    """Sessions in an encrypted, authenticated cookie, configured as Litestar's sessions are.

    In the shape of Litestar's ``CookieBackendConfig``: put :attr:`middleware` in the
    application's middleware, and ``request.session``, ``request.set_session(...)`` and
    ``request.clear_session()`` work as with Litestar's own::

        config = ClientSessionConfig(secure=True)  # the keys from CLIENT_SESSION_KEYS
        app = Litestar(route_handlers=[...], middleware=[config.middleware])

    Litestar's options keep their names and defaults: ``secret`` (the key, bytes or text, as
    strong as a key), ``key`` (the cookie's name), ``max_age``, ``scopes``, ``path``,
    ``domain``, ``secure``, ``httponly``, ``samesite``, ``exclude``, ``exclude_opt_key``.
    The others are this package's own: ``keys`` (a key ring, newest first, instead of
    ``secret``), ``partitioned``, ``idle_timeout``, ``absolute_lifetime``, ``renew_after``,
    ``max_chunks``, ``max_cookie_size``, ``not_before`` (what ``time.time()`` gives, or an
    aware ``datetime``: sessions created before it are refused), ``max_session_lifetime``,
    ``revocations`` (a :class:`~client_session_core.revocation.Revocations`: a logout that
    ends every copy, ``docs/revocation.md``), ``write_identity`` (default True; False while a
    running fleet is upgraded, readers first: ``docs/migrating.md``), ``clock``; or
    ``policy``, a whole :class:`~client_session_core.SessionPolicy`. Without ``secret``,
    ``keys`` or ``policy``, the keys come from the ``CLIENT_SESSION_KEYS`` environment
    variable.

    ``legacy_cookies`` (default True) reads the cookies Litestar's ``CookieBackendConfig``
    encrypted with ``secret`` once, chunked ones included, and reseals them in ours, until
    ``max_age`` after start-up: no user is logged out by the switch (``docs/migrating.md``).
    Each old cookie is judged from the time Litestar wrote it: refused once older than
    ``max_age`` or the absolute lifetime, or when written before ``not_before``. A date reads
    them until then, ``litestar_cookies(old_secret, until=...)`` under another secret,
    ``False`` never. Which old cookies are read, and until when, is logged once, here.

    A bad option or key raises :class:`~client_session_core.ConfigurationError` here, where
    the configuration is built (at import, for a module-level configuration), in the words of
    these options.
    """

    # Never in the repr: it is key material.
    secret: str | bytes | None = dataclasses.field(default=None, repr=False)
    keys: KeysOption | None = dataclasses.field(default=None, repr=False)
    key: str = "session"
    max_age: int | None = DEFAULT_MAX_AGE
    scopes: Iterable[ScopeType | Literal["http", "websocket"]] = _SCOPE_TYPES
    path: str = "/"
    domain: str | None = None
    secure: bool = False
    httponly: bool = True
    samesite: Literal["lax", "strict", "none"] = "lax"
    exclude: str | list[str] | None = None
    exclude_opt_key: str = "skip_session"
    partitioned: bool = False
    idle_timeout: int | Unset | None = UNSET
    absolute_lifetime: int | Unset | None = UNSET
    renew_after: float | Unset = UNSET
    max_chunks: int | Unset = UNSET
    max_cookie_size: int | Unset = UNSET
    not_before: float | datetime.datetime | Unset | None = UNSET
    max_session_lifetime: int | Unset | None = UNSET
    revocations: Revocations | Unset | None = UNSET
    write_identity: bool | Unset = UNSET
    clock: Clock = time.time
    policy: SessionPolicy | None = None
    legacy_cookies: LegacyOption = True
    codec: SessionCodec = dataclasses.field(init=False, repr=False, compare=False)
    """The codec: ``codec.seal(data)`` makes a cookie value, for tests and tools."""
    exclude_pattern: re.Pattern[str] | None = dataclasses.field(
        init=False, repr=False, compare=False
    )
    """``exclude`` compiled, as Litestar compiles it (the patterns joined with ``|``)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "exclude_pattern", _exclude_pattern(self.exclude))
        _check_scopes(self.scopes)
        if not isinstance(self.exclude_opt_key, str):
            raise ConfigurationError(
                f"exclude_opt_key is the name of a route handler's opt key, a str, not "
                f"{type(self.exclude_opt_key).__name__}"
            )
        policy = _policy(self)
        # Litestar's max_age is always whole seconds; None (ours) leaves Litestar's default.
        window = DEFAULT_MAX_AGE if self.max_age is None else self.max_age
        legacy = legacy_cookies_for(
            self.legacy_cookies, secret=self.secret, max_age=window, clock=self.clock
        )
        if legacy is not None:
            policy = dataclasses.replace(policy, legacy_cookies=legacy)
        object.__setattr__(self, "codec", SessionCodec(policy, clock=self.clock))

    @property
    def session_policy(self) -> SessionPolicy:
        """The session policy in force."""
        return self.codec.policy

    @property
    def middleware(self) -> DefineMiddleware:
        """The middleware to put in ``Litestar(middleware=[...])`` (or a router's, a
        controller's, a handler's), as with Litestar's own session configurations."""
        from ._middleware import ClientSessionMiddleware  # it takes this class: imported here

        # Typed as plain ASGI, not with Litestar's scope TypedDicts.
        return DefineMiddleware(cast("Any", ClientSessionMiddleware), config=self)


def _exclude_pattern(exclude: object) -> re.Pattern[str] | None:
    # As Litestar's build_exclude_path_pattern: one pattern, or a list joined with "|".
    if exclude is None:
        return None
    if isinstance(exclude, str):
        text = exclude
    elif isinstance(exclude, (list, tuple)) and all(isinstance(p, str) for p in exclude):
        text = "|".join(exclude)
    else:
        raise ConfigurationError(
            f"exclude is a path pattern or a list of them, not {type(exclude).__name__}"
        )
    try:
        return re.compile(text)
    except re.error as exc:
        raise ConfigurationError(
            f"exclude is not a valid regular expression ({exc}): {text!r}"
        ) from None


def _check_scopes(scopes: object) -> None:
    if isinstance(scopes, str) or not isinstance(scopes, Iterable):
        raise ConfigurationError(
            f"scopes is a set of scope types ({{'http', 'websocket'}}), not {scopes!r}"
        )
    others = [scope for scope in scopes if scope not in _SCOPE_TYPES]
    if others:
        raise ConfigurationError(
            f"scopes holds {others[0]!r}: a session is for 'http' and 'websocket' connections "
            "only, as in Litestar's session middleware"
        )


def _policy(config: ClientSessionConfig) -> SessionPolicy:
    given = {
        name: getattr(config, name)
        for name in _NATIVE_OPTIONS
        if getattr(config, name) is not UNSET
    }
    if config.policy is not None:
        _check_policy_alone(config)
        return config.policy
    ring = _key_ring(config.secret, config.keys)
    idle_from_max_age = "idle_timeout" not in given
    try:
        # The kit's rule for a framework's max_age, as every drop-in reads it: the idle
        # timeout, persistent, and the drop-in cap of 30 days unless absolute_lifetime is given.
        lifetimes = max_age_lifetimes(
            config.max_age,
            idle_timeout=given.pop("idle_timeout", UNSET),
            absolute_lifetime=given.pop("absolute_lifetime", UNSET),
        )
        return SessionPolicy(
            keys=ring,
            cookie_name=config.key,
            path=config.path,
            domain=config.domain,
            secure=config.secure,
            http_only=config.httponly,
            same_site=config.samesite,
            **lifetimes.options(),
            **given,
        )
    except ConfigurationError as exc:
        # The core names its own options; say it with this configuration's names.
        raise exc.in_words_of(
            _in_litestar_words if idle_from_max_age else _in_native_words
        ) from None


def _check_policy_alone(config: ClientSessionConfig) -> None:
    defaults = {field.name: field.default for field in dataclasses.fields(ClientSessionConfig)}
    options = (*_LITESTAR_OPTIONS, *_NATIVE_OPTIONS)
    others = [name for name in options if getattr(config, name) != defaults[name]]
    check_policy_alone(
        config.policy,
        others,
        goes_with="scopes, exclude, exclude_opt_key, clock and legacy_cookies each",
    )


def _key_ring(secret: object, keys: KeysOption | None) -> KeyRing:
    return arguments_key_ring(
        secret,
        keys,
        single_option="secret",
        single_is="as Litestar's CookieBackendConfig takes",
        give_single="give ClientSessionConfig(secret=...)",
    )

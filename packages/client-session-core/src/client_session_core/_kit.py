"""The configuration rules every drop-in adapter shares, written once.

Each function here turns one part of a framework's configuration (its ``max_age``, its
``legacy_cookies`` option, its ``SECRET_KEY`` settings, its ``same_site`` spelling, a mapping of
extra options) into the core's :class:`~client_session_core.SessionPolicy` options, and raises
:class:`~client_session_core.ConfigurationError` in words an adapter can re-spell with
:meth:`~client_session_core.ConfigurationError.in_words_of`. Public through
``client_session_core.adapter``.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import os
from collections.abc import Collection, Iterable, Mapping
from typing import Any, Final, Protocol

from ._errors import ConfigurationError, Option
from ._keys import DEFAULT_KEYS_ENV, KeyRing
from ._legacy import LegacyCookies
from ._policy import SessionPolicy, drop_in_absolute_lifetime

__all__ = [
    "MAX_AGE",
    "UNSET",
    "LegacyOption",
    "LegacyReaderFactory",
    "Lifetimes",
    "Unset",
    "arguments_key_ring",
    "check_options",
    "check_policy_alone",
    "legacy_cookies_option",
    "max_age_lifetimes",
    "policy_options",
    "same_site_option",
    "settings_key_ring",
]


class Unset(enum.Enum):
    """The type of :data:`UNSET`: an option left to its default (None is a real value)."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = Unset.UNSET
"""An option the user did not give, where None means something (no idle timeout)."""

MAX_AGE: Final = "max_age"
"""The name :func:`max_age_lifetimes` gives the framework's ``max_age`` in its errors, as an
:class:`~client_session_core.adapter.Option`: map it in your spelling
(``{"max_age": "SESSION_COOKIE_AGE"}`` for ``spelled_as_settings``) when your framework calls
it otherwise."""


# -- max_age: persistence, idle timeout, absolute lifetime -------------------------------------


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Lifetimes:
    """The policy options a framework's ``max_age`` gives: pass them with
    ``SessionPolicy(**lifetimes.options(), ...)``."""

    persistent: bool
    idle_timeout: int | None
    absolute_lifetime: int | None

    def options(self) -> dict[str, Any]:
        """As ``SessionPolicy`` keyword arguments."""
        return {
            "persistent": self.persistent,
            "idle_timeout": self.idle_timeout,
            "absolute_lifetime": self.absolute_lifetime,
        }


def _is_seconds(value: object) -> bool:
    # bool is an int subclass, but True seconds is a mistake.
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def max_age_lifetimes(
    max_age: object,
    *,
    persistent: bool | None = None,
    idle_timeout: int | Unset | None = UNSET,
    absolute_lifetime: int | Unset | None = UNSET,
) -> Lifetimes:
    """The lifetimes of a drop-in whose framework has one ``max_age`` (Starlette's and
    aiohttp-session's ``max_age``, Django's ``SESSION_COOKIE_AGE``, Flask's
    ``PERMANENT_SESSION_LIFETIME``): the frameworks' cookie expired that long after its last
    write; ours is the idle timeout, renewed while the session is in use.

    - ``max_age=N`` (positive whole seconds): ``idle_timeout=N`` unless ``idle_timeout`` is
      given; ``persistent`` (a cookie with ``Max-Age``) unless ``persistent`` says otherwise
      (Django's ``SESSION_EXPIRE_AT_BROWSER_CLOSE``, Flask's non-permanent sessions).
    - ``max_age=None``: a browser-session cookie with no idle timeout (unless given): the
      browser keeps it as long as it runs, however long it sits unused.
    - the absolute lifetime, unless given (None for none): the drop-in cap,
      :func:`~client_session_core.adapter.drop_in_absolute_lifetime` of the idle timeout: 30
      days from the login, or the idle timeout when longer. The frameworks cap nothing, so that
      a cookie used once in every window, or a stolen copy of it, lives for ever
      (docs/security.md).
    - a given absolute lifetime shorter than ``max_age`` caps the idle timeout that
      ``max_age`` gave, rather than make the policy refuse an idle timeout that could never
      apply.

    A ``max_age`` that is neither is a :class:`ConfigurationError` naming
    ``Option(MAX_AGE, max_age)``: spell it in your framework's words with ``in_words_of``.
    """
    if max_age is None:
        none = None if idle_timeout is UNSET else idle_timeout
        cap = drop_in_absolute_lifetime(none) if absolute_lifetime is UNSET else absolute_lifetime
        return Lifetimes(
            persistent=False if persistent is None else persistent,
            idle_timeout=none,
            absolute_lifetime=cap,
        )
    if not _is_seconds(max_age):
        raise ConfigurationError(
            Option(MAX_AGE, max_age),
            " is not a positive whole number of seconds: give one, or None for a cookie that "
            "ends with the browser session (0 or less would refuse every cookie written)",
        )
    seconds: int = max_age  # type: ignore[assignment]  # checked just above
    idle_given = idle_timeout is not UNSET
    idle: int | None = idle_timeout if idle_timeout is not UNSET else seconds
    absolute = drop_in_absolute_lifetime(idle) if absolute_lifetime is UNSET else absolute_lifetime
    if not idle_given and _is_seconds(absolute) and absolute < seconds:  # type: ignore[operator]
        idle = absolute
    return Lifetimes(
        persistent=True if persistent is None else persistent,
        idle_timeout=idle,
        absolute_lifetime=absolute,
    )


# -- legacy_cookies: True, a date, a reader, False ---------------------------------------------

LegacyOption = bool | datetime.date | int | float | LegacyCookies | None
"""What a drop-in's ``legacy_cookies`` option (or setting) takes: see
:func:`legacy_cookies_option`."""


class LegacyReaderFactory(Protocol):
    """An adapter's reader of its framework's own cookies, until ``until`` (a timestamp, a
    date or an aware datetime, for :func:`~client_session_core.adapter.cutoff_timestamp`).

    ``by_default`` is True when the option was ``True`` (the default of most drop-ins): return
    None when there is nothing to read them with (no old secret; a missing extra), after
    logging why if a user could expect otherwise. False when the user gave a date: raise a
    :class:`ConfigurationError` saying what is missing instead.
    """

    def __call__(self, until: int | datetime.date, *, by_default: bool) -> LegacyCookies | None: ...


def legacy_cookies_option(
    option: object,
    *,
    setting: str,
    cookies: str,
    reader: str,
    started: float,
    window: int,
    read: LegacyReaderFactory,
) -> LegacyCookies | None:
    """The legacy cookies a drop-in's ``legacy_cookies`` option asks for, one rule for all:

    - ``False`` or None: none.
    - a :class:`~client_session_core.adapter.LegacyCookies`: that one, as it is.
    - ``True``: the framework's cookies, by ``read``, until ``window`` seconds after
      ``started`` (when the configuration was read: a restart moves this cut-off; each cookie
      is still bounded by its own signing time, which no restart moves). Give as ``window``
      the framework's own ``max_age``, during which a cookie it signed stays valid.
    - a date, an aware datetime or a timestamp: the same, until then.

    Anything else is a :class:`ConfigurationError` naming ``setting`` (``"legacy_cookies"``,
    ``"CLIENT_SESSION_READ_SIGNED_COOKIES"``), the ``cookies`` it reads (``"Starlette's
    cookies"``) and the ``reader`` that reads other ones (``"starlette_cookies(...)"``).
    """
    if option is False or option is None:
        return None
    if isinstance(option, LegacyCookies):
        return option
    if option is True:
        return read(int(started) + window, by_default=True)
    if isinstance(option, datetime.date) or (
        isinstance(option, (int, float)) and not isinstance(option, bool)
    ):
        return read(option if isinstance(option, datetime.date) else int(option), by_default=False)
    raise ConfigurationError(
        f"{setting} is True, False, a date (an aware datetime, or a timestamp) until which "
        f"{cookies} are read, or {reader}; not {option!r}"
    )


# -- SECRET_KEY and CLIENT_SESSION_KEYS --------------------------------------------------------


def _holds_no_key(value: object) -> bool:
    # Unset, empty, or only separators and white space (the key-list rule of
    # docs/wire-format.md, "Key text").
    if value is None or value is False:
        return True
    if isinstance(value, (str, bytes)):
        text = value.decode("latin-1") if isinstance(value, bytes) else value
        return not text.strip(" \t\r\n,")
    return isinstance(value, (list, tuple)) and not value


def settings_key_ring(
    keys: object,
    secret_key: object,
    fallbacks: object = (),
    *,
    keys_setting: str = "CLIENT_SESSION_KEYS",
    environ: Mapping[str, str] | None = None,
) -> KeyRing | None:
    """The sessions' key ring from a framework's settings (Flask's ``app.config``, Django's
    settings), or None when they hold no key at all:

    1. ``keys``, the ``CLIENT_SESSION_KEYS`` setting: a key text (``"new,old"`` is two keys,
       newest first, as every key text is read), a list of keys, or a
       :class:`~client_session_core.KeyRing`. The sessions' own keys win over the
       framework's secret.
    2. else ``secret_key`` (``SECRET_KEY``) then ``fallbacks`` (``SECRET_KEY_FALLBACKS``, a
       list): :meth:`KeyRing.from_secret_key <client_session_core.KeyRing.from_secret_key>`.
    3. else, when ``environ`` is given (``os.environ``), the ``CLIENT_SESSION_KEYS`` variable.

    An unset or empty setting is not read, and neither is a ``SECRET_KEY`` of white space
    and separators alone; a ``CLIENT_SESSION_KEYS`` that is set but holds no key is an error
    (the sessions' keys were meant to be there). Every error names the setting that holds
    the unusable key (``CLIENT_SESSION_KEYS: ...``, ``SECRET_KEY: ...``,
    ``SECRET_KEY_FALLBACKS[1]: ...``), so that an adapter can say which to change; it never
    holds key material.
    """
    if keys:
        return _configured_ring(keys, keys_setting)
    if not _holds_no_key(secret_key):
        if not isinstance(secret_key, (str, bytes)):
            raise ConfigurationError(
                f"SECRET_KEY is a str or bytes secret, not a {type(secret_key).__name__}"
            )
        return KeyRing.from_secret_key(secret_key, fallbacks or ())
    if environ is not None:
        text = environ.get(DEFAULT_KEYS_ENV, "")
        if not _holds_no_key(text):
            return KeyRing.from_text(text, source=DEFAULT_KEYS_ENV)
    return None


def _configured_ring(keys: object, setting: str) -> KeyRing:
    if isinstance(keys, KeyRing):
        return keys
    if _holds_no_key(keys):
        raise ConfigurationError(
            f"{setting} holds no key",
            advice="give keys from `client-session keygen`, newest first, separated by commas",
        )
    if isinstance(keys, str):
        # Commas or line feeds separate keys, so a passphrase keeps its spaces.
        return KeyRing.from_text(keys, source=setting)
    if isinstance(keys, (list, tuple)):
        try:
            return KeyRing.of(keys)
        except ConfigurationError as exc:
            raise exc.within(setting) from None
        except TypeError:
            pass
    raise ConfigurationError(
        f"{setting} is a key text, a list of keys or a KeyRing (keys newest first), not a "
        f"{type(keys).__name__}"
    )


def arguments_key_ring(
    secret: object, keys: object, *, single_option: str, single_is: str, give_single: str
) -> KeyRing:
    """The key ring of an adapter's arguments: its framework's one secret (``single_option``:
    Starlette's ``secret_key``, Litestar's ``secret``) or ``keys`` (a ring, newest first, to
    rotate), never both; neither reads the ``CLIENT_SESSION_KEYS`` environment variable.

    A key text is read as every key text is (``"new,old"`` is two keys: docs/wire-format.md,
    "Key text"). The messages use the adapter's words: ``single_is`` says what the secret is
    (``"as Starlette does"``), ``give_single`` how to pass one (``"pass secret_key=..."``). An
    error about an unusable key names the argument that holds it, never the key.
    """
    if secret is not None and keys is not None:
        raise ConfigurationError(
            f"give {single_option} (one key, {single_is}) or keys (a key ring, newest first, "
            "to rotate), not both"
        )
    if secret is None and keys is None:
        if not os.environ.get(DEFAULT_KEYS_ENV) and not os.environ.get(f"{DEFAULT_KEYS_ENV}_FILE"):
            # The core's own message names the variable alone; the adapter's user passes a key.
            raise ConfigurationError(
                f"no key: {give_single} (or keys=, or policy=), or set the {DEFAULT_KEYS_ENV} "
                f"environment variable, which is empty or unset ({DEFAULT_KEYS_ENV}_FILE for a "
                "key file); generate a key with `client-session keygen`"
            )
        return KeyRing.from_env()
    option, value = ("keys", keys) if keys is not None else (single_option, secret)
    if isinstance(value, str):
        return KeyRing.from_text(value, source=option)
    try:
        return KeyRing.of(value)  # type: ignore[arg-type]  # anything else is refused there
    except ConfigurationError as exc:
        raise exc.within(option) from None


def check_policy_alone(policy: object, others: Iterable[str], *, goes_with: str) -> None:
    """:class:`ConfigurationError` unless ``policy`` is a
    :class:`~client_session_core.SessionPolicy` given alone: it holds every session option,
    so ``others`` (the options the adapter was given besides, by their names) would be
    dropped unseen. ``goes_with`` names what may still go with it (``"only clock="``)."""
    if not isinstance(policy, SessionPolicy):
        raise ConfigurationError(f"policy must be a SessionPolicy, not {type(policy).__name__}")
    named = list(others)
    if named:
        raise ConfigurationError(
            f"policy= already holds every session option, so {', '.join(named)} cannot be "
            f"given beside it: set them on the SessionPolicy ({goes_with} goes with policy=)"
        )


# -- option names and spellings ----------------------------------------------------------------


def policy_options(*, excluding: Iterable[str] = ("keys",)) -> frozenset[str]:
    """The names of :class:`~client_session_core.SessionPolicy`'s options, but those
    ``excluding`` names (the key ring, and the options an adapter spells its framework's
    way, such as aiohttp-session's ``httponly``)."""
    return frozenset(field.name for field in dataclasses.fields(SessionPolicy)) - set(excluding)


def check_options(
    given: Iterable[str], allowed: Collection[str], *, taker: str, own: Iterable[str] = ()
) -> None:
    """:class:`ConfigurationError` naming every option of ``given`` that ``allowed`` (usually
    :func:`policy_options`) does not hold, and the options there are: ``taker`` is the call
    or setting that took them (``"client_session_codec()"``), ``own`` the framework's own
    options it takes besides (named in the message, in their order)."""
    unknown = sorted(set(given) - set(allowed))
    if not unknown:
        return
    besides = list(own)
    own_words = f"besides {taker}'s own ({', '.join(besides)}) " if besides else ""
    raise ConfigurationError(
        f"{taker} has no option {', '.join(map(repr, unknown))}; {own_words}the options are "
        f"those of SessionPolicy: {', '.join(sorted(allowed))}"
    )


def same_site_option(value: object) -> Any:
    """A framework's ``same_site`` as the policy's: ``"Lax"``, ``"Strict"`` and ``"None"``
    (Flask's and Django's spelling; aiohttp-session passes any through) are the core's
    ``"lax"``, ``"strict"`` and ``"none"``; ``False`` (Django's "no attribute") is None.
    Any other value is returned as it is: the policy refuses it, naming ``same_site`` as the
    adapter's spelling says."""
    if isinstance(value, str):
        return value.lower()
    if value is False:
        return None
    return value

"""The one error tree of client-session.

::

    SessionError                      base of everything raised on purpose
    ├── ConfigurationError (ValueError)   bad keys or options; raised at start-up
    ├── InvalidSession                    any cookie that does not open (one type for every
    │                                     reason, as Fernet's InvalidToken: the reason is a
    │                                     code for logs and metrics, never shown to a client)
    ├── SessionTooLarge (ValueError)      the sealed session does not fit the cookie budget
    ├── LifetimeTooLong (ValueError)      a session's own lifetime exceeds max_session_lifetime
    └── UnserializableValue (TypeError)   a session value that the serializer cannot write
        └── SessionTooDeep                arrays and objects nested deeper than MAX_DEPTH

Adapters never let ``InvalidSession`` escape: a bad cookie becomes a fresh, empty session.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from typing import NamedTuple

__all__ = [
    "NO_VALUE",
    "ConfigurationError",
    "InvalidReason",
    "InvalidSession",
    "LifetimeTooLong",
    "Option",
    "OptionSpelling",
    "SessionError",
    "SessionTooDeep",
    "SessionTooLarge",
    "UnserializableValue",
    "spelled_as_arguments",
    "spelled_as_settings",
]


class _NoValue:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NO_VALUE"


NO_VALUE = _NoValue()
"""An :class:`Option` shown by its name alone."""


class SessionError(Exception):
    """Base class of every error client-session raises on purpose."""


class Option(NamedTuple):
    """A policy option as a configuration error names it: ``name`` is the
    :class:`~client_session_core.SessionPolicy` field, ``value`` the value the message
    shows with it (:data:`NO_VALUE` to show the name alone)."""

    name: str
    value: object = NO_VALUE


def core_spelling(option: Option) -> str:
    """How the core writes an option: ``secure=True``, or ``secure`` with no value."""
    if option.value is NO_VALUE:
        return option.name
    return f"{option.name}={option.value!r}"


OptionSpelling = Callable[[Option], "str | None"]
"""An adapter's way to write an option in its own configuration's words
(``https_only=True``, ``SESSION_COOKIE_SECURE = True``); None keeps the core's."""


def spelled_as_arguments(names: Mapping[str, str]) -> OptionSpelling:
    """Options written as keyword arguments, ``https_only=True``, under the adapter's
    ``names`` for them (the core's own name for any other)."""

    def spell(option: Option) -> str:
        return core_spelling(option._replace(name=names.get(option.name, option.name)))

    return spell


def spelled_as_settings(names: Mapping[str, str]) -> OptionSpelling:
    """Options written as framework settings, ``SESSION_COOKIE_SECURE = True``, for those
    ``names`` maps to a setting (the core's spelling for any other). ``same_site`` values
    are capitalized, as Flask's and Django's settings spell them (``"None"``)."""

    def spell(option: Option) -> str | None:
        setting = names.get(option.name)
        if setting is None:
            return None
        if option.value is NO_VALUE:
            return setting
        value = option.value
        if option.name == "same_site" and isinstance(value, str):
            value = value.capitalize()
        return f"{setting} = {value!r}"

    return spell


class ConfigurationError(SessionError, ValueError):
    """A key or an option is unusable. Raised when the policy or key ring is built; and
    during a request only where the configuration forbids what the application asked
    (``session.id`` or ``bind_user()`` while ``write_identity=False``).

    The message says how to fix the value; it never contains key material. A message about
    policy options is made of text and :class:`Option` parts, so that an adapter can say it
    in the words its user wrote (``https_only=True`` for Starlette's keyword,
    ``SESSION_COOKIE_SECURE = True`` for a Flask setting) with :meth:`in_words_of`, rather
    than naming options the user never saw. ``options`` lists the options it names.

    ``advice``, when given, is how to fix it in general terms (how to make a key), kept apart
    from the ``reason`` so that an adapter can give its own in its framework's words
    (:meth:`with_advice`); the message is the reason, then ``"; "`` and the advice.
    """

    def __init__(
        self,
        *parts: str | Option,
        spelling: OptionSpelling = core_spelling,
        advice: str | None = None,
    ) -> None:
        self.parts = parts
        self.advice = advice
        self.reason = "".join(
            part if isinstance(part, str) else (spelling(part) or core_spelling(part))
            for part in parts
        )
        """The message without the advice: what is wrong, and where."""
        super().__init__(self.reason if advice is None else f"{self.reason}; {advice}")

    @property
    def options(self) -> tuple[str, ...]:
        """The names of the policy options this error is about, in the order it names them."""
        return tuple(dict.fromkeys(part.name for part in self.parts if isinstance(part, Option)))

    def in_words_of(self, spelling: OptionSpelling) -> ConfigurationError:
        """This error with each option written by ``spelling`` (an adapter's vocabulary)."""
        return ConfigurationError(*self.parts, spelling=spelling, advice=self.advice)

    def within(self, source: str) -> ConfigurationError:
        """This error about a value found in ``source`` (``"the key file /run/keys"``): the
        reason prefixed with it, the advice kept."""
        return ConfigurationError(f"{source}: ", *self.parts, advice=self.advice)

    def with_advice(self, advice: str | None) -> ConfigurationError:
        """This error with another ``advice`` (None: none), in an adapter's words."""
        return ConfigurationError(*self.parts, advice=advice)


class InvalidReason(str, enum.Enum):
    """Why a cookie did not open: a code for logs and metrics, never for the client."""

    MALFORMED = "malformed"
    """Not strict base64url, too short, or too long."""
    UNKNOWN_VERSION = "unknown_version"
    """The version byte or a reserved flag is not one this release reads."""
    UNKNOWN_KEY = "unknown_key"
    """The key id names no key in the ring."""
    EXPIRED_IDLE = "expired_idle"
    """Last issued longer ago than the idle timeout."""
    EXPIRED_ABSOLUTE = "expired_absolute"
    """Created longer ago than the absolute lifetime."""
    NOT_BEFORE = "not_before"
    """Created before the policy's ``not_before`` (everyone logged out)."""
    FROM_THE_FUTURE = "from_the_future"
    """Issued later than now plus the allowed clock skew."""
    FORGED = "forged"
    """The AEAD tag did not verify: tampered, truncated, wrong key or wrong cookie name."""
    BAD_PAYLOAD = "bad_payload"
    """The plaintext authenticated but is not a session the serializer reads."""
    INCOMPLETE_CHUNKS = "incomplete_chunks"
    """A chunked session whose chunk cookies are missing or malformed."""
    REVOKED = "revoked"
    """An authentic, unexpired session that the policy's ``revocations`` refuse: its id was
    revoked (a logout, an administrator's kill), or its user's "not before" is later than its
    creation (a password change)."""
    TOO_LARGE = "too_large"
    """An old format's cookie (``legacy_cookies``) that opened, but whose session does not fit
    in the cookies the policy allows once resealed in ours."""


class InvalidSession(SessionError):
    """A cookie that does not open into a session, for whatever reason.

    ``reason`` is an :class:`InvalidReason` code. The message holds only that code,
    never any part of the cookie.
    """

    def __init__(self, reason: InvalidReason) -> None:
        super().__init__(f"invalid session cookie ({reason.value})")
        self.reason = reason


class SessionTooLarge(SessionError, ValueError):
    """The session does not fit in the cookie budget.

    Browsers drop a ``Set-Cookie`` longer than 4096 bytes, name and attributes included
    (RFC 6265 section 6.1), silently. ``size`` is the length the header would have had,
    ``limit`` the budget, both in bytes.
    """

    def __init__(self, size: int, limit: int, *, chunks: int = 1) -> None:
        where = "one cookie" if chunks == 1 else f"{chunks} cookies"
        super().__init__(
            f"the session needs a Set-Cookie of {size} bytes, over the limit of {limit} bytes "
            f"for {where}; store less in the session (keep large data server-side and put "
            "its id in the session) or allow chunking with max_chunks"
        )
        self.size = size
        self.limit = limit


class UnserializableValue(SessionError, TypeError):
    """A session value the serializer cannot write. ``key`` names the top-level key,
    ``detail`` says what the serializer refused."""

    def __init__(self, key: str, detail: str) -> None:
        super().__init__(
            f"session[{key!r}] cannot be stored in a cookie session: {detail}. "
            "Store JSON values only (dict, list, str, int, float, bool, None)."
        )
        self.key = key
        self.detail = detail


class SessionTooDeep(UnserializableValue):
    """A session value whose arrays and objects nest deeper than ``limit`` levels (the
    session object counting as one), which no reader would open (``MAX_DEPTH``)."""

    def __init__(self, key: str, limit: int) -> None:
        super().__init__(
            key,
            f"its arrays and objects nest deeper than MAX_DEPTH = {limit} levels (the session "
            "itself being the first), which no reader opens; store it flatter",
        )
        self.limit = limit


class LifetimeTooLong(SessionError, ValueError):
    """A session's own lifetime (``Session.set_lifetime``) is longer than the policy's
    ``max_session_lifetime``. Raised when the session is committed, naming both."""

    def __init__(self, label: str, seconds: int, limit: int) -> None:
        self.label = label
        self.seconds = seconds
        self.limit = limit
        super().__init__(
            f"session.set_lifetime({label}={seconds}) is longer than the policy's "
            f"max_session_lifetime ({limit} s): shorten it, or raise max_session_lifetime"
        )

"""Reading a session cookie another implementation wrote, once, to reseal it in our format.

An application that switches to client-session already has users whose browsers hold a
session cookie in the old framework's format (Starlette's or Flask's itsdangerous-signed
JSON, Tornado's signed values). Refusing those cookies logs everyone out at the deploy.
Rails met the same problem when it moved from signed to encrypted cookies, and read the old
cookie once and rewrote it in the new format; this module is that capability:

- a :class:`LegacyReader` turns a cookie value of the old format into the session it holds,
  or None. It is the old framework's own code that checks the signature and the old format's
  own age limit (each adapter builds one from its framework's library): nothing here signs,
  verifies or decrypts, and no legacy cookie is ever written;
- :class:`LegacyCookies` holds a reader and the time after which it is no longer asked, so
  that reading the old format ends by itself once no valid old cookie can remain.

A reader is for a cookie that is not in our format at all (it does not parse as our
envelope): a request with a valid cookie, or with none, has no use for it, and a session it
read is resealed in our format on that same response.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from ._errors import ConfigurationError, UnserializableValue
from ._serializer import Serializer

__all__ = ["LegacyCookies", "LegacyReader", "LegacySession", "cutoff_timestamp"]

logger = logging.getLogger("client_session")


class LegacySession(NamedTuple):
    """The session a legacy cookie held."""

    data: dict[str, Any]
    persistent: bool | None = None
    """Whether the old cookie outlived the browser session (Flask keeps it in the content, as
    ``_permanent``); None leaves it to the policy's default."""
    lifetime: tuple[int, int] | None = None
    """The old cookie's own lifetime, as our header seals one: (idle, absolute) seconds, 0
    for none, counted from the upgrade (Django keeps ``set_expiry`` in the content); cut to
    the policy's ``max_session_lifetime``. None: the policy's lifetimes."""


LegacyReader = Callable[[str, int], "LegacySession | Mapping[str, Any] | None"]
"""``reader(cookie_value, now)``: the session in a cookie of the old format, or None when the
value is not one, its signature does not verify, or it is older than the old format allowed.

``now`` is the codec's clock, in whole seconds. A reader may return a plain mapping or a
:class:`LegacySession`; any exception it raises counts as None (a bad cookie)."""


def _is_lifetime(lifetime: object) -> bool:
    # (idle, absolute): whole seconds a uint32 holds, 0 for none (bool is not seconds).
    return (
        isinstance(lifetime, tuple)
        and len(lifetime) == 2
        and all(
            isinstance(seconds, int) and not isinstance(seconds, bool) and 0 <= seconds < 2**32
            for seconds in lifetime
        )
    )


def cutoff_timestamp(until: int | float | datetime.date | datetime.datetime) -> int:
    """``until`` as whole seconds since the epoch: a timestamp, an aware datetime, or a date
    (its midnight, UTC). A naive datetime is refused: its time zone would be a guess."""
    if isinstance(until, bool):
        raise ConfigurationError(f"a legacy cut-off is a date or a timestamp, not {until!r}")
    if isinstance(until, (int, float)):
        return int(until)
    if isinstance(until, datetime.datetime):
        if until.tzinfo is None:
            raise ConfigurationError(
                f"the legacy cut-off {until!r} has no time zone: give an aware datetime "
                "(datetime(..., tzinfo=timezone.utc)) or a date"
            )
        return int(until.timestamp())
    if isinstance(until, datetime.date):
        utc = datetime.timezone.utc
        midnight = datetime.datetime(until.year, until.month, until.day, tzinfo=utc)
        return int(midnight.timestamp())
    raise ConfigurationError(
        f"a legacy cut-off is a date, an aware datetime or a timestamp, not {type(until).__name__}"
    )


def signed_within(signed_at: int | float, now: int, max_age: int | None) -> bool:
    """The age rule of the signed cookie formats (itsdangerous' ``TimestampSigner``, Django's
    ``signing``), for a legacy reader: a cookie whose signature covers ``signed_at`` (seconds
    since the epoch) is read at ``now`` (the codec's clock, not the signer's) only if it was
    not signed in the future and, with a ``max_age``, is at most that many seconds old."""
    age = now - int(signed_at)
    return age >= 0 and (max_age is None or age <= max_age)


@dataclass(frozen=True, slots=True, kw_only=True)
class LegacyCookies:
    """Session cookies of an old format, read until ``until`` and resealed in ours.

    ``reader`` reads one cookie value (see :data:`LegacyReader`); ``until`` is the time
    (seconds since the epoch; :func:`cutoff_timestamp` converts a date) from which the
    reader is no longer asked, so the old format stops being accepted by itself; ``label``
    names the format in the log line written for each upgrade (never the cookie's content).
    """

    reader: LegacyReader
    until: int
    label: str

    def __post_init__(self) -> None:
        if not callable(self.reader):
            raise ConfigurationError(
                f"reader must be a callable (cookie_value, now) -> dict or None, not "
                f"{type(self.reader).__name__}"
            )
        if isinstance(self.until, bool) or not isinstance(self.until, int):
            raise ConfigurationError(
                f"until must be whole seconds since the epoch (cutoff_timestamp(date) makes "
                f"them), not {self.until!r}"
            )

    def read(self, value: str, now: int) -> LegacySession | None:
        """The session in ``value``, or None: past ``until``, or not a valid old cookie."""
        if now >= self.until:
            return None
        try:
            found = self.reader(value, now)
        except Exception:  # noqa: BLE001 - whatever an old library raises, the cookie is bad
            return None
        if found is None:
            return None
        data: object = found
        persistent: bool | None = None
        lifetime: tuple[int, int] | None = None
        if isinstance(found, LegacySession):
            data, persistent, lifetime = found.data, found.persistent, found.lifetime
        # A session is a mapping with string keys; a reader that found a JSON list, or a
        # signed value that was never a session, has found no session.
        if not isinstance(data, Mapping) or not all(isinstance(key, str) for key in data):
            return None
        if lifetime is not None and not _is_lifetime(lifetime):
            return None  # a reader's lifetime our header cannot hold: no session either
        persistent = None if persistent is None else bool(persistent)
        return LegacySession(dict(data), persistent, lifetime)

    def upgrade(
        self, value: str, now: int, serializer: Serializer, cookie_name: str
    ) -> tuple[LegacySession, bytes] | None:
        """The session in ``value`` and its bytes in our serializer, or None.

        A session our serializer cannot hold (a value JSON has no form for) is refused as a
        bad cookie, rather than failing later on the response. Each upgrade is logged once,
        at INFO, with the cookie's name and the old format, never its content.
        """
        found = self.read(value, now)
        if found is None:
            return None
        try:
            plaintext = serializer.dumps(found.data)
        except (UnserializableValue, TypeError, ValueError):
            return None
        logger.info(
            "session cookie %r was in the format of %s: read once and resealed in ours",
            cookie_name,
            self.label,
        )
        return found, plaintext

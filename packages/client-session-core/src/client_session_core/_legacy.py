"""Reading a session cookie another implementation wrote, once, to reseal it in our format.

An application that switches to client-session already has users whose browsers hold a
session cookie in the old framework's format (Starlette's or Flask's itsdangerous-signed
JSON, Tornado's signed values). Refusing those cookies logs everyone out at the deploy.
Rails met the same problem when it moved from signed to encrypted cookies, and read the old
cookie once and rewrote it in the new format; this module is that capability:

- a :class:`LegacyReader` turns a cookie value of the old format into the session it holds
  and the time it was signed, or None. It is the old framework's own code that checks the
  signature and the old format's own age limit (each adapter builds one from its framework's
  library): nothing here signs, verifies or decrypts, and no legacy cookie is ever written;
- :class:`LegacyCookies` holds a reader and the time after which it is no longer asked.

An old cookie is judged by the same rules as ours (the codec does it): its signing time is
its ``created_at``, so it is refused when signed in the future, before ``not_before``, or
longer ago than the absolute lifetime (the ceiling ``max_session_lifetime`` when there is
none), whatever the old format allowed. No restart lengthens the time a given old cookie can
be read: that time is counted from the cookie's own signature, never from start-up. The
secret an old cookie was signed with must be as strong as a key
(:func:`check_legacy_secret`): reading cookies signed with a guessable secret would turn a
forgery into a valid session.

A reader is for a cookie that is not in our format at all (it does not parse as our
envelope): a request with a valid cookie, or with none, has no use for it, and a session it
read is resealed in our format on that same response.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ._errors import ConfigurationError, UnserializableValue
from ._keys import KEY_TEXT_WHITESPACE, MIN_PASSPHRASE_LENGTH
from ._serializer import Serializer
from ._strength import MIN_SECRET_BITS, estimate_bits

__all__ = [
    "LegacyCookies",
    "LegacyReader",
    "LegacySession",
    "canonical_base64",
    "check_legacy_secret",
    "check_legacy_secrets",
    "cutoff_timestamp",
    "signed_within",
]

logger = logging.getLogger("client_session")


class LegacySession(NamedTuple):
    """The session a legacy cookie held, and when it was signed."""

    data: dict[str, Any]
    signed_at: int
    """When the old cookie was signed (seconds since the epoch, from the timestamp its
    signature covers): the resealed session's ``created_at``, so that the policy's
    ``not_before`` and absolute lifetime hold for it as for our own cookies."""
    persistent: bool | None = None
    """Whether the old cookie outlived the browser session (Flask keeps it in the content, as
    ``_permanent``); None leaves it to the policy's default."""
    lifetime: tuple[int, int] | None = None
    """The old cookie's own lifetime, as our header seals one: (idle, absolute) seconds, 0
    for none, counted from ``signed_at`` (Django keeps ``set_expiry`` in the content); cut to
    the policy's ``max_session_lifetime``. None: the policy's lifetimes."""


LegacyReader = Callable[[str, int], "LegacySession | None"]
"""``reader(cookie_value, now)``: the session in a cookie of the old format and its signing
time, or None when the value is not one, its signature does not verify, or it is older than
the old format allowed.

``now`` is the codec's clock, in whole seconds. Any exception a reader raises counts as None
(a bad cookie). A reader that returns anything but a :class:`LegacySession` (a bare mapping,
with no signing time) reads nothing: the codec could not bound the old cookie's age, and says
so once at WARNING."""


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
    not signed in the future and, with a ``max_age``, is at most that many seconds old.

    The codec applies the policy's own rules on top (``not_before``, the absolute lifetime),
    from the ``signed_at`` the reader returns in its :class:`LegacySession`."""
    age = now - int(signed_at)
    return age >= 0 and (max_age is None or age <= max_age)


def canonical_base64(text: str, *, padded: bool) -> bool:
    """Whether ``text`` is the one URL-safe base64 spelling (RFC 4648 section 5) of the bytes
    it decodes to: that alphabet alone, ``=`` padding exactly as an encoder writes it
    (``padded``) or none, and the unused bits of the last character zero.

    The old libraries decode leniently before they check a signature: itsdangerous takes
    ``+`` and ``/``, padding and stray characters in a signature, and Fernet spaces and
    missing padding in a token, so several cookie values carry one signed value. A reader
    refuses every spelling but this one first, so that no altered cookie opens (the fuzzer's
    rule, ``docs/fuzzing.md``)."""
    try:
        raw = base64.urlsafe_b64decode(text if padded else text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return False
    encoded = base64.urlsafe_b64encode(raw).decode("ascii")
    return (encoded if padded else encoded.rstrip("=")) == text


def check_legacy_secret(
    secret: object,
    *,
    setting: str,
    label: str,
    turn_off: str,
    raw_key_sizes: Sequence[int] = (),
) -> None:
    """:class:`ConfigurationError` unless ``secret``, which signed the cookies of ``label``
    that a legacy reader would accept, is as strong as a key must be (``docs/security.md``,
    "Key strength"): text of at least 32 characters worth 128 bits of guessing, or at least
    32 such bytes.

    ``raw_key_sizes`` are the sizes, under 32 bytes, at which the old format took the secret
    as a raw cipher key (Litestar's AES key: 16 or 24 bytes). Bytes of such a size are judged
    as the key they are: random bytes (``os.urandom(16)``) pass, when worth at least 6 bits
    a byte (96 of a 16-byte key's 128) by the estimate of their bytes; printable text of that
    size is a password, held to the 32 characters of text, and bytes with a pattern (zeros,
    a run, a repeat) are refused.

    A weak old secret is not a weak key of ours but worse: anyone who guesses it forges an
    old cookie, and the reader would reseal the forgery as a valid session. ``setting`` names
    the secret in the framework's words (``SECRET_KEY``), ``turn_off`` the option that stops
    reading those cookies; neither the secret nor any part of it is ever shown.
    """
    # A raw key of under 32 bytes must be worth this many bits a byte: 96 of 16 bytes' 128.
    raw_bits_per_byte = 6
    raw_key = False
    if isinstance(secret, str):
        value: str | bytes = secret.strip(KEY_TEXT_WHITESPACE)
        what = f"{len(value)} characters long"
    elif isinstance(secret, (bytes, bytearray)):
        value = bytes(secret)
        what = f"{len(value)} bytes long"
        if len(value) < MIN_PASSPHRASE_LENGTH and len(value) in raw_key_sizes:
            try:
                raw_key = not value.decode("utf-8").isprintable()
            except UnicodeDecodeError:
                raw_key = True
            if not raw_key:
                what = f"{len(value)} bytes of text"
    else:
        raise ConfigurationError(
            f"{setting} is a {type(secret).__name__}, not text or bytes: the {label} cookies "
            f"signed with it cannot be judged; stop reading them with {turn_off}"
        )
    too_short = len(value) < MIN_PASSPHRASE_LENGTH and not raw_key
    if raw_key and isinstance(value, bytes):
        # A raw key is bytes, not text that happens to decode: judged by its bytes alone. A
        # byte 0xFF is never UTF-8, so the estimate reads them as bytes; it adds at most 8
        # bits, taken off again (so it can only lower the result, never raise it).
        bits = estimate_bits(value + b"\xff") - 8
        needed = raw_bits_per_byte * len(value)
    else:
        bits = 0.0 if too_short else estimate_bits(value)
        needed = MIN_SECRET_BITS
    if too_short or bits < needed:
        weakness = what if too_short else f"worth about {bits:.0f} bits of guessing"
        sizes = " or ".join(str(size) for size in raw_key_sizes if size < MIN_PASSPHRASE_LENGTH)
        raw = f", or {sizes} random bytes (os.urandom) worth {raw_bits_per_byte} bits a byte"
        raise ConfigurationError(
            f"{setting} is too weak to trust the {label} cookies signed with it ({weakness}; "
            f"a secret needs at least {MIN_PASSPHRASE_LENGTH} random characters worth "
            f"{MIN_SECRET_BITS} bits{raw if sizes else ''}): anyone who guesses it can forge "
            f"such a cookie, and reading it would turn the forgery into a valid session. Stop "
            f"reading them with {turn_off}: users who still hold one start a new session once "
            f"(a new {setting} would not help: the old cookies were signed with this one)"
        )


def check_legacy_secrets(
    secrets: Mapping[object, object] | Sequence[object],
    *,
    setting: str,
    label: str,
    turn_off: str,
) -> None:
    """:func:`check_legacy_secret` for each secret of a list (``SECRET_KEY_FALLBACKS``) or of a
    mapping of versions (Tornado's ``cookie_secret``), each named ``setting[i]`` or
    ``setting[version]`` in the message."""
    entries = secrets.items() if isinstance(secrets, Mapping) else enumerate(secrets)
    for index, secret in entries:
        check_legacy_secret(secret, setting=f"{setting}[{index!r}]", label=label, turn_off=turn_off)


def _utc(timestamp: int) -> str:
    moment = datetime.datetime.fromtimestamp(timestamp, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


@dataclass(frozen=True, slots=True, kw_only=True)
class LegacyCookies:
    """Session cookies of an old format, read until ``until`` and resealed in ours.

    ``reader`` reads one cookie value (see :data:`LegacyReader`); ``until`` is the time
    (seconds since the epoch; :func:`cutoff_timestamp` converts a date) from which the
    reader is no longer asked, so the old format stops being accepted at a date the
    application chose; ``label`` names the format in the log lines (never the cookie's
    content). Each old cookie is also bounded by its own signing time (see the module).
    """

    reader: LegacyReader
    until: int
    label: str
    _said: set[str] = field(default_factory=set, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not callable(self.reader):
            raise ConfigurationError(
                f"reader must be a callable (cookie_value, now) -> LegacySession or None, not "
                f"{type(self.reader).__name__}"
            )
        if isinstance(self.until, bool) or not isinstance(self.until, int):
            raise ConfigurationError(
                f"until must be whole seconds since the epoch (cutoff_timestamp(date) makes "
                f"them), not {self.until!r}"
            )

    def _say_once(self, topic: str, level: int, message: str, *args: object) -> None:
        # A set add is atomic under the GIL: two threads may both log, never crash.
        if topic not in self._said:
            self._said.add(topic)
            logger.log(level, message, *args)

    def announce(self, cookie_name: str, now: int, absolute_lifetime: int) -> None:
        """Say at start-up, in one line, which old format is read and until when: at INFO
        while the window is open, at WARNING when ``until`` has already passed (the option
        then reads nothing, and the users who hold such a cookie start a new session)."""
        if now >= self.until:
            logger.warning(
                "session cookie %r: the cookies of %s are no longer read: their cut-off, %s, "
                "has passed, so a user who still holds one starts a new session; remove the "
                "option that reads them",
                cookie_name,
                self.label,
                _utc(self.until),
            )
            return
        logger.info(
            "session cookie %r: reading the cookies of %s until %s, each for at most %d s "
            "after it was signed and never one signed before not_before, and resealing them "
            "in ours",
            cookie_name,
            self.label,
            _utc(self.until),
            absolute_lifetime,
        )

    def read(self, value: str, now: int) -> LegacySession | None:
        """The session in ``value``, or None: past ``until``, or not a valid old cookie."""
        if now >= self.until:
            self._say_once(
                "ended",
                logging.WARNING,
                "the cookies of %s are no longer read from %s on (the cut-off of reading "
                "them): a user who still holds one starts a new session",
                self.label,
                _utc(self.until),
            )
            return None
        try:
            found = self.reader(value, now)
        except Exception:  # noqa: BLE001 - whatever an old library raises, the cookie is bad
            return None
        if found is None:
            return None
        if not isinstance(found, LegacySession):
            self._say_once(
                "no signing time",
                logging.WARNING,
                "the reader of the cookies of %s returned a %s, not a LegacySession with the "
                "time the cookie was signed: without it no old cookie's age can be bounded, so "
                "none is read",
                self.label,
                type(found).__name__,
            )
            return None
        data, signed_at, persistent, lifetime = found
        # A session is a mapping with string keys; a reader that found a JSON list, or a
        # signed value that was never a session, has found no session.
        if not isinstance(data, Mapping) or not all(isinstance(key, str) for key in data):
            return None
        if isinstance(signed_at, bool) or not isinstance(signed_at, (int, float)):
            return None
        if lifetime is not None and not _is_lifetime(lifetime):
            return None  # a reader's lifetime our header cannot hold: no session either
        persistent = None if persistent is None else bool(persistent)
        return LegacySession(dict(data), int(signed_at), persistent, lifetime)

    def upgrade(
        self, value: str, now: int, serializer: Serializer, cookie_name: str
    ) -> tuple[LegacySession, bytes] | None:
        """The session in ``value`` and its bytes in our serializer, or None.

        A session our serializer cannot hold (a value JSON has no form for) is refused as a
        bad cookie, rather than failing later on the response. The codec logs each upgrade,
        once it has judged the old cookie by the policy's rules.
        """
        found = self.read(value, now)
        if found is None:
            return None
        try:
            plaintext = serializer.dumps(found.data)
        except (UnserializableValue, TypeError, ValueError):
            return None
        return found, plaintext

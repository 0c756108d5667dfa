"""The session policy: keys, cookie attributes, lifetimes, size. Validated once, at start-up."""

from __future__ import annotations

import datetime
import math
import re
from dataclasses import dataclass, field
from typing import Literal

from ._cookie_style import CANONICAL_COOKIE_STYLE, CookieStyle
from ._errors import ConfigurationError, Option
from ._keys import KeyRing
from ._legacy import LegacyCookies
from ._revocation import Revocations
from ._serializer import JSON, Serializer
from ._size import BROWSER_COOKIE_LIMIT, MAX_CHUNKS

__all__ = [
    "DROP_IN_ABSOLUTE_LIFETIME",
    "SameSite",
    "SessionPolicy",
    "drop_in_absolute_lifetime",
    "whole_seconds",
]

SameSite = Literal["lax", "strict", "none"]

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR
# RFC 6265 section 4.1.1: a cookie-name is an RFC 2616 token.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# Path and Domain values: printable ASCII other than ";" (RFC 6265 section 4.1.1, av-octet).
_ATTRIBUTE_VALUE = re.compile(r"[\x21-\x3a\x3c-\x7e]+")


DROP_IN_ABSOLUTE_LIFETIME = 30 * DAY
"""The absolute lifetime of the adapters' drop-in modes (Starlette's ``max_age``, Flask's and
Django's settings) when none is configured: 30 days, ``docs/security.md`` says why."""


def drop_in_absolute_lifetime(idle_timeout: int | None) -> int:
    """The absolute lifetime a drop-in mode gets when its configuration sets none:
    :data:`DROP_IN_ABSOLUTE_LIFETIME`, or ``idle_timeout`` when that is longer (a policy's
    idle timeout may not outlast its absolute lifetime).

    The frameworks these modes replace cap nothing: their cookie is valid for its max age
    after its last write, so a cookie used once in every such window lives for ever, and so
    does a stolen copy of it. The cap bounds that, from the login, however active the session.
    """
    if idle_timeout is None or isinstance(idle_timeout, bool) or not isinstance(idle_timeout, int):
        return DROP_IN_ABSOLUTE_LIFETIME
    return max(DROP_IN_ABSOLUTE_LIFETIME, idle_timeout)


def _is_int(value: object) -> bool:
    # bool is an int subclass, but True seconds or True bytes is a mistake.
    return isinstance(value, int) and not isinstance(value, bool)


def whole_seconds(moment: object) -> object:
    """A moment as :attr:`SessionPolicy.not_before` holds it: whole seconds since the epoch
    from a ``time.time()`` float (rounded down: a session created in the second of the logout
    itself is created after it) or an aware ``datetime``; anything else as it is, for the
    policy's check to name. An adapter compares its setting with a policy's through this."""
    if isinstance(moment, float) and math.isfinite(moment):
        return math.floor(moment)
    if isinstance(moment, datetime.datetime) and moment.tzinfo is not None:
        return math.floor(moment.timestamp())
    return moment


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionPolicy:
    """Everything that decides how sessions are sealed, expired and sent.

    Times are in seconds. Defaults, and why:

    - ``idle_timeout=1800``: 30 minutes without a request that uses the session ends it,
      as in node-session, the project this one renews, and within OWASP's advice for
      idle timeouts.
    - ``absolute_lifetime=43200``: 12 hours after it was created (or cleared, as at a
      logout) a session ends however active it is, so that a stolen cookie cannot be kept
      alive for ever by use.
    - ``renew_after=0.25``: a session in use is re-issued (sliding expiry) once a quarter
      of the idle window has passed - about once every 7.5 minutes by default, rather
      than a ``Set-Cookie`` on every response. ``0`` re-issues it on every request that
      uses it; ``None`` never re-issues an unchanged session (its idle timeout then runs
      from its last change).
    - ``max_session_lifetime=None``: the longest lifetime ``Session.set_lifetime`` may
      give one session ("remember me"), and the age at which any session with its own
      lifetime ends whatever that lifetime says. None: no longer than the policy's own
      (``absolute_lifetime``, or ``idle_timeout`` when that is None); set it, e.g. to 30
      days, to let chosen sessions live longer than the others.
    - ``persistent=True``: the cookie carries ``Max-Age`` and ``Expires`` equal to the
      server-side deadline, so the browser forgets it when the server would refuse it.
      ``False`` gives a browser-session cookie (the seed's ``maxAge: 0``); the server
      still enforces both timeouts.
    - ``http_only=True``, ``same_site="lax"``, ``path="/"``: what Starlette and Flask
      users get today. ``secure=False`` so the demo works on ``http://127.0.0.1``; turn it
      on in production (or use a ``__Host-`` name, which requires it).
    - ``max_cookie_size=4096``: the browser limit, counted on the whole ``Set-Cookie``.
    - ``cookie_style``: how ``Set-Cookie`` attributes are spelled and ordered; the canonical
      ``Path=/; ...; HttpOnly; SameSite=Lax`` unless a drop-in writes its framework's own.
    - ``not_before=None``: set it to the moment of a "log everyone out" (what
      ``time.time()`` gives, whole seconds, or an aware ``datetime``): every session created
      before it is refused. Held as whole seconds since the epoch (a fraction is dropped).
    - ``legacy_cookies=None``: a cookie not in our format is a bad cookie. A
      :class:`LegacyCookies` reads the old framework's cookies once, until its cut-off, and
      the session is resealed in our format (``docs/migrating.md``).
    - ``write_identity=True``: every session is sealed with its identity (flag bit 2 of
      ``docs/wire-format.md``), which :attr:`Session.id <client_session_core.Session.id>`,
      ``regenerate()``, ``bind_user()`` and ``revocations`` rest on. ``False`` is the first
      step of upgrading a running fleet, readers first: this release then reads identities
      and keeps the one a cookie carries, but gives none to a session that has none, so
      that a server of the previous release, which refuses flag bit 2, opens every cookie
      this one writes. Turn it on once every server runs this release (``docs/migrating.md``).
    - ``revocations=None``: no session is revoked one by one. A
      :class:`~client_session_core.revocation.Revocations` refuses a session whose id was
      revoked (logout, an administrator's kill) or whose user's "not before" is later than its
      creation (a password change), from a copy in memory that no request waits for
      (``docs/revocation.md``). It needs an ``absolute_lifetime``, the time a revocation is
      kept for, and ``write_identity``: a revocation finds a session by its identity.
    """

    keys: KeyRing
    cookie_name: str = "session"
    idle_timeout: int | None = 30 * MINUTE
    absolute_lifetime: int | None = 12 * HOUR
    renew_after: float | None = 0.25
    max_session_lifetime: int | None = None
    not_before: int | float | datetime.datetime | None = None
    clock_skew: int = 60
    persistent: bool = True
    path: str = "/"
    domain: str | None = None
    secure: bool = False
    http_only: bool = True
    same_site: SameSite | None = "lax"
    partitioned: bool = False
    max_cookie_size: int = BROWSER_COOKIE_LIMIT
    max_chunks: int = 1
    clear_invalid: bool = True
    serializer: Serializer = field(default=JSON, repr=False)
    cookie_style: CookieStyle = field(default=CANONICAL_COOKIE_STYLE, repr=False)
    legacy_cookies: LegacyCookies | None = field(default=None, repr=False)
    write_identity: bool = True
    revocations: Revocations | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._check_keys()
        self._check_name()
        self._check_lifetimes()
        self._check_attributes()
        self._check_size()
        self._check_switching()
        self._check_revocations()

    def _check_keys(self) -> None:
        if not isinstance(self.keys, KeyRing):
            raise ConfigurationError(
                "keys must be a KeyRing, e.g. KeyRing([key]) or KeyRing.from_env(); "
                "generate a key with `client-session keygen`"
            )

    def _check_name(self) -> None:
        name = self.cookie_name
        if not isinstance(name, str) or not _TOKEN.fullmatch(name):
            raise ConfigurationError(
                Option("cookie_name"),
                f" {name!r} is not a cookie name: use letters, digits and "
                "!#$%&'*+-.^_`|~ only (RFC 6265 section 4.1.1)",
            )
        # RFC 6265bis section 4.1.3: the prefixes are promises the browser enforces, and it
        # matches them case-insensitively (section 5.7), so "__HOST-" is held to them too.
        prefix = name[:9].lower()
        if prefix.startswith("__secure-") and not self.secure:
            raise ConfigurationError(
                Option("cookie_name"),
                f" {name!r} has the __Secure- prefix, which browsers only accept "
                "with the Secure attribute: set ",
                Option("secure", True),
            )
        if prefix.startswith("__host-") and (
            not self.secure or self.path != "/" or self.domain is not None
        ):
            raise ConfigurationError(
                Option("cookie_name"),
                f" {name!r} has the __Host- prefix, which browsers only accept with ",
                Option("secure", True),
                ", ",
                Option("path", "/"),
                " and no ",
                Option("domain"),
                ": set those, or drop the prefix",
            )

    def _normalize_not_before(self) -> None:
        value = self.not_before
        if isinstance(value, datetime.datetime) and value.tzinfo is None:
            raise ConfigurationError(
                Option("not_before"),
                f" {value!r} has no time zone: give an aware datetime "
                "(datetime.now(timezone.utc)) or time.time()",
            )
        object.__setattr__(self, "not_before", whole_seconds(value))

    def _check_lifetimes(self) -> None:
        self._normalize_not_before()
        for label in ("idle_timeout", "absolute_lifetime", "not_before"):
            value = getattr(self, label)
            if value is not None and (not _is_int(value) or value <= 0):
                raise ConfigurationError(
                    Option(label),
                    f" must be a positive whole number of seconds or None, not {value!r}",
                )
        if self.idle_timeout is None and self.absolute_lifetime is None:
            raise ConfigurationError(
                Option("idle_timeout"),
                " and ",
                Option("absolute_lifetime"),
                " are both None, so a stolen cookie would never expire: set at least one of "
                "them (in seconds)",
            )
        if (
            self.idle_timeout is not None
            and self.absolute_lifetime is not None
            and self.idle_timeout > self.absolute_lifetime
        ):
            raise ConfigurationError(
                Option("idle_timeout"),
                f" ({self.idle_timeout} s) is longer than ",
                Option("absolute_lifetime"),
                f" ({self.absolute_lifetime} s), so it could never apply: shorten it, or "
                "lengthen the absolute lifetime",
            )
        self._check_renew_after()
        self._check_max_session_lifetime()
        if not _is_int(self.clock_skew) or not 0 <= self.clock_skew <= 600:
            raise ConfigurationError(
                Option("clock_skew"), f" must be between 0 and 600 seconds, not {self.clock_skew!r}"
            )

    def _check_renew_after(self) -> None:
        renew_after = self.renew_after
        if renew_after is None:
            return
        if renew_after == 1 and not isinstance(renew_after, bool):
            # The idle check refuses a cookie at now - issued_at >= idle_timeout, so a
            # renewal due at that moment never comes: say "never" as None.
            raise ConfigurationError(
                "renew_after=1 would re-issue a session only once it has expired, that is "
                "never: write renew_after=None to never re-issue an unchanged session"
            )
        if (
            isinstance(renew_after, bool)
            or not isinstance(renew_after, (int, float))
            or not 0.0 <= renew_after < 1.0
        ):
            raise ConfigurationError(
                f"renew_after is a fraction of idle_timeout from 0 (renew on every request) "
                f"up to, not including, 1, or None (never renew an unchanged session), not "
                f"{renew_after!r}"
            )

    def _check_max_session_lifetime(self) -> None:
        ceiling = self.max_session_lifetime
        if ceiling is None:
            return
        if not _is_int(ceiling) or not 0 < ceiling < 2**32:
            raise ConfigurationError(
                Option("max_session_lifetime"),
                " must be a positive whole number of seconds (below 2**32) or None, not "
                f"{ceiling!r}",
            )
        for label in ("idle_timeout", "absolute_lifetime"):
            value = getattr(self, label)
            if value is not None and value > ceiling:
                raise ConfigurationError(
                    Option("max_session_lifetime"),
                    f" ({ceiling} s) is shorter than ",
                    Option(label),
                    f" ({value} s), so it would cut sessions that keep the policy's own "
                    f"lifetime: raise it to at least {value}, or set it to None",
                )

    @property
    def not_before_seconds(self) -> int | None:
        """``not_before`` as the whole seconds since the epoch that construction made of it."""
        value = self.not_before
        return value if isinstance(value, int) else None

    @property
    def session_lifetime_ceiling(self) -> int:
        """The age in seconds at which a session with its own lifetime ends at the latest,
        and the longest lifetime ``Session.set_lifetime`` may give it."""
        if self.max_session_lifetime is not None:
            return self.max_session_lifetime
        if self.absolute_lifetime is not None:
            return self.absolute_lifetime
        return self.idle_timeout or 0  # at least one of them is set (checked above)

    def _check_attributes(self) -> None:
        if (
            not isinstance(self.path, str)
            or not _ATTRIBUTE_VALUE.fullmatch(self.path)
            or not self.path.startswith("/")
        ):
            raise ConfigurationError(
                Option("path"),
                f" {self.path!r} must start with '/' and hold no ';', space or control character",
            )
        if self.domain is not None and (
            not isinstance(self.domain, str) or not _ATTRIBUTE_VALUE.fullmatch(self.domain)
        ):
            raise ConfigurationError(
                Option("domain"),
                f" {self.domain!r} must be a host name such as 'example.com' or None",
            )
        if self.same_site not in ("lax", "strict", "none", None):
            raise ConfigurationError(
                Option("same_site"),
                f" must be 'lax', 'strict', 'none' or None, not {self.same_site!r}",
            )
        if self.same_site == "none" and not self.secure:
            raise ConfigurationError(
                Option("same_site", "none"),
                " needs ",
                Option("secure", True),
                ": browsers reject SameSite=None cookies without the Secure attribute",
            )
        if self.partitioned and not self.secure:
            raise ConfigurationError(
                Option("partitioned", True),
                " needs ",
                Option("secure", True),
                ": browsers accept Partitioned (CHIPS) cookies only with the Secure attribute",
            )

    def _check_size(self) -> None:
        if (
            not _is_int(self.max_cookie_size)
            or not 512 <= self.max_cookie_size <= BROWSER_COOKIE_LIMIT
        ):
            raise ConfigurationError(
                Option("max_cookie_size"),
                f" must be between 512 and {BROWSER_COOKIE_LIMIT} bytes "
                f"(browsers drop larger cookies), not {self.max_cookie_size!r}",
            )
        if not _is_int(self.max_chunks) or not 1 <= self.max_chunks <= MAX_CHUNKS:
            raise ConfigurationError(
                Option("max_chunks"),
                f" must be between 1 (no chunking) and {MAX_CHUNKS}, not "
                f"{self.max_chunks!r}; servers refuse requests whose Cookie header grows "
                "much beyond 8 KB",
            )

    def _check_switching(self) -> None:
        if not isinstance(self.cookie_style, CookieStyle):
            raise ConfigurationError(
                f"cookie_style must be a CookieStyle, not {type(self.cookie_style).__name__}"
            )
        if not isinstance(self.write_identity, bool):
            raise ConfigurationError(
                Option("write_identity"),
                f" must be True or False, not {self.write_identity!r}",
            )
        if self.legacy_cookies is not None and not isinstance(self.legacy_cookies, LegacyCookies):
            raise ConfigurationError(
                "legacy_cookies must be a LegacyCookies (each adapter builds one for its "
                f"framework's cookies) or None, not {type(self.legacy_cookies).__name__}"
            )

    def _check_revocations(self) -> None:
        revocations = self.revocations
        if revocations is None:
            return
        if not isinstance(revocations, Revocations):
            raise ConfigurationError(
                Option("revocations"),
                " must be a Revocations (client_session_core.revocation) or None, not "
                f"{type(revocations).__name__}",
            )
        if not self.write_identity:
            # A revocation names a session by the id its cookie carries, and the user by the
            # one bound beside it: sessions sealed without them could never be refused.
            raise ConfigurationError(
                Option("revocations"),
                " needs ",
                Option("write_identity", True),
                ": a revocation refuses a session by the identity sealed in its cookie, and "
                "new sessions get none while identities are not written; finish the upgrade "
                "first (every server on this release, then write_identity on everywhere), and "
                "add revocations after it",
            )
        if self.absolute_lifetime is None:
            # A revocation is kept until the session it refuses can no longer be alive; with
            # an idle timeout alone a session in use lives for ever, and so would it.
            raise ConfigurationError(
                Option("revocations"),
                " needs ",
                Option("absolute_lifetime"),
                ": without it a session in use never ends, so a revocation could never be "
                "dropped from the store; set an absolute lifetime (in seconds)",
            )
        # A user's "not before" must outlast every session of that user it refuses.
        revocations.cover(self.session_lifetime_ceiling + self.clock_skew)

    def chunk_name(self, index: int) -> str:
        """The name of chunk cookie ``index`` (from 1): ``<cookie_name>C<index>``."""
        return f"{self.cookie_name}C{index}"

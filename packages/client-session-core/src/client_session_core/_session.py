"""The session object: a dict that knows whether it was read and whether it changed."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from ._errors import InvalidReason
from ._serializer import JSON, Serializer

__all__ = ["CookieOrigin", "Session"]


class CookieOrigin(NamedTuple):
    """What the request's cookies held, as the codec found them (one per request)."""

    plaintext: bytes | None = None
    """The serialized session that was opened, or None for a new session."""
    created_at: int = 0
    """When the opened session was first sealed (or last cleared); 0 for a new one."""
    issued_at: int = 0
    """When the opened cookie was sealed; 0 for a new session."""
    persistent: bool = True
    """Whether the opened cookie was persistent; for a new session, the policy's default."""
    needs_rekey: bool = False
    """Opened with a key that is not the primary: reseal on the next response."""
    rejected: InvalidReason | None = None
    """Why a cookie that was present did not open."""
    chunk_cookies: int = 0
    """How many chunk cookies (``<name>C1``...) the request carried."""
    cookie_present: bool = False
    lifetime: tuple[int, int] | None = None
    """The opened cookie's own (idle, absolute) seconds, 0 meaning none; None when it
    followed the policy's lifetimes (and for a new session)."""


def cookie_origin(
    *,
    plaintext: bytes | None = None,
    created_at: int = 0,
    issued_at: int = 0,
    persistent: bool = True,
    needs_rekey: bool = False,
    rejected: InvalidReason | None = None,
    chunk_cookies: int = 0,
    cookie_present: bool = False,
    lifetime: tuple[int, int] | None = None,
) -> CookieOrigin:
    """``CookieOrigin(...)`` with the same keywords, for the codec's request path.

    A named tuple's own ``__new__`` is Python code that the compiled build cannot compile
    (about 15 interpreted opcodes a request); ``tuple.__new__`` here runs in C. The fields
    are in the class's order, which a test checks against ``CookieOrigin``'s.
    """
    fields = (
        plaintext,
        created_at,
        issued_at,
        persistent,
        needs_rekey,
        rejected,
        chunk_cookies,
        cookie_present,
        lifetime,
    )
    return tuple.__new__(CookieOrigin, fields)


def _seconds(label: str, value: object) -> int:
    # 0 is how the wire says "none", so a lifetime of 0 seconds is refused rather than
    # silently read as "no limit"; bool is an int subclass, but True seconds is a mistake.
    if value is None:
        return 0
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{label} is whole seconds (an int) or None, not {value!r}")
    if not 0 < value < 2**32:
        raise ValueError(
            f"{label} is a positive whole number of seconds (below 2**32) or None, not {value!r}"
        )
    return value


_NEW = CookieOrigin()


class Session(dict[str, Any]):
    """A session: a ``dict`` of JSON values with change tracking.

    - ``accessed`` is true once anything read or wrote the session (adapters then send
      ``Vary: Cookie``);
    - ``modified`` is true once a method that changes a dict was called (``[k] = v``,
      ``del``, ``pop`` of a present key, ``popitem``, ``setdefault`` of a missing key,
      ``update``, ``|=``, ``clear``), as Starlette's and Flask's sessions say, or when the
      content differs from what the cookie held (a change inside a nested value:
      ``session["cart"].append(item)`` is saved), or once :meth:`mark_modified` was called.
      The cookie itself is written when the content changed (``Session.changed``);
    - ``new`` is true when the request carried no valid session cookie;
    - ``persistent`` chooses a cookie with ``Max-Age`` (true) or a browser-session
      cookie (false), per session;
    - :meth:`set_lifetime` gives this session its own idle timeout and absolute lifetime
      ("remember me"), sealed in its cookie and enforced by the server.

    It subclasses ``dict`` so that ``json.dumps(session)`` and frameworks that test for
    ``dict`` keep working, as with Starlette's and Flask's session classes.
    """

    __slots__ = (
        "_accessed",
        "_baseline",
        "_cleared",
        "_forced",
        "_lifetime",
        "_mutated",
        "_origin",
        "_persistent",
        "_serializer",
    )

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        origin: CookieOrigin = _NEW,
        persistent: bool | None = None,
        serializer: Serializer = JSON,
    ) -> None:
        self._baseline: bytes | None = b""
        if data:
            dict.update(self, data)
            if origin.plaintext is None:
                # Made by hand rather than by the codec (``Session({"a": 1})``, as
                # Starlette's own tests make one): it held what it was made with.
                self._baseline = _serialized_or_none(serializer, data)
        self._origin = origin
        self._accessed = False
        self._forced = False
        self._cleared = False
        self._mutated = False
        self._persistent = origin.persistent if persistent is None else persistent
        self._lifetime = origin.lifetime
        self._serializer = serializer

    # -- state ---------------------------------------------------------------------------

    @property
    def accessed(self) -> bool:
        """True once the session was read or written in this request."""
        return self._accessed

    @property
    def new(self) -> bool:
        """True when no valid session cookie came with the request."""
        return self._origin.plaintext is None

    @property
    def rejected(self) -> InvalidReason | None:
        """Why the request's session cookie was refused, if it was (for logs and metrics)."""
        return self._origin.rejected

    @property
    def created_at(self) -> int | None:
        """When this session was first sealed (seconds since the epoch), if it was."""
        return None if self.new else self._origin.created_at

    @property
    def modified(self) -> bool:
        """True once a dict method changed the session (:attr:`mutated`), when its content
        differs from the cookie's, or when a save was forced."""
        if self._mutated:
            return True
        if not self._accessed:  # clear() and a forced save record an access too
            return False
        try:
            content = self.serialized()
        except (TypeError, ValueError):
            return True  # the commit will raise, naming the value it cannot write
        return self.changed(content)

    @modified.setter
    def modified(self, value: bool) -> None:
        # Flask's idiom, ``session.modified = True``, forces a save. The codec writes only
        # sessions that were accessed, so forcing a save also records an access.
        self._forced = bool(value)
        if self._forced:
            self._accessed = True

    @property
    def mutated(self) -> bool:
        """True once a method that changes a dict was called on the session in this request,
        whether or not the content ends up different (Flask's ``modified`` rule; assigning
        an equal value counts). Nested changes are not method calls: see :attr:`modified`."""
        return self._mutated

    @property
    def persistent(self) -> bool:
        """True for a cookie that outlives the browser session (it carries ``Max-Age``)."""
        return self._persistent

    @persistent.setter
    def persistent(self, value: bool) -> None:
        self._accessed = True
        self._persistent = bool(value)

    @property
    def lifetime(self) -> tuple[int | None, int | None] | None:
        """This session's own ``(idle_timeout, absolute_lifetime)`` in seconds (None for
        "none"), or None when the policy's lifetimes apply."""
        own = self._lifetime
        if own is None:
            return None
        return (own[0] or None, own[1] or None)

    @property
    def sealed_lifetime(self) -> tuple[int, int] | None:
        """:attr:`lifetime` as the cookie's header holds it: 0 for "none"."""
        return self._lifetime

    def set_lifetime(
        self, *, idle_timeout: int | None = None, absolute_lifetime: int | None = None
    ) -> None:
        """Give this session its own lifetime instead of the policy's ("remember me").

        Both are seconds, counted as the policy's are: ``idle_timeout`` from the cookie's
        last issue, ``absolute_lifetime`` from the session's creation (its ``created_at``:
        a deadline at a given moment is ``deadline - created_at``). None means none, but
        not both. They are sealed into the cookie's authenticated header, so the server
        enforces them; each may be at most the policy's ``max_session_lifetime``, which
        also ends the session at that age whatever they say (:class:`LifetimeTooLong` at
        commit otherwise). The cookie's Max-Age follows. A new lifetime is a change.
        """
        idle = _seconds("idle_timeout", idle_timeout)
        absolute = _seconds("absolute_lifetime", absolute_lifetime)
        if not idle and not absolute:
            raise ValueError(
                "set_lifetime() needs idle_timeout, absolute_lifetime or both (seconds); "
                "reset_lifetime() returns the session to the policy's lifetimes"
            )
        if idle and absolute and idle > absolute:
            raise ValueError(
                f"idle_timeout ({idle} s) is longer than absolute_lifetime ({absolute} s), so "
                "it could never apply: shorten it, or pass idle_timeout=None"
            )
        self._accessed = True
        self._lifetime = (idle, absolute)

    def reset_lifetime(self) -> None:
        """Return this session to the policy's idle timeout and absolute lifetime."""
        self._accessed = True
        self._lifetime = None

    def mark_accessed(self) -> None:
        """Record a read (Starlette's ``request.session`` calls this)."""
        self._accessed = True

    def mark_modified(self) -> None:
        """Force the session to be saved on this response."""
        self._accessed = True
        self._forced = True

    # -- reads ---------------------------------------------------------------------------

    def __getitem__(self, key: str) -> Any:
        self._accessed = True
        return dict.__getitem__(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        self._accessed = True
        return dict.get(self, key, default)

    def __contains__(self, key: object) -> bool:
        self._accessed = True
        return dict.__contains__(self, key)

    def __iter__(self) -> Iterator[str]:
        self._accessed = True
        return dict.__iter__(self)

    def __len__(self) -> int:
        self._accessed = True
        return dict.__len__(self)

    def keys(self) -> Any:
        self._accessed = True
        return dict.keys(self)

    def values(self) -> Any:
        self._accessed = True
        return dict.values(self)

    def items(self) -> Any:
        self._accessed = True
        return dict.items(self)

    def copy(self) -> dict[str, Any]:
        """A plain ``dict`` copy (shallow)."""
        self._accessed = True
        return dict(dict.items(self))

    def __repr__(self) -> str:
        return f"Session({dict(dict.items(self))!r})"

    # -- writes: each marks the session mutated, as Starlette's and Flask's do; whether the
    # cookie is written is decided by comparing content at commit time (changed()) ---------

    def __setitem__(self, key: str, value: Any) -> None:
        if not isinstance(key, str):
            raise TypeError(f"session keys are strings, not {type(key).__name__}")
        self._accessed = True
        self._mutated = True
        dict.__setitem__(self, key, value)

    def __delitem__(self, key: str) -> None:
        self._accessed = True
        self._mutated = True
        dict.__delitem__(self, key)

    def pop(self, key: str, *default: Any) -> Any:
        # Popping a missing key changes nothing and, as in Starlette and Flask, reads
        # nothing either.
        if dict.__contains__(self, key):
            self._accessed = True
            self._mutated = True
        return dict.pop(self, key, *default)

    def popitem(self) -> tuple[str, Any]:
        self._accessed = True
        item = dict.popitem(self)  # KeyError on an empty session, which then stays unchanged
        self._mutated = True
        return item

    def setdefault(self, key: str, default: Any = None) -> Any:
        self._accessed = True
        if not dict.__contains__(self, key):
            self[key] = default
        return dict.__getitem__(self, key)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._accessed = True
        self._mutated = True
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def __ior__(self, other: Any) -> Session:  # type: ignore[override,misc]
        self.update(other)
        return self

    def clear(self) -> None:
        """Empty the session. The next response deletes the cookie, and a session
        filled again afterwards starts a new absolute lifetime (as after a logout), under
        the policy's lifetimes unless :meth:`set_lifetime` is called again."""
        self._accessed = True
        self._cleared = True
        self._mutated = True
        self._lifetime = None
        dict.clear(self)

    # -- what the codec decides from -------------------------------------------------------

    @property
    def origin(self) -> CookieOrigin:
        """What the request's cookies held (for the codec, and for diagnostics)."""
        return self._origin

    @property
    def was_cleared(self) -> bool:
        """True once :meth:`clear` ran in this request."""
        return self._cleared

    @property
    def forced(self) -> bool:
        """True once a save was forced with :meth:`mark_modified` or ``modified = True``."""
        return self._forced

    def data(self) -> dict[str, Any]:
        """The content as a plain dict, without marking the session accessed."""
        # dict.copy(self) would go through keys() and __getitem__, overridden here.
        return dict(dict.items(self))

    def serialized(self) -> bytes:
        """The content as its serializer writes it, ``b""`` when empty, without marking
        the session accessed. :class:`UnserializableValue` names a value it cannot write."""
        data = self.data()
        return self._serializer.dumps(data) if data else b""

    def changed(self, content: bytes) -> bool:
        """Whether this session, whose content serializes to ``content``, differs from
        what its cookie held: the one rule for "did the session change?".

        It did when a save was forced, when it was cleared, when a new session holds
        anything, and when an opened session's content, persistence or own lifetime
        differs from the cookie's. Nested changes count (``session["cart"].append(item)``):
        the content is compared as bytes, not tracked by assignment.
        """
        if self._forced or self._cleared:
            return True
        origin = self._origin
        if origin.plaintext is None:
            return content != self._baseline
        return (
            content != origin.plaintext
            or self._persistent != origin.persistent
            or self._lifetime != origin.lifetime
        )


def _serialized_or_none(serializer: Serializer, data: Mapping[str, Any]) -> bytes | None:
    # None (unlike any content) when the serializer refuses the data: then any content
    # differs from it, and the commit names the value it cannot write.
    try:
        return serializer.dumps(data)
    except (TypeError, ValueError):
        return None

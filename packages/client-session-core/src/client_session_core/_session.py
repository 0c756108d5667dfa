"""The session object: a dict that knows whether it was read and whether it changed."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import Any, Final

from ._envelope import MAX_USER_ID_SIZE, SESSION_ID_SIZE, b64encode
from ._errors import ConfigurationError, InvalidReason, Option
from ._serializer import JSON, Serializer, dumps_with

__all__ = ["CookieOrigin", "Session", "SessionState"]


class CookieOrigin:
    """What the request's cookies held, as the codec found them (one per request).

    Built with keywords, every field defaulting to a new session's; read-only by
    convention, as the codec shares one instance between every new session.
    """

    __slots__ = (
        "chunk_cookies",
        "cookie_present",
        "created_at",
        "issued_at",
        "lifetime",
        "needs_rekey",
        "persistent",
        "plaintext",
        "rejected",
        "session_id",
        "user_id",
        "write_identity",
    )

    def __init__(
        self,
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
        session_id: bytes | None = None,
        user_id: str | None = None,
        write_identity: bool = True,
    ) -> None:
        self.plaintext = plaintext
        """The serialized session that was opened, or None for a new session."""
        self.created_at = created_at
        """When the opened session was first sealed (or last cleared); 0 for a new one."""
        self.issued_at = issued_at
        """When the opened cookie was sealed; 0 for a new session."""
        self.persistent = persistent
        """Whether the opened cookie was persistent; for a new session, the policy's default."""
        self.needs_rekey = needs_rekey
        """Opened with a key that is not the primary: reseal on the next response."""
        self.rejected = rejected
        """Why a cookie that was present did not open."""
        self.chunk_cookies = chunk_cookies
        """How many chunk cookies (``<name>C1``...) the request carried."""
        self.cookie_present = cookie_present
        """Whether the request carried the session cookie (or its chunks) at all."""
        self.lifetime = lifetime
        """The opened cookie's own (idle, absolute) seconds, 0 meaning none; None when it
        followed the policy's lifetimes (and for a new session)."""
        self.session_id = session_id
        """The opened cookie's session id (16 bytes); None for a new session, and for a
        cookie sealed without one (by a release before identities)."""
        self.user_id = user_id
        """The user the opened cookie's session was bound to; None when unbound."""
        self.write_identity = write_identity
        """The policy's ``write_identity``: when false, a session without an identity (a new
        one, or one opened from a cookie sealed before identities) is sealed without one,
        and :attr:`Session.id` and :meth:`Session.bind_user` refuse to run."""

    def __repr__(self) -> str:
        return (
            f"CookieOrigin(plaintext={self.plaintext!r}, created_at={self.created_at!r}, "
            f"issued_at={self.issued_at!r}, persistent={self.persistent!r}, "
            f"needs_rekey={self.needs_rekey!r}, rejected={self.rejected!r}, "
            f"chunk_cookies={self.chunk_cookies!r}, cookie_present={self.cookie_present!r}, "
            f"lifetime={self.lifetime!r}, user_id={self.user_id!r}, "
            f"write_identity={self.write_identity!r})"
        )


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


def new_session_id() -> bytes:
    """16 bytes from the operating system's CSPRNG: a session id (128 bits, so that two
    sessions never share one and nobody guesses one)."""
    return os.urandom(SESSION_ID_SIZE)


def _check_user_id(user_id: object) -> str | None:
    # What the identity block can hold (docs/wire-format.md, "Identity"): refused here, where
    # the application binds it, rather than at the commit.
    if user_id is None:
        return None
    if not isinstance(user_id, str):
        raise TypeError(
            f"a user id is a str (str(user.pk) for a number) or None, not {type(user_id).__name__}"
        )
    try:
        size = len(user_id.encode("utf-8"))
    except UnicodeEncodeError:
        raise ValueError(
            "a user id must be valid Unicode text (it holds a lone surrogate)"
        ) from None
    if not 0 < size <= MAX_USER_ID_SIZE:
        raise ValueError(
            f"a user id is 1 to {MAX_USER_ID_SIZE} bytes of UTF-8, not {size}: bind the "
            "user's primary key, or a digest of a longer identifier"
        )
    return user_id


def _identities_not_written(what: str) -> ConfigurationError:
    # Raised whatever the request's cookie holds, so that an application finds it in its
    # first test rather than on the few requests whose cookie happens to carry an identity.
    return ConfigurationError(
        f"{what} needs session identities, and this policy does not write them yet (",
        Option("write_identity", False),
        ", the first step of an upgrade, readers first): set ",
        Option("write_identity", True),
        " once every server runs this release, then use it (docs/migrating.md, "
        '"Session identities, readers first")',
    )


_NEW = CookieOrigin()

# The values a session hands out that nobody can change in place: any other (a list, a dict,
# a serializer's own type) may be changed through a reference kept from the session.
_IMMUTABLE: Final = frozenset({str, int, float, bool, type(None)})

# dict's own methods, which Session's overrides call on itself, read once: the compiled build
# calls each as the object it is, where ``dict.get(self, ...)`` would look the method up on
# ``dict`` on every call, the most frequent work a session does.
_dict_clear: Final = dict.clear
_dict_contains: Final = dict.__contains__
_dict_delitem: Final = dict.__delitem__
_dict_get: Final = dict.get
_dict_getitem: Final = dict.__getitem__
_dict_items: Final = dict.items
_dict_iter: Final = dict.__iter__
_dict_keys: Final = dict.keys
_dict_len: Final = dict.__len__
_dict_pop: Final = dict.pop
_dict_popitem: Final = dict.popitem
_dict_setitem: Final = dict.__setitem__
_dict_update: Final = dict.update
_dict_values: Final = dict.values

# What a commit left the browser holding: content (None when the session was unused), its
# persistence and own lifetime, whether a save had been forced, its session id and user id.
_Saved = tuple[bytes | None, bool, tuple[int, int] | None, bool, bytes | None, str | None]


class SessionState:
    """A session's bookkeeping beside its content: what it was opened from and what happened
    to it since (one per session, made with it).

    Apart from :class:`Session` for speed: mypyc compiles a ``dict`` subclass as an ordinary
    Python class, whose every attribute is an entry of its instance ``__dict__``, read and
    written through the type's attribute lookup; this class it compiles to a C struct. A
    session's methods then do one lookup (``self._state``) however many fields they touch,
    and the codec reads a session's fields as C reads a struct member.
    """

    __slots__ = (
        "accessed",
        "baseline",
        "cleared",
        "committed",
        "forced",
        "id",
        "lent",
        "lifetime",
        "mutated",
        "origin",
        "persistent",
        "regenerated",
        "saved",
        "serializer",
        "user_id",
        "was_mutated",
    )

    def __init__(
        self,
        origin: CookieOrigin,
        persistent: bool,
        serializer: Serializer,
        baseline: bytes | None,
    ) -> None:
        self.origin = origin
        self.persistent = persistent
        self.serializer = serializer
        # A session made by hand with content (not opened from a cookie): that content's
        # serialization, against which a change is measured (None when it cannot serialize).
        self.baseline = baseline
        self.accessed = False
        self.forced = False
        self.cleared = False
        self.mutated = False
        self.lifetime = origin.lifetime
        # The identity: the cookie's (None for a new session, or an old cookie without one,
        # until asked for or sealed), and whether regenerate() started a new one.
        self.id = origin.session_id
        self.user_id = origin.user_id
        self.regenerated = False
        # Once the codec committed the session: what that commit left the browser holding
        # (None when it could save nothing), and whether a dict method changed it before
        # (then `mutated` counts such calls since). Whether a value that can change in place
        # (a list, a dict) was handed out or stored: a change may then come without a call.
        self.committed = False
        self.saved: _Saved | None = None
        self.was_mutated = False
        self.lent = False

    def sealed_id(self) -> bytes:
        """:attr:`Session.sealed_id`."""
        current = self.id
        if current is None:
            if not self.origin.write_identity:
                raise _identities_not_written("the session's id")
            current = self.id = new_session_id()
        return current

    def sealed_identity(self) -> tuple[bytes, str | None] | None:
        """:attr:`Session.sealed_identity`."""
        if self.id is None and not self.origin.write_identity:
            return None
        return (self.sealed_id(), self.user_id)

    def differs(self, content: bytes) -> bool:
        """Whether the session, whose content serializes to ``content``, differs from what
        the request's cookie held: a forced save, a ``clear()``, a ``regenerate()``, a new
        session that holds anything, or an opened one whose bytes, persistence, own lifetime
        or user are not the cookie's. The codec's decision (``_commit.decide``),
        :attr:`Session.unsaved` and :attr:`Session.modified` all ask this."""
        if self.forced or self.cleared or self.regenerated:
            return True
        origin = self.origin
        if origin.plaintext is None:
            return content != self.baseline
        return (
            content != origin.plaintext
            or self.persistent != origin.persistent
            or self.lifetime != origin.lifetime
            or self.user_id != origin.user_id
        )

    def content(self, session: dict[str, Any]) -> bytes:
        """:meth:`Session.serialized` of ``session``, the session this state belongs to."""
        data = dict(_dict_items(session))
        return dumps_with(self.serializer, data) if data else b""

    def note_commit(self, content: bytes | None, *, saved: bool = True) -> None:
        """The codec committed the session, with this content (None: unused); ``saved`` is
        false when the cookie's content could not be written back and the response left it.
        From here :attr:`Session.unsaved` measures against what the commit left the browser
        holding."""
        self.committed = True
        self.saved = (
            (content, self.persistent, self.lifetime, self.forced, self.id, self.user_id)
            if saved
            else None
        )
        self.was_mutated = self.was_mutated or self.mutated
        self.mutated = False


class Session(dict[str, Any]):
    """A session: a ``dict`` of JSON values with change tracking.

    - ``accessed`` is true once anything read or wrote the session (adapters then send
      ``Vary: Cookie``);
    - ``unsaved`` is the one change rule: the session holds a change that no cookie
      carries (the request's before the codec's commit, the commit's after it); adapters
      and the codec ask it. ``modified`` is the frameworks' flag: ``unsaved`` against the
      request's cookie, or any call of a method that changes a dict;
    - ``new`` is true when the request carried no valid session cookie;
    - ``persistent`` chooses a cookie with ``Max-Age`` (true) or a browser-session
      cookie (false), per session;
    - :meth:`set_lifetime` gives this session its own idle timeout and absolute lifetime
      ("remember me"), sealed in its cookie and enforced by the server;
    - :attr:`id` is the session's identity, random and kept for its whole life, sealed in its
      cookie where only the key reads it; :meth:`regenerate` starts a new one (at login),
      :meth:`bind_user` binds the signed-in user (:attr:`user_id`).

    It subclasses ``dict`` so that ``json.dumps(session)`` and frameworks that test for
    ``dict`` keep working, as with Starlette's and Flask's session classes.
    """

    __slots__ = ("_state",)

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        origin: CookieOrigin = _NEW,
        persistent: bool | None = None,
        serializer: Serializer = JSON,
    ) -> None:
        baseline: bytes | None = b""
        if data:
            _dict_update(self, data)
            if origin.plaintext is None:
                # Made by hand rather than by the codec (``Session({"a": 1})``, as
                # Starlette's own tests make one): it held what it was made with.
                baseline = _serialized_or_none(serializer, data)
        self._state = SessionState(
            origin, origin.persistent if persistent is None else persistent, serializer, baseline
        )

    # -- state ---------------------------------------------------------------------------

    @property
    def accessed(self) -> bool:
        """True once the session was read or written in this request."""
        return self._state.accessed

    @property
    def new(self) -> bool:
        """True when no valid session cookie came with the request."""
        return self._state.origin.plaintext is None

    @property
    def rejected(self) -> InvalidReason | None:
        """Why the request's session cookie was refused, if it was (for logs and metrics)."""
        return self._state.origin.rejected

    @property
    def created_at(self) -> int | None:
        """When this session was first sealed (seconds since the epoch), if it was."""
        return None if self.new else self._state.origin.created_at

    @property
    def modified(self) -> bool:
        """True once a method that changes a dict was called (``[k] = v``, ``del``, ``pop``
        of a present key, ``popitem``, ``setdefault`` of a missing key, ``update``, ``|=``,
        ``clear``; an equal value counts, as Starlette's and Flask's sessions say), or when
        the session differs from the request's cookie by the change rule (:attr:`unsaved`:
        ``session["cart"].append(item)`` counts). It stays true for the whole request, as
        the frameworks' flag does; ``modified = True`` forces a save."""
        state = self._state
        return state.mutated or state.was_mutated or self._differs_from_cookie()

    @modified.setter
    def modified(self, value: bool) -> None:
        # Flask's idiom, ``session.modified = True``, forces a save. The codec writes only
        # sessions that were accessed, so forcing a save also records an access.
        state = self._state
        state.forced = bool(value)
        if state.forced:
            state.accessed = True

    @property
    def unsaved(self) -> bool:
        """Whether the session holds a change that no cookie carries: the one change rule,
        which adapters ask (and the codec decides by).

        Until the codec commits the session, it is measured against the request's cookie:
        content that serializes to other bytes (a change inside a nested value counts), a
        new persistence or own lifetime, a ``clear()``, a :meth:`regenerate`, a new
        :meth:`bind_user`, a new session that holds anything, or a forced save
        (:meth:`mark_modified`, ``modified = True``). Once the codec committed it, it is
        measured against what that commit left the browser holding: content, persistence,
        own lifetime, identity or user that differ from it, or a save forced since. An
        adapter whose headers are already sent (a streamed body, a Tornado ``flush()``)
        asks it to tell a change that no response can carry any more;
        a session that no dict method changed since its commit, and that handed out no
        value which can change in place, answers without serializing.
        """
        state = self._state
        if not state.committed:
            return self._differs_from_cookie()
        saved = state.saved
        if saved is None:
            return False  # the commit could save nothing of it, and said so once
        content, persistent, lifetime, forced, session_id, user_id = saved
        if content is None:
            # Unused at the commit: anything since is measured against the request's cookie.
            return self._differs_from_cookie()
        if (
            state.persistent != persistent
            or state.lifetime != lifetime
            or state.user_id != user_id
            # An id first asked for after a commit that sealed nothing (an empty new session)
            # is no change: only a sealed id can be replaced.
            or (session_id is not None and state.id != session_id)
        ):
            return True
        if state.forced and not forced:
            return True
        if not state.mutated and not state.lent:
            # Content changes through a dict method (none called since the commit) or a
            # value handed out that can change in place (none was): reads change nothing.
            return False
        try:
            now = self.serialized()
        except (TypeError, ValueError):
            return True
        return now != content

    @property
    def mutated(self) -> bool:
        """True once a method that changes a dict was called on the session in this request,
        whether or not the content ends up different. Not a change rule (ask
        :attr:`unsaved`): Flask's adapter reads it for Flask's own "any assignment writes
        the cookie"."""
        state = self._state
        return state.mutated or state.was_mutated

    @property
    def persistent(self) -> bool:
        """True for a cookie that outlives the browser session (it carries ``Max-Age``)."""
        return self._state.persistent

    @persistent.setter
    def persistent(self, value: bool) -> None:
        state = self._state
        state.accessed = True
        state.persistent = bool(value)

    @property
    def lifetime(self) -> tuple[int | None, int | None] | None:
        """This session's own ``(idle_timeout, absolute_lifetime)`` in seconds (None for
        "none"), or None when the policy's lifetimes apply."""
        own = self._state.lifetime
        if own is None:
            return None
        return (own[0] or None, own[1] or None)

    @property
    def sealed_lifetime(self) -> tuple[int, int] | None:
        """:attr:`lifetime` as the cookie's header holds it: 0 for "none"."""
        return self._state.lifetime

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
        state = self._state
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
        state.accessed = True
        state.lifetime = (idle, absolute)

    def reset_lifetime(self) -> None:
        """Return this session to the policy's idle timeout and absolute lifetime."""
        state = self._state
        state.accessed = True
        state.lifetime = None

    # -- identity --------------------------------------------------------------------------

    @property
    def id(self) -> str:
        """This session's identifier: 22 characters of base64url (128 random bits).

        Made when the session starts (a new one has it as soon as it is asked for, and keeps
        it when first sealed), kept by every reseal and key rotation for the session's
        whole life, and sealed inside the encrypted part of the cookie, so that nobody
        without the key reads it. :meth:`regenerate` and a :meth:`clear` followed by new
        content start a new one. A session opened from a cookie sealed before identities
        gets one here, written on this response.

        While the policy's ``write_identity`` is False (an upgrade under way), reading it
        raises :class:`~client_session_core.ConfigurationError`, whatever the cookie holds."""
        state = self._state
        if not state.origin.write_identity:
            raise _identities_not_written("session.id")
        state.accessed = True
        return b64encode(self.sealed_id)

    @property
    def sealed_id(self) -> bytes:
        """:attr:`id` as the cookie holds it: 16 bytes (made now if the session had none),
        without marking the session accessed. While the policy's ``write_identity`` is
        False, the id the cookie carries, and :class:`~client_session_core.ConfigurationError`
        for a session that has none (none is made)."""
        return self._state.sealed_id()

    @property
    def sealed_identity(self) -> tuple[bytes, str | None] | None:
        """The (session id, user id) pair the commit seals as the cookie's identity block,
        without marking the session accessed: the session's id (made now if it had none),
        and its bound user. None, for a cookie without the block, when the policy's
        ``write_identity`` is False and the session has no id: an identity the cookie
        carried is kept whatever the option says."""
        return self._state.sealed_identity()

    @property
    def sealed_user_id(self) -> str | None:
        """:attr:`user_id`, without marking the session accessed."""
        return self._state.user_id

    @property
    def user_id(self) -> str | None:
        """The user bound to this session by :meth:`bind_user`, sealed in its cookie; None
        when none is."""
        state = self._state
        state.accessed = True
        return state.user_id

    def bind_user(self, user_id: str | None) -> None:
        """Bind the signed-in user to this session (at login), or unbind it (None).

        ``user_id`` is text of 1 to 128 bytes in UTF-8 (``str(user.pk)``), sealed with the
        session's identity, so that every session of one user can be ended at once (a
        per-user "not before"). A new binding is a change; :meth:`clear` unbinds. Bind it
        after :meth:`regenerate`, which keeps it, so that a login is both.

        While the policy's ``write_identity`` is False (an upgrade under way) it raises
        :class:`~client_session_core.ConfigurationError`, whatever the cookie holds: the
        binding could not be sealed in the cookies of new sessions."""
        state = self._state
        if not state.origin.write_identity:
            raise _identities_not_written("bind_user()")
        checked = _check_user_id(user_id)
        state.accessed = True
        state.user_id = checked

    def regenerate(self) -> None:
        """Start a new identity and a new lifetime for this session, keeping its content.

        The defence against session fixation: call it at login (and on any change of
        privilege), so that an identifier planted or seen before it is worth nothing after.
        The next response seals the session under a new :attr:`id`, with ``created_at`` at
        that response (its absolute lifetime starts again); its content, persistence, own
        lifetime and bound user are kept. A change, as :attr:`unsaved` and
        :attr:`modified` say. An empty session writes no cookie, whatever its identity.

        While the policy's ``write_identity`` is False (an upgrade under way) it still starts
        a new lifetime, so that a login's call works on every server; a session whose cookie
        carries an identity gets a new one, and a session without one is sealed without one."""
        state = self._state
        state.accessed = True
        state.regenerated = True
        if state.id is not None or state.origin.write_identity:
            state.id = new_session_id()

    @property
    def regenerated(self) -> bool:
        """True once :meth:`regenerate` ran in this request (the commit starts a new
        lifetime)."""
        return self._state.regenerated

    def mark_accessed(self) -> None:
        """Record a read (Starlette's ``request.session`` calls this)."""
        self._state.accessed = True

    def mark_modified(self) -> None:
        """Force the session to be saved on this response."""
        state = self._state
        state.accessed = True
        state.forced = True

    # -- reads ---------------------------------------------------------------------------

    def __getitem__(self, key: str) -> Any:
        state = self._state
        state.accessed = True
        value = _dict_getitem(self, key)
        if type(value) not in _IMMUTABLE:
            state.lent = True
        return value

    def get(self, key: str, default: Any = None) -> Any:
        state = self._state
        state.accessed = True
        value = _dict_get(self, key, default)
        if type(value) not in _IMMUTABLE:
            state.lent = True
        return value

    def __contains__(self, key: object) -> bool:
        self._state.accessed = True
        return _dict_contains(self, key)

    def __iter__(self) -> Iterator[str]:
        self._state.accessed = True
        return _dict_iter(self)

    def __len__(self) -> int:
        self._state.accessed = True
        return _dict_len(self)

    def keys(self) -> Any:
        self._state.accessed = True
        return _dict_keys(self)

    def values(self) -> Any:
        state = self._state
        state.accessed = True
        state.lent = True
        return _dict_values(self)

    def items(self) -> Any:
        state = self._state
        state.accessed = True
        state.lent = True
        return _dict_items(self)

    def copy(self) -> dict[str, Any]:
        """A plain ``dict`` copy (shallow)."""
        state = self._state
        state.accessed = True
        state.lent = True
        return dict(_dict_items(self))

    def __repr__(self) -> str:
        return f"Session({dict(_dict_items(self))!r})"

    # -- writes: each marks the session mutated, as Starlette's and Flask's do; whether the
    # cookie is written is decided by comparing content at commit time (_differs()) --------

    def __setitem__(self, key: str, value: Any) -> None:
        state = self._state
        if not isinstance(key, str):
            raise TypeError(f"session keys are strings, not {type(key).__name__}")
        state.accessed = True
        state.mutated = True
        if type(value) not in _IMMUTABLE:
            state.lent = True  # the caller keeps a reference it may change later
        _dict_setitem(self, key, value)

    def __delitem__(self, key: str) -> None:
        state = self._state
        state.accessed = True
        state.mutated = True
        _dict_delitem(self, key)

    def pop(self, key: str, *default: Any) -> Any:
        # Popping a missing key changes nothing and, as in Starlette and Flask, reads
        # nothing either.
        state = self._state
        if _dict_contains(self, key):
            state.accessed = True
            state.mutated = True
        return _dict_pop(self, key, *default)

    def popitem(self) -> tuple[str, Any]:
        state = self._state
        state.accessed = True
        item = _dict_popitem(self)  # KeyError on an empty session, which then stays unchanged
        state.mutated = True
        return item

    def setdefault(self, key: str, default: Any = None) -> Any:
        state = self._state
        state.accessed = True
        if not _dict_contains(self, key):
            self[key] = default
        value = _dict_getitem(self, key)
        if type(value) not in _IMMUTABLE:
            state.lent = True
        return value

    def update(self, *args: Any, **kwargs: Any) -> None:
        state = self._state
        state.accessed = True
        state.mutated = True
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def __ior__(self, other: Any) -> Session:  # type: ignore[override,misc]
        self.update(other)
        return self

    def clear(self) -> None:
        """Empty the session. The next response deletes the cookie, and a session
        filled again afterwards is a new session (as after a logout): a new :attr:`id`, no
        bound user, a new absolute lifetime, under the policy's lifetimes unless
        :meth:`set_lifetime` is called again."""
        state = self._state
        state.accessed = True
        state.cleared = True
        state.mutated = True
        state.lifetime = None
        state.id = None
        state.user_id = None
        _dict_clear(self)

    # -- what the codec decides from -------------------------------------------------------

    @property
    def origin(self) -> CookieOrigin:
        """What the request's cookies held (for the codec, and for diagnostics)."""
        return self._state.origin

    @property
    def was_cleared(self) -> bool:
        """True once :meth:`clear` ran in this request."""
        return self._state.cleared

    def data(self) -> dict[str, Any]:
        """The content as a plain dict (shallow), without marking the session accessed."""
        # dict.copy(self) would go through keys() and __getitem__, overridden here.
        self._state.lent = True
        return dict(_dict_items(self))

    def serialized(self) -> bytes:
        """The content as its serializer writes it, ``b""`` when empty, without marking
        the session accessed. :class:`UnserializableValue` names a value it cannot write."""
        return self._state.content(self)

    def _differs_from_cookie(self) -> bool:
        # The change rule against the request's cookie, for a session used at all.
        if not self._state.accessed:  # clear() and a forced save record an access too
            return False
        try:
            content = self.serialized()
        except (TypeError, ValueError):
            return True  # the commit will raise, naming the value it cannot write
        return self._state.differs(content)


def _serialized_or_none(serializer: Serializer, data: Mapping[str, Any]) -> bytes | None:
    # None (unlike any content) when the serializer refuses the data: then any content
    # differs from it, and the commit names the value it cannot write.
    try:
        return serializer.dumps(data)
    except (TypeError, ValueError):
        return None

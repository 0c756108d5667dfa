"""A key ring kept in a file (a mounted secret), re-read when the file changes.

A fleet rotates keys by changing one file on every server (a Kubernetes secret, a file
pushed by configuration management) instead of restarting them all at once. The file holds
a key list as ``CLIENT_SESSION_KEYS`` does (comma- or newline-separated, primary first,
docs/wire-format.md "Key text"), under the same strength rule.

:class:`KeyFile` is a :class:`KeyRing`, so every adapter that takes a ring takes one. It
looks at the file at most once per ``check_interval`` (one ``stat``, when the ring is used),
or at once on :meth:`KeyFile.reload` (from a signal handler, say). A file that changed is
read and judged whole: a new ring replaces the old only when every key of it is valid;
otherwise the old ring stays in force and the error is logged once, without key material.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator

from ._errors import ConfigurationError
from ._keys import Key, KeyRing

__all__ = ["KEYS_FILE_ENV", "KeyFile", "read_key_file"]

KEYS_FILE_ENV = "CLIENT_SESSION_KEYS_FILE"
DEFAULT_CHECK_INTERVAL = 1.0

logger = logging.getLogger("client_session")

# What tells that a file changed without reading it: a rename of a new file over it (how
# Kubernetes and most tools update a secret) changes the inode; an edit, the mtime or size.
_Stamp = tuple[int, int, int, int]


def _stamp(path: str) -> _Stamp:
    status = os.stat(path)
    return (status.st_ino, status.st_dev, status.st_mtime_ns, status.st_size)


def read_key_file(path: str | os.PathLike[str]) -> KeyRing:
    """The key ring that the file at ``path`` holds now; :class:`ConfigurationError` if it
    cannot be read or holds a weak, repeated or no key (the message names the file, never
    a key)."""
    name = os.fspath(path)
    try:
        with open(name, "rb") as file:
            data = file.read()
    except OSError as exc:
        raise ConfigurationError(
            f"the key file {name} cannot be read ({exc.strerror}): create it with "
            "`client-session keygen > FILE`, or mount the secret there"
        ) from None
    # Bytes that are not UTF-8 become lone surrogates, which Key.from_secret refuses with a
    # message that shows none of them (a decode error would quote the byte).
    text = data.decode("utf-8", errors="surrogateescape")
    return KeyRing.from_text(text, source=f"the key file {name}")


class KeyFile(KeyRing):
    """The key ring in the file at ``path``, re-read when the file changes.

    ::

        keys = KeyRing.from_file("/run/secrets/session-keys")
        policy = SessionPolicy(keys=keys)

    The file must be valid when this is built (a :class:`ConfigurationError` otherwise,
    as for any key ring). Afterwards a change is picked up within ``check_interval``
    seconds of the ring's use, or by :meth:`reload`. A :class:`SessionCodec` follows the
    file's ring: it seals under its primary, opens with its keys, and drops the subkeys of
    keys that left it (a :class:`Sealer` takes the ring of the moment it is built).
    ``monotonic`` is the clock of the checks (injected in tests).
    """

    __slots__ = (
        "_check_interval",
        "_lock",
        "_lock_pid",
        "_monotonic",
        "_next_check",
        "_path",
        "_ring",
        "_seen",
    )

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        check_interval: float = DEFAULT_CHECK_INTERVAL,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if not isinstance(check_interval, (int, float)) or not 0 < check_interval <= 3600:
            raise ConfigurationError(
                f"check_interval must be between 0 and 3600 seconds, not {check_interval!r}"
            )
        self._path = os.fspath(path)
        self._check_interval = float(check_interval)
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._lock_pid = os.getpid()
        self._seen = self._stamp_or_none()
        self._ring = read_key_file(self._path)
        self._next_check = monotonic() + self._check_interval

    @property
    def path(self) -> str:
        """The file this ring is read from."""
        return self._path

    @property
    def check_interval(self) -> float:
        """Seconds between two looks at the file (one ``stat``)."""
        return self._check_interval

    def current(self) -> KeyRing:
        """The ring in force: the file's, as of at most ``check_interval`` seconds ago."""
        if self._monotonic() >= self._next_check:
            self._check(force=False)
        return self._ring

    def reload(self) -> bool:
        """Read the file now, whether or not it looks changed (for a signal handler);
        True when the ring in force changed."""
        return self._check(force=True)

    def _check(self, *, force: bool) -> bool:
        if self._lock_pid != os.getpid():
            # A forked child (a pre-forking server's worker): the parent's lock may have been
            # held by a thread that does not exist here, and would never be released.
            self._lock, self._lock_pid = threading.Lock(), os.getpid()
        # One thread checks; the others go on with the ring in force rather than wait.
        if not self._lock.acquire(blocking=force):
            return False
        try:
            self._next_check = self._monotonic() + self._check_interval
            stamp = self._stamp_or_none()
            if not force and stamp == self._seen:
                return False
            self._seen = stamp
            return self._replace()
        finally:
            self._lock.release()

    def _stamp_or_none(self) -> _Stamp | None:
        try:
            return _stamp(self._path)
        except OSError:
            return None

    def _replace(self) -> bool:
        try:
            ring = read_key_file(self._path)
        except ConfigurationError as exc:
            # Logged once per change of the file; the message names it, never a key.
            logger.error(
                "the key file %s changed but cannot be used; the key ring in force (key ids "
                "%s) stays: %s",
                self._path,
                ", ".join(key.kid.hex() for key in self._ring),
                exc,
            )
            return False
        if [key.kid for key in ring] == [key.kid for key in self._ring]:
            return False
        logger.info(
            "the key file %s changed: key ids %s, primary first",
            self._path,
            ", ".join(key.kid.hex() for key in ring),
        )
        self._ring = ring
        return True

    # -- the KeyRing interface, answered by the ring in force ----------------------------------

    @property
    def primary(self) -> Key:
        """The key that seals new cookies."""
        return self.current().primary

    def find(self, kid: bytes) -> Key | None:
        """The key with id ``kid``, or None."""
        return self.current().find(kid)

    def __iter__(self) -> Iterator[Key]:
        return iter(self.current())

    def __len__(self) -> int:
        return len(self.current())

    def __repr__(self) -> str:
        kids = [key.kid.hex() for key in self._ring]
        return f"KeyFile({self._path!r}, {kids!r})"

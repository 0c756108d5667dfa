"""A key ring kept in a file (a mounted secret), re-read when the file changes.

A fleet rotates keys by changing one file on every server (a Kubernetes secret, a file
pushed by configuration management) instead of restarting them all at once. The file holds
a key list as ``CLIENT_SESSION_KEYS`` does (comma- or newline-separated, primary first,
docs/wire-format.md "Key text"), under the same strength rule, followed by the line
``# end of keys`` (docs/wire-format.md "Key file"): a file cut short, or half written over
an old one, lacks that line and is refused, never taken for another ring.

:class:`KeyFile` is a :class:`KeyRing`, so every adapter that takes a ring takes one. It
looks at the file at most once per ``check_interval`` (one ``stat``, when the ring is used),
or at once on :meth:`KeyFile.reload` (from a signal handler, say: it never waits for a lock).
A file that changed is read, and replaces the ring in force only when it ends with its end
line and every key of it is valid; otherwise the old ring stays and the error is logged once,
without key material. A file that other users can read or write is taken, with a WARNING.

:func:`write_key_file` writes one as a secret should be: a temporary file in the same
directory, flushed to disk, renamed over the old one (so a reader sees the old ring or the
new, whole), with the old file's mode and owner; a new file is readable by its owner alone.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import ClassVar

from ._errors import ConfigurationError
from ._keys import KEY_FILE_END_LINE, KEY_TEXT_WHITESPACE, Key, KeyRing

__all__ = [
    "KEYS_FILE_ENV",
    "KeyFile",
    "key_file_text",
    "key_list_in_file",
    "read_key_file",
    "read_key_file_text",
    "write_key_file",
]

KEYS_FILE_ENV = "CLIENT_SESSION_KEYS_FILE"
DEFAULT_CHECK_INTERVAL = 1.0
# A new key file: its owner reads and writes it, nobody else (whatever the umask).
NEW_FILE_MODE = 0o600
# Others may do anything, or the group may write: the file is no secret any more.
_EXPOSED_BITS = stat.S_IRWXO | stat.S_IWGRP
_HOW_TO_WRITE = (
    "write the file with `client-session keygen --write FILE` or "
    "`client-session keys add|promote|retire --write`, which end it so"
)

logger = logging.getLogger("client_session")

# What tells that a file changed without reading it: a rename of a new file over it (how
# Kubernetes and most tools update a secret) changes the inode; an edit, the mtime or size.
_Stamp = tuple[int, int, int, int]


def _stamp(path: str) -> _Stamp:
    status = os.stat(path)
    return (status.st_ino, status.st_dev, status.st_mtime_ns, status.st_size)


def key_file_text(keys: Iterable[str]) -> str:
    """The text of a key file holding ``keys`` (key texts or passphrases, primary first):
    one per line, then the end line."""
    return "".join(f"{key}\n" for key in keys) + f"{KEY_FILE_END_LINE}\n"


def key_list_in_file(text: str, *, source: str) -> str:
    """The key list of a key file's ``text``: what comes before its end line, which must be
    there, once, as its last line that is not blank; :class:`ConfigurationError` otherwise
    (``source`` names the file; no message shows a line of it)."""
    lines = text.split("\n")
    ends = [
        number
        for number, line in enumerate(lines)
        if line.strip(KEY_TEXT_WHITESPACE) == KEY_FILE_END_LINE
    ]
    if not ends:
        raise ConfigurationError(
            f"{source} does not end with the line {KEY_FILE_END_LINE!r}, so it may be cut "
            "short or half written, and is not used: once you checked that it holds every key, "
            f"append the line (echo '{KEY_FILE_END_LINE}' >> FILE), or {_HOW_TO_WRITE}"
        )
    if len(ends) > 1:
        raise ConfigurationError(
            f"{source} holds its end line {KEY_FILE_END_LINE!r} {len(ends)} times, and is not "
            f"used: keep the last one only, after the last key, or {_HOW_TO_WRITE}"
        )
    (end,) = ends
    if any(line.strip(KEY_TEXT_WHITESPACE) for line in lines[end + 1 :]):
        raise ConfigurationError(
            f"{source} has text after its end line {KEY_FILE_END_LINE!r}, and is not used: "
            f"the end line comes last, after every key; or {_HOW_TO_WRITE}"
        )
    return "\n".join(lines[:end])


def read_key_file_text(path: str | os.PathLike[str]) -> str:
    """The text of the key file at ``path`` (bytes that are not UTF-8 as lone surrogates,
    which a key refuses without showing them); :class:`ConfigurationError` if it cannot be
    read. A file that others can read or write is logged as a WARNING."""
    name = os.fspath(path)
    try:
        with open(name, "rb") as file:
            mode = os.fstat(file.fileno()).st_mode
            data = file.read()
    except OSError as exc:
        raise ConfigurationError(
            f"the key file {name} cannot be read ({exc.strerror}): create it with "
            "`client-session keygen --write FILE`, or mount the secret there"
        ) from None
    if os.name == "posix" and mode & _EXPOSED_BITS:
        # Once per load: at start-up, and when the file changed (never per request).
        logger.warning(
            "the key file %s has mode %04o: %s, and it holds secret keys; make it readable by "
            "the application's user alone: chmod 600 %s (for a Kubernetes secret, "
            "defaultMode: 0400)",
            name,
            stat.S_IMODE(mode),
            "other users can read or write it"
            if mode & stat.S_IRWXO
            else "users of its group can write it",
            name,
        )
    return data.decode("utf-8", errors="surrogateescape")


def read_key_file(path: str | os.PathLike[str]) -> KeyRing:
    """The key ring that the file at ``path`` holds now; :class:`ConfigurationError` if it
    cannot be read, does not end with its end line, or holds a weak, repeated or no key (the
    message names the file, never a key)."""
    source = f"the key file {os.fspath(path)}"
    text = key_list_in_file(read_key_file_text(path), source=source)
    return KeyRing.from_text(text, source=source)


def write_key_file(
    path: str | os.PathLike[str], keys: Iterable[str], *, exclusive: bool = False
) -> None:
    """Write ``keys`` (primary first) as the key file at ``path``, atomically and durably.

    The ring is checked first (:class:`ConfigurationError`, nothing written). A temporary
    file in the file's directory takes the old file's mode and owner (the owner as root
    only: anyone else gets a :class:`ConfigurationError` rather than a file its application
    may not read), is written and flushed to disk, then renamed over the old file, and the
    directory is flushed too; a new file is 0600 whatever the umask. ``exclusive``: refuse
    to replace a file that exists. A symbolic link is followed: its target is replaced.
    """
    name = os.fspath(path)
    text = key_file_text(keys)
    KeyRing.from_text(key_list_in_file(text, source="the new ring"), source="the new ring")
    target = os.path.realpath(name)
    try:
        existing: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        existing = None
    if existing is not None and exclusive:
        raise _exists(name)
    directory = os.path.dirname(target)
    # mkstemp makes the file 0600 whatever the umask, and never opens one that exists.
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=".keys-", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as file:
            if existing is not None:
                _take_mode_and_owner(file.fileno(), existing, name)
            file.write(text.encode("utf-8", errors="surrogateescape"))
            file.flush()
            os.fsync(file.fileno())
        if exclusive:
            try:
                os.link(temporary, target)  # fails, rather than replace, if it appeared
            except FileExistsError:
                raise _exists(name) from None
            os.unlink(temporary)
        else:
            os.replace(temporary, target)
        _sync_directory(directory)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _exists(name: str) -> ConfigurationError:
    return ConfigurationError(
        f"{name} exists already, and a new key file does not replace it: add a key to it "
        f"with `client-session keys add --write --keys-file {name}`, or remove it first"
    )


def _take_mode_and_owner(descriptor: int, existing: os.stat_result, name: str) -> None:
    if os.name != "posix":
        return
    os.fchmod(descriptor, stat.S_IMODE(existing.st_mode))
    written = os.fstat(descriptor)
    if (written.st_uid, written.st_gid) == (existing.st_uid, existing.st_gid):
        return
    # Only root gives a file to another user; an owner may give it to a group of theirs.
    if written.st_uid != existing.st_uid and os.geteuid() != 0:
        raise ConfigurationError(
            f"the key file {name} belongs to user {existing.st_uid}, and only root can give "
            f"the new file that owner (a file of user {written.st_uid} may not be readable by "
            "the application): run this as its owner or as root"
        )
    try:
        os.fchown(descriptor, existing.st_uid, existing.st_gid)
    except PermissionError:
        raise ConfigurationError(
            f"the key file {name} belongs to group {existing.st_gid}, which this user cannot "
            "give the new file (the application may read it through that group): run this as "
            "its owner, as a member of that group, or as root"
        ) from None


def _sync_directory(directory: str) -> None:
    # The rename is durable once the directory is on disk too (fsync(2) on Linux).
    if os.name != "posix":
        return
    descriptor = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class KeyFile(KeyRing):
    """The key ring in the file at ``path``, re-read when the file changes.

    ::

        keys = KeyRing.from_file("/run/secrets/session-keys")
        policy = SessionPolicy(keys=keys)

    The file holds a key list and then the line ``# end of keys`` (:attr:`END_LINE`), which
    :meth:`write` and ``client-session keygen --write`` write. It must be valid when this is
    built (a :class:`ConfigurationError` otherwise, as for any key ring). Afterwards a change
    is picked up within ``check_interval`` seconds of the ring's use, or by :meth:`reload`.
    A :class:`SessionCodec` follows the file's ring: it seals under its primary, opens with
    its keys, and drops the subkeys of keys that left it (a :class:`Sealer` takes the ring of
    the moment it is built). ``monotonic`` is the clock of the checks (injected in tests).
    """

    END_LINE: ClassVar[str] = KEY_FILE_END_LINE
    """The last line of every key file (docs/wire-format.md, "Key file")."""

    __slots__ = (
        "_check_interval",
        "_lock",
        "_lock_pid",
        "_monotonic",
        "_next_check",
        "_path",
        "_reload_asked",
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
        self._reload_asked = False
        self._seen = self._stamp_or_none()
        self._ring = read_key_file(self._path)
        self._next_check = monotonic() + self._check_interval

    @staticmethod
    def write(path: str | os.PathLike[str], keys: Iterable[str]) -> None:
        """Write ``keys`` (key texts, primary first) as the key file at ``path``, its end
        line included, as ``client-session keys ... --write`` does.

        The ring is checked first (a :class:`ConfigurationError`, and nothing written). A
        temporary file in the same directory takes the old file's mode and owner (another
        user's ownership is kept by root only: anyone else gets a :class:`ConfigurationError`
        rather than a file the application may not read), is flushed to disk and renamed over
        the old file, and the directory is flushed; a new file is 0600 whatever the umask.
        """
        write_key_file(path, keys)

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
        if self._reload_asked or self._monotonic() >= self._next_check:
            self._check()
        return self._ring

    def reload(self) -> bool:
        """Read the file now, whether or not it looks changed; True when the ring in force
        changed.

        Safe in a signal handler (``signal.signal(signal.SIGHUP, lambda *_: keys.reload())``):
        it never waits. When a check is under way (in another thread, or in the code the
        signal interrupted), it returns False and the file is read at the ring's next use.
        """
        self._reload_asked = True
        return self._check()

    def _check(self) -> bool:
        if self._lock_pid != os.getpid():
            # A forked child (a pre-forking server's worker): the parent's lock may have been
            # held by a thread that does not exist here, and would never be released.
            self._lock, self._lock_pid = threading.Lock(), os.getpid()
        # One thread checks; the others go on with the ring in force rather than wait. A
        # signal handler's reload() never waits either: the lock may be held by the very
        # code it interrupted (threading.Lock is not reentrant), which would never resume.
        if not self._lock.acquire(blocking=False):
            return False
        try:
            # Read before the look at the file: a reload asked from now on reads it again.
            forced, self._reload_asked = self._reload_asked, False
            self._next_check = self._monotonic() + self._check_interval
            stamp = self._stamp_or_none()
            if not forced and stamp == self._seen:
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

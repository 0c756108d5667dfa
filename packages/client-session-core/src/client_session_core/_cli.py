"""The ``client-session`` command: make a key, seal a session, inspect a cookie.

::

    client-session keygen                          a new key on stdout
    client-session keygen --write FILE             a new key file (0600), never over another
    client-session seal '{"count": 1}'             a cookie value sealed with CLIENT_SESSION_KEYS
    client-session inspect 'session=AQ...'         what a cookie holds, and whether it is valid
    client-session inspect --policy app:policy ... judged by the application's own policy
    client-session keys add|promote|retire         the next key ring of a rolling rotation

Keys come from the ``CLIENT_SESSION_KEYS`` environment variable or a key file
(``--keys-file``), never from the command line, where they would land in the shell's
history. Exit status: 0 success, 1 a cookie that does not open or is not valid, 2 a usage or
configuration error, told in one line on stderr. No message ever shows a character of a key:
a key or a ring goes to stdout, or into a key file, and nowhere else.

Where stdout goes decides what ``keygen`` (and ``keys add|promote|retire`` without
``--write``) print. On a terminal or a pipe: the bare keys, one per line, as
``CLIENT_SESSION_KEYS`` reads them (``export CLIENT_SESSION_KEYS=$(client-session keygen)``).
Into a regular file (``client-session keygen > FILE``): a whole key file, its end line
included, and a file that was empty (new, or emptied by the shell) is first narrowed to
mode 0600, so the key is never in a file that others can read. ``--write`` writes key files
atomically and durably, keeping the mode and owner of the file they replace.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import importlib
import json
import os
import stat
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import Any, TextIO

from ._codec import SessionCodec
from ._cookies import CookieWriter, parse_cookie_header
from ._envelope import FLAG_IDENTITY, FLAG_PERSISTENT, Envelope, Sealer, b64encode, read_identity
from ._errors import ConfigurationError, InvalidReason, InvalidSession, SessionError
from ._keyfile import (
    KEYS_FILE_ENV,
    NEW_FILE_MODE,
    key_file_text,
    key_list_in_file,
    read_key_file,
    read_key_file_text,
    write_key_file,
)
from ._keys import DEFAULT_KEYS_ENV, Key, KeyRing, generate_key, split_key_list
from ._policy import SessionPolicy
from ._serializer import JSON
from ._size import MAX_CHUNKS, CookieBudget

__all__ = ["main"]

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
# The envelope's timestamps are uint32 seconds since the epoch (docs/wire-format.md).
_LATEST_TIME = 2**32 - 1

_DEFAULTS = SessionPolicy.__dataclass_fields__
_EXPLANATIONS = {
    InvalidReason.MALFORMED: "not strict base64url of a v1 envelope, or too short or long",
    InvalidReason.UNKNOWN_VERSION: "a version byte or flag this release does not read",
    InvalidReason.UNKNOWN_KEY: f"sealed under a key that is not in {DEFAULT_KEYS_ENV}",
    InvalidReason.EXPIRED_IDLE: "issued longer ago than the idle timeout",
    InvalidReason.EXPIRED_ABSOLUTE: "created longer ago than the absolute lifetime",
    InvalidReason.NOT_BEFORE: "created before the policy's not_before",
    InvalidReason.FROM_THE_FUTURE: "issued after now plus the clock skew",
    InvalidReason.FORGED: "tampered, truncated, another key, or sealed for another cookie name",
    InvalidReason.BAD_PAYLOAD: "authentic, but not a JSON object",
    InvalidReason.INCOMPLETE_CHUNKS: "a chunk cookie is missing or malformed",
    InvalidReason.TOO_LARGE: "an old format's session too large to reseal in the cookie budget",
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    args = _parser().parse_args(argv)
    command: Callable[[argparse.Namespace, TextIO, TextIO], int] = args.command
    try:
        return command(args, sys.stdout, sys.stderr)
    except (ConfigurationError, OverflowError, ValueError, OSError) as exc:
        # What the arguments and the files they name can cause: one line, never a traceback
        # (none of these messages holds a key: keys are never arguments).
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"client-session: {message}", file=sys.stderr)
        return EXIT_USAGE


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="client-session",
        description="Keys and cookies of client-session. Keys are read from the "
        f"{DEFAULT_KEYS_ENV} environment variable (comma-separated, primary first), or from "
        f"the file that --keys-file or {KEYS_FILE_ENV} names.",
    )
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")
    keygen = commands.add_parser(
        "keygen",
        help="print a new random key, or write a new key file",
        description="Print a new random key on stdout: the bare key on a terminal or a pipe "
        f"(export {DEFAULT_KEYS_ENV}=$(client-session keygen)); a whole key file, its end line "
        "included, when stdout is a regular file (client-session keygen > FILE), which is "
        "first narrowed to mode 0600 when it was empty. Nothing of the key goes to stderr.",
    )
    keygen.add_argument(
        "--write",
        metavar="FILE",
        help="create the key file FILE (mode 0600, written atomically and durably) holding "
        "the new key, instead of printing it; an existing FILE is never replaced",
    )
    keygen.set_defaults(command=_keygen)

    seal = commands.add_parser("seal", help="seal a JSON object into a cookie value")
    seal.add_argument("session", metavar="JSON", help="the session, e.g. '{\"count\": 1}'")
    _add_name_option(seal)
    add_keys_file_option(seal)
    seal.set_defaults(command=_seal)

    inspect = commands.add_parser(
        "inspect", help="show what a cookie holds and whether it is valid now"
    )
    inspect.add_argument(
        "cookie",
        metavar="COOKIE",
        help="a cookie value, a name=value pair, or a whole Cookie header",
    )
    inspect.add_argument(
        "--name",
        help="the cookie's name, which is bound into the seal (default: the policy's, "
        f"else {_DEFAULTS['cookie_name'].default!r})",
    )
    add_keys_file_option(inspect)
    inspect.add_argument(
        "--policy",
        metavar="MODULE:NAME",
        help="judge by your application's policy: a SessionPolicy, or an object with a "
        "`policy` or `codec` attribute (a codec, a middleware), imported as for gunicorn "
        "(e.g. myapp:app.policy); its keys are used too",
    )
    inspect.add_argument(
        "--idle",
        type=int,
        metavar="SECONDS",
        help="idle timeout to judge by (default: the policy's; 0: none)",
    )
    inspect.add_argument(
        "--absolute",
        type=int,
        metavar="SECONDS",
        help="absolute lifetime to judge by (default: the policy's; 0: none)",
    )
    inspect.add_argument(
        "--now",
        type=int,
        metavar="EPOCH",
        help="judge at this time, in seconds since the epoch (default: the current time)",
    )
    inspect.set_defaults(command=_inspect)
    _add_rotation_commands(commands)
    return parser


def _add_name_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--name",
        default=_DEFAULTS["cookie_name"].default,
        help="the cookie's name, which is bound into the seal (default: %(default)s)",
    )


def add_keys_file_option(parser: argparse.ArgumentParser) -> None:
    """``--keys-file``: read the ring from a key file instead of the environment."""
    parser.add_argument(
        "--keys-file",
        metavar="PATH",
        help=f"read the keys from this file (as the application's KeyRing.from_file does) "
        f"instead of {DEFAULT_KEYS_ENV}",
    )


def keys_from_arguments(args: argparse.Namespace) -> tuple[KeyRing, str]:
    """The key ring the options or the environment name, and where it came from."""
    path = _key_file_named(args)
    if path is not None:
        return read_key_file(path), f"the key file {path}"
    return KeyRing.from_env(), DEFAULT_KEYS_ENV


def _keygen(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    key = generate_key()
    kid = Key.from_secret(key).kid.hex()
    if args.write:
        write_key_file(args.write, [key], exclusive=True)
        print(f"client-session keygen: wrote the key file {args.write}, key id {kid}", file=err)
        return EXIT_OK
    if _print_keys([key], out, err, command="keygen") or not out.isatty():
        return EXIT_OK
    # A hint for a person at a terminal, never the key: stderr may be logged.
    print(
        f"client-session keygen: key id {kid}; put the key first in {DEFAULT_KEYS_ENV} "
        "(comma-separated, newest first), or write a key file with "
        "`client-session keygen --write FILE`",
        file=err,
    )
    return EXIT_OK


def _print_keys(keys: list[str], out: TextIO, err: TextIO, *, command: str) -> bool:
    """Print ``keys`` on ``out``: as a key file if it is a regular file (True), first
    narrowed to 0600 if it was empty; else one per line (False)."""
    descriptor = _regular_file(out)
    if descriptor is None:
        print("\n".join(keys), file=out)
        return False
    out.flush()
    status = os.fstat(descriptor)
    mode = status.st_mode
    if status.st_size == 0:
        # New, or emptied by the shell's ">": 0644 under the usual umask. Narrowed before
        # the key is in it; a file we may not narrow is an error, and gets no key. (Windows
        # has no such mode bits, nor os.fchmod before Python 3.13.)
        if os.name == "posix":
            os.fchmod(descriptor, NEW_FILE_MODE)
    else:
        note = (
            "stdout's file was not empty: the keys and an end line follow what it held (to add "
            "a key to a key file, use `client-session keys add --write`)"
        )
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            note += f"; its mode {stat.S_IMODE(mode):04o} is left as it was: chmod 600 it"
        print(f"client-session {command}: {note}", file=err)
    out.write(key_file_text(keys))
    out.flush()
    os.fsync(descriptor)
    return True


def _regular_file(out: TextIO) -> int | None:
    """The descriptor of ``out`` if it is a regular file (``> FILE``), else None."""
    try:
        descriptor = out.fileno()
        return descriptor if stat.S_ISREG(os.fstat(descriptor).st_mode) else None
    except (OSError, ValueError):  # io.UnsupportedOperation is both: not a real file
        return None


def _seal(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        data = JSON.loads(args.session.encode("utf-8"))
    except ValueError as exc:
        print(f"client-session seal: JSON must be a JSON object: {exc}", file=err)
        return EXIT_USAGE
    keys, _ = keys_from_arguments(args)
    codec = SessionCodec(SessionPolicy(keys=keys, cookie_name=args.name))
    try:
        value = codec.seal(data)
    except (SessionError, ValueError, TypeError) as exc:
        # What the serializer cannot write (1e999 read as infinity, a lone surrogate):
        # refused here as the application would refuse it at commit.
        print(f"client-session seal: the session cannot be written: {exc}", file=err)
        return EXIT_USAGE
    print(value, file=out)
    return EXIT_OK


def _inspect(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.now is not None and not 0 <= args.now <= _LATEST_TIME:
        raise ConfigurationError(
            f"--now {args.now} is not a time a cookie can hold: seconds since the epoch, "
            f"from 0 to {_LATEST_TIME} (1970 to 2106)"
        )
    policy, keys_origin, policy_origin = _inspection_policy(args)
    keys = policy.keys
    name = policy.cookie_name
    now = int(time.time()) if args.now is None else args.now
    codec = SessionCodec(policy, clock=lambda: now)
    cookies = _cookies_from_argument(args.cookie, name)
    value = cookies.get(name)
    if value is None:
        found = ", ".join(sorted(cookies)) or "none"
        print(f"client-session inspect: no cookie named {name!r} (found: {found})", file=err)
        return EXIT_INVALID

    report = _Report(out)
    report.line("now", _timestamp(now))
    report.line("policy", policy_origin)
    session = codec.load_cookies(cookies)
    try:
        joined = CookieBudget(policy, CookieWriter(policy)).join(value, cookies)
        if joined != value:
            report.line("cookie", f"{name}, {value} (chunked)")
        value = joined
        envelope = Envelope.parse(value)
    except InvalidSession as exc:
        report.verdict(exc.reason)
        return EXIT_INVALID

    report.line("length", f"{len(value)} characters, {len(envelope.raw)} bytes")
    report.line("version", str(envelope.raw[0]))
    persistent = " (persistent)" if envelope.flags & FLAG_PERSISTENT else " (browser session)"
    report.line("flags", f"{envelope.flags:#04x}{persistent}")
    if envelope.lifetime is not None:
        idle, absolute = (f"{seconds} s" if seconds else "none" for seconds in envelope.lifetime)
        report.line("lifetime", f"its own: idle {idle}, absolute {absolute}")
    report.line("kid", envelope.kid.hex())
    report.line("created_at", _timestamp(envelope.created_at))
    report.line("issued_at", _timestamp(envelope.issued_at))
    report.line("key", _matching_key(keys, envelope.kid, keys_origin))
    report.line("deadlines", _deadlines(policy, envelope))
    if session.rejected is None:
        report.line("verdict", "valid")
        _report_identity(report, session.origin.session_id, session.origin.user_id)
        report.payload(session.data())
        return EXIT_OK
    report.verdict(session.rejected)
    # Expiry is decided before decryption; an authentic but expired cookie can still show
    # what it holds, which is what someone inspecting it wants to know. A cookie that does
    # not authenticate or parse shows nothing more than its verdict.
    with contextlib.suppress(InvalidSession, ValueError):
        plaintext, _ = Sealer(keys).open(envelope, cookie_name=name)
        if envelope.flags & FLAG_IDENTITY:
            session_id, user_id, plaintext = read_identity(plaintext)
            _report_identity(report, session_id, user_id)
        report.payload(policy.serializer.loads(plaintext))
    return EXIT_INVALID


def _report_identity(report: _Report, session_id: bytes | None, user_id: str | None) -> None:
    # Sealed in the ciphertext (flag bit 2): shown only to someone holding the key.
    if session_id is None:
        report.line("identity", "none (sealed by a release before session identities)")
        return
    user = "no user bound" if user_id is None else f"user {user_id!r}"
    report.line("identity", f"{b64encode(session_id)}, {user}")


def _inspection_policy(args: argparse.Namespace) -> tuple[SessionPolicy, str, str]:
    """The policy to judge by, where its keys came from, and a line saying which it is."""
    overrides: dict[str, Any] = {"max_chunks": MAX_CHUNKS}  # any size the format allows
    if args.name is not None:
        overrides["cookie_name"] = args.name
    if args.idle is not None:
        overrides["idle_timeout"] = args.idle or None
    if args.absolute is not None:
        overrides["absolute_lifetime"] = args.absolute or None
    if args.policy:
        base = _imported_policy(args.policy)
        keys_origin = f"the policy {args.policy}"
        if args.keys_file:
            keys, keys_origin = keys_from_arguments(args)
            overrides["keys"] = keys
        origin = f"{args.policy}"
    else:
        keys, keys_origin = keys_from_arguments(args)
        base = SessionPolicy(keys=keys)
        origin = "the core's defaults (pass --policy MODULE:NAME to judge by your application's)"
    changed = sorted(set(overrides) - {"max_chunks", "keys"})
    if changed:
        origin += f", with {', '.join(changed)} from the command line"
    policy = dataclasses.replace(base, **overrides)
    return policy, keys_origin, f"{origin}: {_lifetimes(policy)}"


def _imported_policy(reference: str) -> SessionPolicy:
    module_name, _, attribute_path = reference.partition(":")
    if not module_name or not attribute_path:
        raise ConfigurationError(
            f"--policy {reference!r} is not MODULE:NAME, e.g. myapp:policy or myapp:app.policy"
        )
    # The application's own module, imported as a server would: from the current directory.
    if "" not in sys.path:
        sys.path.insert(0, "")
    try:
        found: object = importlib.import_module(module_name)
        for attribute in attribute_path.split("."):
            found = getattr(found, attribute)
    except (ImportError, AttributeError) as exc:
        raise ConfigurationError(f"--policy {reference!r} cannot be imported: {exc}") from None
    for candidate in (found, getattr(found, "policy", None), getattr(found, "codec", None)):
        if isinstance(candidate, SessionPolicy):
            return candidate
        if isinstance(candidate, SessionCodec):
            return candidate.policy
    raise ConfigurationError(
        f"--policy {reference!r} is a {type(found).__name__}, not a SessionPolicy, nor an "
        "object with a `policy` or `codec` attribute (a SessionCodec, a session middleware)"
    )


def _lifetimes(policy: SessionPolicy) -> str:
    idle, absolute = policy.idle_timeout, policy.absolute_lifetime
    return (
        f"cookie {policy.cookie_name!r}, idle timeout {'none' if idle is None else f'{idle} s'}, "
        f"absolute lifetime {'none' if absolute is None else f'{absolute} s'}"
    )


# -- a rolling rotation, one step at a time (docs/security.md, "Rotating keys across a fleet") ---

_STEPS = {
    "add": "add a new random key last: every server opens its cookies, none seals with it",
    "promote": "make the last key (or --kid) the primary; the old primary still opens",
    "retire": "drop every key but the primary (or only --kid), after the longest lifetime",
    "list": "show the ring's key ids, primary first",
}


def _add_rotation_commands(commands: Any) -> None:
    keys = commands.add_parser(
        "keys",
        help="the next key ring of a rolling rotation: add, promote, retire",
        description="Print the key ring of the next step of a rolling rotation, read from "
        f"{DEFAULT_KEYS_ENV} or --keys-file: one key per line on a terminal or a pipe, a whole "
        "key file (its end line included, 0600 if the file was empty) when stdout is a "
        "regular file; or replace the key file with --write.",
    )
    steps = keys.add_subparsers(title="steps", required=True, metavar="STEP")
    for step, help_text in _STEPS.items():
        parser = steps.add_parser(step, help=help_text, description=help_text)
        add_keys_file_option(parser)
        if step in ("promote", "retire"):
            parser.add_argument("--kid", help="the key id (hex, from `keys list`) to act on")
        if step != "list":
            parser.add_argument(
                "--write",
                action="store_true",
                help="replace the key file (--keys-file, or CLIENT_SESSION_KEYS_FILE) with the "
                "new ring instead of printing it: atomically, durably, with its mode and owner",
            )
        parser.set_defaults(command=_rotation_step, step=step)


def _rotation_step(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    step: str = args.step
    path = _key_file_named(args)
    if step != "list" and args.write and path is None:
        # Said before the keys are read: what is missing is the file, not a key.
        found = (
            f"the keys come from {DEFAULT_KEYS_ENV}"
            if os.environ.get(DEFAULT_KEYS_ENV)
            else f"neither --keys-file nor {KEYS_FILE_ENV} names one"
        )
        raise ConfigurationError(
            f"--write replaces a key file, and {found}: name the file with --keys-file PATH, "
            f"or set {KEYS_FILE_ENV} to it (with {DEFAULT_KEYS_ENV} unset, as the application "
            "reads them)"
        )
    entries, origin = _key_entries(args)
    kids = [key.kid.hex() for key in KeyRing.from_text("\n".join(entries), source=origin)]
    if step == "list":
        for position, kid in enumerate(kids, start=1):
            print(f"#{position} {kid}{' (primary)' if position == 1 else ''}", file=out)
        return EXIT_OK
    if step == "add":
        entries = [*entries, generate_key()]
        note = "the new key opens cookies but does not seal them yet; once every server has "
        note += "this ring, run `client-session keys promote`"
    elif step == "promote":
        index = _index_of(args.kid, kids, default=len(kids) - 1)
        entries = [entries[index], *entries[:index], *entries[index + 1 :]]
        note = f"key {kids[index]} seals now and key {kids[0]} still opens; once every server "
        note += "has this ring and the longest session lifetime (absolute_lifetime) has "
        note += "passed, run `client-session keys retire`"
    else:
        if args.kid is None:
            entries = entries[:1]
        else:
            index = _index_of(args.kid, kids, default=0)
            if index == 0:
                raise ConfigurationError(
                    f"key {kids[0]} is the primary: promote another key before retiring it"
                )
            entries = [*entries[:index], *entries[index + 1 :]]
        note = "cookies sealed under the retired keys no longer open"
    new_ring = KeyRing.from_text("\n".join(entries), source="the new ring")
    new_kids = [key.kid.hex() for key in new_ring]
    if args.write and path is not None:
        write_key_file(path, entries)
        print(f"client-session keys {step}: wrote {path}", file=err)
    else:
        _print_keys(entries, out, err, command=f"keys {step}")
    print(f"client-session keys {step}: key ids {', '.join(new_kids)}; {note}", file=err)
    return EXIT_OK


def _key_file_named(args: argparse.Namespace) -> str | None:
    """The key file the options or the environment name, as the application finds it
    (``KeyRing.from_env``: the file when the variable is unset or empty; both is an error)."""
    if args.keys_file:
        return str(args.keys_file)
    value, path = os.environ.get(DEFAULT_KEYS_ENV), os.environ.get(KEYS_FILE_ENV)
    if value and path:
        raise ConfigurationError(
            f"both {DEFAULT_KEYS_ENV} and {KEYS_FILE_ENV} are set, which the application "
            f"refuses too: keep one (the file, to rotate keys without restarting), or name a "
            "file with --keys-file PATH"
        )
    return None if value else path or None


def _key_entries(args: argparse.Namespace) -> tuple[list[str], str]:
    """The key texts of the current ring, as written (passphrases stay passphrases)."""
    path = _key_file_named(args)
    if path is not None:
        origin = f"the key file {path}"
        # The same checks and messages as the application's.
        text = key_list_in_file(read_key_file_text(path), source=origin)
    else:
        text, origin = os.environ.get(DEFAULT_KEYS_ENV, ""), f"the variable {DEFAULT_KEYS_ENV}"
    return split_key_list(text), origin


def _index_of(kid: str | None, kids: list[str], *, default: int) -> int:
    if kid is None:
        if len(kids) == 1:
            raise ConfigurationError(
                "the ring has one key: add one first with `client-session keys add`"
            )
        return default
    if kid.lower() not in kids:
        raise ConfigurationError(f"no key of the ring has id {kid!r} (it has {', '.join(kids)})")
    return kids.index(kid.lower())


def _cookies_from_argument(text: str, name: str) -> dict[str, str]:
    """The cookies in a bare value, a ``name=value`` pair or a Cookie header."""
    text = text.strip()
    if text[:7].lower() == "cookie:":
        text = text[7:]
    # A sealed value is base64url and a chunk marker is "chunks-N": neither holds "=".
    if "=" not in text:
        return {name: text.strip()}
    return parse_cookie_header(text, "")


def _matching_key(keys: KeyRing, kid: bytes, origin: str) -> str:
    for position, key in enumerate(keys, start=1):
        if key.kid == kid:
            role = "primary" if position == 1 else "older key: resealed under the primary"
            return f"#{position} of {len(keys)} in {origin}, kid {kid.hex()} ({role})"
    return f"none of the {len(keys)} key(s) in {origin} has kid {kid.hex()}"


def _deadlines(policy: SessionPolicy, envelope: Envelope) -> str:
    parts = []
    idle, absolute = policy.idle_timeout, policy.absolute_lifetime
    if envelope.lifetime is not None:
        # The session's own lifetime (flag bit 1), never past the policy's ceiling.
        ceiling = policy.session_lifetime_ceiling
        idle = envelope.lifetime[0] or None
        absolute = min(envelope.lifetime[1] or ceiling, ceiling)
    if idle is not None:
        idle_end = envelope.issued_at + idle
        parts.append(f"idle {_timestamp(idle_end)}")
    if absolute is not None:
        absolute_end = envelope.created_at + absolute
        parts.append(f"absolute {_timestamp(absolute_end)}")
    return "; ".join(parts)


def _timestamp(epoch: int) -> str:
    iso = datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{iso} ({epoch})"


class _Report:
    """Aligned ``label  value`` lines, then the payload as indented JSON."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    def line(self, label: str, value: str) -> None:
        print(f"{label + ':':<12}{value}", file=self._out)

    def verdict(self, reason: InvalidReason) -> None:
        self.line("verdict", f"rejected: {reason.value} ({_EXPLANATIONS[reason]})")

    def payload(self, data: dict[str, Any]) -> None:
        print("payload:", file=self._out)
        print(json.dumps(data, indent=2, ensure_ascii=False), file=self._out)

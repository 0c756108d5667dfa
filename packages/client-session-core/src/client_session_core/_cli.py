"""The ``client-session`` command: make a key, seal a session, inspect a cookie.

::

    client-session keygen                          a new key on stdout
    client-session seal '{"count": 1}'             a cookie value sealed with CLIENT_SESSION_KEYS
    client-session inspect 'session=AQ...'         what a cookie holds, and whether it is valid

Keys come from the ``CLIENT_SESSION_KEYS`` environment variable, never from the command
line, where they would land in the shell's history. Exit status: 0 success, 1 a cookie that
does not open or is not valid, 2 a usage or configuration error.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import Any, TextIO

from ._codec import _CHUNK_MARKER, SessionCodec
from ._cookies import parse_cookie_header
from ._envelope import FLAG_PERSISTENT, Envelope
from ._errors import ConfigurationError, InvalidReason, InvalidSession
from ._keys import DEFAULT_KEYS_ENV, KeyRing, generate_key
from ._policy import MAX_CHUNKS, SessionPolicy
from ._serializer import JSON

__all__ = ["main"]

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2

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
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    args = _parser().parse_args(argv)
    command: Callable[[argparse.Namespace, TextIO, TextIO], int] = args.command
    try:
        return command(args, sys.stdout, sys.stderr)
    except ConfigurationError as exc:
        print(f"client-session: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="client-session",
        description="Keys and cookies of client-session. Keys are read from the "
        f"{DEFAULT_KEYS_ENV} environment variable (comma-separated, primary first).",
    )
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    keygen = commands.add_parser("keygen", help="print a new random key")
    keygen.set_defaults(command=_keygen)

    seal = commands.add_parser("seal", help="seal a JSON object into a cookie value")
    seal.add_argument("session", metavar="JSON", help="the session, e.g. '{\"count\": 1}'")
    _add_name_option(seal)
    seal.set_defaults(command=_seal)

    inspect = commands.add_parser(
        "inspect", help="show what a cookie holds and whether it is valid now"
    )
    inspect.add_argument(
        "cookie",
        metavar="COOKIE",
        help="a cookie value, a name=value pair, or a whole Cookie header",
    )
    _add_name_option(inspect)
    inspect.add_argument(
        "--idle",
        type=int,
        metavar="SECONDS",
        default=_DEFAULTS["idle_timeout"].default,
        help="idle timeout to judge by (default: %(default)s; 0: none)",
    )
    inspect.add_argument(
        "--absolute",
        type=int,
        metavar="SECONDS",
        default=_DEFAULTS["absolute_lifetime"].default,
        help="absolute lifetime to judge by (default: %(default)s; 0: none)",
    )
    inspect.add_argument(
        "--now",
        type=int,
        metavar="EPOCH",
        help="judge at this time, in seconds since the epoch (default: the current time)",
    )
    inspect.set_defaults(command=_inspect)
    return parser


def _add_name_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--name",
        default=_DEFAULTS["cookie_name"].default,
        help="the cookie's name, which is bound into the seal (default: %(default)s)",
    )


def _keygen(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    key = generate_key()
    print(key, file=out)
    print(
        f"use it with: export {DEFAULT_KEYS_ENV}={key} "
        f"(to rotate, put the new key first: {DEFAULT_KEYS_ENV}=<new>,<old>)",
        file=err,
    )
    return EXIT_OK


def _seal(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        data = JSON.loads(args.session.encode("utf-8"))
    except ValueError as exc:
        print(f"client-session seal: JSON must be a JSON object: {exc}", file=err)
        return EXIT_USAGE
    codec = SessionCodec(SessionPolicy(keys=KeyRing.from_env(), cookie_name=args.name))
    print(codec.seal(data), file=out)
    return EXIT_OK


def _inspect(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    name: str = args.name
    keys = KeyRing.from_env()
    policy = SessionPolicy(
        keys=keys,
        cookie_name=name,
        idle_timeout=args.idle or None,
        absolute_lifetime=args.absolute or None,
        # Read a chunked cookie of any size the format allows.
        max_chunks=MAX_CHUNKS,
    )
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
    session = codec.load_cookies(cookies)
    try:
        if value.startswith(_CHUNK_MARKER):
            report.line("cookie", f"{name}, {value} (chunked)")
            value = codec._join_chunks(value, cookies)
        envelope = Envelope.parse(value)
    except InvalidSession as exc:
        report.verdict(exc.reason)
        return EXIT_INVALID

    report.line("length", f"{len(value)} characters, {len(envelope.raw)} bytes")
    report.line("version", str(envelope.raw[0]))
    persistent = " (persistent)" if envelope.flags & FLAG_PERSISTENT else " (browser session)"
    report.line("flags", f"{envelope.flags:#04x}{persistent}")
    report.line("kid", envelope.kid.hex())
    report.line("created_at", _timestamp(envelope.created_at))
    report.line("issued_at", _timestamp(envelope.issued_at))
    report.line("key", _matching_key(keys, envelope.kid))
    report.line("deadlines", _deadlines(policy, envelope))
    if session.rejected is None:
        report.line("verdict", "valid")
        report.payload(session.data())
        return EXIT_OK
    report.verdict(session.rejected)
    # Expiry is decided before decryption; an authentic but expired cookie can still show
    # what it holds, which is what someone inspecting it wants to know. A cookie that does
    # not authenticate or parse shows nothing more than its verdict.
    with contextlib.suppress(InvalidSession, ValueError):
        plaintext, _ = codec._sealer.open(envelope, cookie_name=name)
        report.payload(policy.serializer.loads(plaintext))
    return EXIT_INVALID


def _cookies_from_argument(text: str, name: str) -> dict[str, str]:
    """The cookies in a bare value, a ``name=value`` pair or a Cookie header."""
    text = text.strip()
    if text[:7].lower() == "cookie:":
        text = text[7:]
    # A sealed value is base64url and a chunk marker is "chunks-N": neither holds "=".
    if "=" not in text:
        return {name: text.strip()}
    return parse_cookie_header(text, "")


def _matching_key(keys: KeyRing, kid: bytes) -> str:
    for position, key in enumerate(keys, start=1):
        if key.kid == kid:
            role = "primary" if position == 1 else "older key: resealed under the primary"
            return f"#{position} of {len(keys)} in {DEFAULT_KEYS_ENV}, kid {kid.hex()} ({role})"
    return f"none of the {len(keys)} key(s) in {DEFAULT_KEYS_ENV} has kid {kid.hex()}"


def _deadlines(policy: SessionPolicy, envelope: Envelope) -> str:
    parts = []
    if policy.idle_timeout is not None:
        idle_end = envelope.issued_at + policy.idle_timeout
        parts.append(f"idle {_timestamp(idle_end)}")
    if policy.absolute_lifetime is not None:
        absolute_end = envelope.created_at + policy.absolute_lifetime
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

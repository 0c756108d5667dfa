"""The key-text section of :class:`SessionConformance`: keys given as one text rotate.

Configuration holds keys as text, and one rule reads every such text (``docs/wire-format.md``,
"Key text"; ``conformance/vectors/keys.json``): commas and line feeds separate keys, newest
first. ``"new,old"`` is a rotation wherever it arrives, never one passphrase, which would log
everyone out at the next deploy without a word. This section checks it over HTTP, through each
way the adapter documents for a key text (:attr:`Harness.key_text_options`, served by
:meth:`Harness.serve_with_key_text`), every other option at the adapter's default: the name of
the session cookie is learnt from the server's first ``Set-Cookie``, and the reference codec
that seals and opens cookies beside the server uses it with the core's defaults.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from typing import Any, ClassVar

import httpx
import pytest

from client_session_core import (
    ConfigurationError,
    Key,
    KeyRing,
    SessionCodec,
    SessionPolicy,
    generate_key,
)
from client_session_core.testing import ManualClock
from client_session_core.wire import Envelope

from ._client import SessionClient, SetCookie, set_cookies
from ._harness import Harness
from ._servers import ServerPool

__all__ = ["KeyTextSection"]

NEW_KEY = generate_key()
OLD_KEY = generate_key()
_NEW_KID = Key.from_secret(NEW_KEY).kid
_OLD_KID = Key.from_secret(OLD_KEY).kid

# The texts of a rotation, as an operator writes them, and how messages name each text:
# they never show a key, not even a test's.
_TEXT_NAMES = {
    f"{NEW_KEY},{OLD_KEY}": '"new,old"',
    f"{NEW_KEY}\n{OLD_KEY}\n": '"new\\nold\\n"',
    NEW_KEY: '"new"',
}
_ROTATIONS = [
    pytest.param(f"{NEW_KEY},{OLD_KEY}", id="comma"),
    pytest.param(f"{NEW_KEY}\n{OLD_KEY}\n", id="lines"),
]


def key_text_params(harness_class: type[Harness] | None) -> list[Any]:
    """One parameter per key-text option of ``harness_class``; a skipped one, saying what a
    harness implements to be checked, when it names none."""
    if harness_class is None:
        # The servers fixture reports the missing harness_class.
        return [pytest.param("", id="no-harness")]
    options = harness_class.key_text_options
    if not options:
        reason = (
            f"{harness_class.__name__} names no key-text option: a harness whose adapter takes "
            "its keys as text (an argument such as secret_key= or keys=, a setting, the "
            "CLIENT_SESSION_KEYS environment variable) lists each way in key_text_options and "
            "serves it in serve_with_key_text (conformance/README.md, 'Keys given as text')"
        )
        return [pytest.param("", marks=pytest.mark.skip(reason=reason), id="no-key-text-option")]
    return [pytest.param(option, id=option) for option in options]


def _described(option: str, text: str) -> str:
    """The option and the text, for messages: never a key."""
    return f"{option} given {_TEXT_NAMES[text]}"


def _ok(response: httpx.Response, described: str) -> Any:
    """The JSON body of a 200; a failure names the option and the text."""
    assert response.status_code == 200, (
        f"{described}: {response.status_code} {response.text[:300]} (the server's log "
        "says why: a ConfigurationError is the adapter refusing the text)"
    )
    return response.json()


def _the_cookie_written(response: httpx.Response) -> SetCookie:
    written = [cookie for cookie in set_cookies(response) if not cookie.deletes]
    assert len(written) == 1, f"expected one session cookie written, got {written}"
    return written[0]


def _kid(cookie: SetCookie) -> bytes:
    return Envelope.parse(cookie.value).kid


def _passphrase_kid(text: str) -> bytes | None:
    """The key id of ``text`` read as one passphrase, or None if no passphrase can be that."""
    try:
        return Key.from_secret(text).kid
    except ConfigurationError:
        return None


@dataclasses.dataclass(frozen=True, slots=True)
class KeyTextServer:
    """A server given its keys as ``text`` through ``option``, and the name of its cookie."""

    url: str
    option: str
    text: str
    clock: ManualClock
    cookie_name: str

    def client(self) -> SessionClient:
        return SessionClient(self.url)

    @property
    def described(self) -> str:
        """The option and the text, for messages: never a key."""
        return _described(self.option, self.text)

    def codec(self, key: str) -> SessionCodec:
        """A reference codec of the core's defaults, with this server's cookie name and clock,
        whose ring is ``key`` alone."""
        policy = SessionPolicy(keys=KeyRing([key]), cookie_name=self.cookie_name)
        return SessionCodec(policy, clock=self.clock)


class KeyTextSection:
    """Keys given as one text through each of the harness's ``key_text_options`` rotate.

    Part of :class:`SessionConformance`: it uses that class's ``harness_class`` and
    ``servers``. Each test starts its own server, since a harness may serve a key text
    through the process's environment, which two servers cannot hold at once.
    """

    harness_class: ClassVar[type[Harness]]

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        """Run each test of this section once per key-text option of the harness."""
        if "key_text_option" in metafunc.fixturenames:
            harness_class = getattr(metafunc.cls, "harness_class", None)
            metafunc.parametrize("key_text_option", key_text_params(harness_class))

    @contextlib.contextmanager
    def key_text_server(
        self, servers: ServerPool, option: str, text: str
    ) -> Iterator[KeyTextServer]:
        """A server given its keys as ``text`` through ``option``, until the block ends."""
        clock = ManualClock()
        with servers.harness.serve_with_key_text(option, text, clock) as url:
            # The server's first cookie names it: the adapter's default name.
            with SessionClient(url) as client:
                response = client.get("/counter")
                described = _described(option, text)
                assert _ok(response, described) == {"count": 1}, f"{described}: a new session"
                cookie = _the_cookie_written(response)
            yield KeyTextServer(url, option, text, clock, cookie.name)

    # -- a rotation: "new,old" and one key a line ----------------------------------------------

    @pytest.mark.parametrize("text", _ROTATIONS)
    def test_a_key_text_seals_under_its_first_key_alone(
        self, servers: ServerPool, key_text_option: str, text: str
    ) -> None:
        with (
            self.key_text_server(servers, key_text_option, text) as server,
            server.client() as client,
        ):
            written = _the_cookie_written(client.get("/counter"))
        kid = _kid(written)
        if kid != _NEW_KID:
            # Out of the assert, whose report would show the call's arguments: the keys.
            passphrase = _passphrase_kid(text)
            assert kid != passphrase, (
                f"{server.described} took the whole text as one passphrase: a rotation would "
                "log everyone out"
            )
            assert kid != _OLD_KID, f"{server.described} sealed under its last key, not its first"
        assert kid == _NEW_KID, f"{server.described} sealed under a key that is not the first"
        opened = server.codec(NEW_KEY).load(f"{written.name}={written.value}")
        assert opened.rejected is None, f"{server.described}: {opened.rejected}"
        assert opened.data() == {"count": 1}

    @pytest.mark.parametrize("text", _ROTATIONS)
    def test_a_cookie_under_the_second_key_opens_and_is_resealed_under_the_first(
        self, servers: ServerPool, key_text_option: str, text: str
    ) -> None:
        with self.key_text_server(servers, key_text_option, text) as server:
            old_cookie = server.codec(OLD_KEY).seal({"count": 41})
            with server.client() as client:
                client.cookies[server.cookie_name] = old_cookie
                response = client.get("/counter")
                assert _ok(response, server.described) == {"count": 42}, (
                    f"{server.described} did not open a cookie sealed under its second key"
                )
                resealed = _the_cookie_written(response)
                assert _kid(resealed) == _NEW_KID, (
                    f"{server.described} did not reseal the cookie under its first key"
                )
                assert _ok(client.get("/counter"), server.described) == {"count": 43}
        opened = server.codec(NEW_KEY).load(f"{resealed.name}={resealed.value}")
        assert opened.data() == {"count": 42}

    # -- the old key removed -------------------------------------------------------------------

    def test_without_the_old_key_its_cookies_are_refused(
        self, servers: ServerPool, key_text_option: str
    ) -> None:
        with self.key_text_server(servers, key_text_option, NEW_KEY) as server:
            old_cookie = server.codec(OLD_KEY).seal({"count": 41})
            with server.client() as client:
                client.cookies[server.cookie_name] = old_cookie
                assert _ok(client.get("/view"), server.described) == {}, (
                    f"{server.described} opened a cookie sealed under a key it was not given"
                )
                client.cookies[server.cookie_name] = server.codec(NEW_KEY).seal({"count": 7})
                assert _ok(client.get("/view"), server.described) == {"count": 7}, (
                    f"{server.described} did not open a cookie sealed under its key"
                )

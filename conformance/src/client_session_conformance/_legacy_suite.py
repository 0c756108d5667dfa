"""The legacy-upgrade section: a cookie the old framework wrote opens once, resealed by ours.

An adapter opts in with a subclass naming its harness and a :class:`LegacyCookieWriter`,
which writes cookies with the framework's own code and builds the adapter's reader of them::

    class TestStarletteLegacyUpgrade(LegacyUpgradeConformance):
        harness_class = StarletteHarness
        legacy_writer = StarletteCookieWriter()

The servers are the harness's own, given a policy whose ``legacy`` is that reader, and their
clocks start one second past the real time: the old frameworks stamp their cookies with
``time.time()``.
"""

from __future__ import annotations

import abc
import dataclasses
import time
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest

from client_session_core import SessionCodec, generate_key
from client_session_core.adapter import LegacyCookies

from ._harness import Harness
from ._servers import Served, ServerPool
from ._suite import ok, session_cookies, the_session_cookie

__all__ = ["LegacyCookieWriter", "LegacyUpgradeConformance"]

LEGACY_SECRET = generate_key()
"""The secret of the old deployment, and the key of the new one: a switch keeps its secret."""
_COOKIE_NAME = "session"
_CONTENT: dict[str, Any] = {"user": "ada", "count": 3, "roles": ["admin"], "name": "Zoë ✓"}


class LegacyCookieWriter(abc.ABC):
    """Writes session cookies with a framework's own code, and reads them with the adapter's."""

    max_age: ClassVar[int]
    """The age, in seconds, after which the old format itself refuses a cookie ``write`` made
    (and that ``reader`` enforces); more than a minute."""

    @abc.abstractmethod
    def write(self, content: dict[str, Any], *, secret: str, cookie_name: str) -> str:
        """The value of the cookie the framework's own session code sets for ``content``,
        signed with ``secret`` at the real time."""

    @abc.abstractmethod
    def reader(self, *, secret: str, cookie_name: str, until: int) -> LegacyCookies:
        """The adapter's reader of those cookies, on until ``until``."""


class LegacyUpgradeConformance:
    """Old cookies open, are resealed in our format on the same response, and nothing else.

    Set ``harness_class`` and ``legacy_writer`` in a subclass whose name starts with ``Test``.
    """

    harness_class: ClassVar[type[Harness]]
    legacy_writer: ClassVar[LegacyCookieWriter]

    @pytest.fixture(scope="class")
    @classmethod
    def servers(cls) -> Iterator[ServerPool]:
        """The servers of this class, one per reader, stopped when the class ends."""
        for needed in ("harness_class", "legacy_writer"):
            if getattr(cls, needed, None) is None:
                raise NotImplementedError(f"{cls.__name__} must set {needed}")
        with ServerPool(cls.harness_class(), (LEGACY_SECRET,)) as pool:
            yield pool

    def serve(
        self, servers: ServerPool, *, reading_for: int = 365 * 24 * 3600, **options: Any
    ) -> Served:
        """A server that reads legacy cookies for ``reading_for`` seconds from now, under a
        policy with these ``options`` too."""
        now = int(time.time())
        legacy = self.legacy_writer.reader(
            secret=LEGACY_SECRET, cookie_name=_COOKIE_NAME, until=now + reading_for
        )
        served = servers.get(legacy_cookies=legacy, clock_start=float(now + 1), **options)
        # The old frameworks stamp their cookies with the real time in whole seconds, just
        # after this returns (and after a server start that can take a second): one second
        # ahead, the server's clock never reads a cookie as signed after its "now".
        served.clock.set(float(int(time.time()) + 1))
        return served

    def legacy_cookie(self, content: dict[str, Any], *, secret: str = LEGACY_SECRET) -> str:
        return self.legacy_writer.write(content, secret=secret, cookie_name=_COOKIE_NAME)

    @staticmethod
    def ours(served: Served) -> SessionCodec:
        """A codec of the same policy that reads no legacy cookie: ours alone."""
        policy = dataclasses.replace(served.policy, legacy_cookies=None)
        return SessionCodec(policy, clock=served.clock)

    def test_a_legacy_cookie_opens_and_comes_back_sealed_by_ours(self, servers: ServerPool) -> None:
        served = self.serve(servers)
        with served.client() as client:
            client.cookies[_COOKIE_NAME] = self.legacy_cookie(_CONTENT)
            response = client.get("/view")
            assert ok(response) == _CONTENT
            resealed = the_session_cookie(response, served)
            assert not resealed.deletes
            assert "cookie" in response.headers.get("vary", "").lower()
            session = self.ours(served).load(f"{_COOKIE_NAME}={resealed.value}")
            assert session.rejected is None
            assert session.data() == _CONTENT

    def test_the_resealed_session_is_not_resealed_again(self, servers: ServerPool) -> None:
        served = self.serve(servers)
        with served.client() as client:
            client.cookies[_COOKIE_NAME] = self.legacy_cookie(_CONTENT)
            ok(client.get("/view"))
            response = client.get("/view")
            assert ok(response) == _CONTENT
            assert session_cookies(response, served) == []

    def test_a_legacy_session_goes_on_as_ours(self, servers: ServerPool) -> None:
        served = self.serve(servers)
        with served.client() as client:
            client.cookies[_COOKIE_NAME] = self.legacy_cookie({"count": 41})
            assert ok(client.get("/counter")) == {"count": 42}
            assert ok(client.get("/counter")) == {"count": 43}
            assert self.ours(served).load(client.cookie_header).data() == {"count": 43}

    def test_a_legacy_cookie_under_another_secret_is_an_empty_session(
        self, servers: ServerPool
    ) -> None:
        served = self.serve(servers)
        with served.client() as client:
            client.cookies[_COOKIE_NAME] = self.legacy_cookie(_CONTENT, secret=generate_key())
            response = client.get("/view")
            assert ok(response) == {}
            assert all(cookie.deletes for cookie in session_cookies(response, served))

    def test_a_tampered_legacy_cookie_is_an_empty_session(self, servers: ServerPool) -> None:
        served = self.serve(servers)
        cookie = self.legacy_cookie(_CONTENT)
        # The first character of the signed content changed (a signature's last character may
        # carry only padding bits): still the old format, no longer valid.
        tampered = ("X" if cookie[0] != "X" else "Y") + cookie[1:]
        with served.client() as client:
            client.cookies[_COOKIE_NAME] = tampered
            assert ok(client.get("/view")) == {}

    def test_a_legacy_cookie_spelled_otherwise_is_an_empty_session(
        self, servers: ServerPool
    ) -> None:
        # The old libraries decode leniently (itsdangerous takes padding after a signature):
        # another spelling of the same signed value is an altered cookie, and never opens.
        served = self.serve(servers)
        cookie = self.legacy_cookie(_CONTENT)
        for altered in (cookie + "=", cookie + "=="):
            with served.client() as client:
                client.cookies[_COOKIE_NAME] = altered
                assert ok(client.get("/view")) == {}, altered[-12:]

    def test_a_legacy_cookie_older_than_its_format_allows_is_an_empty_session(
        self, servers: ServerPool
    ) -> None:
        served = self.serve(servers)
        cookie = self.legacy_cookie(_CONTENT)
        served.clock.advance(self.legacy_writer.max_age + 2)
        with served.client() as client:
            client.cookies[_COOKIE_NAME] = cookie
            assert ok(client.get("/view")) == {}

    def test_from_the_cut_off_on_legacy_cookies_are_not_read(self, servers: ServerPool) -> None:
        served = self.serve(servers, reading_for=60)
        cookie = self.legacy_cookie(_CONTENT)
        served.clock.advance(61)
        with served.client() as client:
            client.cookies[_COOKIE_NAME] = cookie
            assert ok(client.get("/view")) == {}

    # -- an old cookie is judged by the policy's rules, from its own signing time (issue 22) --

    def test_a_legacy_cookie_signed_before_not_before_is_an_empty_session(
        self, servers: ServerPool
    ) -> None:
        # "Log everyone out" logs out whoever still holds an old framework's cookie too.
        cookie = self.legacy_cookie(_CONTENT)  # signed in this second, or the one before
        served = self.serve(servers, not_before=int(time.time()) + 1)
        with served.client() as client:
            client.cookies[_COOKIE_NAME] = cookie
            response = client.get("/view")
            assert ok(response) == {}
            assert all(cookie.deletes for cookie in session_cookies(response, served))

    def test_a_legacy_cookie_is_read_for_the_absolute_lifetime_from_its_signature(
        self, servers: ServerPool
    ) -> None:
        # Within the old format's own age limit and the reading window, the policy's absolute
        # lifetime, counted from the old signature (at least a second before the server's
        # clock starts), still ends it: no late upgrade makes a replayed old cookie a fresh
        # session, and the session resealed from it ends where the old one would have.
        lifetime = 120
        assert self.legacy_writer.max_age > lifetime
        cookie = self.legacy_cookie({"count": 7})
        served = self.serve(servers, idle_timeout=None, absolute_lifetime=lifetime)
        with served.client() as client:
            client.cookies[_COOKIE_NAME] = cookie
            assert ok(client.get("/counter")) == {"count": 8}  # resealed in ours
            # lifetime - 1 after the upgrade, at least lifetime after the old signature.
            served.clock.advance(lifetime - 1)
            assert ok(client.get("/counter")) == {"count": 1}
        with served.client() as client:
            client.cookies[_COOKIE_NAME] = cookie
            assert ok(client.get("/view")) == {}

    def test_a_legacy_session_too_large_to_reseal_is_deleted_never_an_error(
        self, servers: ServerPool
    ) -> None:
        # Old formats allowed sessions our cookie budget cannot hold once sealed: a 500 on
        # every request until the old cookie expired.
        cookie = self.legacy_cookie({"blob": "x" * 3900})
        served = self.serve(servers)
        with served.client() as client:
            client.cookies[_COOKIE_NAME] = cookie
            response = client.get("/view")
            assert ok(response) == {}
            cookies = session_cookies(response, served)
            assert cookies
            assert all(cookie.deletes for cookie in cookies)

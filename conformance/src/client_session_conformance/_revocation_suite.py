"""The revocation section of :class:`SessionConformance`: logout that ends every copy.

Servers share one real Redis (:func:`~client_session_conformance.serving.serve_redis`), each
with its own :class:`~client_session_core.revocation.Revocations` (its own copy, as each
process of a fleet has), refreshed every :data:`INTERVAL` seconds and woken by Redis' push.
Over HTTP, through the routes ``/logout``, ``/logout-everywhere``, ``/regenerate`` and
``/whoami``:

- a session logged out on one server is refused at once there, and within the interval by a
  second server of the same adapter and by the reference server (the standard library and the
  core alone), every copy of its cookie, and deleted where it is met;
- a user logged out everywhere: every session of that user, on every server, is refused; a
  login after it is accepted; another user's session is untouched;
- ``regenerate()`` at login: a new id, the data kept, the user bound, and the cookie from
  before the login (planted by an attacker: session fixation) is not the logged-in session.

Without redis-server these tests skip, saying so, except on CI (``CI`` set), where they fail.
:class:`~client_session_conformance.InteropConformance` runs the cross-server test for every
ordered pair of installed adapters.
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from client_session_core.revocation import RedisRevocationStore, Revocations

from ._client import SessionClient, set_cookies
from ._redis import redis_unavailable, serve_redis
from ._reference import ReferenceHarness
from ._servers import Served, ServerPool

__all__ = [
    "INTERVAL",
    "LIFETIME",
    "REFUSAL_BOUND",
    "RevocationSection",
    "SharedRevocationStore",
    "redis_url_or_skip",
]

INTERVAL = 0.2
"""Seconds between two reads of the store by each server's copy (2 by default)."""
REFUSAL_BOUND = INTERVAL + 1.0
"""The longest a revocation may take to be refused by another server: the interval, one
refresh and a request on a busy machine (Redis' push makes it milliseconds)."""
LIFETIME = 3600
"""The servers' absolute lifetime: revocations need one."""
_WAIT = 10.0  # seconds: every poll below gives up after this, with a message


def redis_url_or_skip() -> contextlib.AbstractContextManager[str]:
    """A running redis-server's URL (:func:`~client_session_conformance.serving.serve_redis`);
    the test skips when there is none, and fails on CI (``CI`` set)."""
    reason = redis_unavailable()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return serve_redis()


class SharedRevocationStore:
    """One Redis shared by servers: each server :meth:`serve` starts has its own
    :class:`Revocations` over it (its own copy, as a process of a fleet), every
    :data:`INTERVAL`, and a clock that starts at the real time (a revocation is dated by it).
    :meth:`close` stops every copy's refresher."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._served: dict[tuple[int, str], Served] = {}
        self._revocations: list[Revocations] = []

    def revocations(self) -> Revocations:
        """A new copy of the store's revocations, refreshed every :data:`INTERVAL`."""
        store = RedisRevocationStore.from_url(self.url, socket_timeout=5, socket_connect_timeout=5)
        revocations = Revocations(store, interval=INTERVAL)
        self._revocations.append(revocations)
        return revocations

    def serve(self, pool: ServerPool, label: str = "") -> Served:
        """``pool``'s server with revocations in this store, started once per ``label``."""
        key = (id(pool), label)
        if key not in self._served:
            self._served[key] = pool.get(
                revocations=self.revocations(),
                absolute_lifetime=LIFETIME,
                clock_start=float(int(time.time())),  # revocations are dated by the real one
            )
        return self._served[key]

    def close(self) -> None:
        """Stop every copy's refresher."""
        for revocations in self._revocations:
            revocations.stop()


@dataclass(frozen=True, slots=True)
class RevocationServers:
    """Two servers of the adapter under test and the reference server, sharing one Redis."""

    first: Served
    second: Served
    reference: Served

    def named(self) -> dict[str, Served]:
        """Each server by the name messages give it."""
        return {"this server": self.first, "another": self.second, "reference": self.reference}


def signed_in(client: SessionClient, user: str) -> dict[str, Any]:
    """Log ``client`` in as ``user`` on its server: ``/login`` (a new session with data),
    then ``/regenerate?user=`` (bound to the user); answers ``/whoami``."""
    _ok(client.post("/login", json={"name": user}))
    who: dict[str, Any] = _ok(client.post("/regenerate", params={"user": user}))
    assert who["user"] == user, who
    return who


def cookie_of(client: SessionClient) -> str:
    """The ``Cookie`` header ``client`` sends now: a copy of its session's cookie."""
    header = client.cookie_header
    assert header is not None, "the server wrote no session cookie"
    return header


def _ok(response: httpx.Response) -> Any:
    request = response.request
    assert response.status_code != 404, (
        f"{request.method} {request.url.path} answered 404: the harness does not serve this "
        f"route of the contract (ROUTES; conformance/README.md, section 2)"
    )
    assert response.status_code == 200, f"{response.status_code}: {response.text[:300]}"
    return response.json()


def opens(served: Served, cookie_header: str) -> dict[str, Any] | None:
    """``/whoami`` on ``served`` with ``cookie_header``: the session it opens to, or None when
    it is refused (a new session, and the cookie deleted)."""
    with served.client() as client:
        content = _ok(client.get("/view", cookie_header=cookie_header))
        if content == {}:
            return None
        who: dict[str, Any] = _ok(client.get("/whoami", cookie_header=cookie_header))
        return who


def wait_until_refused(served: Served, cookie_header: str, since: float) -> float:
    """Poll ``served`` with ``cookie_header`` until it is refused; the seconds it took from
    ``since`` (``time.monotonic()``). Fails after a bounded wait. Each poll is a request."""
    deadline = since + _WAIT
    with served.client() as client:
        while True:
            response = client.get("/view", cookie_header=cookie_header)
            if _ok(response) == {}:
                elapsed = time.monotonic() - since
                deleted = [c for c in set_cookies(response) if c.name == served.policy.cookie_name]
                assert deleted, "a revoked cookie was refused but not deleted"
                assert all(cookie.deletes for cookie in deleted), deleted
                return elapsed
            assert time.monotonic() < deadline, (
                f"a revoked session still opens on {served.url} after {_WAIT} s"
            )


def set_clocks(servers: Iterable[Served], offset: float) -> None:
    """Set each server's clock ``offset`` seconds from the real time. A user's "not before" is
    the second of the real clock at which it is revoked: a session created 10 s before it is
    refused, one created 2 s after it is accepted, whatever the second the test runs in."""
    target = time.time() + offset
    for served in servers:
        served.clock.set(target)


def _user() -> str:
    return f"user-{uuid.uuid4().hex[:12]}"


class RevocationSection:
    """Revocation over real servers sharing one real Redis (see the module's docstring)."""

    @pytest.fixture(scope="class")
    @classmethod
    def revocation_store(cls) -> Iterator[SharedRevocationStore]:
        """One redis-server for the class, and the copies of its servers, stopped at its end."""
        with redis_url_or_skip() as url:
            shared = SharedRevocationStore(url)
            try:
                yield shared
            finally:
                shared.close()

    @pytest.fixture(scope="class")
    @classmethod
    def revocation_servers(
        cls, servers: ServerPool, revocation_store: SharedRevocationStore
    ) -> Iterator[RevocationServers]:
        """Two servers of the adapter and the reference server, all on one Redis."""
        with ServerPool(ReferenceHarness(), servers.keys) as reference:
            yield RevocationServers(
                first=revocation_store.serve(servers, "first"),
                second=revocation_store.serve(servers, "second"),
                reference=revocation_store.serve(reference),
            )

    def test_logout_refuses_every_copy_on_every_server(
        self, revocation_servers: RevocationServers
    ) -> None:
        first = revocation_servers.first
        with first.client() as browser, first.client() as bystander:
            who = signed_in(browser, _user())
            copy = cookie_of(browser)  # taken before the logout: a stolen cookie
            _ok(bystander.get("/counter"))
            for name, served in revocation_servers.named().items():
                assert opens(served, copy) == who, f"the session does not open on {name}"
            response = browser.post("/logout")
            since = time.monotonic()
            assert _ok(response) == {}
            assert browser.cookies == {}, "the logout did not delete the cookie"
            assert opens(first, copy) is None, "the server that logged out still opens a copy"
            for name, served in revocation_servers.named().items():
                elapsed = wait_until_refused(served, copy, since)
                print(f"revocation: refused by {name} ({served.url}) {elapsed * 1000:.1f} ms after")
                assert elapsed <= REFUSAL_BOUND, (
                    f"{name} refused the revoked session after {elapsed:.3f} s, over the "
                    f"interval's bound ({REFUSAL_BOUND} s)"
                )
            # Another session goes on.
            assert _ok(bystander.get("/counter")) == {"count": 2}

    def test_logout_everywhere_refuses_every_session_of_the_user(
        self, revocation_servers: RevocationServers
    ) -> None:
        first, second = revocation_servers.first, revocation_servers.second
        user, other = _user(), _user()
        set_clocks(revocation_servers.named().values(), -10)
        with first.client() as laptop, second.client() as phone, first.client() as neighbour:
            on_laptop = signed_in(laptop, user)
            on_phone = signed_in(phone, user)
            assert on_laptop["id"] != on_phone["id"]
            signed_in(neighbour, other)
            phone_cookie, laptop_copy = cookie_of(phone), cookie_of(laptop)
            response = laptop.post("/logout-everywhere")
            since = time.monotonic()
            assert _ok(response) == {}
            for name, served in revocation_servers.named().items():
                for cookie in (phone_cookie, laptop_copy):
                    elapsed = wait_until_refused(served, cookie, since)
                    assert elapsed <= REFUSAL_BOUND, (name, elapsed)
                assert opens(served, cookie_of(neighbour)) is not None, (
                    f"{name} refused another user's session"
                )
            # A login after the logout everywhere is a session of its own, accepted everywhere.
            set_clocks(revocation_servers.named().values(), 2)
            again = signed_in(phone, user)
            for name, served in revocation_servers.named().items():
                assert opens(served, cookie_of(phone)) == again, (
                    f"{name} refused a login made after the logout everywhere"
                )

    def test_regenerate_at_login_leaves_the_planted_cookie_behind(self, served: Served) -> None:
        with served.client() as browser:
            _ok(browser.post("/merge", json={"cart": ["book"]}))
            before = _ok(browser.get("/whoami"))
            assert before["user"] is None
            planted = cookie_of(browser)  # what an attacker set, or saw, before the login
            served.clock.advance(10)
            response = browser.post("/regenerate", params={"user": "ada"})
            after = _ok(response)
            cookies = [c for c in set_cookies(response) if c.name == served.policy.cookie_name]
            assert cookies, "no new cookie at the login"
            assert not any(c.deletes for c in cookies), cookies
            assert after["id"] != before["id"], "regenerate() kept the session's id"
            assert after["user"] == "ada"
            assert _ok(browser.get("/view")) == {"cart": ["book"]}, "the data was not kept"
            assert _ok(browser.get("/whoami")) == after
            assert opens(served, planted) == before, "the planted cookie is the logged-in session"
            login = served.codec.load(browser.cookie_header)
            assert login.created_at == int(served.clock())

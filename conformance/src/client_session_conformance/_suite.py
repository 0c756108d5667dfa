"""The behaviour tests every adapter passes: ``SessionConformance``."""

from __future__ import annotations

import dataclasses
import email.utils
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

import httpx
import pytest

from client_session_core import SessionCodec, generate_key
from client_session_core.testing import DEFAULT_START

from ._client import SetCookie, set_cookies, vary_tokens
from ._harness import Harness
from ._key_text_suite import KeyTextSection
from ._revocation_suite import RevocationSection
from ._servers import Served, ServerPool
from ._vectors import (
    CookieHeaderVector,
    InvalidVector,
    ValidVector,
    load_cookie_header_vectors,
    load_invalid_vectors,
    load_valid_vectors,
)

__all__ = ["SUITE_KEY", "SessionConformance"]

SUITE_KEY = generate_key()
"""The primary key of every server the suite starts, unless a test needs other keys."""
_OLD_KEY = generate_key()
_FOREIGN_KEY = generate_key()

# idle 10 minutes, absolute 1 hour, renewal once half the idle window has passed.
_LIFETIMES: dict[str, Any] = {"idle_timeout": 600, "absolute_lifetime": 3600, "renew_after": 0.5}

# Under 8 KB in all: the smallest common limit on a request header line (gunicorn's 8190).
_FILLER_COOKIES = "; ".join(f"filler{index:02d}={'f' * 280}" for index in range(20))
# Far over every server's header limit: the server may refuse it, but never with a 500.
_HUGE_COOKIE_HEADER = "session=" + "A" * 100_000


def valid_vectors_or_none() -> list[ValidVector]:
    """The valid vectors, or none if they are missing (``test_vectors_are_installed`` fails)."""
    try:
        return load_valid_vectors()
    except FileNotFoundError:
        return []


def cookie_header_vectors_or_none() -> list[CookieHeaderVector]:
    """The Cookie header vectors, or none if they are missing (``test_vectors_are_installed``
    fails)."""
    try:
        return load_cookie_header_vectors()
    except FileNotFoundError:
        return []


def invalid_vectors_or_none() -> list[InvalidVector]:
    """The invalid vectors, or none if they are missing."""
    try:
        return load_invalid_vectors()
    except FileNotFoundError:
        return []


def ok(response: httpx.Response) -> Any:
    """The JSON body of a response that must be a 200."""
    request = response.request
    assert response.status_code != 404, (
        f"{request.method} {request.url.path} answered 404: the harness does not serve this "
        f"route of the contract (ROUTES; conformance/README.md, section 2, lists each route "
        f"and the function it calls)"
    )
    assert response.status_code == 200, f"{response.status_code}: {response.text[:300]}"
    return response.json()


def session_cookies(response: httpx.Response, served: Served) -> list[SetCookie]:
    """The response's ``Set-Cookie`` headers for the session cookie itself."""
    return [cookie for cookie in set_cookies(response) if cookie.name == served.policy.cookie_name]


def the_session_cookie(response: httpx.Response, served: Served) -> SetCookie:
    """The response's one ``Set-Cookie`` for the session cookie."""
    cookies = session_cookies(response, served)
    assert len(cookies) == 1, f"expected one Set-Cookie for the session, got {cookies}"
    return cookies[0]


def without_lifetime(cookie: SetCookie) -> dict[str, str | None]:
    """A cookie's attributes other than Max-Age and Expires, which a deletion changes."""
    return {k: v for k, v in cookie.attributes.items() if k not in ("max-age", "expires")}


# (policy options, attributes the Set-Cookie must carry, attributes it must not carry)
_ATTRIBUTE_CASES = [
    pytest.param(
        {},
        {"path": "/", "httponly": None, "samesite": "lax"},
        ("secure", "domain", "partitioned"),
        id="defaults",
    ),
    pytest.param(
        {
            "path": "/app",
            "domain": "example.test",
            "secure": True,
            "http_only": False,
            "same_site": "strict",
            "persistent": False,
        },
        {"path": "/app", "domain": "example.test", "secure": None, "samesite": "strict"},
        ("httponly", "partitioned", "max-age", "expires"),
        id="path-domain-secure-strict-script-visible-browser-session",
    ),
    pytest.param(
        {"secure": True, "same_site": "none", "partitioned": True},
        {"secure": None, "samesite": "none", "partitioned": None, "httponly": None},
        ("domain",),
        id="samesite-none-partitioned",
    ),
    pytest.param(
        {"same_site": None},
        {"path": "/", "httponly": None},
        ("samesite", "secure"),
        id="no-samesite",
    ),
]

# (method, path, query, JSON body) of every route that uses the session.
_SESSION_ROUTES = [
    pytest.param("GET", "/counter", None, None, id="counter"),
    pytest.param("GET", "/view", None, None, id="view"),
    pytest.param("POST", "/merge", None, {"colour": "blue"}, id="merge"),
    pytest.param("POST", "/clear", None, None, id="clear"),
    pytest.param("GET", "/nested", {"item": "x"}, None, id="nested"),
    pytest.param("GET", "/large", {"size": 10}, None, id="large"),
    pytest.param("POST", "/logout", None, None, id="logout"),
    pytest.param("POST", "/login", None, {"user": "ada"}, id="login"),
    pytest.param("POST", "/regenerate", {"user": "ada"}, None, id="regenerate"),
    pytest.param("POST", "/logout-everywhere", None, None, id="logout-everywhere"),
    pytest.param("GET", "/whoami", None, None, id="whoami"),
]

_GARBAGE_COOKIE_HEADERS = [
    pytest.param("session=garbage", id="word"),
    pytest.param("session=", id="empty-value"),
    pytest.param("session", id="no-equals"),
    pytest.param("; ;; =; ==; session; =session", id="separators"),
    pytest.param('session="quoted garbage"', id="quoted"),
    pytest.param("session=" + "A" * 300, id="base64-nonsense"),
    pytest.param("session=" + "A" * 6000, id="too-long-value"),
    pytest.param("session=chunks-3", id="chunk-marker-without-chunks"),
    pytest.param("sessionC1=abc; sessionC2=def", id="chunks-without-marker"),
    pytest.param("session=%00%FF%0D%0A", id="percent-escapes"),
    pytest.param(b"session=\xff\xfe\x80\xc3(", id="latin-1-bytes"),
    pytest.param("other=1; session=!!!; more=2", id="among-others"),
]


class SessionConformance(KeyTextSection, RevocationSection):
    """The behaviour every adapter shows, checked over HTTP through its :class:`Harness`.

    Certify an adapter with a subclass whose name starts with ``Test``::

        class TestStarletteConformance(SessionConformance):
            harness_class = StarletteHarness

    The class starts one server per distinct policy it needs, shares it between its tests
    and stops them all when it ends. Its key-text section (``_key_text_suite``) runs once per
    :attr:`Harness.key_text_options` entry, on servers of its own.
    """

    harness_class: ClassVar[type[Harness]]
    """The adapter's :class:`Harness` subclass; instantiated once, with no arguments."""

    @pytest.fixture(scope="class")
    @classmethod
    def servers(cls) -> Iterator[ServerPool]:
        """The servers of this class, started on first use, stopped when the class ends."""
        harness_class = getattr(cls, "harness_class", None)
        if harness_class is None:
            raise NotImplementedError(
                f"{cls.__name__} must name its harness: harness_class = MyHarness"
            )
        with ServerPool(harness_class(), (SUITE_KEY,)) as pool:
            yield pool

    @pytest.fixture
    def served(self, servers: ServerPool) -> Served:
        """The server with the default policy and the suite's key."""
        return servers.get()

    # -- continuity and round trips ---------------------------------------------------------

    def test_counter_continues_over_fifty_requests(self, served: Served) -> None:
        with served.client() as client:
            for expected in range(1, 51):
                assert ok(client.get("/counter")) == {"count": expected}

    def test_json_values_round_trip(self, served: Served) -> None:
        content = {
            "name": 'Zoë ✓ 😀 "quoted"; semi=colon',
            "values": [1, -2.5, None, True, False, "", {"deep": {"deeper": []}}],
            "big": 2**53,
        }
        with served.client() as client:
            assert ok(client.post("/merge", json=content)) == content
            assert ok(client.get("/view")) == content

    def test_nested_in_place_mutation_is_saved(self, served: Served) -> None:
        with served.client() as client:
            assert ok(client.get("/nested", params={"item": "a"})) == {"nested": {"items": ["a"]}}
            response = client.get("/nested", params={"item": "b"})
            assert ok(response) == {"nested": {"items": ["a", "b"]}}
            assert session_cookies(response, served), "an in-place change was not saved"
            assert ok(client.get("/view")) == {"nested": {"items": ["a", "b"]}}

    # -- when Set-Cookie and Vary are sent ----------------------------------------------------

    def test_new_visitor_gets_no_cookie_from_a_read(self, served: Served) -> None:
        with served.client() as client:
            response = client.get("/view")
            assert ok(response) == {}
            assert set_cookies(response) == []

    def test_set_cookie_only_when_the_content_changes(self, served: Served) -> None:
        with served.client() as client:
            written = the_session_cookie(client.get("/counter"), served)
            assert not written.deletes
            for response in (
                client.get("/view"),
                client.get("/untouched"),
                client.post("/merge", json={"count": 1}),  # the same content: nothing changed
            ):
                ok(response)
                assert set_cookies(response) == [], response.request.url
            changed = client.post("/merge", json={"count": 2})
            assert ok(changed) == {"count": 2}
            assert not the_session_cookie(changed, served).deletes

    @pytest.mark.parametrize(("method", "path", "params", "body"), _SESSION_ROUTES)
    @pytest.mark.parametrize("with_cookie", [False, True], ids=["new", "existing"])
    def test_vary_cookie_whenever_the_session_is_used(
        self,
        served: Served,
        method: str,
        path: str,
        params: dict[str, str] | None,
        body: dict[str, str] | None,
        with_cookie: bool,
    ) -> None:
        with served.client() as client:
            if with_cookie:
                ok(client.get("/counter"))
            response = client.request(method, path, params=params, json=body)
            ok(response)
            assert vary_tokens(response).count("cookie") == 1, response.headers.get_list("vary")

    def test_no_vary_and_no_cookie_when_the_session_is_untouched(self, served: Served) -> None:
        with served.client() as client:
            for _ in range(2):  # without, then with a session cookie
                response = client.get("/untouched")
                assert ok(response) == {"ok": True}
                assert "cookie" not in vary_tokens(response)
                assert set_cookies(response) == []
                ok(client.get("/counter"))

    # -- clearing and cookie attributes -------------------------------------------------------

    def test_clear_deletes_the_cookie_with_the_same_attributes(self, served: Served) -> None:
        with served.client() as client:
            written = the_session_cookie(client.get("/counter"), served)
            response = client.post("/clear")
            assert ok(response) == {}
            deletion = the_session_cookie(response, served)
            assert deletion.deletes
            assert without_lifetime(deletion) == without_lifetime(written)
            assert client.cookies == {}
            after = client.get("/view")
            assert ok(after) == {}
            assert set_cookies(after) == []

    def test_clearing_an_absent_session_sends_no_cookie(self, served: Served) -> None:
        with served.client() as client:
            response = client.post("/clear")
            assert ok(response) == {}
            assert set_cookies(response) == []

    @pytest.mark.parametrize(("options", "present", "absent"), _ATTRIBUTE_CASES)
    def test_cookie_attributes(
        self,
        servers: ServerPool,
        options: dict[str, Any],
        present: dict[str, str | None],
        absent: tuple[str, ...],
    ) -> None:
        served = servers.get(**options)
        with served.client() as client:
            written = the_session_cookie(client.get("/counter"), served)
            deletion = the_session_cookie(client.post("/clear"), served)
            login = the_session_cookie(client.post("/login", json={"user": "ada"}), served)
            logout = the_session_cookie(client.post("/logout"), served)
        assert not login.deletes
        assert logout.deletes
        for cookie in (written, deletion, login, logout):
            attributes = {k: None if v is None else v.lower() for k, v in cookie.attributes.items()}
            for name, value in present.items():
                assert name in attributes, f"{name} missing from {cookie}"
                assert attributes[name] == (None if value is None else value.lower()), cookie
        for name in absent:
            assert name not in written.attributes, f"{name} in {written}"
        for cookie in (deletion, login, logout):
            assert without_lifetime(cookie) == without_lifetime(written), cookie
        assert deletion.deletes

    def test_max_age_and_expires_follow_the_policy_and_the_clock(self, served: Served) -> None:
        with served.client() as client:
            cookie = the_session_cookie(client.get("/counter"), served)
        assert cookie.attributes.get("max-age") == "1800"  # the default idle_timeout
        expires = cookie.attributes.get("expires")
        assert expires is not None, cookie
        issued = int(served.clock())
        assert email.utils.parsedate_to_datetime(expires).timestamp() == issued + 1800

    # -- logout and login, each through the framework's own call ------------------------------

    def test_logout_deletes_the_cookie_and_the_next_request_is_a_new_session(
        self, served: Served
    ) -> None:
        with served.client() as client:
            ok(client.post("/merge", json={"user": "ada", "role": "admin"}))
            written = the_session_cookie(client.get("/counter"), served)
            response = client.post("/logout")
            assert ok(response) == {}
            deletion = the_session_cookie(response, served)
            assert deletion.deletes, f"the logout did not delete the session cookie: {deletion}"
            assert without_lifetime(deletion) == without_lifetime(written)
            assert client.cookies == {}
            after = client.get("/view")
            assert ok(after) == {}
            assert set_cookies(after) == []
            # The next session is new: none of the old data, and a lifetime of its own.
            served.clock.advance(60)
            assert ok(client.get("/counter")) == {"count": 1}
            opened = served.codec.load(client.cookie_header)
            assert opened.data() == {"count": 1}
            assert opened.created_at == int(served.clock())

    def test_logout_deletes_every_chunk(self, servers: ServerPool) -> None:
        served = servers.get(max_chunks=3)
        with served.client() as client:
            ok(client.get("/large", params={"size": 4500}))
            assert len(client.cookies) > 1, "no chunk cookies written"
            response = client.post("/logout")
            assert ok(response) == {}
            assert client.cookies == {}, f"cookies left after the logout: {sorted(client.cookies)}"
            assert ok(client.get("/view")) == {}

    def test_logout_of_an_absent_session_sends_no_cookie(self, served: Served) -> None:
        with served.client() as client:
            response = client.post("/logout")
            assert ok(response) == {}
            assert set_cookies(response) == []

    def test_login_replaces_the_session_with_the_given_data(self, served: Served) -> None:
        with served.client() as client:
            ok(client.post("/merge", json={"colour": "blue", "count": 3}))
            created_at = served.codec.load(client.cookie_header).created_at
            assert created_at is not None
            served.clock.advance(60)
            response = client.post("/login", json={"user": "ada"})
            assert ok(response) == {"user": "ada"}
            cookie = the_session_cookie(response, served)
            assert not cookie.deletes
            opened = served.codec.load(client.cookie_header)
            assert opened.data() == {"user": "ada"}, "the old session's data outlived the login"
            assert opened.created_at == int(served.clock()) == created_at + 60
            assert ok(client.get("/view")) == {"user": "ada"}

    def test_login_without_a_session_starts_one(self, served: Served) -> None:
        with served.client() as client:
            response = client.post("/login", json={"user": "ada"})
            assert ok(response) == {"user": "ada"}
            assert not the_session_cookie(response, served).deletes
            assert ok(client.get("/view")) == {"user": "ada"}

    def test_login_late_in_a_session_starts_a_new_absolute_lifetime(
        self, servers: ServerPool
    ) -> None:
        served = servers.get(**_LIFETIMES)
        with served.client() as client:
            assert ok(client.get("/counter")) == {"count": 1}
            for expected in range(2, 9):  # every 500 s: 3500 s of the old session's 3600
                served.clock.advance(500)
                assert ok(client.get("/counter")) == {"count": expected}
            assert ok(client.post("/login", json={"user": "ada"})) == {"user": "ada"}
            for _ in range(7):  # every 500 s: past the old session's end, up to 3500 s after
                served.clock.advance(500)
                assert ok(client.get("/view")) == {"user": "ada"}
            served.clock.advance(99)  # 3599 s after the login
            assert ok(client.get("/view")) == {"user": "ada"}
            served.clock.advance(1)  # the new session's own absolute lifetime ends it
            assert ok(client.get("/view")) == {}

    # -- expiry, renewal, not_before and clock skew -------------------------------------------

    def test_idle_timeout_ends_the_session(self, servers: ServerPool) -> None:
        served = servers.get(**_LIFETIMES)
        with served.client() as client:
            assert ok(client.get("/counter")) == {"count": 1}
            served.clock.advance(599)
            assert ok(client.get("/counter")) == {"count": 2}
            served.clock.advance(600)
            assert ok(client.get("/counter")) == {"count": 1}

    def test_absolute_lifetime_ends_an_active_session(self, servers: ServerPool) -> None:
        served = servers.get(**_LIFETIMES)
        with served.client() as client:
            assert ok(client.get("/counter")) == {"count": 1}
            for expected in range(2, 8):  # every 500 s, well within the idle timeout
                served.clock.advance(500)
                assert ok(client.get("/counter")) == {"count": expected}
            served.clock.advance(599)  # 3599 s after creation
            last = client.get("/counter")
            assert ok(last) == {"count": 8}
            # Max-Age stops at the absolute deadline, one second away.
            assert the_session_cookie(last, served).attributes.get("max-age") == "1"
            served.clock.advance(1)
            assert ok(client.get("/view")) == {}

    def test_sliding_renewal_on_access_only_once_due(self, servers: ServerPool) -> None:
        served = servers.get(**_LIFETIMES)
        with served.client() as client:
            ok(client.get("/counter"))
            created_at = int(served.clock())
            served.clock.advance(200)  # under renew_after * idle_timeout = 300 s
            early = client.get("/view")
            assert ok(early) == {"count": 1}
            assert set_cookies(early) == []
            served.clock.advance(150)
            untouched = client.get("/untouched")
            assert set_cookies(untouched) == [], "renewed without using the session"
            renewed = client.get("/view")
            assert ok(renewed) == {"count": 1}
            assert the_session_cookie(renewed, served).attributes.get("max-age") == "600"
            served.clock.advance(500)  # 850 s after creation, 500 s after the renewal
            assert ok(client.get("/view")) == {"count": 1}
            assert served.codec.load(client.cookie_header).created_at == created_at

    # -- a session's own lifetime ("remember me", flag bit 1 of the header) -------------------

    def test_a_remembered_session_outlives_the_policys_idle_timeout(
        self, servers: ServerPool
    ) -> None:
        served = servers.get(**_LIFETIMES, max_session_lifetime=7200)
        with served.client() as client:
            assert ok(client.get("/counter")) == {"count": 1}
            remembered = client.get("/remember", params={"seconds": 1800})
            assert ok(remembered) == {"remembered": 1800}
            cookie = the_session_cookie(remembered, served)
            if "max-age" in cookie.attributes:  # a browser-session cookie has none
                assert cookie.attributes["max-age"] == "1800"
            assert served.codec.load(client.cookie_header).lifetime == (1800, None)
            served.clock.advance(1799)  # three times the policy's idle timeout (600 s)
            assert ok(client.get("/view")) == {"count": 1, "remembered": 1800}
            served.clock.advance(1800)
            assert ok(client.get("/view")) == {}

    def test_a_remembered_session_can_be_shorter_than_the_policys(
        self, servers: ServerPool
    ) -> None:
        served = servers.get(**_LIFETIMES, max_session_lifetime=7200)
        with served.client() as client:
            ok(client.get("/remember", params={"seconds": 60}))
            served.clock.advance(60)  # the policy's 600 s would still keep it
            assert ok(client.get("/view")) == {}

    def test_max_session_lifetime_ends_a_remembered_session_in_use(
        self, servers: ServerPool
    ) -> None:
        served = servers.get(**_LIFETIMES, max_session_lifetime=7200)
        with served.client() as client:
            ok(client.get("/remember", params={"seconds": 3000}))
            for expected in range(1, 4):  # every 2000 s: within its own idle timeout
                served.clock.advance(2000)
                assert ok(client.get("/counter")) == {"count": expected}
            served.clock.advance(1199)
            assert ok(client.get("/view")) == {"remembered": 3000, "count": 3}
            served.clock.advance(1)  # 7200 s after it was created
            assert ok(client.get("/view")) == {}

    def test_not_before_refuses_older_sessions(self, servers: ServerPool) -> None:
        served = servers.get(not_before=int(DEFAULT_START))
        older = served.codec.seal({"count": 5}, created_at=int(DEFAULT_START) - 1)
        newer = served.codec.seal({"count": 6})
        with served.client() as client:
            assert ok(client.get("/view", cookie_header=f"session={older}")) == {}
            assert ok(client.get("/view", cookie_header=f"session={newer}")) == {"count": 6}

    @pytest.mark.parametrize(("ahead", "opens"), [(30, True), (120, False)])
    def test_clock_skew(self, served: Served, ahead: int, opens: bool) -> None:
        fast = SessionCodec(served.policy, clock=lambda: served.clock() + ahead)
        cookie = fast.seal({"count": 3})
        with served.client() as client:
            content = ok(client.get("/view", cookie_header=f"session={cookie}"))
            assert content == ({"count": 3} if opens else {})
            # A session from a server whose clock runs ahead is written back here too.
            counted = ok(client.get("/counter", cookie_header=f"session={cookie}"))
            assert counted == {"count": 4 if opens else 1}
            assert served.codec.load(client.cookie_header).created_at == int(served.clock())

    # -- keys ---------------------------------------------------------------------------------

    def test_old_key_opens_and_the_cookie_is_resealed_under_the_primary(
        self, servers: ServerPool
    ) -> None:
        served = servers.get(keys=(SUITE_KEY, _OLD_KEY))
        old_policy = dataclasses.replace(served.policy, keys=servers.ring((_OLD_KEY,)))
        cookie = SessionCodec(old_policy, clock=served.clock).seal({"count": 41})
        with served.client() as client:
            response = client.get("/view", cookie_header=f"session={cookie}")
            assert ok(response) == {"count": 41}
            resealed = the_session_cookie(response, served)
            assert not resealed.deletes
            primary_policy = dataclasses.replace(served.policy, keys=servers.ring((SUITE_KEY,)))
            opened = SessionCodec(primary_policy, clock=served.clock).load(
                f"session={resealed.value}"
            )
            assert opened.rejected is None
            assert opened.data() == {"count": 41}
            assert ok(client.get("/counter")) == {"count": 42}
            assert set_cookies(client.get("/view")) == []  # under the primary now: no reseal

    def test_cookie_under_an_unknown_key_is_refused(
        self, served: Served, servers: ServerPool
    ) -> None:
        foreign = dataclasses.replace(served.policy, keys=servers.ring((_FOREIGN_KEY,)))
        cookie = SessionCodec(foreign, clock=served.clock).seal({"admin": True})
        with served.client() as client:
            assert ok(client.get("/view", cookie_header=f"session={cookie}")) == {}

    def test_cookie_is_bound_to_its_name(self, served: Served) -> None:
        other = dataclasses.replace(served.policy, cookie_name="other")
        cookie = SessionCodec(other, clock=served.clock).seal({"admin": True})
        with served.client() as client:
            assert ok(client.get("/view", cookie_header=f"session={cookie}")) == {}

    def test_tampered_cookie_is_refused(self, served: Served) -> None:
        cookie = served.codec.seal({"admin": False})
        middle = len(cookie) // 2
        flipped = "B" if cookie[middle] != "B" else "C"
        tampered = cookie[:middle] + flipped + cookie[middle + 1 :]
        with served.client() as client:
            assert ok(client.get("/view", cookie_header=f"session={tampered}")) == {}

    # -- bad input never breaks a request -----------------------------------------------------

    @pytest.mark.parametrize("header", _GARBAGE_COOKIE_HEADERS)
    def test_garbage_cookie_header_is_an_empty_session(
        self, served: Served, header: str | bytes
    ) -> None:
        with served.client() as client:
            assert ok(client.get("/view", cookie_header=header)) == {}
            assert ok(client.get("/untouched", cookie_header=header)) == {"ok": True}

    def test_refused_cookie_is_deleted(self, served: Served) -> None:
        with served.client() as client:
            written = the_session_cookie(client.get("/counter"), served)
            response = client.get("/view", cookie_header="session=garbage")
            assert ok(response) == {}
            deletion = the_session_cookie(response, served)
            assert deletion.deletes
            assert without_lifetime(deletion) == without_lifetime(written)

    def test_first_of_duplicate_session_cookies_wins(self, served: Served) -> None:
        cookie = served.codec.seal({"count": 7})
        with served.client() as client:
            first_valid = client.get("/view", cookie_header=f"session={cookie}; session=garbage")
            assert ok(first_valid) == {"count": 7}
            first_garbage = client.get("/view", cookie_header=f"session=garbage; session={cookie}")
            assert ok(first_garbage) == {}

    def test_a_comma_does_not_separate_cookies(self, served: Served) -> None:
        # RFC 6265 section 5.4 separates cookies with "; " only: split on commas too, a
        # cookie set as "prefs=dark,session=<attacker's>" shadowed the victim's (issue 13).
        victim = served.codec.seal({"count": 7})
        attacker = served.codec.seal({"count": 666})
        with served.client() as client:
            header = f"prefs=dark,session={attacker}; session={victim}"
            assert ok(client.get("/view", cookie_header=header)) == {"count": 7}
            garbage = client.get("/view", cookie_header=f"prefs=dark,session=x; session={victim}")
            assert ok(garbage) == {"count": 7}
            assert session_cookies(garbage, served) == []

    def test_several_cookie_fields(self, servers: ServerPool) -> None:
        served = servers.get()
        cookie = served.codec.seal({"count": 7})
        joined_with_commas = servers.harness.server_joins_cookie_fields_with_commas
        with served.client() as client:
            # A session cookie at the end of a field opens whoever joins the fields.
            response = client.get("/view", cookie_fields=[f"a=1; session={cookie}", "b=2"])
            assert ok(response) == {"count": 7}
            # At the start of a later field: "; " keeps it a cookie; a WSGI server's ","
            # makes it part of the value of "a", so the session is not seen, and not cleared.
            response = client.get("/view", cookie_fields=["a=1", f"session={cookie}"])
            assert ok(response) == ({} if joined_with_commas else {"count": 7})
            assert session_cookies(response, served) == []

    def test_many_kilobytes_of_other_cookies(self, served: Served) -> None:
        with served.client() as client:
            ok(client.get("/counter"))
            header = f"{_FILLER_COOKIES}; {client.cookie_header}"
            assert ok(client.get("/counter", cookie_header=header)) == {"count": 2}

    def test_huge_cookie_header_is_never_a_server_error(self, served: Served) -> None:
        with served.client() as client:
            try:
                response = client.get("/view", cookie_header=_HUGE_COOKIE_HEADER)
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
                return  # the server closed the connection instead of answering: not a 500
            assert response.status_code == 200 or 400 <= response.status_code < 500, (
                response.status_code
            )
            if response.status_code == 200:
                assert response.json() == {}

    # -- size ---------------------------------------------------------------------------------

    def test_session_too_large_is_a_500_and_keeps_the_previous_cookie(self, served: Served) -> None:
        with served.client() as client:
            assert ok(client.get("/counter")) == {"count": 1}
            too_large = client.get("/large", params={"size": 5000})
            assert too_large.status_code == 500
            assert session_cookies(too_large, served) == []
        # A server may close the connection after a 500: go on over a new one.
        with served.client() as browser:
            browser.cookies.update(client.cookies)
            assert ok(browser.get("/counter")) == {"count": 2}

    def test_chunked_session_reads_back_and_shrinks(self, servers: ServerPool) -> None:
        served = servers.get(max_chunks=3)
        chunk_names = {served.policy.chunk_name(index) for index in range(1, 4)}
        with served.client() as client:
            large = client.get("/large", params={"size": 4500})
            assert ok(large) == {"size": 4500}
            assert {c.name for c in set_cookies(large)} & chunk_names, "no chunk cookies written"
            assert all(len(value) <= 4096 for value in large.headers.get_list("set-cookie"))
            assert ok(client.get("/view")) == {"blob": "x" * 4500}
            small = client.get("/large", params={"size": 10})
            assert ok(small) == {"size": 10}
            assert set(client.cookies) == {"session"}, "chunk cookies were not deleted"
            assert ok(client.get("/view")) == {"blob": "x" * 10}

    # -- concurrency --------------------------------------------------------------------------

    def test_concurrent_requests_on_one_cookie(self, served: Served) -> None:
        with served.client() as client:
            ok(client.get("/counter"))
            header = client.cookie_header

        def ten_requests(_: int) -> list[int]:
            with served.client() as worker:
                return [worker.get("/counter", cookie_header=header).status_code for _ in range(10)]

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = [status for batch in pool.map(ten_requests, range(8)) for status in batch]
        assert statuses == [200] * 80

        def counts(_: int) -> int:
            with served.client() as worker:
                return int(ok(worker.get("/counter", cookie_header=header))["count"])

        # Every request started from the same cookie, so every one answers 2: no request
        # saw another's session.
        with ThreadPoolExecutor(max_workers=8) as pool:
            assert list(pool.map(counts, range(16))) == [2] * 16

    # -- test vectors -------------------------------------------------------------------------

    def test_vectors_are_installed(self) -> None:
        assert valid_vectors_or_none(), "no valid test vectors found (valid.json)"
        assert invalid_vectors_or_none(), "no invalid test vectors found (invalid.json)"
        assert cookie_header_vectors_or_none(), "no Cookie header vectors (cookie-headers.json)"

    @pytest.mark.parametrize("vector", valid_vectors_or_none(), ids=lambda v: v.description)
    def test_valid_vector_opens(self, servers: ServerPool, vector: ValidVector) -> None:
        served = servers.get(keys=vector.keys, cookie_name=vector.cookie_name, **vector.policy)
        served.clock.set(vector.now)
        with served.client() as client:
            assert ok(client.get("/view", cookie_header=vector.cookie_header)) == vector.session

    @pytest.mark.parametrize("vector", invalid_vectors_or_none(), ids=lambda v: v.description)
    def test_invalid_vector_is_an_empty_session(
        self, servers: ServerPool, vector: InvalidVector
    ) -> None:
        served = servers.get(keys=vector.keys, cookie_name=vector.cookie_name, **vector.policy)
        served.clock.set(vector.now)
        with served.client() as client:
            assert ok(client.get("/view", cookie_header=vector.cookie_header)) == {}

    @pytest.mark.parametrize("vector", cookie_header_vectors_or_none(), ids=lambda v: v.description)
    def test_cookie_header_vector_opens_to_its_session(
        self, servers: ServerPool, vector: CookieHeaderVector
    ) -> None:
        # The adapter hands the core the Cookie header as the browser sent it: each step of
        # wire-format.md's header parsing (split, cut at ',', strip, unquote) gives the value.
        served = servers.get(keys=vector.keys, cookie_name=vector.cookie_name, **vector.policy)
        served.clock.set(vector.now)
        with served.client() as client:
            assert ok(client.get("/view", cookie_header=vector.cookie_header)) == vector.session

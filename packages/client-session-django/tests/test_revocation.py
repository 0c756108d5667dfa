"""Revocation in Django (issue 25): ``CLIENT_SESSION_REVOCATIONS``, ``flush()`` (what
``logout()`` calls) ending every copy of the session, ``cycle_key()`` (what ``login()`` calls)
revoking nothing, the system check of a value that is no ``Revocations``, and a logout over a
real server. Each test with a MemoryRevocationStore and a ManualClock: nobody sleeps."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.core import checks
from django.core.handlers.asgi import ASGIHandler
from django.test import Client, override_settings
from django.test.utils import modify_settings
from djangotestproject import PASSWORD

from client_session_conformance import ManualClock, parse_set_cookie
from client_session_conformance.serving import serve_asgi_in_thread
from client_session_core import (
    ConfigurationError,
    InvalidReason,
    KeyRing,
    SessionPolicy,
    generate_key,
)
from client_session_core.revocation import MemoryRevocationStore, Revocations
from client_session_django import SessionStore, session_codec

OURS = "client_session_django.SessionMiddleware"
DJANGOS = "django.contrib.sessions.middleware.SessionMiddleware"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def _revocations(store: MemoryRevocationStore, clock: ManualClock) -> Revocations:
    # Driven by hand: no refresher thread (this process's copy learns its own revocations at
    # once, which is what a logout needs here).
    return Revocations(store, clock=clock, autostart=False)


@pytest.fixture
def revocations(clock: ManualClock) -> Iterator[Revocations]:
    revocations = _revocations(MemoryRevocationStore(clock=clock), clock)
    with override_settings(CLIENT_SESSION_CLOCK=clock, CLIENT_SESSION_REVOCATIONS=revocations):
        yield revocations
    revocations.stop()


@pytest.fixture(params=[OURS, DJANGOS], ids=["ours", "djangos"])
def client(request: pytest.FixtureRequest, revocations: Revocations) -> Iterator[Client]:
    with modify_settings(MIDDLEWARE={"remove": OURS, "prepend": request.param}):
        yield Client()


def _login(client: Client, username: str = "ada") -> str:
    answer = client.post("/login", {"username": username, "password": PASSWORD}).json()
    assert answer == {"ok": True}
    return str(client.cookies["sessionid"].value)


def _as_copy(value: str, path: str = "/whoami") -> Any:
    """The JSON of ``path`` for another browser holding a copy of this cookie."""
    thief = Client()
    thief.cookies["sessionid"] = value
    return thief.get(path).json()


def _refused_as(value: str) -> InvalidReason | None:
    return SessionStore(value).core.rejected


def test_the_setting_is_the_policys_revocations(revocations: Revocations) -> None:
    assert session_codec().policy.revocations is revocations


def test_logout_ends_every_copy(client: Client, revocations: Revocations) -> None:
    logged_in = _login(client)
    assert _as_copy(logged_in) == {"user": "ada"}
    client.post("/logout")
    assert "sessionid" not in client.cookies or not client.cookies["sessionid"].value
    # The copy taken before the logout: refused, an empty session (without the setting it
    # stays logged in until it expires: test_engine's test_login_logout_through_auth).
    assert _as_copy(logged_in) == {"user": None}
    assert _refused_as(logged_in) is InvalidReason.REVOKED
    assert len(revocations) == 1


def test_login_over_another_users_session_ends_it_everywhere(client: Client) -> None:
    # Django's login() flushes a session that holds another user: revoked, as Django's stored
    # engines delete it.
    adas = _login(client, "ada")
    roots = _login(client, "root")
    assert client.get("/whoami").json() == {"user": "root"}
    assert _refused_as(adas) is InvalidReason.REVOKED
    assert _as_copy(roots) == {"user": "root"}


def test_cycle_key_keeps_the_session_working_and_revokes_nothing(
    client: Client, revocations: Revocations
) -> None:
    client.get("/counter")
    before = client.cookies["sessionid"].value
    after = _login(client)  # login() calls cycle_key()
    assert after != before
    assert client.get("/whoami").json() == {"user": "ada"}
    assert client.get("/counter").json() == {"count": 2}  # the data kept
    # The pre-login copy still opens (a request in flight keeps working), without the login:
    # the defence against fixation is the new identity, not a revocation.
    assert _refused_as(before) is None
    assert _as_copy(before, "/view") == {"count": 1}
    assert _as_copy(before) == {"user": None}
    assert len(revocations) == 0
    # A cycle_key with no login on a running session, the same.
    client.post("/cycle")
    assert client.get("/whoami").json() == {"user": "ada"}
    assert len(revocations) == 0


@pytest.mark.parametrize("flush", ["flush", "aflush"])
def test_flush_revokes_the_requests_session(revocations: Revocations, flush: str) -> None:
    store = SessionStore()
    store["count"] = 1
    store.save()
    value = store.session_key
    assert value is not None
    session = SessionStore(value)
    identity = session.core.id
    if flush == "flush":
        session.flush()
    else:
        asyncio.run(session.aflush())
    assert session.is_empty()
    assert session.session_key is None
    assert _refused_as(value) is InvalidReason.REVOKED
    assert revocations.refuses(identity, None, 0, int(revocations.clock())) is True


def test_flush_of_a_regenerated_session_revokes_both_identities(
    revocations: Revocations,
) -> None:
    store = SessionStore()
    store["count"] = 1
    store.save()
    value = store.session_key
    assert value is not None
    session = SessionStore(value)
    old = session.core.id
    session.cycle_key()
    new = session.core.id
    session.flush()
    now = int(revocations.clock())
    assert revocations.refuses(old, None, 0, now)
    assert revocations.refuses(new, None, 0, now)


def test_flush_of_a_session_without_a_cookie_reaches_no_store(
    revocations: Revocations,
) -> None:
    store = SessionStore()
    store["count"] = 1
    store.flush()
    SessionStore("garbage-that-opens-nothing").flush()
    assert len(revocations) == 0
    assert len(revocations.store) == 0  # type: ignore[arg-type]


def _signed_in(user: str) -> str:
    store = SessionStore()
    store["count"] = 1
    store.core.bind_user(user)  # docs/django.md's user_logged_in receiver
    store.save()
    assert store.session_key is not None
    return store.session_key


def test_sign_out_everywhere_keeps_the_session_that_cycles(
    revocations: Revocations, clock: ManualClock
) -> None:
    laptop, phone = _signed_in("7"), _signed_in("7")
    clock.advance(60)
    request = SessionStore(phone)
    assert request.core.user_id == "7"  # opened, as request.user opens it
    revocations.revoke_user("7")  # docs/django.md's sign_out_everywhere
    request.cycle_key()
    request.save()
    assert request.session_key is not None
    assert _refused_as(laptop) is InvalidReason.REVOKED
    assert _refused_as(phone) is InvalidReason.REVOKED  # the phone's copy from before
    assert SessionStore(request.session_key)["count"] == 1  # the phone carries on


class _DownStore(MemoryRevocationStore):
    def revoke_session(self, session_id: str, until: int) -> None:
        raise ConnectionError("the revocation store is down")


def test_a_store_that_is_down_fails_the_logout_and_writes_no_cookie(
    clock: ManualClock,
) -> None:
    revocations = _revocations(_DownStore(clock=clock), clock)
    with override_settings(CLIENT_SESSION_CLOCK=clock, CLIENT_SESSION_REVOCATIONS=revocations):
        client = Client(raise_request_exception=False)
        logged_in = _login(client)
        response = client.post("/logout")
        assert response.status_code == 500
        assert "sessionid" not in response.cookies  # the browser keeps its login, and retries
        assert _as_copy(logged_in) == {"user": "ada"}
        session = SessionStore(logged_in)
        with pytest.raises(ConnectionError):
            session.flush()
        assert session.is_empty()  # emptied all the same, for an application that goes on


# -- the setting's problems ------------------------------------------------------------------


def _problems(**settings: Any) -> list[checks.CheckMessage]:
    with override_settings(**settings):
        return [
            message
            for message in checks.run_checks(tags=[checks.Tags.security])
            if message.id.startswith("client_session.")
        ]


@pytest.mark.parametrize(
    ("value", "kind"),
    [("redis://127.0.0.1:6379/0", "str"), (MemoryRevocationStore(), "MemoryRevocationStore")],
)
def test_a_setting_that_is_no_revocations_is_client_session_e007(value: object, kind: str) -> None:
    (problem,) = _problems(CLIENT_SESSION_REVOCATIONS=value)
    assert problem.id == "client_session.E007"
    assert problem.msg == (
        "CLIENT_SESSION_REVOCATIONS must be a client_session_core.revocation.Revocations or "
        f"None, not a {kind}"
    )
    assert "Revocations(RedisRevocationStore.from_url(...))" in problem.hint
    with (
        override_settings(CLIENT_SESSION_REVOCATIONS=value),
        pytest.raises(ConfigurationError) as caught,
    ):
        Client().get("/untouched")  # the middleware is built: a server's start-up
    assert str(caught.value) == f"{problem.msg}. {problem.hint} (client_session.E007)"


def test_revocations_need_an_absolute_lifetime_in_djangos_words(
    revocations: Revocations,
) -> None:
    (problem,) = _problems(CLIENT_SESSION_ABSOLUTE_LIFETIME=None)
    assert problem.id == "client_session.E004"
    assert problem.msg.startswith(
        "CLIENT_SESSION_REVOCATIONS needs CLIENT_SESSION_ABSOLUTE_LIFETIME"
    )


def test_revocations_need_identities_written_in_djangos_words(
    revocations: Revocations,
) -> None:
    (problem,) = _problems(CLIENT_SESSION_WRITE_IDENTITY=False)
    assert problem.id == "client_session.E004"
    assert problem.msg.startswith(
        "CLIENT_SESSION_REVOCATIONS needs CLIENT_SESSION_WRITE_IDENTITY = True: "
    )


def test_beside_a_policy_the_setting_must_be_the_policys(
    revocations: Revocations, clock: ManualClock
) -> None:
    keys = KeyRing([generate_key()])
    other = _revocations(MemoryRevocationStore(clock=clock), clock)
    with_others = SessionPolicy(keys=keys, absolute_lifetime=3600, revocations=other)
    (problem,) = _problems(CLIENT_SESSION_POLICY=with_others)
    assert problem.id == "client_session.E005"
    assert "CLIENT_SESSION_REVOCATIONS = Revocations(MemoryRevocationStore" in problem.msg
    without = SessionPolicy(keys=keys, absolute_lifetime=3600)
    assert [p.id for p in _problems(CLIENT_SESSION_POLICY=without)] == ["client_session.E005"]
    same = SessionPolicy(keys=keys, absolute_lifetime=3600, revocations=revocations)
    assert _problems(CLIENT_SESSION_POLICY=same) == []
    with override_settings(CLIENT_SESSION_POLICY=same):
        assert session_codec().policy.revocations is revocations


# -- over a real server ----------------------------------------------------------------------


def _session_cookie(response: httpx.Response) -> str | None:
    for header in response.headers.get_list("set-cookie"):
        cookie = parse_set_cookie(header)
        if cookie.name == "sessionid":
            return cookie.value if cookie.attributes.get("max-age") != "0" else ""
    return None


def test_logout_over_uvicorn_ends_every_copy(revocations: Revocations) -> None:
    application = ASGIHandler()  # the middleware reads the settings now
    with serve_asgi_in_thread(application) as url, httpx.Client(base_url=url, timeout=10.0) as http:
        login = http.post("/login", json={"username": "ada", "password": PASSWORD})
        logged_in = _session_cookie(login)
        assert logged_in
        copy = {"Cookie": f"sessionid={logged_in}"}
        http.cookies.clear()
        assert http.get("/whoami", headers=copy).json() == {"user": "ada"}
        logout = http.post("/logout", headers=copy)
        assert _session_cookie(logout) == ""  # this browser's cookie deleted
        http.cookies.clear()
        replayed = http.get("/whoami", headers=copy)
        assert replayed.json() == {"user": None}
        assert _session_cookie(replayed) == ""  # the refused copy deleted too

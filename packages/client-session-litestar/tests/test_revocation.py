"""ClientSessionConfig(revocations=...): a logout that revokes the session ends every copy of
its cookie, not only the one the browser that asked holds."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar, Request, get, post
from litestar.testing import TestClient

from client_session_core import ConfigurationError, InvalidReason, KeyRing, Session, SessionPolicy
from client_session_core.revocation import MemoryRevocationStore, Revocations
from client_session_core.testing import ManualClock
from client_session_litestar import ClientSessionConfig, generate_key

AnyRequest = Request[Any, Any, Any]


def _session(request: AnyRequest) -> Session:
    session = request.session
    assert isinstance(session, Session)
    return session


def _app(revocations: Revocations, clock: ManualClock) -> Litestar:
    @post("/login", status_code=200, sync_to_thread=False)
    def login(request: AnyRequest) -> dict[str, Any]:
        session = _session(request)
        session.regenerate()
        session.bind_user("ann")
        session["user"] = "ann"
        return {"id": session.id}

    @post("/logout", status_code=200)
    async def logout(request: AnyRequest) -> dict[str, Any]:
        revoked = await revocations.arevoke(_session(request))
        request.clear_session()
        return {"revoked": revoked}

    @get("/view", sync_to_thread=False)
    def view(request: AnyRequest) -> dict[str, Any]:
        session = _session(request)
        rejected = session.rejected
        return {"user": session.get("user"), "rejected": rejected and rejected.value}

    config = ClientSessionConfig(secret=generate_key(), revocations=revocations, clock=clock)
    return Litestar(
        route_handlers=[login, logout, view], middleware=[config.middleware], logging_config=None
    )


def test_a_revoked_session_is_refused_in_every_copy() -> None:
    clock = ManualClock()
    revocations = Revocations(MemoryRevocationStore(clock=clock), clock=clock, autostart=False)
    with TestClient(_app(revocations, clock)) as client:
        client.post("/login")
        copy = client.cookies["session"]
        assert client.get("/view").json() == {"user": "ann", "rejected": None}
        assert client.post("/logout").json() == {"revoked": True}
        revocations.refresh()  # what the refresher thread does every interval
        client.cookies.clear()
        client.cookies["session"] = copy  # the copy taken before the logout
        assert client.get("/view").json() == {
            "user": None,
            "rejected": InvalidReason.REVOKED.value,
        }


def test_revocations_go_beside_litestar_s_options_not_beside_a_policy() -> None:
    revocations = Revocations(MemoryRevocationStore(), autostart=False)
    config = ClientSessionConfig(secret=generate_key(), max_age=600, revocations=revocations)
    assert config.session_policy.revocations is revocations
    assert config.session_policy.idle_timeout == 600
    policy = SessionPolicy(keys=KeyRing.of(generate_key()))
    with pytest.raises(ConfigurationError, match=r"so revocations cannot be given beside it"):
        ClientSessionConfig(policy=policy, revocations=revocations)


def test_write_identity_goes_beside_litestar_s_options_and_refuses_revocations() -> None:
    # Identities rolled out readers first (docs/migrating.md): on unless told.
    assert ClientSessionConfig(secret=generate_key()).session_policy.write_identity is True
    config = ClientSessionConfig(secret=generate_key(), write_identity=False)
    assert config.session_policy.write_identity is False
    revocations = Revocations(MemoryRevocationStore(), autostart=False)
    with pytest.raises(ConfigurationError, match=r"^revocations needs write_identity=True: "):
        ClientSessionConfig(secret=generate_key(), write_identity=False, revocations=revocations)

"""Revocation under Starlette: ``revocations=`` beside Starlette's arguments, logout that ends
every copy, "sign out everywhere", and the refresher started at the lifespan start-up and stopped
at its shutdown."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from client_session_asgi import SessionMiddleware
from client_session_core import ConfigurationError, KeyRing, Session, SessionPolicy, generate_key
from client_session_core.revocation import MemoryRevocationStore, Revocations
from client_session_core.testing import ManualClock

NOW = 1_800_000_000


def _session(request: Request) -> Session:
    session = request.session
    assert isinstance(session, Session)  # the core's session, which Starlette types as a dict
    return session


def _app(revocations: Revocations, clock: ManualClock | None = None) -> Starlette:
    async def login(request: Request) -> JSONResponse:
        session = _session(request)
        session.regenerate()
        session.bind_user("ann")
        session["user"] = "ann"
        return JSONResponse({"id": session.id})

    async def logout(request: Request) -> JSONResponse:
        await revocations.arevoke(_session(request))
        request.session.clear()
        return JSONResponse({})

    async def everywhere(request: Request) -> JSONResponse:
        await revocations.arevoke_user("ann")
        _session(request).regenerate()
        return JSONResponse({})

    async def view(request: Request) -> JSONResponse:
        rejected = _session(request).rejected
        return JSONResponse(
            {"user": request.session.get("user"), "rejected": rejected and rejected.value}
        )

    app = Starlette(
        routes=[
            Route("/login", login, methods=["POST"]),
            Route("/logout", logout, methods=["POST"]),
            Route("/everywhere", everywhere, methods=["POST"]),
            Route("/view", view),
        ]
    )
    app.add_middleware(
        SessionMiddleware,
        secret_key=generate_key(),
        revocations=revocations,
        clock=clock or ManualClock(NOW),
    )
    return app


def test_logout_ends_every_copy_and_sign_out_everywhere_the_other_devices() -> None:
    clock = ManualClock(NOW)
    revocations = Revocations(MemoryRevocationStore(clock=clock), clock=clock, autostart=False)
    app = _app(revocations, clock)
    with TestClient(app) as laptop, TestClient(app) as phone:
        laptop.post("/login")
        stolen = dict(laptop.cookies)
        assert "01 Jan 1970" in laptop.post("/logout").headers["set-cookie"]  # deleted
        thief = TestClient(app, cookies=stolen)
        assert thief.get("/view").json() == {"user": None, "rejected": "revoked"}
        # A password change on the phone: the laptop's new session ends, the phone's stays.
        laptop.post("/login")
        phone.post("/login")
        clock.advance(60)
        phone.post("/everywhere")
        assert laptop.get("/view").json() == {"user": None, "rejected": "revoked"}
        assert phone.get("/view").json() == {"user": "ann", "rejected": None}


def test_the_lifespan_shutdown_stops_the_refresher() -> None:
    revocations = Revocations(MemoryRevocationStore())
    with TestClient(_app(revocations, ManualClock(NOW))) as client:
        client.post("/login")
        client.get("/view")  # the first lookup starts the refresher
        thread = revocations._thread
        assert thread is not None
        assert thread.is_alive()
    thread.join(5)
    assert not thread.is_alive()
    assert revocations._thread is None


def test_the_lifespan_start_up_reads_the_store_before_the_first_request() -> None:
    store = MemoryRevocationStore()
    store.revoke_session("revoked-before-start-up", NOW + 3600)
    revocations = Revocations(store, interval=3600, max_staleness=7200)
    with TestClient(_app(revocations, ManualClock(NOW))):
        # Before any request: the start-up read the store, and the thread runs.
        assert revocations.refuses("revoked-before-start-up", None, NOW, NOW)
        assert revocations._thread is not None
    assert revocations._thread is None


def test_revocations_and_a_policy_are_one_or_the_other() -> None:
    revocations = Revocations(MemoryRevocationStore(), autostart=False)
    policy = SessionPolicy(keys=KeyRing([generate_key()]))
    with pytest.raises(ConfigurationError, match="revocations"):
        SessionMiddleware(JSONResponse({}), policy=policy, revocations=revocations)
    with pytest.raises(ConfigurationError, match="Revocations"):
        SessionMiddleware(JSONResponse({}), secret_key=generate_key(), revocations="redis://")  # type: ignore[arg-type]

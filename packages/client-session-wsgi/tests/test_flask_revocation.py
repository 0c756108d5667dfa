"""Revocation in Flask: CLIENT_SESSION_REVOCATIONS, logout that ends every copy, "sign out
everywhere", and a setting that is not a Revocations refused at init_app."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import flask
import pytest

from client_session_core import ConfigurationError, InvalidReason, generate_key
from client_session_core.revocation import MemoryRevocationStore, Revocations
from client_session_core.testing import ManualClock
from client_session_wsgi.flask import ClientSession, EncryptedCookieSession

NOW = 1_800_000_000


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def revocations(clock: ManualClock) -> Iterator[Revocations]:
    revocations = Revocations(MemoryRevocationStore(clock=clock), clock=clock, autostart=False)
    yield revocations
    revocations.stop()


def _session() -> EncryptedCookieSession:
    session = flask.session
    assert isinstance(session, EncryptedCookieSession)
    return session


def _app(revocations: object, clock: ManualClock) -> flask.Flask:
    app = flask.Flask(__name__)
    app.config["CLIENT_SESSION_KEYS"] = generate_key()
    app.config["CLIENT_SESSION_REVOCATIONS"] = revocations
    ClientSession(app, clock=clock)

    @app.post("/login")
    def login() -> dict[str, Any]:
        session = _session()
        session.regenerate()
        session.bind_user("ann")
        session["user"] = "ann"
        return {}

    @app.post("/logout")
    def logout() -> dict[str, Any]:
        assert isinstance(revocations, Revocations)
        revocations.revoke(_session())
        _session().clear()
        return {}

    @app.post("/everywhere")
    def everywhere() -> dict[str, Any]:
        assert isinstance(revocations, Revocations)
        revocations.revoke_user(_session()["user"])
        _session().regenerate()
        return {}

    @app.get("/")
    def view() -> dict[str, Any]:
        rejected = _session().rejected
        return {"user": _session().get("user"), "rejected": rejected and rejected.value}

    return app


def test_logout_ends_every_copy(revocations: Revocations, clock: ManualClock) -> None:
    app = _app(revocations, clock)
    assert app.session_interface.get_codec(app).policy.revocations is revocations  # type: ignore[attr-defined]
    client = app.test_client()
    client.post("/login")
    stolen = client.get_cookie("session")
    assert stolen is not None
    response = client.post("/logout")
    assert "session=;" in response.headers["Set-Cookie"]  # the browser's copy deleted
    thief = app.test_client()
    thief.set_cookie("session", stolen.value)
    assert thief.get("/").json == {"user": None, "rejected": InvalidReason.REVOKED.value}


def test_sign_out_everywhere_ends_the_other_devices_only(
    revocations: Revocations, clock: ManualClock
) -> None:
    app = _app(revocations, clock)
    laptop, phone = app.test_client(), app.test_client()
    laptop.post("/login")
    phone.post("/login")
    clock.advance(60)
    phone.post("/everywhere")
    assert laptop.get("/").json == {"user": None, "rejected": "revoked"}
    assert phone.get("/").json == {"user": "ann", "rejected": None}


def test_a_setting_that_is_no_revocations_is_refused_at_init_app(clock: ManualClock) -> None:
    with pytest.raises(
        ConfigurationError, match=r"^CLIENT_SESSION_REVOCATIONS must be a Revocations"
    ):
        _app("redis://127.0.0.1:6379/0", clock)

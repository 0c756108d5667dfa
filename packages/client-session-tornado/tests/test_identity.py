"""The session's identity in a Tornado handler: self.session is the core's session, so
regenerate() at login keeps the data under a new id, and bind_user() binds the user."""

from __future__ import annotations

from tornado.web import Application, RequestHandler

from client_session_conformance import ManualClock, SessionClient
from client_session_conformance.harnesses.tornado import serve_application
from client_session_tornado import KeyRing, SessionCodec, SessionMixin, SessionPolicy, generate_key


class Start(SessionMixin, RequestHandler):
    def get(self) -> None:
        self.session["cart"] = ["book"]
        self.write({"id": self.session.id})


class Login(SessionMixin, RequestHandler):
    def post(self) -> None:
        before = self.session.id
        self.session.regenerate()
        self.session.bind_user("ann")
        self.write({"before": before, "after": self.session.id})


class View(SessionMixin, RequestHandler):
    def get(self) -> None:
        session = self.session
        self.write({"id": session.id, "user": session.user_id, "data": dict(session)})


def test_regenerate_at_login_keeps_the_data_under_a_new_identity() -> None:
    codec = SessionCodec(SessionPolicy(keys=KeyRing([generate_key()])), clock=ManualClock())
    application = Application(
        [(r"/start", Start), (r"/login", Login), (r"/view", View)], client_session=codec
    )
    with serve_application(application) as base_url, SessionClient(base_url) as client:
        first = client.get("/start").json()["id"]
        assert client.get("/view").json()["id"] == first
        login = client.post("/login").json()
        assert login["before"] == first
        assert login["after"] != first
        assert client.get("/view").json() == {
            "id": login["after"],
            "user": "ann",
            "data": {"cart": ["book"]},
        }

"""The conformance suite's legacy-upgrade section: Flask's own cookies, over werkzeug."""

from __future__ import annotations

from typing import Any, ClassVar

import flask

from client_session_conformance import LegacyCookieWriter, LegacyUpgradeConformance
from client_session_conformance.harnesses.flask import FlaskHarness
from client_session_core.adapter import LegacyCookies
from client_session_wsgi.flask import flask_cookies


def flask_app(secret: str, cookie_name: str, max_age: int) -> flask.Flask:
    """An application on Flask's own SecureCookieSessionInterface, the one the switch replaces."""
    app = flask.Flask(__name__)
    app.config.update(
        SECRET_KEY=secret, SESSION_COOKIE_NAME=cookie_name, PERMANENT_SESSION_LIFETIME=max_age
    )
    return app


class FlaskCookieWriter(LegacyCookieWriter):
    """Cookies set by Flask's own session interface, read by ``flask_cookies``."""

    max_age: ClassVar[int] = 3600

    def write(self, content: dict[str, Any], *, secret: str, cookie_name: str) -> str:
        app = flask_app(secret, cookie_name, self.max_age)

        @app.get("/")
        def store() -> str:
            flask.session.update(content)
            return ""

        header = app.test_client().get("/").headers["Set-Cookie"]
        return header.partition("=")[2].partition(";")[0]

    def reader(self, *, secret: str, cookie_name: str, until: int) -> LegacyCookies:
        legacy = flask_cookies(flask_app(secret, cookie_name, self.max_age), until=until)
        assert legacy is not None  # the app has a SECRET_KEY
        return legacy


class TestFlaskLegacyUpgrade(LegacyUpgradeConformance):
    harness_class = FlaskHarness
    legacy_writer = FlaskCookieWriter()

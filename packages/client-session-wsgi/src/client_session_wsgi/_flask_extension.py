"""``ClientSession``: the encrypted session as a Flask extension, checked when it is set up.

Flask calls a session interface only once a request comes, so a missing or weak key set as
``app.session_interface = ...`` shows on the first request (a 500, or Flask's null session).
The extension form (``ClientSession(app)``, or ``init_app`` for an application factory)
installs the interface and builds the app's codec at once, from ``app.config``, so that
such a configuration stops the application where it is set up, in Flask's setting names.
It follows Flask's extension conventions (flask.palletsprojects.com, "Flask Extension
Development"): options on the instance, nothing of an app kept on it, the extension in
``app.extensions["client_session"]``.
"""

from __future__ import annotations

import time

from flask import Flask

from client_session_core.adapter import Clock, ConfigurationError, LegacyOption, SessionPolicy

from ._flask_interface import _EXTENSION, EncryptedCookieSessionInterface
from ._flask_settings import NO_KEY

__all__ = ["ClientSession"]


class ClientSession:
    """Encrypted cookie sessions for Flask applications, as a Flask extension.

    ::

        client_session = ClientSession()


        def create_app():
            app = Flask(__name__)
            app.config.from_prefixed_env()
            client_session.init_app(app)  # or ClientSession(app), with one app
            return app

    :meth:`init_app` installs an :class:`EncryptedCookieSessionInterface` as
    ``app.session_interface`` and builds its codec from ``app.config`` there and then, so
    that what the interface alone would report on the first request is a
    :class:`~client_session_core.ConfigurationError` at set-up, in Flask's setting names,
    saying how to fix it: no key (neither ``CLIENT_SESSION_KEYS``, in ``app.config`` or the
    environment, nor ``SECRET_KEY``), a weak key, a weak ``SECRET_KEY`` or
    ``SECRET_KEY_FALLBACKS`` entry while Flask's own cookies are read, a setting the core
    refuses, or a ``policy`` that would discard a setting the app changed. The line saying
    which of Flask's own cookies are read, and until when, is logged then too. Load the
    configuration before calling it.

    The options are those of :class:`EncryptedCookieSessionInterface`, kept on this object
    and given to the interface each app gets: ``policy`` (None: Flask's settings),
    ``legacy_cookies`` (default True) and ``clock`` (for tests). One extension serves any
    number of apps; it keeps none of them. ``app.extensions["client_session"]`` is this
    extension, ``app.session_interface`` the app's interface.
    """

    #: The interface :meth:`init_app` installs, built with this extension's options: set a
    #: subclass of :class:`EncryptedCookieSessionInterface` here (on the class or on one
    #: extension) to answer Flask's ``get_cookie_*`` hooks yourself.
    session_interface_class: type[EncryptedCookieSessionInterface] = EncryptedCookieSessionInterface

    def __init__(
        self,
        app: Flask | None = None,
        *,
        policy: SessionPolicy | None = None,
        legacy_cookies: LegacyOption = True,
        clock: Clock = time.time,
    ) -> None:
        self.policy = policy
        self.legacy_cookies = legacy_cookies
        self.clock = clock
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Install the encrypted session on ``app`` and check its configuration now.

        Raises :class:`~client_session_core.ConfigurationError` for a configuration that
        cannot seal sessions, and then leaves ``app`` as it was.
        """
        interface = self.session_interface_class(
            self.policy, clock=self.clock, legacy_cookies=self.legacy_cookies
        )
        if interface.get_codec(app) is None:
            app.extensions.pop(_EXTENSION, None)  # the codec of an interface not installed
            raise ConfigurationError(
                f"{NO_KEY}, before ClientSession(app) or init_app(app); without one, "
                "flask.session cannot be written"
            )
        app.session_interface = interface
        app.extensions["client_session"] = self

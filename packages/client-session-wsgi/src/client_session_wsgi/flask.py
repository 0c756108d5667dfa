"""Flask integration: ``flask.session`` kept in an encrypted, authenticated cookie.

::

    from client_session_wsgi.flask import ClientSession

    ClientSession(app)  # or client_session.init_app(app) in an application factory

``ClientSession`` installs ``EncryptedCookieSessionInterface`` and checks the configuration at
once (``app.session_interface = EncryptedCookieSessionInterface()`` is the same interface,
checked on the first request). Nothing else in the application changes: ``flask.session``
reads and writes as before, with Flask's ``SESSION_COOKIE_*``, ``PERMANENT_SESSION_LIFETIME``,
``SESSION_REFRESH_EACH_REQUEST``, ``SECRET_KEY`` and ``SECRET_KEY_FALLBACKS`` settings, and
``CLIENT_SESSION_*`` ones for what Flask has no setting for. This module imports Flask; the
rest of ``client_session_wsgi`` does not. Session cookies Flask's own interface wrote are read
once and resealed (``legacy_cookies``; ``flask_cookies`` builds that reader for another app).
"""

from ._flask_extension import ClientSession
from ._flask_interface import EncryptedCookieSession, EncryptedCookieSessionInterface
from ._flask_legacy import flask_cookies
from ._flask_serializer import TaggedJSONSessionSerializer

__all__ = [
    "ClientSession",
    "EncryptedCookieSession",
    "EncryptedCookieSessionInterface",
    "TaggedJSONSessionSerializer",
    "flask_cookies",
]

for _name in __all__:
    globals()[_name].__module__ = __name__
del _name

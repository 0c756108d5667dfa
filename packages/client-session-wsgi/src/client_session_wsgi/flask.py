"""Flask integration: ``flask.session`` kept in an encrypted, authenticated cookie.

::

    from client_session_wsgi.flask import EncryptedCookieSessionInterface

    app.session_interface = EncryptedCookieSessionInterface()

Nothing else in the application changes: ``flask.session`` reads and writes as before, with
Flask's ``SESSION_COOKIE_*``, ``PERMANENT_SESSION_LIFETIME``, ``SESSION_REFRESH_EACH_REQUEST``,
``SECRET_KEY`` and ``SECRET_KEY_FALLBACKS`` settings. This module imports Flask; the rest of
``client_session_wsgi`` does not. Session cookies Flask's own interface wrote are read once
and resealed (``legacy_cookies``; ``flask_cookies`` builds that reader for another app).
"""

from ._flask import (
    EncryptedCookieSession,
    EncryptedCookieSessionInterface,
    TaggedJSONSessionSerializer,
)
from ._flask_legacy import flask_cookies

__all__ = [
    "EncryptedCookieSession",
    "EncryptedCookieSessionInterface",
    "TaggedJSONSessionSerializer",
    "flask_cookies",
]

for _name in __all__:
    globals()[_name].__module__ = __name__
del _name

"""client-session-django: Django sessions kept in an encrypted, authenticated cookie.

In ``settings.py``::

    SESSION_ENGINE = "client_session_django"
    INSTALLED_APPS = [..., "client_session_django"]  # manage.py check reports its problems
    MIDDLEWARE = [..., "client_session_django.SessionMiddleware", ...]  # in place of Django's

Django's ``SESSION_COOKIE_*`` settings keep their meaning, and ``SECRET_KEY`` (with
``SECRET_KEY_FALLBACKS``) is the key ring unless ``CLIENT_SESSION_KEYS`` is set. See
docs/django.md for every setting.
"""

from ._legacy import SIGNED_COOKIES_SALT, signed_cookies
from ._middleware import SessionMiddleware
from ._settings import session_codec, session_policy
from ._store import SessionStore

__all__ = [
    "SIGNED_COOKIES_SALT",
    "SessionMiddleware",
    "SessionStore",
    "session_codec",
    "session_policy",
    "signed_cookies",
]

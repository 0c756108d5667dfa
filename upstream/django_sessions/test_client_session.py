"""Django's own session tests against client_session_django, as subclasses that change the
engine and nothing else: every test Django holds a session engine to (SessionTestsMixin, which
Django's CookieSessionTests runs for signed_cookies, here without the exemptions it makes for
that engine), and SessionMiddlewareTests under Django's middleware and under this package's
(tests_our_middleware.py: tests.py with its SessionMiddleware import line changed). Copied into
the sdist's tests/sessions_tests/ by run_upstream_tests.py."""

from django.test import SimpleTestCase

from client_session_django import SessionStore

from . import tests, tests_our_middleware


class ClientSessionTests(tests.SessionTestsMixin, SimpleTestCase):
    backend = SessionStore


class DjangoMiddlewareTests(tests.SessionMiddlewareTests):
    """Django's SessionMiddleware, with SESSION_ENGINE = "client_session_django"."""


class ClientSessionMiddlewareTests(tests_our_middleware.SessionMiddlewareTests):
    """client_session_django.SessionMiddleware."""

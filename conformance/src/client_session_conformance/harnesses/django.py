"""Conformance harness of client-session-django: the route contract as Django views, behind the
engine's SessionMiddleware, on werkzeug's threaded server (WSGI) or uvicorn (ASGI).

Entry point ``django`` (WSGI). Needs client-session-django and Django; werkzeug for WSGI,
uvicorn for :class:`DjangoASGIHarness`.

Django's settings belong to the process, yet the suite serves about 25 policies side by side.
The middleware reads its settings once, when Django's handler builds it (as at a server's
start-up), and keeps its own codec; so each server gets its own handler, built while
``CLIENT_SESSION_POLICY`` and ``CLIENT_SESSION_CLOCK`` name that server's policy and clock
(override_settings, under a lock, for the few milliseconds the build takes). Every server
then runs in this process and shares the ManualClock object itself: no process per policy
(the gunicorn harness pays about a second of start-up for each, and a clock file). A key text
is served the same way, as ``CLIENT_SESSION_KEYS`` or as ``SECRET_KEY`` with no
``CLIENT_SESSION_KEYS``, the project's other settings as they are.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import threading
from collections.abc import Callable
from typing import Any, ClassVar

import django
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.base import BaseHandler
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.test.utils import override_settings
from django.urls import path

import client_session_django  # noqa: F401 - the adapter under test; its absence skips
from client_session_conformance import (
    Harness,
    append_nested,
    clear_session,
    count_visit,
    end_session,
    leave_untouched,
    merge_session,
    regenerate_session,
    remember_session,
    revoke_user,
    start_session,
    store_blob,
    view_session,
    who_is,
)
from client_session_conformance.serving import serve_asgi_in_thread, serve_wsgi_in_thread
from client_session_core import Clock, SessionPolicy
from client_session_core.revocation import Revocations

__all__ = ["DjangoASGIHarness", "DjangoHarness", "contract_urls", "urlpatterns"]

CLIENT_SESSION_KEYS = "settings.CLIENT_SESSION_KEYS"
SECRET_KEY = "settings.SECRET_KEY"

_MIDDLEWARE = [
    f"{__name__}.contract_urls",
    "client_session_django.SessionMiddleware",
]
_build_lock = threading.Lock()
_REVOCATIONS = "client_session_revocations"  # the request attribute contract_urls sets


def _counter(request: HttpRequest) -> JsonResponse:
    return JsonResponse(count_visit(request.session))


def _view(request: HttpRequest) -> JsonResponse:
    return JsonResponse(view_session(request.session))


def _merge(request: HttpRequest) -> JsonResponse:
    return JsonResponse(merge_session(request.session, json.loads(request.body)))


def _clear(request: HttpRequest) -> JsonResponse:
    return JsonResponse(clear_session(request.session))


def _untouched(request: HttpRequest) -> JsonResponse:
    return JsonResponse(leave_untouched())


def _nested(request: HttpRequest) -> JsonResponse:
    return JsonResponse(append_nested(request.session, request.GET["item"]))


def _large(request: HttpRequest) -> JsonResponse:
    return JsonResponse(store_blob(request.session, int(request.GET["size"])))


def _remember(request: HttpRequest) -> JsonResponse:
    # Django's own call for a session's lifetime: set_expiry(seconds) is its idle timeout.
    seconds = int(request.GET["seconds"])
    return JsonResponse(remember_session(request.session, seconds, request.session.set_expiry))


def _store_revocations(request: HttpRequest) -> Revocations | None:
    # The policy's revocations, as an application keeps them for its logout: contract_urls
    # read them from this server's CLIENT_SESSION_POLICY when Django built it.
    revocations: Revocations | None = getattr(request, _REVOCATIONS, None)
    return revocations


def _logout(request: HttpRequest) -> JsonResponse:
    # What django.contrib.auth.logout calls: flush() revokes the session (every copy) when the
    # policy holds revocations, then empties it.
    return JsonResponse(end_session(request.session.flush))


def _logout_everywhere(request: HttpRequest) -> JsonResponse:
    revoke_user(_store_revocations(request), request.session.core)
    return JsonResponse(end_session(request.session.flush))


def _regenerate(request: HttpRequest) -> JsonResponse:
    # What django.contrib.auth.login calls for the same user: cycle_key(), the core's
    # regenerate() (the data kept, a new identity); SessionStore.core is the core's session.
    core = request.session.core
    return JsonResponse(regenerate_session(core, request.GET["user"], request.session.cycle_key))


def _whoami(request: HttpRequest) -> JsonResponse:
    return JsonResponse(who_is(request.session.core))


def _login(request: HttpRequest) -> JsonResponse:
    body = json.loads(request.body)
    # What django.contrib.auth.login calls when the session held another user: a new session
    # (its cycle_key(), for the same user, keeps the data, so it cannot replace it).
    request.session.flush()
    return JsonResponse(start_session(request.session, body))


urlpatterns = [
    path("counter", _counter),
    path("view", _view),
    path("merge", _merge),
    path("clear", _clear),
    path("untouched", _untouched),
    path("nested", _nested),
    path("large", _large),
    path("remember", _remember),
    path("logout", _logout),
    path("login", _login),
    path("logout-everywhere", _logout_everywhere),
    path("regenerate", _regenerate),
    path("whoami", _whoami),
]
"""The route contract (the methods are not checked: the suite sends the right ones)."""


def contract_urls(get_response: Callable[[HttpRequest], HttpResponse]) -> Any:
    """Middleware: route with this module's urlpatterns, whatever ROOT_URLCONF says (the
    tests of a project that configured Django already run this harness too)."""

    policy = getattr(settings, "CLIENT_SESSION_POLICY", None)  # this server's, at its build
    revocations = policy.revocations if isinstance(policy, SessionPolicy) else None

    def middleware(request: HttpRequest) -> HttpResponse:
        request.urlconf = __name__
        setattr(request, _REVOCATIONS, revocations)
        return get_response(request)

    return middleware


def _configure_django() -> None:
    """Configure Django for the harness alone, unless the process already did."""
    if not settings.configured:
        settings.configure(
            # Django requires one; the sessions' keys are the policy's.
            SECRET_KEY=secrets.token_urlsafe(32),
            ALLOWED_HOSTS=["127.0.0.1"],
            ROOT_URLCONF=__name__,
            INSTALLED_APPS=[],
            MIDDLEWARE=[],
            USE_TZ=True,
            DEBUG=False,
        )
        django.setup()
    elif "127.0.0.1" not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
        raise RuntimeError("the Django harness serves 127.0.0.1: add it to ALLOWED_HOSTS")


def _handler(handler_class: type[BaseHandler], clock: Clock, **session_settings: Any) -> Any:
    _configure_django()
    with (
        _build_lock,
        override_settings(
            MIDDLEWARE=_MIDDLEWARE,
            SESSION_ENGINE="client_session_django",
            CLIENT_SESSION_CLOCK=clock,
            **session_settings,
        ),
    ):
        return handler_class()


def _key_text_settings(option: str, key_text: str) -> dict[str, Any]:
    """The settings that give the keys as ``key_text`` through ``option``, and nothing else."""
    if option == CLIENT_SESSION_KEYS:
        return {"CLIENT_SESSION_POLICY": None, "CLIENT_SESSION_KEYS": key_text}
    if option == SECRET_KEY:
        return {
            "CLIENT_SESSION_POLICY": None,
            "CLIENT_SESSION_KEYS": None,
            "SECRET_KEY": key_text,
            "SECRET_KEY_FALLBACKS": [],
        }
    raise ValueError(f"no key-text option {option!r}")


class DjangoHarness(Harness):
    """Django under WSGI, each server with its own handler (and so its own policy)."""

    name = "django"
    server_joins_cookie_fields_with_commas = True  # werkzeug's server, as for any header
    key_text_options: ClassVar[tuple[str, ...]] = (CLIENT_SESSION_KEYS, SECRET_KEY)

    def serve(self, policy: SessionPolicy, clock: Clock) -> contextlib.AbstractContextManager[str]:
        """Serve the contract with Django's WSGIHandler on werkzeug's threaded server."""
        return serve_wsgi_in_thread(_handler(WSGIHandler, clock, CLIENT_SESSION_POLICY=policy))

    def serve_with_key_text(
        self, option: str, key_text: str, clock: Clock
    ) -> contextlib.AbstractContextManager[str]:
        """Serve the contract with the keys in Django's settings as ``key_text``."""
        session_settings = _key_text_settings(option, key_text)
        return serve_wsgi_in_thread(_handler(WSGIHandler, clock, **session_settings))


class DjangoASGIHarness(Harness):
    """Django under ASGI (uvicorn), the same views and middleware."""

    name = "django-asgi"
    key_text_options: ClassVar[tuple[str, ...]] = (CLIENT_SESSION_KEYS, SECRET_KEY)

    def serve(self, policy: SessionPolicy, clock: Clock) -> contextlib.AbstractContextManager[str]:
        """Serve the contract with Django's ASGIHandler on uvicorn."""
        return serve_asgi_in_thread(_handler(ASGIHandler, clock, CLIENT_SESSION_POLICY=policy))

    def serve_with_key_text(
        self, option: str, key_text: str, clock: Clock
    ) -> contextlib.AbstractContextManager[str]:
        """Serve the contract with the keys in Django's settings as ``key_text``."""
        session_settings = _key_text_settings(option, key_text)
        return serve_asgi_in_thread(_handler(ASGIHandler, clock, **session_settings))

"""The counter on Django, under each session engine (WSGI, served by gunicorn).

Django's settings belong to the process, and the in-process part builds every variant in one
process: the settings are configured once, with every cache and database the engines need,
and each variant is a handler built while ``MIDDLEWARE`` and ``SESSION_ENGINE`` name its own
(both are read when Django builds the middleware).
"""

from __future__ import annotations

import tempfile
from contextvars import ContextVar
from http.cookies import Morsel
from pathlib import Path
from typing import Any

from ..content import filled_session
from ..variants import postgres_port
from . import FIXED_SESSION_VALUE, AppOptions

__all__ = ["build_app"]

_DJANGOS = "django.contrib.sessions.middleware.SessionMiddleware"
_ENGINES: dict[str, tuple[list[str], str]] = {
    # variant: (MIDDLEWARE, SESSION_ENGINE)
    "bare": ([f"{__name__}.bare_routes"], "django.contrib.sessions.backends.signed_cookies"),
    "headers": (
        [f"{__name__}.bare_routes", f"{__name__}.session_headers"],
        "django.contrib.sessions.backends.signed_cookies",
    ),
    "ours": (["client_session_django.SessionMiddleware"], "client_session_django"),
    "own": ([_DJANGOS], "django.contrib.sessions.backends.signed_cookies"),
    "redis": ([_DJANGOS], "django.contrib.sessions.backends.cache"),
    "sqlite": ([_DJANGOS], "django.contrib.sessions.backends.db"),
    "postgres": ([f"{__name__}.on_postgres", _DJANGOS], "django.contrib.sessions.backends.db"),
    "floor": ([_DJANGOS], f"{__package__}.django_floor"),
}

# The database the db engine uses in this request: "default" (SQLite), or "postgres" for the
# handler of that variant (both variants live in one process in the in-process part).
_database: ContextVar[str] = ContextVar("sessionbench_django_database", default="default")


class SessionDatabaseRouter:
    """Django's database router: the session table of the request's variant."""

    def db_for_read(self, model: Any, **hints: Any) -> str:
        return _database.get()

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return _database.get()


def on_postgres(get_response: Any) -> Any:
    """Middleware of the PostgreSQL variant, outside Django's SessionMiddleware."""

    def middleware(request: Any) -> Any:
        token = _database.set("postgres")
        try:
            return get_response(request)
        finally:
            _database.reset(token)

    return middleware


class _FixedSetCookie(Morsel[str]):
    """A session's Set-Cookie, fixed: Django writes ``response.cookies`` with ``output()``."""

    def __init__(self) -> None:
        super().__init__()
        self.set("sessionid", FIXED_SESSION_VALUE, FIXED_SESSION_VALUE)
        # client_session_django's attributes, in its order, with a fixed date.
        self._header = (
            f"sessionid={FIXED_SESSION_VALUE}; Path=/; Max-Age=1209600; "
            "Expires=Tue, 15 Dec 2026 06:26:43 GMT; HttpOnly; SameSite=Lax"
        )

    def OutputString(self, attrs: Any = None) -> str:  # noqa: N802 - Morsel's name
        return self._header


_FIXED_SET_COOKIE = _FixedSetCookie()


def session_headers(get_response: Any) -> Any:
    """Middleware of the "session headers only" variant: the headers, no session."""

    def middleware(request: Any) -> Any:
        response = get_response(request)
        response.cookies["sessionid"] = _FIXED_SET_COOKIE
        response.headers["Vary"] = "Cookie"
        return response

    return middleware


def _counter(request: Any) -> Any:
    from django.http import JsonResponse

    count = request.session.get("count", 0) + 1
    request.session["count"] = count
    return JsonResponse({"count": count})


def _fill(request: Any) -> Any:
    from django.http import JsonResponse

    name = request.GET["session"]
    request.session.clear()
    request.session.update(filled_session(name))
    return JsonResponse({"session": name})


def _bare_counter(request: Any) -> Any:
    from django.http import JsonResponse

    return JsonResponse({"count": 1})


def _urls(session: bool) -> list[Any]:
    from django.urls import path

    if not session:
        return [path("counter", _bare_counter)]
    return [path("counter", _counter), path("fill", _fill)]


urlpatterns = _urls(session=True)
# A tuple: Django caches a resolver per URLconf, which must be hashable.
bare_urlpatterns = tuple(_urls(session=False))


def _configure(options: AppOptions) -> None:
    import django
    from django.conf import settings

    from client_session_core import generate_key

    if settings.configured:
        return
    caches: dict[str, Any] = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    }
    if options.redis_port is not None:
        caches["default"] = {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{options.redis_port}",
        }
    database = Path(tempfile.mkdtemp(prefix="sessionbench-django-")) / "sessions.sqlite3"
    databases: dict[str, Any] = {
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(database)}
    }
    port = postgres_port()
    if port is not None:
        databases["postgres"] = {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": "postgres",
            "USER": "bench",
            "HOST": "127.0.0.1",
            "PORT": str(port),
        }
    settings.configure(
        # A generated key: client-session refuses a weak SECRET_KEY; signed_cookies uses it too.
        SECRET_KEY=generate_key(),
        ALLOWED_HOSTS=["*"],
        DEBUG=False,
        USE_TZ=True,
        ROOT_URLCONF=__name__,
        INSTALLED_APPS=["django.contrib.sessions"],
        MIDDLEWARE=[],
        CACHES=caches,
        DATABASES=databases,
        DATABASE_ROUTERS=[f"{__name__}.SessionDatabaseRouter"],
    )
    django.setup()


_migrated: set[str] = set()


def _migrate(database: str) -> None:
    """Create the django_session table in ``database``, once per process, and only in the
    processes that use it (the servers of several variants start at once)."""
    from django.core.management import call_command
    from django.db import connections

    if database not in _migrated:
        call_command("migrate", database=database, verbosity=0)
        _migrated.add(database)
    # gunicorn forks after this: no connection may cross the fork.
    connections.close_all()


def bare_routes(get_response: Any) -> Any:
    """Middleware of the bare app: route with the bare urlpatterns (Django takes them as is)."""

    def middleware(request: Any) -> Any:
        request.urlconf = bare_urlpatterns
        return get_response(request)

    return middleware


def build_app(variant: str, options: AppOptions) -> Any:
    """The counter app of ``variant`` ("bare" or a key of the engine table): a WSGI handler."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.test.utils import override_settings

    _configure(options)
    if variant in ("sqlite", "postgres"):
        _migrate("default" if variant == "sqlite" else "postgres")
    middleware, engine = _ENGINES[variant]
    with override_settings(MIDDLEWARE=middleware, SESSION_ENGINE=engine):
        return WSGIHandler()

"""The table of frameworks and session variants: every other module reads it, none repeats it."""

from __future__ import annotations

import enum
import importlib.util
import os
from dataclasses import dataclass

__all__ = [
    "FRAMEWORKS",
    "POSTGRES_PORT_ENV",
    "REVOCATION_PAIRS",
    "VARIANTS",
    "Framework",
    "Role",
    "Variant",
    "postgres_port",
    "variants_of",
]


POSTGRES_PORT_ENV = "SESSIONBENCH_POSTGRES_PORT"
"""Where run.py tells every child and server process the port of its PostgreSQL server."""


def postgres_port() -> int | None:
    """The port of the run's PostgreSQL server, or None when there is none."""
    value = os.environ.get(POSTGRES_PORT_ENV)
    return int(value) if value else None


class Role(enum.Enum):
    """What a variant stands for in the comparison."""

    BARE = "bare"
    """The app with no session: the framework's own cost."""
    OURS = "ours"
    """client-session, through the framework's adapter."""
    OWN = "own"
    """The session the framework ships (signed cookies)."""
    STORE = "store"
    """A server-side store: a session id in the cookie, the content in Redis."""
    FLOOR = "floor"
    """The hand-written json + AES-GCM middleware: sealed cookies with no policy."""
    HEADERS = "headers"
    """The bare app plus a session's response headers, fixed (a Set-Cookie the length of
    client-session's and Vary: Cookie), and a request that carries the cookie: what a
    session that cost nothing but its bytes would score, the ceiling of any session's ratio."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Framework:
    """A framework, how its counter app is built, and how one worker serves it."""

    name: str
    label: str
    server: str
    app_module: str
    interface: str
    """"asgi", "wsgi", "tornado" or "aiohttp": how the in-process driver calls the app."""
    requires: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Variant:
    """One way of keeping the counter's session in one framework."""

    framework: Framework
    name: str
    label: str
    role: Role
    requires: tuple[str, ...] = ()
    """Modules that must import for this variant to run (beyond the framework's)."""
    revocation: bool = False
    """True for client-session with revocation on: its policy's ``Revocations`` read the
    run's redis-server (``RedisRevocationStore``), a copy in memory refreshed every 2 s."""
    store: str = "redis"
    """Where a server-side store (``Role.STORE``) keeps the sessions: "redis", "postgres" (the
    server run.py starts, at ``$SESSIONBENCH_POSTGRES_PORT``), or "sqlite" (a file the app
    makes itself)."""

    @property
    def key(self) -> str:
        """``framework/variant``, the id used in results."""
        return f"{self.framework.name}/{self.name}"

    @property
    def uses_core(self) -> bool:
        """True for client-session's variants: they run once on each build of the core."""
        return self.role is Role.OURS

    @property
    def needs_redis(self) -> bool:
        """True when the variant keeps its sessions, or its revocations, in Redis."""
        return (self.role is Role.STORE and self.store == "redis") or self.revocation

    def unavailable(self, *, redis: bool) -> str | None:
        """Why this variant cannot run here (a module missing, or no Redis), or None."""
        for module in (*self.framework.requires, *self.requires):
            if importlib.util.find_spec(module) is None:
                return f"{module} is not installed"
        if self.needs_redis and not redis:
            return "no redis-server"
        if self.role is Role.STORE and self.store == "postgres" and not postgres_port():
            return "no PostgreSQL server"
        return None


ASGI = Framework(
    name="asgi",
    label="ASGI: Starlette",
    server="uvicorn with uvloop and httptools, 1 process",
    app_module="sessionbench.apps.starlette_apps",
    interface="asgi",
    requires=("starlette", "uvicorn"),
)
FLASK = Framework(
    name="flask",
    label="Flask",
    server="gunicorn, 1 sync worker",
    app_module="sessionbench.apps.flask_apps",
    interface="wsgi",
    requires=("flask", "gunicorn"),
)
TORNADO = Framework(
    name="tornado",
    label="Tornado",
    server="Tornado's HTTPServer, 1 process",
    app_module="sessionbench.apps.tornado_apps",
    interface="tornado",
    requires=("tornado",),
)
AIOHTTP = Framework(
    name="aiohttp",
    label="aiohttp (aiohttp-session)",
    server="aiohttp's web.run_app, 1 process",
    app_module="sessionbench.apps.aiohttp_apps",
    interface="aiohttp",
    requires=("aiohttp", "aiohttp_session"),
)
DJANGO = Framework(
    name="django",
    label="Django",
    server="gunicorn, 1 sync worker",
    app_module="sessionbench.apps.django_apps",
    interface="wsgi",
    requires=("django", "gunicorn"),
)
LITESTAR = Framework(
    name="litestar",
    label="Litestar",
    server="uvicorn with uvloop and httptools, 1 process",
    app_module="sessionbench.apps.litestar_apps",
    interface="asgi",
    requires=("litestar", "uvicorn"),
)
FRAMEWORKS = (ASGI, FLASK, TORNADO, AIOHTTP, DJANGO, LITESTAR)

VARIANTS: tuple[Variant, ...] = (
    Variant(framework=ASGI, name="bare", label="bare app", role=Role.BARE),
    Variant(
        framework=ASGI,
        name="ours",
        label="client-session (SessionMiddleware)",
        role=Role.OURS,
        requires=("client_session_asgi",),
    ),
    Variant(
        framework=ASGI,
        name="revocation",
        label="client-session + revocation on Redis",
        role=Role.OURS,
        requires=("client_session_asgi", "redis"),
        revocation=True,
    ),
    Variant(framework=ASGI, name="own", label="Starlette SessionMiddleware", role=Role.OWN),
    Variant(
        framework=ASGI,
        name="redis",
        label="starsessions + Redis",
        role=Role.STORE,
        requires=("starsessions", "redis"),
    ),
    Variant(framework=ASGI, name="floor", label="AES-GCM floor", role=Role.FLOOR),
    Variant(framework=ASGI, name="headers", label="session headers only", role=Role.HEADERS),
    Variant(framework=FLASK, name="bare", label="bare app", role=Role.BARE),
    Variant(
        framework=FLASK,
        name="ours",
        label="client-session (session interface)",
        role=Role.OURS,
        requires=("client_session_wsgi",),
    ),
    Variant(
        framework=FLASK,
        name="policy",
        label="client-session (session interface, policy=)",
        role=Role.OURS,
        requires=("client_session_wsgi",),
    ),
    Variant(
        framework=FLASK,
        name="revocation",
        label="client-session + revocation on Redis (policy=)",
        role=Role.OURS,
        requires=("client_session_wsgi", "redis"),
        revocation=True,
    ),
    Variant(framework=FLASK, name="own", label="Flask's session", role=Role.OWN),
    Variant(
        framework=FLASK,
        name="redis",
        label="Flask-Session + Redis",
        role=Role.STORE,
        requires=("flask_session", "redis"),
    ),
    Variant(framework=FLASK, name="floor", label="AES-GCM floor", role=Role.FLOOR),
    Variant(framework=FLASK, name="headers", label="session headers only", role=Role.HEADERS),
    Variant(framework=TORNADO, name="bare", label="bare app", role=Role.BARE),
    Variant(
        framework=TORNADO,
        name="ours",
        label="client-session (SessionMixin)",
        role=Role.OURS,
        requires=("client_session_tornado",),
    ),
    Variant(framework=TORNADO, name="own", label="Tornado signed cookies", role=Role.OWN),
    Variant(framework=TORNADO, name="floor", label="AES-GCM floor", role=Role.FLOOR),
    Variant(framework=AIOHTTP, name="bare", label="bare app", role=Role.BARE),
    Variant(
        framework=AIOHTTP,
        name="ours",
        label="client-session (EncryptedCookieSessionStorage)",
        role=Role.OURS,
        requires=("client_session_aiohttp",),
    ),
    Variant(
        framework=AIOHTTP,
        name="own",
        label="aiohttp-session EncryptedCookieStorage",
        role=Role.OWN,
        requires=("cryptography",),
    ),
    Variant(
        framework=AIOHTTP,
        name="redis",
        label="aiohttp-session RedisStorage",
        role=Role.STORE,
        requires=("redis",),
    ),
    Variant(framework=AIOHTTP, name="floor", label="AES-GCM floor", role=Role.FLOOR),
    Variant(framework=DJANGO, name="bare", label="bare app", role=Role.BARE),
    Variant(
        framework=DJANGO,
        name="ours",
        label="client-session (client_session_django)",
        role=Role.OURS,
        requires=("client_session_django",),
    ),
    Variant(framework=DJANGO, name="own", label="Django signed_cookies", role=Role.OWN),
    Variant(
        framework=DJANGO,
        name="redis",
        label="Django cache engine on Redis",
        role=Role.STORE,
        requires=("redis",),
    ),
    Variant(
        framework=DJANGO,
        name="postgres",
        label="Django db engine on PostgreSQL",
        role=Role.STORE,
        requires=("psycopg",),
        store="postgres",
    ),
    Variant(
        framework=DJANGO,
        name="sqlite",
        label="Django db engine on SQLite",
        role=Role.STORE,
        store="sqlite",
    ),
    Variant(framework=DJANGO, name="floor", label="AES-GCM floor", role=Role.FLOOR),
    Variant(framework=DJANGO, name="headers", label="session headers only", role=Role.HEADERS),
    Variant(framework=LITESTAR, name="bare", label="bare app", role=Role.BARE),
    Variant(
        framework=LITESTAR,
        name="ours",
        label="client-session (ClientSessionConfig)",
        role=Role.OURS,
        requires=("client_session_litestar",),
    ),
    Variant(
        framework=LITESTAR,
        name="own",
        label="Litestar client-side sessions (CookieBackendConfig)",
        role=Role.OWN,
    ),
    Variant(
        framework=LITESTAR,
        name="redis",
        label="Litestar server-side sessions (ServerSideSessionConfig) + Redis",
        role=Role.STORE,
        requires=("redis",),
    ),
    Variant(framework=LITESTAR, name="floor", label="AES-GCM floor", role=Role.FLOOR),
)


def variants_of(framework: Framework) -> tuple[Variant, ...]:
    """The variants of one framework, in table order."""
    return tuple(variant for variant in VARIANTS if variant.framework is framework)


REVOCATION_PAIRS: dict[str, tuple[str, str]] = {
    "asgi": ("ours", "revocation"),
    "flask": ("policy", "revocation"),
}
"""Per framework, the variant with revocation off and the one with it on, the same policy but
for ``revocations``: ASGI's drop-in middleware's own policy; on Flask, where revocation goes
through ``policy=``, the drop-in's policy given as ``policy=`` (a fixed codec, where the
drop-in re-reads Flask's settings)."""

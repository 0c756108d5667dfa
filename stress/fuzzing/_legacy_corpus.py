"""Old frameworks' session cookies, written by each framework's own code, and their readers.

Every adapter reads the session cookies the framework it replaces wrote (a
:class:`~client_session_core.LegacyCookies`, the policy's ``legacy_cookies``). Each fixture
here is one of those readers, built with the adapter's public function, the codec whose
policy holds it, and real cookies of that format written at fixed times with the old
framework's own code:

- Starlette: itsdangerous' ``TimestampSigner`` over ``base64(json)``, as its
  ``SessionMiddleware`` signs;
- Flask: ``SecureCookieSessionInterface().get_signing_serializer(app).dumps`` (tagged JSON),
  under ``SECRET_KEY`` and under one of ``SECRET_KEY_FALLBACKS``;
- Django: ``django.core.signing.dumps`` as the ``signed_cookies`` engine calls it (its salt,
  ``JSONSerializer``, ``compress=True``), under the key and under a fallback;
- aiohttp: ``Fernet.encrypt_at_time`` of aiohttp-session's ``{"created": ..., "session": ...}``;
- Tornado: ``tornado.web.create_signed_value``, version 1 and version 2;
- Litestar: ``ClientSideSessionBackend.dump_data`` of its ``CookieBackendConfig`` (AES-GCM
  under a 16-byte secret, as Litestar's documentation makes one), its chunks joined as the
  middleware joins them before the reader sees the value (one cookie, and one over 4032
  characters that Litestar splits in two).

Beside them, "strangers": valid cookies of the same format that the reader must refuse (another
secret, salt or cookie name). The secrets are made up from labels, never real ones, and the
clock stands still, so a finding replays with the same secrets (the reproducer says which).
Only the salts, IVs and nonces a format draws are random.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from unittest import mock

from client_session_core import JSONSerializer, KeyRing, Serializer, SessionCodec, SessionPolicy
from client_session_core.adapter import LegacyCookies

from ._corpus import NOW, key_text

__all__ = [
    "LEGACY_READERS",
    "UNTIL",
    "LegacyFixture",
    "LegacyOriginal",
    "legacy_fixtures",
    "legacy_secret",
]

UNTIL = NOW + 30 * 24 * 3600
"""Every reader's ``until``: well after the fuzz clock, so that only the cookie decides."""

LEGACY_READERS = ("starlette", "flask", "django", "aiohttp", "tornado", "litestar")
"""The readers, in the order of the report (and of the fuzzer's first byte)."""

DAY = 24 * 3600


def legacy_secret(label: str) -> str:
    """A made-up secret for ``label``: 64 hex characters, reproducible, never a real one."""
    return hashlib.sha256(f"client-session fuzz legacy secret: {label}".encode()).hexdigest()


@dataclass(frozen=True)
class LegacyOriginal:
    """A cookie the old framework wrote: what its reader must read it as, exactly."""

    label: str
    value: str
    data: dict[str, Any]
    """The session the reader must return (without the framework's own keys, such as
    Flask's ``_permanent``)."""
    signed_at: int


@dataclass(frozen=True)
class LegacyFixture:
    """One reader, the codec whose policy reads with it, and the cookies it must open."""

    name: str
    legacy: LegacyCookies
    codec: SessionCodec
    separator: str
    """What separates the parts of a cookie value in this format ("" for one token)."""
    max_age: int | None
    """The old format's age limit in seconds (None: it has none)."""
    originals: dict[str, LegacyOriginal]
    """Every cookie value the reader must open, by value."""
    strangers: tuple[str, ...]
    """Valid cookies of the format that this reader must refuse."""

    @property
    def cookie_name(self) -> str:
        return self.codec.policy.cookie_name


class _FixedClock:
    def __call__(self) -> float:
        return float(NOW)


def _codec(
    legacy: LegacyCookies,
    cookie_name: str,
    serializer: Serializer | None = None,
    *,
    max_chunks: int = 1,
) -> SessionCodec:
    policy = SessionPolicy(
        keys=KeyRing([key_text("current")]),
        cookie_name=cookie_name,
        legacy_cookies=legacy,
        serializer=serializer or JSONSerializer(),
        max_chunks=max_chunks,
    )
    return SessionCodec(policy, clock=_FixedClock())


@contextmanager
def _time_is(at: int) -> Iterator[None]:
    """``time.time()`` says ``at`` inside: for the signers that take no clock (itsdangerous'
    ``TimestampSigner.get_timestamp``, Django's ``TimestampSigner.timestamp``)."""
    with mock.patch("time.time", return_value=float(at)):
        yield


def _session(label: str, size: int) -> dict[str, Any]:
    # JSON shapes sessions hold; the filler repeats, so the formats that compress do.
    filler = hashlib.sha256(label.encode()).hexdigest()[:16]
    data: dict[str, Any] = {
        "label": label,
        "user": {"id": 42, "name": "Zoë ✓", "roles": ["reader", "writer"]},
    }
    if size:
        data["cart"] = [{"sku": i, "qty": i % 3 + 1} for i in range(3)]
        data["blob"] = (filler * (size // len(filler) + 1))[:size]
    return data


def _originals(*originals: LegacyOriginal) -> dict[str, LegacyOriginal]:
    return {original.value: original for original in originals}


# -- Starlette ---------------------------------------------------------------------------------


def _starlette() -> LegacyFixture:
    import itsdangerous

    from client_session_asgi import starlette_cookies

    secret = legacy_secret("starlette")
    max_age = 14 * DAY  # SessionMiddleware's default

    def write(data: dict[str, Any], at: int, key: str = secret) -> str:
        # starlette.middleware.sessions.SessionMiddleware's send_wrapper.
        with _time_is(at):
            payload = base64.b64encode(json.dumps(data).encode("utf-8"))
            return itsdangerous.TimestampSigner(key).sign(payload).decode("utf-8")

    def original(label: str, size: int, at: int) -> LegacyOriginal:
        data = _session(f"starlette/{label}", size)
        return LegacyOriginal(label, write(data, at), data, at)

    legacy = starlette_cookies(secret, until=UNTIL, max_age=max_age)
    stranger = write(_session("starlette/stranger", 0), NOW - 60, key=legacy_secret("stranger"))
    return LegacyFixture(
        name="starlette",
        legacy=legacy,
        codec=_codec(legacy, "session"),
        separator=".",
        max_age=max_age,
        originals=_originals(original("small", 0, NOW - 60), original("medium", 300, NOW - 240)),
        strangers=(stranger,),
    )


# -- Flask -------------------------------------------------------------------------------------


def _flask() -> LegacyFixture:
    from flask import Flask
    from flask.sessions import SecureCookieSessionInterface

    from client_session_wsgi.flask import TaggedJSONSessionSerializer, flask_cookies

    def app_for(secret: str, *fallbacks: str) -> Flask:
        app = Flask("client_session_fuzz")
        app.config.update(SECRET_KEY=secret, SECRET_KEY_FALLBACKS=list(fallbacks))
        return app

    app = app_for(legacy_secret("flask"), legacy_secret("flask-fallback"))

    def write(signer_app: Flask, content: dict[str, Any], at: int) -> str:
        # flask.sessions.SecureCookieSessionInterface.save_session.
        signing = SecureCookieSessionInterface().get_signing_serializer(signer_app)
        assert signing is not None
        with _time_is(at):
            return signing.dumps(content)

    def original(label: str, content: dict[str, Any], at: int, signer: Flask) -> LegacyOriginal:
        data = {key: value for key, value in content.items() if key != "_permanent"}
        return LegacyOriginal(label, write(signer, content, at), data, at)

    # Flask's tagged JSON: values that plain JSON has no form for come back as they were.
    tagged = {
        **_session("flask/tagged", 300),
        "pair": (1, "two"),
        "raw": b"\x00\xffbytes",
        "id": uuid.UUID(int=42),
        "when": datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
    }
    permanent = {**_session("flask/permanent", 0), "_permanent": True}
    fallback = app_for(legacy_secret("flask-fallback"))
    legacy = flask_cookies(app, until=UNTIL)
    assert legacy is not None
    stranger = write(app_for(legacy_secret("stranger")), _session("flask/stranger", 0), NOW - 60)
    return LegacyFixture(
        name="flask",
        legacy=legacy,
        codec=_codec(legacy, "session", TaggedJSONSessionSerializer()),
        separator=".",
        max_age=int(app.permanent_session_lifetime.total_seconds()),
        originals=_originals(
            original("permanent", permanent, NOW - 60, app),
            original("tagged", tagged, NOW - 240, app),
            original("fallback-key", _session("flask/fallback", 0), NOW - 120, fallback),
        ),
        strangers=(stranger,),
    )


# -- Django ------------------------------------------------------------------------------------


def _django() -> LegacyFixture:
    from django.conf import settings

    if not settings.configured:
        # signing.dumps reads SECRET_KEY_FALLBACKS; the reader is given its keys below.
        settings.configure(SECRET_KEY=legacy_secret("django-settings"), SECRET_KEY_FALLBACKS=[])
    from django.core import signing

    from client_session_django import SIGNED_COOKIES_SALT, signed_cookies

    key, old_key = legacy_secret("django"), legacy_secret("django-fallback")
    max_age = 2 * 7 * DAY  # SESSION_COOKIE_AGE's default

    def write(data: dict[str, Any], at: int, key: str, salt: str = SIGNED_COOKIES_SALT) -> str:
        # django.contrib.sessions.backends.signed_cookies.SessionStore._get_session_key.
        with _time_is(at):
            value: str = signing.dumps(
                data, key=key, salt=salt, serializer=signing.JSONSerializer, compress=True
            )
            return value

    def original(label: str, size: int, at: int, signer: str) -> LegacyOriginal:
        data = _session(f"django/{label}", size)
        return LegacyOriginal(label, write(data, at, signer), data, at)

    legacy = signed_cookies(until=UNTIL, max_age=max_age, secret_keys=[key, old_key])
    strangers = (
        write(_session("django/stranger", 0), NOW - 60, legacy_secret("stranger")),
        # The right key, signing.dumps' default salt: another purpose's signed value.
        write(_session("django/other-salt", 0), NOW - 60, key, salt="django.core.signing"),
    )
    return LegacyFixture(
        name="django",
        legacy=legacy,
        codec=_codec(legacy, "sessionid"),
        separator=":",
        max_age=max_age,
        originals=_originals(
            original("small", 0, NOW - 60, key),
            original("compressed", 300, NOW - 240, key),
            original("fallback-key", 0, NOW - 120, old_key),
        ),
        strangers=strangers,
    )


# -- aiohttp-session ---------------------------------------------------------------------------


def _aiohttp() -> LegacyFixture:
    from cryptography.fernet import Fernet

    from client_session_aiohttp import aiohttp_session_cookies

    def raw_key(label: str) -> bytes:
        # EncryptedCookieStorage(secret_key) takes 32 raw bytes (or a Fernet key).
        return hashlib.sha256(legacy_secret(label).encode()).digest()

    def write(data: dict[str, Any], at: int, label: str = "aiohttp") -> str:
        # aiohttp_session.cookie_storage.EncryptedCookieStorage.save_session.
        fernet = Fernet(base64.urlsafe_b64encode(raw_key(label)))
        stored = json.dumps({"created": at, "session": data}).encode("utf-8")
        return fernet.encrypt_at_time(stored, at).decode("utf-8")

    def original(label: str, size: int, at: int) -> LegacyOriginal:
        data = _session(f"aiohttp/{label}", size)
        return LegacyOriginal(label, write(data, at), data, at)

    legacy = aiohttp_session_cookies(raw_key("aiohttp"), until=UNTIL)  # max_age=None: its default
    return LegacyFixture(
        name="aiohttp",
        legacy=legacy,
        codec=_codec(legacy, "AIOHTTP_SESSION"),
        separator="",
        max_age=None,
        originals=_originals(original("small", 0, NOW - 60), original("medium", 300, NOW - 240)),
        strangers=(write(_session("aiohttp/stranger", 0), NOW - 60, "stranger"),),
    )


# -- Tornado -----------------------------------------------------------------------------------


def _tornado() -> LegacyFixture:
    from tornado.web import create_signed_value

    from client_session_tornado import tornado_signed_cookies

    secret = legacy_secret("tornado")
    name = "session"

    def write(data: dict[str, Any], at: int, version: int, **where: str) -> str:
        # RequestHandler.set_signed_cookie(name, json.dumps(session), version=...).
        signed = create_signed_value(
            where.get("secret", secret),
            where.get("name", name),
            json.dumps(data),
            version=version,
            clock=lambda: float(at),
        )
        return signed.decode("utf-8")

    def original(label: str, size: int, at: int, version: int) -> LegacyOriginal:
        data = _session(f"tornado/{label}", size)
        return LegacyOriginal(label, write(data, at, version), data, at)

    legacy = tornado_signed_cookies(secret, name=name, until=UNTIL)
    strangers = tuple(
        write(_session("tornado/stranger", 0), NOW - 60, version, **where)
        for version in (1, 2)
        # Another secret; the right secret for another cookie's name (it is signed).
        for where in ({"secret": legacy_secret("stranger")}, {"name": "other"})
    )
    return LegacyFixture(
        name="tornado",
        legacy=legacy,
        codec=_codec(legacy, name),
        separator="|",
        max_age=31 * DAY,  # get_signed_cookie's max_age_days
        originals=_originals(
            original("v1", 0, NOW - 60, version=1),
            original("v2", 0, NOW - 120, version=2),
            original("v2-medium", 300, NOW - 240, version=2),
        ),
        strangers=strangers,
    )


# -- Litestar ----------------------------------------------------------------------------------


def _litestar() -> LegacyFixture:
    from litestar.middleware.session.client_side import (
        ClientSideSessionBackend,
        CookieBackendConfig,
    )

    from client_session_litestar import litestar_cookies

    max_age = 14 * DAY  # CookieBackendConfig's default

    def raw_key(label: str) -> bytes:
        # An AES-128 key, as Litestar's documentation makes one (os.urandom(16)).
        return hashlib.sha256(legacy_secret(label).encode()).digest()[:16]

    def write(data: dict[str, Any], at: int, label: str = "litestar") -> str:
        # ClientSideSessionBackend.store_in_message writes these chunks as session-0,
        # session-1, ...; the middleware joins them in numeric order before the reader.
        config = CookieBackendConfig(secret=raw_key(label), max_age=max_age)
        with _time_is(at):
            chunks = ClientSideSessionBackend(config).dump_data(data)
        return b"".join(chunks).decode("ascii")

    def original(label: str, size: int, at: int) -> LegacyOriginal:
        data = _session(f"litestar/{label}", size)
        return LegacyOriginal(label, write(data, at), data, at)

    legacy = litestar_cookies(raw_key("litestar"), until=UNTIL, max_age=max_age)
    return LegacyFixture(
        name="litestar",
        legacy=legacy,
        # Two chunks of ours: the large session is resealed, not refused as too large.
        codec=_codec(legacy, "session", max_chunks=2),
        separator="",
        max_age=max_age,
        originals=_originals(
            original("small", 0, NOW - 60),
            original("medium", 300, NOW - 240),
            original("chunked", 3200, NOW - 120),
        ),
        strangers=(write(_session("litestar/stranger", 0), NOW - 60, "stranger"),),
    )


_BUILDERS: dict[str, Callable[[], LegacyFixture]] = {
    "starlette": _starlette,
    "flask": _flask,
    "django": _django,
    "aiohttp": _aiohttp,
    "tornado": _tornado,
    "litestar": _litestar,
}


def legacy_fixtures() -> dict[str, LegacyFixture]:
    """Every reader's fixture, by name, in :data:`LEGACY_READERS` order."""
    return {name: _BUILDERS[name]() for name in LEGACY_READERS}

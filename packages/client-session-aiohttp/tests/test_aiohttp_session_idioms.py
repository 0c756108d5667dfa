"""aiohttp-session's idioms, each alone, through aiohttp-session's own middleware (issue 23):
the key forms its users pass, ``max_age`` (None and N), ``session.max_age = N`` for "remember
me", and ``not_before`` to log everyone out, in the storage and in our middleware."""

from __future__ import annotations

import base64
import time
from datetime import datetime, timezone
from http.cookies import SimpleCookie
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from aiohttp_session import get_session, setup
from cryptography.fernet import Fernet, MultiFernet

from client_session_aiohttp import (
    AiohttpSession,
    ConfigurationError,
    EncryptedCookieSessionStorage,
    session_middleware,
)
from client_session_aiohttp import get_session as our_get_session
from client_session_conformance import ManualClock
from client_session_core import generate_key
from client_session_core.adapter import DROP_IN_ABSOLUTE_LIFETIME

COOKIE = "AIOHTTP_SESSION"
HOUR = 3600
DAY = 24 * HOUR
# A Fernet key that encodes a typed phrase: as weak as the phrase.
WEAK_FERNET_KEY = base64.urlsafe_b64encode(b"Thirty  two  length  bytes  key.").decode()


def written(resp: Any) -> SimpleCookie:
    """The one Set-Cookie of ``resp``, parsed."""
    (header,) = resp.headers.getall("Set-Cookie")
    cookie: SimpleCookie = SimpleCookie()
    cookie.load(header)
    return cookie


async def login(request: web.Request) -> web.Response:
    session = await get_session(request)
    session["user"] = "ada"
    if "remember" in request.query:
        session.max_age = int(request.query["remember"])  # aiohttp-session's remember-me
    return web.Response(text="ok")


async def view(request: web.Request) -> web.Response:
    session = await get_session(request)
    return web.json_response({"user": session.get("user"), "max_age": session.max_age})


async def touch(request: web.Request) -> web.Response:
    session = await get_session(request)
    session["seen"] = session.get("seen", 0) + 1
    return web.Response(text="ok")


def app_with(storage: EncryptedCookieSessionStorage) -> web.Application:
    app = web.Application()
    setup(app, storage)
    for handler in (login, view, touch):
        app.router.add_get(f"/{handler.__name__}", handler)
    return app


async def user(client: TestClient) -> str | None:
    found: str | None = (await (await client.get("/view")).json())["user"]
    return found


# -- the key: what aiohttp-session users pass ------------------------------------------------


@pytest.mark.parametrize(
    "fernet",
    [Fernet(Fernet.generate_key()), MultiFernet([Fernet(Fernet.generate_key())])],
    ids=["Fernet", "MultiFernet"],
)
def test_a_fernet_as_the_key_is_refused_saying_what_to_pass(fernet: Fernet | MultiFernet) -> None:
    # It was a bare TypeError from deep in the key ring.
    kind = type(fernet).__name__
    with pytest.raises(ConfigurationError) as raised:
        EncryptedCookieSessionStorage(fernet)  # type: ignore[arg-type]
    message = str(raised.value)
    assert message.startswith(f"EncryptedCookieSessionStorage(keys) takes keys, not a {kind}")
    assert "Pass the key you gave Fernet (its text, or its 32 bytes)" in message
    assert message.endswith(f"give the {kind} as legacy_secret_key")
    with pytest.raises(ConfigurationError) as raised:
        session_middleware(fernet)  # type: ignore[arg-type]
    assert str(raised.value).startswith(f"session_middleware(keys) takes keys, not a {kind}")
    assert "legacy_cookies=aiohttp_session_cookies(...)" in str(raised.value)


def test_a_fernet_keys_text_is_its_32_bytes(run_with_client: Any) -> None:
    # Fernet.generate_key().decode(), as aiohttp-session's EncryptedCookieStorage takes it, was
    # refused as "a generated key among other characters" (its padding).
    text = Fernet.generate_key().decode()
    by_text = EncryptedCookieSessionStorage(text)
    by_bytes = EncryptedCookieSessionStorage(base64.urlsafe_b64decode(text))

    async def scenario(client: TestClient) -> None:
        (await client.get("/login")).raise_for_status()
        (cookie,) = client.session.cookie_jar
        assert by_bytes.codec.load(f"{COOKIE}={cookie.value}") == {"user": "ada"}

    run_with_client(app_with(by_text), scenario)


def test_a_weak_fernet_keys_text_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="key #1") as raised:
        EncryptedCookieSessionStorage(WEAK_FERNET_KEY)
    assert WEAK_FERNET_KEY not in str(raised.value)


def test_the_fix_the_message_names_reads_the_old_cookies(run_with_client: Any) -> None:
    # EncryptedCookieStorage(fernet) becomes EncryptedCookieSessionStorage(key,
    # legacy_secret_key=fernet): the old storage's cookie opens and is resealed in ours.
    fernet = Fernet(Fernet.generate_key())
    old_cookie = fernet.encrypt(b'{"created": 1, "session": {"user": "ada"}}').decode()
    storage = EncryptedCookieSessionStorage(generate_key(), legacy_secret_key=fernet)

    async def scenario(client: TestClient) -> None:
        client.session.cookie_jar.update_cookies({COOKIE: old_cookie})
        resp = await client.get("/touch")
        assert storage.codec.load(f"{COOKIE}={written(resp)[COOKIE].value}") == {
            "user": "ada",
            "seen": 1,
        }

    run_with_client(app_with(storage), scenario)


# -- max_age=None: a browser-session cookie ----------------------------------------------------


def test_without_max_age_an_unused_session_stays_until_the_absolute_lifetime(
    key: str, clock: ManualClock, run_with_client: Any
) -> None:
    # aiohttp-session's max_age=None has no server-side expiry; it meant 30 minutes idle and
    # 12 hours absolute here. Now: no idle timeout, and the drop-ins' 30 days from the login.
    storage = EncryptedCookieSessionStorage(key, clock=clock)
    policy = storage.codec.policy
    assert (policy.idle_timeout, policy.absolute_lifetime) == (None, DROP_IN_ABSOLUTE_LIFETIME)
    assert storage.max_age is None

    async def scenario(client: TestClient) -> None:
        cookie = written(await client.get("/login"))[COOKIE]
        assert (cookie["max-age"], cookie["expires"]) == ("", "")  # a browser-session cookie
        clock.advance(3 * DAY)  # unused for days: a browser left open over a weekend
        assert await user(client) == "ada"
        clock.advance(27 * DAY - 1)
        (await client.get("/touch")).raise_for_status()
        assert await user(client) == "ada"
        clock.advance(1)  # 30 days after the login, however active
        assert await user(client) is None

    run_with_client(app_with(storage), scenario)


def test_without_max_age_the_lifetimes_given_are_kept(key: str) -> None:
    storage = EncryptedCookieSessionStorage(key, idle_timeout=HOUR, absolute_lifetime=DAY)
    policy = storage.codec.policy
    assert (policy.idle_timeout, policy.absolute_lifetime, policy.persistent) == (
        HOUR,
        DAY,
        False,
    )
    assert EncryptedCookieSessionStorage(key, idle_timeout=HOUR).codec.policy.absolute_lifetime == (
        DROP_IN_ABSOLUTE_LIFETIME
    )


def test_write_identity_is_passed_through_to_the_policy(key: str) -> None:
    # Identities rolled out readers first (docs/migrating.md): on unless told.
    assert EncryptedCookieSessionStorage(key).codec.policy.write_identity is True
    storage = EncryptedCookieSessionStorage(key, write_identity=False)
    assert storage.codec.policy.write_identity is False


# -- max_age=N: an idle timeout, and no surprise cap below it -----------------------------------


@pytest.mark.parametrize(
    ("max_age", "absolute"),
    [(HOUR, DROP_IN_ABSOLUTE_LIFETIME), (90 * DAY, 90 * DAY)],
    ids=["an-hour", "longer-than-30-days"],
)
def test_max_age_is_the_idle_timeout_under_the_drop_ins_absolute_lifetime(
    key: str, max_age: int, absolute: int
) -> None:
    # Any max_age over 12 hours was a hard cap of max_age; an hour was cut at 12 hours.
    policy = EncryptedCookieSessionStorage(key, max_age=max_age).codec.policy
    assert (policy.idle_timeout, policy.absolute_lifetime, policy.persistent) == (
        max_age,
        absolute,
        True,
    )


def test_with_max_age_a_session_in_use_outlives_12_hours(
    key: str, clock: ManualClock, run_with_client: Any
) -> None:
    storage = EncryptedCookieSessionStorage(key, max_age=HOUR, clock=clock)

    async def scenario(client: TestClient) -> None:
        assert written(await client.get("/login"))[COOKIE]["max-age"] == str(HOUR)
        for _ in range(24):  # a day of requests, 50 minutes apart
            clock.advance(50 * 60)
            (await client.get("/touch")).raise_for_status()
        assert await user(client) == "ada"
        clock.advance(HOUR)  # then an hour unused
        assert await user(client) is None

    run_with_client(app_with(storage), scenario)


def test_an_absolute_lifetime_shorter_than_max_age_caps_it(key: str) -> None:
    # The rule of every drop-in (the kit's max_age_lifetimes): before, this storage alone
    # refused it, where the others capped the idle timeout max_age gave.
    policy = EncryptedCookieSessionStorage(
        key, max_age=2 * HOUR, absolute_lifetime=HOUR
    ).codec.policy
    assert (policy.idle_timeout, policy.absolute_lifetime, policy.persistent) == (HOUR, HOUR, True)


# -- session.max_age = N: remember me, alone --------------------------------------------------


def test_session_max_age_alone_remembers_the_session(
    key: str, clock: ManualClock, run_with_client: Any
) -> None:
    # It only made the cookie persistent: remember-me needed set_lifetime too.
    storage = EncryptedCookieSessionStorage(key, clock=clock)

    async def scenario(client: TestClient) -> None:
        resp = await client.get("/login", params={"remember": str(14 * DAY)})
        assert written(resp)[COOKIE]["max-age"] == str(14 * DAY)
        clock.advance(10 * DAY)
        assert await (await client.get("/view")).json() == {"user": "ada", "max_age": 14 * DAY}
        # A later write keeps it, without setting max_age again (aiohttp-session's did not).
        assert written(await client.get("/touch"))[COOKIE]["max-age"] == str(14 * DAY)
        clock.advance(14 * DAY)  # then 14 days unused
        assert await user(client) is None

    run_with_client(app_with(storage), scenario)


def test_session_max_age_stays_within_the_absolute_lifetime(
    key: str, clock: ManualClock, run_with_client: Any
) -> None:
    storage = EncryptedCookieSessionStorage(key, clock=clock)

    async def scenario(client: TestClient) -> None:
        (await client.get("/login", params={"remember": str(7 * DAY)})).raise_for_status()
        for _ in range(5):  # used every 6 days: within its idle timeout, for 30 days
            clock.advance(6 * DAY)
            (await client.get("/touch")).raise_for_status()
        assert await user(client) is None  # 30 days after the login

    run_with_client(app_with(storage), scenario)


def test_session_max_age_longer_than_a_session_may_live_says_what_to_set(
    key: str, run_with_client: Any
) -> None:
    errors: list[str] = []

    async def remember(request: web.Request) -> web.Response:
        session = await get_session(request)
        with pytest.raises(ValueError, match=r"^session\.max_age = ") as raised:
            session.max_age = 90 * DAY
        errors.append(str(raised.value))
        for wrong in (0, -1, True):
            with pytest.raises(ValueError, match="positive whole number"):
                session.max_age = wrong
        return web.Response(text="ok")

    app = app_with(EncryptedCookieSessionStorage(key))
    app.router.add_get("/remember", remember)

    async def scenario(client: TestClient) -> None:
        (await client.get("/remember")).raise_for_status()

    run_with_client(app, scenario)
    assert errors == [
        f"session.max_age = {90 * DAY} is longer than a session may live here "
        f"({DROP_IN_ABSOLUTE_LIFETIME} s: the storage's max_session_lifetime, else its absolute "
        f"lifetime): give the storage max_session_lifetime={90 * DAY} or more to let chosen "
        "sessions live that long"
    ]


def test_max_session_lifetime_lets_chosen_sessions_live_longer(
    key: str, clock: ManualClock, run_with_client: Any
) -> None:
    storage = EncryptedCookieSessionStorage(key, max_session_lifetime=90 * DAY, clock=clock)

    async def scenario(client: TestClient) -> None:
        (await client.get("/login", params={"remember": str(90 * DAY)})).raise_for_status()
        clock.advance(60 * DAY)
        assert await user(client) == "ada"
        (await client.get("/login")).raise_for_status()  # another login: not remembered
        assert await (await client.get("/view")).json() == {"user": "ada", "max_age": 90 * DAY}

    run_with_client(app_with(storage), scenario)


def test_session_max_age_none_or_the_storages_is_the_storages_lifetime(
    key: str, run_with_client: Any
) -> None:
    storage = EncryptedCookieSessionStorage(key, max_age=HOUR)

    async def choose(request: web.Request) -> web.Response:
        session = await get_session(request)
        session["user"] = "ada"
        session.max_age = int(request.query["to"]) if "to" in request.query else None
        assert isinstance(session, AiohttpSession)
        assert session.core.lifetime is None  # nothing of its own to seal
        return web.json_response({"max_age": session.max_age})

    app = app_with(storage)
    app.router.add_get("/choose", choose)

    async def scenario(client: TestClient) -> None:
        resp = await client.get("/choose")
        assert await resp.json() == {"max_age": None}
        assert written(resp)[COOKIE]["max-age"] == ""
        resp = await client.get("/choose", params={"to": str(HOUR)})
        assert await resp.json() == {"max_age": HOUR}
        assert written(resp)[COOKIE]["max-age"] == str(HOUR)

    run_with_client(app, scenario)


# -- not_before: log everyone out --------------------------------------------------------------


def logout_moments(clock: ManualClock) -> list[Any]:
    """``not_before`` as a deployment writes it: time.time()'s float, an aware datetime."""
    now = clock()
    return [now + 0.5, datetime.fromtimestamp(now, tz=timezone.utc)]


@pytest.mark.parametrize("as_given", ["float", "datetime"])
def test_not_before_logs_everyone_out_in_the_storage(
    key: str, clock: ManualClock, run_with_client: Any, as_given: str
) -> None:
    before = EncryptedCookieSessionStorage(key, clock=clock)
    old_cookie = before.codec.seal({"user": "ada"})
    clock.advance(60)
    logout = logout_moments(clock)[["float", "datetime"].index(as_given)]
    clock.advance(60)
    storage = EncryptedCookieSessionStorage(key, not_before=logout, clock=clock)
    assert storage.codec.policy.not_before == int(clock()) - 60

    async def scenario(client: TestClient) -> None:
        client.session.cookie_jar.update_cookies({COOKIE: old_cookie})
        assert await user(client) is None
        (await client.get("/login")).raise_for_status()
        assert await user(client) == "ada"

    run_with_client(app_with(storage), scenario)


@pytest.mark.parametrize("as_given", ["float", "datetime"])
def test_not_before_logs_everyone_out_in_the_middleware(
    key: str, clock: ManualClock, run_with_client: Any, as_given: str
) -> None:
    old_cookie = EncryptedCookieSessionStorage(key, cookie_name="session", clock=clock)
    sealed = old_cookie.codec.seal({"user": "ada"})
    clock.advance(60)
    logout = logout_moments(clock)[["float", "datetime"].index(as_given)]
    clock.advance(60)

    async def who(request: web.Request) -> web.Response:
        session = await our_get_session(request)
        return web.json_response({"user": session.get("user")})

    app = web.Application(middlewares=[session_middleware(key, not_before=logout, clock=clock)])
    app.router.add_get("/", who)

    async def scenario(client: TestClient) -> None:
        client.session.cookie_jar.update_cookies({"session": sealed})
        assert await (await client.get("/")).json() == {"user": None}

    run_with_client(app, scenario)


def test_a_naive_not_before_is_refused_naming_it(key: str) -> None:
    naive = datetime(2027, 1, 1)
    with pytest.raises(ConfigurationError, match=r"^not_before .* has no time zone"):
        EncryptedCookieSessionStorage(key, not_before=naive)
    with pytest.raises(ConfigurationError, match=r"^not_before .* has no time zone"):
        session_middleware(key, not_before=naive)


def test_not_before_at_time_time_refuses_every_earlier_session(key: str) -> None:
    # The deployment's own line, with the real clock: every cookie sealed before it is refused.
    earlier = EncryptedCookieSessionStorage(key).codec.seal({"user": "ada"}, created_at=1)
    storage = EncryptedCookieSessionStorage(key, not_before=time.time())
    refused = storage.codec.load(f"{COOKIE}={earlier}")
    assert refused == {}
    assert refused.rejected is not None
    assert refused.rejected.value == "not_before"

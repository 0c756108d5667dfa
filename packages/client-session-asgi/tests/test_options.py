"""SessionMiddleware's arguments, Starlette's and our own, and the policy they make."""

from __future__ import annotations

import re
from typing import Any

import pytest
from starlette.config import Config
from starlette.datastructures import Secret

from client_session_asgi import ConfigurationError, KeyRing, SessionMiddleware, SessionPolicy
from client_session_asgi import generate_key as new_key
from client_session_core import Key
from client_session_core.adapter import DROP_IN_ABSOLUTE_LIFETIME

KEY = new_key()
OLD_KEY = new_key()
DAY = 24 * 60 * 60


async def app(scope: Any, receive: Any, send: Any) -> None:
    raise AssertionError("never called by these tests")


def policy_of(*args: Any, **options: Any) -> SessionPolicy:
    return SessionMiddleware(app, *args, **options).policy


def kids(keys: KeyRing) -> list[bytes]:
    return [key.kid for key in keys]


def test_starlette_defaults() -> None:
    policy = policy_of(secret_key=KEY)
    assert policy.cookie_name == "session"
    assert policy.idle_timeout == 14 * DAY
    assert policy.absolute_lifetime == 30 * DAY  # Starlette has none: docs/security.md
    assert policy.persistent
    assert (policy.path, policy.domain, policy.same_site) == ("/", None, "lax")
    assert not policy.secure
    assert not policy.partitioned
    assert policy.http_only


def test_starlette_arguments_by_position() -> None:
    policy = policy_of(KEY, "sid", 600, "/app", "none", True, ".example.com", True)
    assert policy.cookie_name == "sid"
    assert policy.idle_timeout == 600
    assert (policy.path, policy.same_site, policy.domain) == ("/app", "none", ".example.com")
    assert policy.secure
    assert policy.partitioned


def test_max_age_none_is_a_browser_session_cookie_with_a_server_deadline() -> None:
    policy = policy_of(secret_key=KEY, max_age=None)
    assert not policy.persistent
    assert policy.idle_timeout is None
    # The drop-in cap of every adapter, 30 days (before: Starlette's default max_age, 14).
    assert policy.absolute_lifetime == 30 * DAY
    assert policy_of(secret_key=KEY, max_age=None, absolute_lifetime=3600).absolute_lifetime == 3600
    assert policy_of(secret_key=KEY, max_age=None, idle_timeout=900).idle_timeout == 900


def test_the_starlette_mode_caps_a_session_at_30_days_unless_told_otherwise() -> None:
    # Issue 13, finding 4: without a cap, a cookie used once per max_age lived for ever.
    assert policy_of(secret_key=KEY).absolute_lifetime == DROP_IN_ABSOLUTE_LIFETIME == 30 * DAY
    assert policy_of(secret_key=KEY, max_age=40 * DAY).absolute_lifetime == 40 * DAY
    assert policy_of(secret_key=KEY, idle_timeout=35 * DAY).absolute_lifetime == 35 * DAY
    assert policy_of(secret_key=KEY, absolute_lifetime=None).absolute_lifetime is None
    assert policy_of(secret_key=KEY, absolute_lifetime=7 * DAY).absolute_lifetime == 7 * DAY


def test_absolute_lifetime_caps_the_idle_timeout_from_max_age() -> None:
    policy = policy_of(secret_key=KEY, max_age=600, absolute_lifetime=300)
    assert (policy.idle_timeout, policy.absolute_lifetime) == (300, 300)


def test_own_options_override_what_max_age_implies() -> None:
    policy = policy_of(
        secret_key=KEY,
        idle_timeout=1800,
        absolute_lifetime=43200,
        renew_after=0.5,
        max_chunks=3,
        max_cookie_size=2048,
        not_before=1_700_000_000,
    )
    assert (policy.idle_timeout, policy.absolute_lifetime) == (1800, 43200)
    assert policy.renew_after == 0.5
    assert (policy.max_chunks, policy.max_cookie_size) == (3, 2048)
    assert policy.not_before == 1_700_000_000
    assert policy_of(secret_key=KEY, idle_timeout=None, absolute_lifetime=60).idle_timeout is None


def test_write_identity_is_a_keyword_option_named_in_its_errors() -> None:
    # Identities rolled out readers first (docs/migrating.md): on unless told.
    assert policy_of(secret_key=KEY).write_identity is True
    assert policy_of(secret_key=KEY, write_identity=False).write_identity is False
    with pytest.raises(ConfigurationError, match=r"^write_identity must be True or False"):
        policy_of(secret_key=KEY, write_identity="no")
    with pytest.raises(ConfigurationError, match=r"so write_identity cannot be given beside it"):
        policy_of(policy=SessionPolicy(keys=KeyRing.of(KEY)), write_identity=False)


@pytest.mark.parametrize("max_age", [0, -1, True, 1.5, "60"])
def test_max_age_must_be_positive_seconds(max_age: object) -> None:
    with pytest.raises(ConfigurationError, match=r"^max_age=\S+ is not a positive whole number"):
        policy_of(secret_key=KEY, max_age=max_age)


def test_weak_secret_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="too short to be a secret"):
        policy_of(secret_key="example")
    with pytest.raises(ConfigurationError, match="placeholder"):
        policy_of(secret_key="change-me-" * 4)


def test_a_long_random_passphrase_is_accepted() -> None:
    # No comma: a key text holding one is a key list (KeyRing.of, as CLIENT_SESSION_KEYS).
    passphrase = "correct horse battery staple kept in a vault: 42 / q7"
    assert len(policy_of(secret_key=passphrase).keys) == 1


def test_starlette_secret_from_config() -> None:
    config = Config(environ={"SECRET_KEY": KEY})
    secret = config("SECRET_KEY", cast=Secret)
    assert kids(policy_of(secret_key=secret).keys) == kids(KeyRing([KEY]))


def test_browser_rules_come_from_the_core() -> None:
    with pytest.raises(ConfigurationError, match="needs https_only=True"):
        policy_of(secret_key=KEY, same_site="none")


@pytest.mark.parametrize(
    "keys",
    [KeyRing([KEY, OLD_KEY]), [KEY, OLD_KEY], (KEY, OLD_KEY), [Key.from_secret(KEY), OLD_KEY]],
    ids=["ring", "list", "tuple", "with-a-key"],
)
def test_keys_make_a_ring_primary_first(keys: Any) -> None:
    assert kids(policy_of(keys=keys).keys) == kids(KeyRing([KEY, OLD_KEY]))


def test_a_single_key_string_is_one_key() -> None:
    assert kids(policy_of(keys=KEY).keys) == kids(KeyRing([KEY]))


def test_secret_key_and_keys_are_exclusive() -> None:
    with pytest.raises(ConfigurationError, match="not both"):
        policy_of(secret_key=KEY, keys=[OLD_KEY])


def test_policy_holds_every_option() -> None:
    policy = SessionPolicy(keys=KeyRing([KEY]), idle_timeout=60, absolute_lifetime=120)
    assert policy_of(policy=policy, clock=lambda: 0.0) is policy
    for option in (
        {"secret_key": KEY},
        {"keys": [KEY]},
        {"idle_timeout": 30},
        {"session_cookie": "sid"},
        {"max_age": None},
    ):
        with pytest.raises(ConfigurationError, match="policy= already holds every session option"):
            policy_of(policy=policy, **option)
    with pytest.raises(ConfigurationError, match="must be a SessionPolicy"):
        policy_of(policy={"keys": [KEY]})


def test_keys_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLIENT_SESSION_KEYS", f"{KEY},{OLD_KEY}")
    assert kids(policy_of().keys) == kids(KeyRing([KEY, OLD_KEY]))
    monkeypatch.delenv("CLIENT_SESSION_KEYS")
    # Issue 23: the core's message named only the variable; a Starlette user passes secret_key.
    with pytest.raises(ConfigurationError, match=r"^no key: pass secret_key=\.\.\. \(or keys="):
        policy_of()
    monkeypatch.setenv("CLIENT_SESSION_KEYS", " , ")
    with pytest.raises(ConfigurationError, match="CLIENT_SESSION_KEYS holds no key"):
        policy_of()


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"secret_key": "example"}, "secret_key"),
        ({"secret_key": b"example"}, "secret_key"),
        ({"secret_key": Secret("example")}, "secret_key"),
        ({"keys": "example"}, "keys"),
        ({"keys": [KEY, "example"]}, "keys"),
    ],
)
def test_a_weak_key_error_names_the_argument_that_held_it(
    options: dict[str, Any], named: str
) -> None:
    # Issue 23: the message began "the key text:", an option no Starlette user wrote.
    with pytest.raises(ConfigurationError) as caught:
        policy_of(**options)
    assert re.match(rf"{named}: key #\d is 7 (characters|bytes)", caught.value.reason)
    assert caught.value.advice is not None
    assert "client-session keygen" in caught.value.advice


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"same_site": "none"}, "same_site='none' needs https_only=True: browsers"),
        ({"partitioned": True}, "partitioned=True needs https_only=True: browsers"),
        ({"session_cookie": "__Host-s"}, "session_cookie '__Host-s' has the __Host- prefix"),
        (
            {"idle_timeout": 7200, "absolute_lifetime": 3600},
            r"idle_timeout \(7200 s\) is longer than absolute_lifetime \(3600 s\)",
        ),
    ],
)
def test_errors_name_the_arguments_the_middleware_takes(
    options: dict[str, Any], message: str
) -> None:
    # Issue 13, finding 9: Starlette's https_only, not the core's secure.
    with pytest.raises(ConfigurationError, match=message) as caught:
        policy_of(secret_key=KEY, **options)
    assert "secure=" not in str(caught.value)

"""ClientSessionConfig: Litestar's option names and defaults, and a bad option refused where
the configuration is built, in those names."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.middleware import DefineMiddleware

from client_session_core.adapter import ConfigurationError, KeyRing, SessionPolicy
from client_session_core.testing import ManualClock
from client_session_litestar import ClientSessionConfig, ClientSessionMiddleware, generate_key

KEY = generate_key()


def test_litestar_s_defaults_make_the_policy() -> None:
    policy = ClientSessionConfig(secret=KEY).session_policy
    assert policy.cookie_name == "session"
    assert policy.idle_timeout == 14 * 24 * 3600  # Litestar's max_age
    assert policy.absolute_lifetime == 30 * 24 * 3600  # the drop-in cap
    assert policy.persistent
    assert policy.http_only
    assert not policy.secure
    assert policy.same_site == "lax"
    assert policy.path == "/"
    assert policy.domain is None


def test_litestar_s_names_reach_the_policy() -> None:
    config = ClientSessionConfig(
        keys=[KEY],
        key="sid",
        max_age=600,
        path="/app",
        domain="example.com",
        secure=True,
        httponly=False,
        samesite="strict",
    )
    policy = config.session_policy
    assert (policy.cookie_name, policy.idle_timeout, policy.path) == ("sid", 600, "/app")
    assert (policy.domain, policy.secure, policy.http_only) == ("example.com", True, False)
    assert policy.same_site == "strict"


def test_middleware_is_a_define_middleware_litestar_takes() -> None:
    config = ClientSessionConfig(secret=KEY)
    middleware = config.middleware
    assert isinstance(middleware, DefineMiddleware)
    assert middleware.middleware is ClientSessionMiddleware
    assert middleware.kwargs == {"config": config}
    Litestar(route_handlers=[], middleware=[middleware])


def test_policy_with_clock_alone() -> None:
    policy = SessionPolicy(keys=KeyRing.of(KEY), cookie_name="s")
    clock = ManualClock()
    config = ClientSessionConfig(policy=policy, clock=clock, exclude="/static")
    assert config.session_policy is policy
    assert config.codec.clock is clock


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"secret": KEY, "samesite": "none"}, r"samesite='none'.*secure=True"),
        ({"secret": KEY, "max_age": 0}, r"max_age=0"),
        ({"secret": KEY, "key": ""}, r"key '' is not a cookie name"),
        ({"secret": "short"}, r"secret"),
        ({"secret": KEY, "keys": [KEY]}, r"secret .* or keys .* not both"),
        ({"policy": SessionPolicy(keys=KeyRing.of(KEY)), "secure": True}, r"secure cannot be"),
        ({"secret": KEY, "exclude": "("}, r"exclude is not a valid regular expression"),
        ({"secret": KEY, "scopes": {"lifespan"}}, r"scopes holds 'lifespan'"),
        ({"secret": KEY, "max_age": 600, "absolute_lifetime": 60, "idle_timeout": 120},
         r"idle_timeout"),
    ],
)  # fmt: skip
def test_a_bad_option_is_refused_in_litestar_s_words(
    options: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        ClientSessionConfig(**options)  # type: ignore[arg-type]


def test_no_key_says_where_to_give_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLIENT_SESSION_KEYS", raising=False)
    monkeypatch.delenv("CLIENT_SESSION_KEYS_FILE", raising=False)
    with pytest.raises(ConfigurationError, match=r"ClientSessionConfig\(secret=\.\.\.\)"):
        ClientSessionConfig()


def test_the_keys_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLIENT_SESSION_KEYS", KEY)
    expected = KeyRing.of(KEY).primary.material
    assert ClientSessionConfig().session_policy.keys.primary.material == expected


def test_the_configuration_is_frozen() -> None:
    config = ClientSessionConfig(secret=KEY)
    with pytest.raises(AttributeError):
        config.secure = True  # type: ignore[misc]


def test_the_secret_never_shows_in_its_repr() -> None:
    assert KEY not in repr(ClientSessionConfig(secret=KEY))

"""SessionPolicy: defaults, and every refused option with a message that says how to fix it."""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

import pytest

from client_session_core import ConfigurationError, KeyRing, SessionPolicy, generate_key
from client_session_core.adapter import Option


@pytest.fixture
def ring(primary_key: str) -> KeyRing:
    return KeyRing([primary_key])


def test_defaults(ring: KeyRing) -> None:
    policy = SessionPolicy(keys=ring)
    assert policy.cookie_name == "session"
    assert (policy.idle_timeout, policy.absolute_lifetime) == (1800, 43200)
    assert (policy.renew_after, policy.not_before, policy.clock_skew) == (0.25, None, 60)
    assert (policy.path, policy.domain, policy.same_site) == ("/", None, "lax")
    assert (policy.secure, policy.http_only, policy.partitioned) == (False, True, False)
    assert (policy.persistent, policy.clear_invalid) == (True, True)
    assert (policy.max_cookie_size, policy.max_chunks) == (4096, 1)


def test_is_frozen_and_keyword_only(ring: KeyRing) -> None:
    policy = SessionPolicy(keys=ring)
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.cookie_name = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        SessionPolicy(ring)  # type: ignore[misc]


def test_chunk_names(ring: KeyRing) -> None:
    policy = SessionPolicy(keys=ring, cookie_name="sid")
    assert [policy.chunk_name(i) for i in (1, 9)] == ["sidC1", "sidC9"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"keys": ["a key as a plain list"]}, "keys must be a KeyRing"),
        ({"cookie_name": ""}, "is not a cookie name"),
        ({"cookie_name": "my session"}, "is not a cookie name"),
        ({"cookie_name": "s;id"}, "is not a cookie name"),
        ({"cookie_name": "sess\u00efon"}, "is not a cookie name"),
        ({"cookie_name": "__Secure-sid"}, "__Secure- prefix.*secure=True"),
        ({"cookie_name": "__secure-sid"}, "__Secure- prefix"),
        ({"cookie_name": "__Host-sid"}, "__Host- prefix"),
        ({"cookie_name": "__HOST-sid", "secure": True, "path": "/app"}, "__Host- prefix"),
        ({"cookie_name": "__Host-sid", "secure": True, "domain": "a.example"}, "__Host- prefix"),
        ({"idle_timeout": 0}, "idle_timeout must be a positive whole number"),
        ({"idle_timeout": -5}, "idle_timeout must be a positive"),
        ({"idle_timeout": 1800.0}, "idle_timeout must be a positive whole number"),
        ({"absolute_lifetime": True}, "absolute_lifetime must be a positive"),
        ({"not_before": 0}, "not_before must be a positive"),
        ({"idle_timeout": None, "absolute_lifetime": None}, "would never expire"),
        ({"idle_timeout": 7200, "absolute_lifetime": 3600}, "could never apply"),
        ({"renew_after": 1.5}, "renew_after is a fraction"),
        ({"renew_after": -0.1}, "renew_after is a fraction"),
        ({"renew_after": True}, "renew_after is a fraction"),
        ({"renew_after": "0.5"}, "renew_after is a fraction"),
        ({"renew_after": 1}, "write renew_after=None to never"),
        ({"renew_after": 1.0}, "write renew_after=None to never"),
        ({"clock_skew": 601}, "clock_skew must be between 0 and 600"),
        ({"clock_skew": 1.5}, "clock_skew must be between"),
        ({"path": "app"}, "must start with '/'"),
        ({"path": "/a;b"}, "must start with '/' and hold no ';'"),
        ({"path": "/a b"}, "hold no ';', space"),
        ({"domain": "a.example; Secure"}, "must be a host name"),
        ({"domain": ""}, "must be a host name"),
        ({"same_site": "Lax"}, "same_site must be 'lax', 'strict', 'none' or None"),
        ({"same_site": "none"}, "same_site='none' needs secure=True"),
        ({"partitioned": True}, "partitioned=True needs secure=True"),
        ({"max_cookie_size": 8192}, "max_cookie_size must be between 512 and 4096"),
        ({"max_cookie_size": 100}, "max_cookie_size must be between"),
        ({"max_cookie_size": "4096"}, "max_cookie_size must be between"),
        ({"max_chunks": 0}, "max_chunks must be between 1"),
        ({"max_chunks": 10}, "max_chunks must be between 1 .* and 9"),
        ({"max_chunks": 2.5}, "max_chunks must be between"),
    ],
)
def test_refused_options(ring: KeyRing, options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        SessionPolicy(**{"keys": ring, **options})


@pytest.mark.parametrize(
    "options",
    [
        {"cookie_name": "__Host-session", "secure": True},
        {"cookie_name": "__Secure-session", "secure": True, "domain": "example.com"},
        {"cookie_name": "a.b-c_d!#$%&'*+^`|~9"},
        {"same_site": "none", "secure": True, "partitioned": True},
        {"same_site": None},
        {"idle_timeout": None},
        {"absolute_lifetime": None, "idle_timeout": 86400 * 30},
        {"idle_timeout": 3600, "absolute_lifetime": 3600},
        {"renew_after": 0, "clock_skew": 0},
        {"renew_after": None},
        {"renew_after": 0.999},
        {"not_before": 1_700_000_000},
        {"max_cookie_size": 512, "max_chunks": 9},
    ],
)
def test_accepted_options(ring: KeyRing, options: dict[str, Any]) -> None:
    policy = SessionPolicy(keys=ring, **options)
    for name, value in options.items():
        assert getattr(policy, name) == value


def test_repr_holds_no_key_material(ring: KeyRing, primary_key: str) -> None:
    text = repr(SessionPolicy(keys=ring))
    assert primary_key not in text
    assert ring.primary.kid.hex() in text


def test_a_configuration_error_names_its_options_for_an_adapter_to_spell(ring: KeyRing) -> None:
    # Issue 13, finding 9: adapters say the core's errors in their own words, from the
    # options the error names, not by editing its text.
    with pytest.raises(ConfigurationError) as caught:
        SessionPolicy(keys=ring, same_site="none")
    error = caught.value
    assert error.options == ("same_site", "secure")
    assert str(error).startswith("same_site='none' needs secure=True: browsers reject")

    def shouting(option: Option) -> str | None:
        return None if option.name == "same_site" else option.name.upper()

    spelled = error.in_words_of(shouting)
    assert isinstance(spelled, ConfigurationError)
    assert str(spelled).startswith("same_site='none' needs SECURE: browsers reject")


@pytest.mark.parametrize(
    ("given", "held"),
    [
        (1_800_000_000, 1_800_000_000),
        (1_800_000_000.75, 1_800_000_000),  # time.time(): the fraction is dropped
        (datetime.datetime(2027, 1, 15, 8, tzinfo=datetime.timezone.utc), 1_800_000_000),
        (
            datetime.datetime(
                2027, 1, 15, 9, 0, 0, 500_000, tzinfo=datetime.timezone(datetime.timedelta(hours=1))
            ),
            1_800_000_000,
        ),
    ],
)
def test_not_before_takes_what_time_time_and_datetime_give(given: Any, held: int) -> None:
    # Issue 23: not_before=time.time() made every ASGI request a 500.
    policy = SessionPolicy(keys=KeyRing([generate_key()]), not_before=given)
    assert policy.not_before == held
    assert policy.not_before_seconds == held


@pytest.mark.parametrize(
    ("given", "match"),
    [
        (datetime.datetime(2027, 1, 15, 8), "has no time zone"),
        (float("nan"), "positive whole number"),
        (float("inf"), "positive whole number"),
        (True, "positive whole number"),
        ("1800000000", "positive whole number"),
        (-5.5, "positive whole number"),
    ],
)
def test_a_not_before_that_is_no_moment_is_refused(given: Any, match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        SessionPolicy(keys=KeyRing([generate_key()]), not_before=given)

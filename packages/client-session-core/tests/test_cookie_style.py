"""A cookie style is data for the writer: spelling and order, the canonical one by default."""

from __future__ import annotations

from typing import Any

import pytest

from client_session_core import ConfigurationError, KeyRing, SessionCodec, SessionPolicy
from client_session_core.adapter import CANONICAL_COOKIE_STYLE, CookieStyle
from client_session_core.testing import ManualClock

from .conftest import NOW, PRIMARY_KEY

# A made-up style that changes every field, to show each is followed (the ASGI adapter
# gives its drop-in Starlette's own, STARLETTE_COOKIE_STYLE, tested there byte for byte).
LOWER_CASE = CookieStyle(
    order=("partitioned", "domain", "path", "secure", "max_age", "same_site", "http_only"),
    partitioned="partitioned",
    domain="domain",
    keep_domain_dot=True,
    path="path",
    secure="secure",
    max_age="max-age",
    expires_with_max_age=False,
    expires="expires",
    same_site="samesite",
    same_site_values=("lax", "strict", "none"),
    http_only="httponly",
    deleted_value="deleted",
    delete_with_max_age=False,
)
EVERY_ATTRIBUTE: dict[str, Any] = {
    "idle_timeout": 600,
    "absolute_lifetime": None,
    "domain": ".example.com",
    "secure": True,
    "same_site": "none",
    "partitioned": True,
}


def write(style: CookieStyle, *, empty: bool = False, **options: Any) -> str:
    policy = SessionPolicy(keys=KeyRing([PRIMARY_KEY]), cookie_style=style, **options)
    codec = SessionCodec(policy, clock=ManualClock(NOW))
    session = codec.load("session=" + codec.seal({"a": 1})) if empty else codec.load(None)
    if empty:
        session.clear()
    else:
        session["a"] = 1
    (header,) = codec.commit(session).set_cookie
    attributes = header.partition("; ")[2]
    return attributes


def test_the_canonical_spelling_is_the_default() -> None:
    assert SessionPolicy(keys=KeyRing([PRIMARY_KEY])).cookie_style == CANONICAL_COOKIE_STYLE
    assert write(CANONICAL_COOKIE_STYLE, idle_timeout=600, absolute_lifetime=None) == (
        "Path=/; Max-Age=600; Expires=Fri, 15 Jan 2027 08:10:00 GMT; HttpOnly; SameSite=Lax"
    )


def test_every_attribute_in_the_canonical_order() -> None:
    assert write(CANONICAL_COOKIE_STYLE, **EVERY_ATTRIBUTE) == (
        "Path=/; Domain=example.com; Max-Age=600; Expires=Fri, 15 Jan 2027 08:10:00 GMT; "
        "Secure; HttpOnly; SameSite=None; Partitioned"
    )


def test_another_style_spells_and_orders_as_it_says() -> None:
    assert write(LOWER_CASE, **EVERY_ATTRIBUTE) == (
        "partitioned; domain=.example.com; path=/; secure; max-age=600; samesite=none; httponly"
    )


def test_a_browser_session_cookie_has_no_lifetime_in_either_style() -> None:
    assert write(LOWER_CASE, persistent=False) == "path=/; samesite=lax; httponly"
    assert write(CANONICAL_COOKIE_STYLE, persistent=False) == "Path=/; HttpOnly; SameSite=Lax"


def test_a_deletion_in_each_style() -> None:
    assert write(CANONICAL_COOKIE_STYLE, empty=True) == (
        "Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax"
    )
    policy = SessionPolicy(keys=KeyRing([PRIMARY_KEY]), cookie_style=LOWER_CASE)
    codec = SessionCodec(policy, clock=ManualClock(NOW))
    session = codec.load("session=" + codec.seal({"a": 1}))
    session.clear()
    assert codec.commit(session).set_cookie == (
        "session=deleted; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; samesite=lax; httponly",
    )


@pytest.mark.parametrize(
    "options",
    [
        {"path": "Pa th"},
        {"order": ("path", "domain")},
        {"order": ("path", "path", "max_age", "secure", "http_only", "same_site", "partitioned")},
        {"expires": "ex pires"},
        {"deleted_value": "a;b"},
    ],
)
def test_a_style_is_checked_when_it_is_made(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        CookieStyle(**options)


def test_a_policy_takes_only_a_cookie_style() -> None:
    with pytest.raises(ConfigurationError, match="cookie_style must be a CookieStyle"):
        SessionPolicy(keys=KeyRing([PRIMARY_KEY]), cookie_style="starlette")  # type: ignore[arg-type]

"""Configuration problems through Django's system check framework (``manage.py check``), and
the start-up error that says the same thing where no check runs (issue 23)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from django.apps import apps
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.core.management.utils import get_random_secret_key
from django.test import Client, override_settings
from django.test.utils import modify_settings

from client_session_core import ConfigurationError, KeyRing, SessionPolicy, generate_key
from client_session_django import session_codec

OURS = "client_session_django.SessionMiddleware"
DJANGOS = "django.contrib.sessions.middleware.SessionMiddleware"
# What `django-admin startproject` writes: Django's own generator, behind its prefix.
STARTPROJECT_KEY = "django-insecure-" + get_random_secret_key()
STRONG = generate_key()
WEAK = "x" * 40
NO_SECRET_KEY = "SECRET_KEY holds none and CLIENT_SESSION_KEYS is unset"


def problems(**settings: Any) -> list[checks.CheckMessage]:
    """The engine's check messages under these settings."""
    with override_settings(**settings):
        return [
            message
            for message in checks.run_checks(tags=[checks.Tags.security])
            if message.id.startswith("client_session.")
        ]


def ids(**settings: Any) -> list[str]:
    return [message.id for message in problems(**settings)]


@pytest.fixture
def djangos_middleware() -> Iterator[None]:
    with modify_settings(MIDDLEWARE={"remove": OURS, "prepend": DJANGOS}):
        yield


def test_the_test_project_passes_manage_py_check() -> None:
    call_command("check")


def test_startproject_key_is_an_error_of_manage_py_check() -> None:
    with override_settings(SECRET_KEY=STARTPROJECT_KEY), pytest.raises(SystemCheckError) as caught:
        call_command("check")
    output = str(caught.value)
    assert "(client_session.E002) SECRET_KEY: key #1 is worth about 0 bits" in output
    assert "HINT: Set SECRET_KEY to a new random secret (`client-session keygen`" in output
    assert "django-insecure" in output  # the hint says the prefix is a placeholder's
    assert STARTPROJECT_KEY not in output
    assert "environment variable" not in output  # which this adapter does not read


def test_the_start_up_error_says_what_the_check_says() -> None:
    (problem,) = problems(SECRET_KEY=STARTPROJECT_KEY)
    with (
        override_settings(SECRET_KEY=STARTPROJECT_KEY),
        pytest.raises(ConfigurationError) as caught,
    ):
        Client().get("/untouched")  # the middleware is built: a server's start-up
    assert str(caught.value) == f"{problem.msg}. {problem.hint} (client_session.E002)"


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"SECRET_KEY": ""}, f"the sessions have no key: {NO_SECRET_KEY}"),
        ({"SECRET_KEY": " , "}, f"the sessions have no key: {NO_SECRET_KEY}"),
        ({"CLIENT_SESSION_KEYS": " ,\n"}, "CLIENT_SESSION_KEYS holds no key"),
    ],
)
def test_no_key(settings: dict[str, Any], expected: str) -> None:
    (problem,) = problems(**settings)
    assert (problem.id, problem.msg) == ("client_session.E001", expected)
    assert "CLIENT_SESSION_KEYS setting" in problem.hint


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"SECRET_KEY": "short"}, "SECRET_KEY: key #1 is 5 characters long"),
        ({"SECRET_KEY": f"{STRONG},{WEAK}"}, "SECRET_KEY: key #2 is worth about"),
        ({"SECRET_KEY_FALLBACKS": [STRONG, WEAK]}, "SECRET_KEY_FALLBACKS[1]: key #3 is worth"),
        ({"CLIENT_SESSION_KEYS": f"{STRONG}, short"}, "CLIENT_SESSION_KEYS: key #2 is 5 char"),
        ({"CLIENT_SESSION_KEYS": [WEAK]}, "CLIENT_SESSION_KEYS: key #1 is worth about"),
        ({"CLIENT_SESSION_KEYS": 12}, "CLIENT_SESSION_KEYS is a key text, a list of keys or"),
    ],
)
def test_a_weak_key_is_named_by_its_setting(settings: dict[str, Any], named: str) -> None:
    (problem,) = problems(**settings)
    assert problem.id == "client_session.E002"
    assert problem.msg.startswith(named)
    assert "environment variable" not in f"{problem.msg} {problem.hint}"
    assert WEAK not in problem.msg


def test_a_weak_old_secret_while_reading_signed_cookies() -> None:
    (problem,) = problems(
        SECRET_KEY=STARTPROJECT_KEY,
        CLIENT_SESSION_KEYS=STRONG,
        CLIENT_SESSION_READ_SIGNED_COOKIES=True,
    )
    assert problem.id == "client_session.E003"
    assert problem.msg.startswith("SECRET_KEY is too weak to trust the Django signed_cookies")
    assert problem.hint.startswith(
        "Stop reading Django signed_cookies sessions (CLIENT_SESSION_READ_SIGNED_COOKIES = False)"
    )


def test_impossible_settings_in_djangos_words() -> None:
    (problem,) = problems(SESSION_COOKIE_SAMESITE="None", SESSION_COOKIE_SECURE=False)
    assert problem.id == "client_session.E004"
    assert problem.msg.startswith("SESSION_COOKIE_SAMESITE = 'None' needs SESSION_COOKIE_SECURE")
    assert ids(CLIENT_SESSION_MAX_CHUNKS=12) == ["client_session.E004"]
    assert ids(CLIENT_SESSION_READ_SIGNED_COOKIES="soon") == ["client_session.E004"]
    assert ids(CLIENT_SESSION_CLOCK=12) == ["client_session.E004"]
    assert ids(CLIENT_SESSION_POLICY={"secure": True}) == ["client_session.E004"]


def test_every_problem_is_reported_at_once() -> None:
    # As Django lists all its errors: a weak key does not hide a bad cookie setting.
    assert ids(SECRET_KEY="short", SESSION_COOKIE_SAMESITE="None", SESSION_COOKIE_SECURE=False) == [
        "client_session.E002",
        "client_session.E004",
    ]


def test_chunks_need_this_packages_middleware(djangos_middleware: None) -> None:
    (problem,) = problems(CLIENT_SESSION_MAX_CHUNKS=2)
    assert problem.id == "client_session.E006"
    assert OURS in problem.hint
    assert ids(CLIENT_SESSION_MAX_CHUNKS=1) == []


def test_not_before_in_the_future() -> None:
    (problem,) = problems(CLIENT_SESSION_NOT_BEFORE=time.time() + 3600)
    assert problem.id == "client_session.E004"
    assert problem.msg.startswith("CLIENT_SESSION_NOT_BEFORE is 36")
    (naive,) = problems(CLIENT_SESSION_NOT_BEFORE=datetime(2024, 1, 1))
    assert naive.msg.startswith("CLIENT_SESSION_NOT_BEFORE datetime.datetime(2024, 1, 1, 0, 0)")
    assert ids(CLIENT_SESSION_NOT_BEFORE=datetime.now(timezone.utc) - timedelta(days=1)) == []


def test_write_identity_is_true_or_false() -> None:
    (problem,) = problems(CLIENT_SESSION_WRITE_IDENTITY="no")
    assert problem.id == "client_session.E004"
    assert problem.msg.startswith("CLIENT_SESSION_WRITE_IDENTITY must be True or False, not 'no'")
    assert ids(CLIENT_SESSION_WRITE_IDENTITY=False) == []
    policy = SessionPolicy(keys=KeyRing.of(STRONG), cookie_name="sessionid")
    assert ids(CLIENT_SESSION_POLICY=policy, CLIENT_SESSION_WRITE_IDENTITY=False) == [
        "client_session.E005"
    ]
    assert ids(CLIENT_SESSION_POLICY=policy, CLIENT_SESSION_WRITE_IDENTITY=True) == []


def test_a_policy_beside_settings_it_would_ignore() -> None:
    policy = SessionPolicy(keys=KeyRing.of(STRONG), cookie_name="sessionid", secure=True)
    (problem,) = problems(
        CLIENT_SESSION_POLICY=policy, SESSION_COOKIE_AGE=3600, SESSION_COOKIE_SECURE=True
    )
    assert problem.id == "client_session.E005"
    # Only the setting that says otherwise: SESSION_COOKIE_SECURE agrees with the policy.
    assert problem.msg == (
        "CLIENT_SESSION_POLICY is used as it is, so these settings would be ignored: "
        "SESSION_COOKIE_AGE = 3600 (the policy's idle_timeout is 1800)"
    )
    assert ids(CLIENT_SESSION_POLICY=policy, SESSION_COOKIE_AGE=1800) == []
    assert ids(CLIENT_SESSION_POLICY=policy, CLIENT_SESSION_KEYS=STRONG) == []
    assert ids(CLIENT_SESSION_POLICY=policy, CLIENT_SESSION_KEYS=generate_key()) == [
        "client_session.E005"
    ]
    assert ids(CLIENT_SESSION_POLICY=policy, CLIENT_SESSION_NOT_BEFORE=time.time()) == [
        "client_session.E005"
    ]
    # A policy used as it is needs no strong SECRET_KEY: it has its own keys.
    assert ids(CLIENT_SESSION_POLICY=policy, SECRET_KEY=STARTPROJECT_KEY) == []


def test_another_engine_is_not_checked() -> None:
    assert ids(SESSION_ENGINE="django.contrib.sessions.backends.db", SECRET_KEY="short") == []


def test_with_this_middleware_the_app_leaves_errors_to_the_checks() -> None:
    # manage.py runs django.setup() before any check: a ready() that raised would stop
    # `manage.py check` with a traceback instead of its report.
    app = apps.get_app_config("client_session_django")
    with override_settings(SECRET_KEY=STARTPROJECT_KEY):
        app.ready()
        with pytest.raises(ConfigurationError, match=r"\(client_session\.E002\)$"):
            session_codec()


def test_with_djangos_middleware_the_app_stops_start_up(djangos_middleware: None) -> None:
    # Django's middleware builds no codec before a request: without the app's error when
    # Django starts, a weak key would be a 500 on every request.
    app = apps.get_app_config("client_session_django")
    with (
        override_settings(SECRET_KEY=STARTPROJECT_KEY),
        pytest.raises(ConfigurationError, match=r"^SECRET_KEY: key #1 .*\(client_session.E002\)$"),
    ):
        app.ready()

"""The adapter kit's shared rules (client_session_core.adapter), each written once."""

from __future__ import annotations

import datetime
import os

import pytest

from client_session_core import generate_key
from client_session_core.adapter import (
    DROP_IN_ABSOLUTE_LIFETIME,
    Action,
    Commit,
    ConfigurationError,
    KeyRing,
    LegacyCookies,
    LegacySession,
    SessionPolicy,
    arguments_key_ring,
    asgi_cookie_header,
    asgi_response_headers,
    asgi_with_vary_cookie,
    check_options,
    check_policy_alone,
    legacy_cookies_option,
    max_age_lifetimes,
    policy_options,
    same_site_option,
    settings_key_ring,
    spelled_as_arguments,
    spelled_as_settings,
    wsgi_response_headers,
)

DAY = 24 * 3600


# -- max_age_lifetimes -------------------------------------------------------------------------


def test_max_age_is_a_persistent_idle_timeout_capped_at_30_days() -> None:
    lifetimes = max_age_lifetimes(3600)
    assert lifetimes.options() == {
        "persistent": True,
        "idle_timeout": 3600,
        "absolute_lifetime": DROP_IN_ABSOLUTE_LIFETIME,
    }
    # A max_age longer than the cap is the cap: no max_age is cut short by it.
    assert max_age_lifetimes(60 * DAY).absolute_lifetime == 60 * DAY


def test_no_max_age_is_a_browser_session_cookie_with_the_same_cap() -> None:
    # One cap for every drop-in: Starlette's middleware had 14 days here, aiohttp's 30.
    lifetimes = max_age_lifetimes(None)
    assert (lifetimes.persistent, lifetimes.idle_timeout) == (False, None)
    assert lifetimes.absolute_lifetime == DROP_IN_ABSOLUTE_LIFETIME == 30 * DAY
    assert max_age_lifetimes(None, idle_timeout=600).options() == {
        "persistent": False,
        "idle_timeout": 600,
        "absolute_lifetime": DROP_IN_ABSOLUTE_LIFETIME,
    }


def test_given_lifetimes_win_and_a_shorter_absolute_caps_the_idle_timeout() -> None:
    assert max_age_lifetimes(3600, absolute_lifetime=None).absolute_lifetime is None
    assert max_age_lifetimes(3600, absolute_lifetime=600).idle_timeout == 600
    # An idle timeout given is kept as given: the policy judges it against the absolute one.
    assert max_age_lifetimes(3600, idle_timeout=7200).idle_timeout == 7200
    assert max_age_lifetimes(3600, persistent=False).persistent is False
    SessionPolicy(
        keys=KeyRing([generate_key()]), **max_age_lifetimes(3600, absolute_lifetime=60).options()
    )


@pytest.mark.parametrize("max_age", [0, -1, True, 1.5, "3600"])
def test_a_bad_max_age_is_named_in_the_frameworks_words(max_age: object) -> None:
    with pytest.raises(ConfigurationError) as caught:
        max_age_lifetimes(max_age)
    assert str(caught.value).startswith(f"max_age={max_age!r} is not a positive whole number")
    django = caught.value.in_words_of(spelled_as_settings({"max_age": "SESSION_COOKIE_AGE"}))
    assert str(django).startswith(f"SESSION_COOKIE_AGE = {max_age!r} is not")
    flask = caught.value.in_words_of(spelled_as_arguments({}))
    assert str(flask).startswith("max_age=")


# -- legacy_cookies_option ---------------------------------------------------------------------


def _reader(value: str, now: int) -> LegacySession | None:
    return None


def _option(option: object) -> tuple[LegacyCookies | None, list[tuple[object, bool]]]:
    calls: list[tuple[object, bool]] = []

    def read(until: int | datetime.date, *, by_default: bool) -> LegacyCookies | None:
        calls.append((until, by_default))
        return LegacyCookies(reader=_reader, until=2_000_000_000, label="old")

    legacy = legacy_cookies_option(
        option,
        setting="legacy_cookies",
        cookies="Starlette's cookies",
        reader="starlette_cookies(...)",
        started=1_800_000_000.7,
        window=3600,
        read=read,
    )
    return legacy, calls


def test_legacy_true_reads_for_one_window_after_start_up() -> None:
    legacy, calls = _option(True)
    assert legacy is not None
    assert calls == [(1_800_003_600, True)]


@pytest.mark.parametrize(
    "until",
    [
        datetime.date(2030, 1, 1),
        datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc),
        1_900_000_000,
    ],
)
def test_legacy_until_a_date_or_a_timestamp(until: object) -> None:
    _, calls = _option(until)
    assert calls == [(until, False)]


def test_legacy_false_none_and_a_reader() -> None:
    assert _option(False) == (None, [])
    assert _option(None) == (None, [])
    given = LegacyCookies(reader=_reader, until=2_000_000_000, label="old")
    assert _option(given) == (given, [])


@pytest.mark.parametrize("option", ["yes", 1.5j, [1]])
def test_legacy_anything_else_is_refused_naming_the_setting(option: object) -> None:
    with pytest.raises(ConfigurationError, match=r"^legacy_cookies is True, False, a date") as e:
        _option(option)
    assert "starlette_cookies(...)" in str(e.value)


# -- settings_key_ring -------------------------------------------------------------------------

KEY, OLD = generate_key(), generate_key()


def test_client_session_keys_win_over_secret_key() -> None:
    ring = settings_key_ring(f"{KEY},{OLD}", "another secret " * 4, [])
    assert ring is not None
    assert [key.kid for key in ring] == [key.kid for key in KeyRing.of([KEY, OLD])]
    assert settings_key_ring([KEY], None) is not None
    given = KeyRing.of(KEY)
    assert settings_key_ring(given, None) is given


def test_secret_key_then_its_fallbacks() -> None:
    ring = settings_key_ring(None, KEY, [OLD])
    assert ring is not None
    assert [key.kid for key in ring] == [key.kid for key in KeyRing.of([KEY, OLD])]


def test_no_key_anywhere_is_none_and_the_environment_comes_last() -> None:
    assert settings_key_ring(None, "") is None
    assert settings_key_ring("", " , ") is None
    assert settings_key_ring(None, None, environ={}) is None
    ring = settings_key_ring(None, None, environ={"CLIENT_SESSION_KEYS": KEY})
    assert ring is not None
    assert ring.primary.kid == KeyRing.of(KEY).primary.kid


@pytest.mark.parametrize(
    ("keys", "secret", "fallbacks", "starts"),
    [
        (" , ", None, (), "CLIENT_SESSION_KEYS holds no key"),
        ("hunter2", None, (), "CLIENT_SESSION_KEYS"),
        (["hunter2"], None, (), "CLIENT_SESSION_KEYS: "),
        (42, None, (), "CLIENT_SESSION_KEYS is a key text"),
        (None, "hunter2", (), "SECRET_KEY: "),
        (None, KEY, ["hunter2"], "SECRET_KEY_FALLBACKS[0]: "),
        (None, KEY, OLD, "SECRET_KEY_FALLBACKS must be a list"),
    ],
)
def test_each_error_names_its_setting(
    keys: object, secret: object, fallbacks: object, starts: str
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        settings_key_ring(keys, secret, fallbacks)
    assert caught.value.reason.startswith(starts)
    assert "hunter2" not in str(caught.value)


# -- arguments_key_ring and check_policy_alone -------------------------------------------------

STARLETTE_WORDS = {
    "single_option": "secret_key",
    "single_is": "as Starlette does",
    "give_single": "pass secret_key=...",
}


def test_one_secret_or_a_ring_read_as_every_key_text() -> None:
    new, old = generate_key(), generate_key()
    assert len(arguments_key_ring(f"{new},{old}", None, **STARLETTE_WORDS)) == 2
    assert len(arguments_key_ring(None, [new, old], **STARLETTE_WORDS)) == 2
    assert len(arguments_key_ring(os.urandom(32), None, **STARLETTE_WORDS)) == 1


def test_both_or_neither_is_an_error_in_the_adapters_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = generate_key()
    with pytest.raises(ConfigurationError, match=r"^give secret_key \(one key, as Starlette"):
        arguments_key_ring(key, [key], **STARLETTE_WORDS)
    monkeypatch.delenv("CLIENT_SESSION_KEYS", raising=False)
    monkeypatch.delenv("CLIENT_SESSION_KEYS_FILE", raising=False)
    with pytest.raises(ConfigurationError, match=r"^no key: pass secret_key=\.\.\. \(or keys="):
        arguments_key_ring(None, None, **STARLETTE_WORDS)
    monkeypatch.setenv("CLIENT_SESSION_KEYS", key)
    assert len(arguments_key_ring(None, None, **STARLETTE_WORDS)) == 1


def test_an_unusable_key_is_named_by_its_argument_never_shown() -> None:
    with pytest.raises(ConfigurationError) as caught:
        arguments_key_ring("hunter2", None, **STARLETTE_WORDS)
    assert caught.value.reason.startswith("secret_key")
    with pytest.raises(ConfigurationError) as caught:
        arguments_key_ring(None, [b"hunter2"], **STARLETTE_WORDS)
    assert caught.value.reason.startswith("keys")
    assert "hunter2" not in str(caught.value)


def test_a_policy_goes_alone() -> None:
    policy = SessionPolicy(keys=KeyRing.of(generate_key()))
    check_policy_alone(policy, [], goes_with="only clock=")
    with pytest.raises(ConfigurationError, match=r"so max_age, path cannot be given beside"):
        check_policy_alone(policy, ["max_age", "path"], goes_with="only clock=")
    with pytest.raises(ConfigurationError, match=r"^policy must be a SessionPolicy, not dict"):
        check_policy_alone({}, [], goes_with="only clock=")


# -- options -----------------------------------------------------------------------------------


def test_policy_options_and_the_unknown_option_check() -> None:
    options = policy_options(excluding=("keys", "same_site"))
    assert "idle_timeout" in options
    assert not {"keys", "same_site"} & options
    check_options({"idle_timeout": 1}, options, taker="client_session_codec()")
    with pytest.raises(ConfigurationError) as caught:
        check_options(
            ["idle", "zzz", "max_chunks"], options, taker="session_codec()", own=["samesite"]
        )
    message = str(caught.value)
    assert message.startswith("session_codec() has no option 'idle', 'zzz'; besides")
    assert "(samesite)" in message
    assert "idle_timeout" in message


@pytest.mark.parametrize(
    ("given", "expected"),
    [("Lax", "lax"), ("STRICT", "strict"), ("None", "none"), (False, None), (None, None), (3, 3)],
)
def test_same_site_is_lower_cased_and_false_is_none(given: object, expected: object) -> None:
    assert same_site_option(given) == expected


def test_a_bad_same_site_is_refused_by_the_policy_in_the_frameworks_words() -> None:
    with pytest.raises(ConfigurationError) as caught:
        SessionPolicy(keys=KeyRing.of(KEY), same_site=same_site_option("Loose"))
    words = caught.value.in_words_of(spelled_as_settings({"same_site": "SESSION_COOKIE_SAMESITE"}))
    assert "SESSION_COOKIE_SAMESITE" in str(words)


# -- ASGI header lists -------------------------------------------------------------------------


def test_asgi_cookie_header_joins_every_field() -> None:
    assert asgi_cookie_header([]) is None
    assert asgi_cookie_header([(b"host", b"x"), (b"cookie", b"a=1")]) == "a=1"
    headers = [(b"cookie", b"a=1"), (b"accept", b"*/*"), (b"cookie", b"b=\xe9")]
    assert asgi_cookie_header(headers) == "a=1; b=\xe9"


def test_asgi_vary_is_added_merged_or_left() -> None:
    assert asgi_with_vary_cookie([(b"content-type", b"text/plain")]) == [
        (b"content-type", b"text/plain"),
        (b"vary", b"Cookie"),
    ]
    merged = asgi_with_vary_cookie([(b"Vary", b"Accept-Encoding"), (b"x", b"1")])
    assert merged == [(b"x", b"1"), (b"vary", b"Accept-Encoding, Cookie")]
    covered = [(b"vary", b"*")]
    assert asgi_with_vary_cookie(covered) == covered


def test_asgi_response_headers_carry_a_commit() -> None:
    from client_session_core import SessionCodec

    codec = SessionCodec(SessionPolicy(keys=KeyRing.of(KEY)), clock=lambda: 1_800_000_000)
    session = codec.load(None)
    session["n"] = 1
    commit = codec.commit(session)
    sent = [(b"content-type", b"text/plain")]
    headers = asgi_response_headers(sent, commit)
    assert sent == [(b"content-type", b"text/plain")]  # the application's list is left alone
    assert headers[:2] == [(b"content-type", b"text/plain"), (b"vary", b"Cookie")]
    assert [v.decode() for n, v in headers if n == b"set-cookie"] == list(commit.set_cookie)
    untouched = codec.commit(codec.load(None))
    assert asgi_response_headers(sent, untouched) == sent


@pytest.mark.parametrize(
    "sent",
    [
        [],
        [(b"content-type", b"text/plain"), (b"content-length", b"2")],
        [(b"Vary", b"Accept-Encoding"), (b"x", b"1")],
        [(b"VARY", b"accept"), (b"x", b"1"), (b"vary", b"origin")],
        [(b"vary", b"*")],
        [(b"x", b"1"), (b"vary", b"Cookie")],
    ],
)
def test_asgi_response_headers_are_the_vary_merge_then_the_set_cookies(
    sent: list[tuple[bytes, bytes]],
) -> None:
    # A response without a Vary of its own takes a shorter way (the usual case): the same
    # list as the merge, which one with a Vary still goes through.
    commit = Commit(
        set_cookie=("a=1; Path=/", "aC1=2; Path=/"), vary_cookie=True, action=Action.START
    )
    expected = [
        *asgi_with_vary_cookie(sent),
        (b"set-cookie", b"a=1; Path=/"),
        (b"set-cookie", b"aC1=2; Path=/"),
    ]
    copy = list(sent)
    assert asgi_response_headers(sent, commit) == expected
    assert asgi_response_headers(iter(sent), commit) == expected  # any iterable of pairs
    assert sent == copy  # the application's list is left alone
    vary_only = Commit(vary_cookie=True, action=Action.VARY)
    assert asgi_response_headers(sent, vary_only) == asgi_with_vary_cookie(sent)


@pytest.mark.parametrize(
    ("sent", "vary"),
    [
        ([("Content-Type", "text/plain")], [("Vary", "Cookie")]),
        ([("VARY", "Accept-Encoding")], [("Vary", "Accept-Encoding, Cookie")]),
        ([("vary", "*")], [("vary", "*")]),
        ([("Vary", "cookie")], [("Vary", "cookie")]),
    ],
)
def test_wsgi_response_headers_carry_a_commit(
    sent: list[tuple[str, str]], vary: list[tuple[str, str]]
) -> None:
    from client_session_core import SessionCodec

    codec = SessionCodec(SessionPolicy(keys=KeyRing.of(KEY)), clock=lambda: 1_800_000_000)
    session = codec.load(None)
    session["n"] = 1
    commit = codec.commit(session)
    before = list(sent)
    headers = wsgi_response_headers(iter(sent), commit)
    assert sent == before  # the application's list is left alone
    kept = [(n, v) for n, v in sent if n.lower() != "vary"]
    assert headers == [*kept, *vary, *(("Set-Cookie", value) for value in commit.set_cookie)]
    untouched = codec.commit(codec.load(None))
    assert wsgi_response_headers(sent, untouched) == sent

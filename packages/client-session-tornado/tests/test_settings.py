"""The ``client_session`` Application setting: its forms, its checks and its one codec."""

from __future__ import annotations

import datetime
import time
from typing import Any

import httpx
import pytest
from tornado.web import Application, RequestHandler

from client_session_conformance import ManualClock
from client_session_conformance.harnesses.tornado import serve_application
from client_session_core import Key, generate_key
from client_session_tornado import (
    SETTING,
    ConfigurationError,
    KeyRing,
    SessionCodec,
    SessionMixin,
    SessionPolicy,
    client_session_codec,
    session_codec,
)

KEY = generate_key()
OLD_KEY = generate_key()


def test_settings_builds_a_codec_with_the_options_and_the_clock() -> None:
    clock = ManualClock()
    codec = client_session_codec(KEY, clock=clock, cookie_name="sid", idle_timeout=60)
    assert isinstance(codec, SessionCodec)
    assert codec.policy.cookie_name == "sid"
    assert codec.policy.idle_timeout == 60
    assert codec.clock is clock


@pytest.mark.parametrize(
    "keys",
    [
        pytest.param([KEY, OLD_KEY], id="list"),
        pytest.param(KeyRing([KEY, OLD_KEY]), id="key-ring"),
        pytest.param((Key.from_secret(KEY), OLD_KEY), id="keys-and-text"),
    ],
)
def test_several_keys_newest_first(keys: Any) -> None:
    ring = client_session_codec(keys).policy.keys
    assert [key.kid for key in ring] == [
        Key.from_secret(KEY).kid,
        Key.from_secret(OLD_KEY).kid,
    ]


@pytest.mark.parametrize("secret", [KEY, Key.from_secret(KEY)], ids=["text", "key"])
def test_one_secret_is_one_key_as_cookie_secret_is(secret: str | Key) -> None:
    ring = client_session_codec(secret).policy.keys
    assert len(ring) == 1
    assert ring.primary.kid == Key.from_secret(KEY).kid


def test_no_keys_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLIENT_SESSION_KEYS", f"{KEY},{OLD_KEY}")
    assert len(client_session_codec().policy.keys) == 2
    monkeypatch.delenv("CLIENT_SESSION_KEYS")
    with pytest.raises(ConfigurationError, match="CLIENT_SESSION_KEYS"):
        client_session_codec()


def test_a_weak_key_is_refused_when_the_settings_are_built() -> None:
    with pytest.raises(ConfigurationError, match="keygen"):
        client_session_codec("secret")


def test_an_unknown_option_is_a_configuration_error_listing_the_options() -> None:
    with pytest.raises(ConfigurationError, match=r"no option .idle_timout.; .*idle_timeout"):
        client_session_codec(KEY, idle_timout=60)


def test_a_bad_option_is_refused_when_the_settings_are_built() -> None:
    with pytest.raises(ConfigurationError, match="same_site='none' needs secure=True"):
        client_session_codec(KEY, same_site="none")


def test_write_identity_is_passed_through_to_the_policy() -> None:
    # Identities rolled out readers first (docs/migrating.md): on unless told.
    assert client_session_codec(KEY).policy.write_identity is True
    assert client_session_codec(KEY, write_identity=False).policy.write_identity is False


def test_a_codec_setting_is_used_as_it_is() -> None:
    codec = client_session_codec(KEY)
    assert session_codec(Application([], client_session=codec)) is codec


@pytest.mark.parametrize(
    "setting",
    [
        pytest.param(SessionPolicy(keys=KeyRing([KEY]), cookie_name="sid"), id="policy"),
        pytest.param({"keys": [KEY], "cookie_name": "sid"}, id="dict"),
    ],
)
def test_a_policy_or_a_dict_gives_one_codec_per_application(setting: object) -> None:
    application = Application([], client_session=setting)
    codec = session_codec(application)
    assert codec.policy.cookie_name == "sid"
    assert session_codec(application) is codec
    assert session_codec(Application([], client_session=setting)) is not codec


def test_a_changed_setting_builds_a_new_codec() -> None:
    application = Application([], client_session={"keys": [KEY]})
    first = session_codec(application)
    application.settings[SETTING] = {"keys": [KEY], "cookie_name": "sid"}
    assert session_codec(application) is not first
    assert session_codec(application).policy.cookie_name == "sid"


def test_a_missing_setting_says_how_to_configure_sessions() -> None:
    with pytest.raises(
        ConfigurationError,
        match=r"no .client_session. setting \(cookie_secret is not used .*keygen",
    ):
        session_codec(Application([], cookie_secret=KEY))


def test_a_setting_of_the_wrong_type_says_what_it_takes() -> None:
    with pytest.raises(ConfigurationError, match="is a str, not the result of"):
        session_codec(Application([], client_session=KEY))


def test_a_dict_with_a_bad_option_fails_on_first_use() -> None:
    application = Application([], client_session={"keys": [KEY], "secure": False, "domain": ";"})
    with pytest.raises(ConfigurationError, match="domain"):
        session_codec(application)


def test_errors_name_the_options_client_session_codec_takes() -> None:
    # Issue 13, finding 9: client_session_codec() takes the policy's option names, so its
    # errors name those, as given.
    with pytest.raises(ConfigurationError, match=r"^partitioned=True needs secure=True") as e:
        client_session_codec(KEY, partitioned=True)
    assert e.value.options == ("partitioned", "secure")


# -- Log everyone out: not_before -------------------------------------------------------------

NOW = time.time()


class Counter(SessionMixin, RequestHandler):
    def get(self) -> None:
        count: int = self.session.get("count", 0) + 1
        self.session["count"] = count
        self.write({"count": count})


def not_before_setting(form: str, not_before: float | datetime.datetime) -> object:
    if form == "codec":
        return client_session_codec(KEY, not_before=not_before)
    if form == "dict":
        return {"keys": KEY, "not_before": not_before}
    return SessionPolicy(keys=KeyRing([KEY]), not_before=not_before)


@pytest.mark.parametrize(
    "not_before",
    [NOW, datetime.datetime.fromtimestamp(NOW, datetime.timezone.utc)],
    ids=["time.time()", "aware-datetime"],
)
@pytest.mark.parametrize("form", ["codec", "dict", "policy"])
def test_not_before_logs_out_every_session_created_before_it(
    form: str, not_before: float | datetime.datetime
) -> None:
    # Issue 23: "log everyone out" as Tornado users set it, in the client_session setting,
    # with what time.time() and datetime give, over Tornado's own server.
    app = Application([(r"/", Counter)], client_session=not_before_setting(form, not_before))
    codec = session_codec(app)
    before = codec.seal({"count": 41}, created_at=int(NOW) - 60)
    since = codec.seal({"count": 6}, created_at=int(NOW))
    with serve_application(app) as url:
        logged_out = httpx.get(f"{url}/", headers={"Cookie": f"session={before}"})
        kept = httpx.get(f"{url}/", headers={"Cookie": f"session={since}"})
    assert logged_out.status_code == 200
    assert logged_out.json() == {"count": 1}
    assert kept.json() == {"count": 7}


def test_a_naive_datetime_for_not_before_is_refused_when_the_settings_are_built() -> None:
    naive = datetime.datetime.fromtimestamp(NOW)  # the mistake under test: no time zone
    with pytest.raises(ConfigurationError, match="has no time zone: give an aware datetime"):
        client_session_codec(KEY, not_before=naive)


# -- When a bad setting surfaces --------------------------------------------------------------


class NoSession(RequestHandler):
    def get(self) -> None:
        self.write({"ok": True})


def test_a_bad_dict_setting_fails_each_request_that_uses_a_session(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Tornado has no hook to check settings when the Application is built: a dict is checked
    # on the first request that uses self.session, and on each one after, as it stays bad
    # (docs/tornado.md says so, and how to check it at start-up with session_codec(app)).
    setting = {"keys": KEY, "same_site": "none"}  # needs secure=True
    app = Application([(r"/", Counter), (r"/plain", NoSession)], client_session=setting)
    with serve_application(app) as url:
        statuses = [httpx.get(f"{url}/").status_code for _ in range(2)]
        plain = httpx.get(f"{url}/plain")
    assert statuses == [500, 500]
    assert plain.json() == {"ok": True}
    logged = [r for r in caplog.records if r.exc_info and r.exc_info[0] is ConfigurationError]
    assert len(logged) == 2
    assert "same_site='none' needs secure=True" in str(logged[0].exc_info[1])  # type: ignore[index]
    with pytest.raises(ConfigurationError, match="same_site='none' needs secure=True"):
        session_codec(app)  # the check at start-up, before app.listen()

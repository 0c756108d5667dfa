"""SessionCodec: when a response carries Set-Cookie, what it says, and how expiry is enforced."""

from __future__ import annotations

import re
from email.utils import formatdate
from typing import Any

import pytest

from client_session_core import (
    ConfigurationError,
    InvalidReason,
    JSONSerializer,
    Key,
    KeyRing,
    Session,
    SessionCodec,
    UnserializableValue,
)
from client_session_core.adapter import Commit
from client_session_core.wire import FLAG_IDENTITY, FLAG_PERSISTENT, Envelope, Sealer

NOW = 1_800_000_000
EPOCH = "Thu, 01 Jan 1970 00:00:00 GMT"
VALUE = r"(A[A-Za-z0-9_-]+)"


def _date(timestamp: int) -> str:
    return formatdate(timestamp, usegmt=True)


def _value(set_cookie: str) -> str:
    return set_cookie.split(";", 1)[0].partition("=")[2]


def _header(codec: SessionCodec, commit: Commit) -> str:
    """The Cookie header a browser sends back after ``commit`` (a single cookie)."""
    (set_cookie,) = commit.set_cookie
    return f"{codec.policy.cookie_name}={_value(set_cookie)}"


def _start(codec: SessionCodec, data: dict[str, Any] | None = None) -> str:
    """A Cookie header holding a session with ``data``, issued now."""
    session = codec.load(None)
    session.update(data or {"count": 1})
    return _header(codec, codec.commit(session))


# What a response carries: its Set-Cookie values and whether it varies on Cookie.
NOTHING = ((), False)
VARY_ONLY = ((), True)


def _response(commit: Commit) -> tuple[tuple[str, ...], bool]:
    return commit.set_cookie, commit.vary_cookie


def _envelope(commit: Commit) -> Envelope:
    return Envelope.parse(_value(commit.set_cookie[0]))


# -- reading --------------------------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "", "other=1; theme=dark", "sessionid=abc"])
def test_no_session_cookie_gives_a_new_session(codec: SessionCodec, header: str | None) -> None:
    session = codec.load(header)
    assert (session.new, session.rejected, session.data()) == (True, None, {})
    assert _response(codec.commit(session)) == NOTHING


def test_a_session_comes_back_from_its_cookie(codec: SessionCodec) -> None:
    header = _start(codec, {"count": 41, "user": {"name": "Zoë"}})
    session = codec.load(header)
    assert not session.new
    assert session.data() == {"count": 41, "user": {"name": "Zoë"}}
    assert session.created_at == NOW


def test_load_cookies_takes_a_parsed_mapping(codec: SessionCodec) -> None:
    header = _start(codec)
    session = codec.load_cookies({"session": header.partition("=")[2], "other": "x"})
    assert session.data() == {"count": 1}


def test_another_cookie_name_is_not_ours(make_codec: Any) -> None:
    session_codec, sid_codec = make_codec(), make_codec(cookie_name="sid")
    session = sid_codec.load(_start(session_codec))
    assert (session.new, session.rejected) == (True, None)


def test_a_value_moved_to_another_cookie_name_is_forged(make_codec: Any) -> None:
    session_codec, sid_codec = make_codec(), make_codec(cookie_name="sid")
    moved = "sid=" + _start(session_codec).partition("=")[2]
    assert sid_codec.load(moved).rejected is InvalidReason.FORGED


def test_an_authentic_payload_that_is_not_an_object_is_refused(
    codec: SessionCodec, primary_key: str
) -> None:
    value = Sealer(KeyRing([primary_key])).seal(
        b'["not", "an", "object"]', cookie_name="session", created_at=NOW, issued_at=NOW
    )
    assert codec.load(f"session={value}").rejected is InvalidReason.BAD_PAYLOAD


class _BrokenSerializer:
    """Writes JSON, but reads back something other than a dict, or fails oddly."""

    def __init__(self, result: object) -> None:
        self._result = result

    def dumps(self, data: Any) -> bytes:
        return JSONSerializer().dumps(data)

    def loads(self, payload: bytes) -> Any:
        if isinstance(self._result, Exception):
            raise self._result
        return self._result


@pytest.mark.parametrize("result", [["a", "list"], None, RuntimeError("boom")])
def test_a_serializer_that_breaks_its_contract_never_raises_from_load(
    make_codec: Any, result: object
) -> None:
    codec = make_codec(serializer=_BrokenSerializer(result))
    value = codec.seal({"a": 1})
    assert codec.load(f"session={value}").rejected is InvalidReason.BAD_PAYLOAD


def test_the_clock_is_read_in_whole_seconds(codec: SessionCodec, clock: Any) -> None:
    clock.advance(0.9)
    session = codec.load(None)
    session["a"] = 1
    assert _envelope(codec.commit(session)).issued_at == NOW


# -- when Set-Cookie is sent ----------------------------------------------------------------


def test_a_new_session_is_sent_with_the_policy_attributes(codec: SessionCodec) -> None:
    session = codec.load(None)
    session["count"] = 1
    commit = codec.commit(session)
    assert commit.vary_cookie
    (set_cookie,) = commit.set_cookie
    attributes = f"; Path=/; Max-Age=1800; Expires={_date(NOW + 1800)}; HttpOnly; SameSite=Lax"
    assert re.fullmatch(f"session={VALUE}{re.escape(attributes)}", set_cookie)


def test_an_untouched_session_sends_nothing_even_when_renewal_is_due(
    codec: SessionCodec, clock: Any
) -> None:
    header = _start(codec)
    clock.advance(1000)
    assert _response(codec.commit(codec.load(header))) == NOTHING


def test_a_read_only_fresh_session_sends_only_vary(codec: SessionCodec) -> None:
    session = codec.load(_start(codec))
    assert session["count"] == 1
    assert _response(codec.commit(session)) == VARY_ONLY


def test_a_changed_session_is_resealed_with_its_created_at(codec: SessionCodec, clock: Any) -> None:
    header = _start(codec)
    clock.advance(10)
    session = codec.load(header)
    session["count"] += 1
    envelope = _envelope(codec.commit(session))
    assert (envelope.created_at, envelope.issued_at) == (NOW, NOW + 10)


def test_a_nested_change_is_saved(codec: SessionCodec) -> None:
    session = codec.load(_start(codec, {"cart": {"items": []}}))
    session["cart"]["items"].append("apple")
    commit = codec.commit(session)
    assert codec.load(_header(codec, commit)).data() == {"cart": {"items": ["apple"]}}


@pytest.mark.parametrize(("after", "renewed"), [(449, False), (450, True), (1799, True)])
def test_renewal_after_a_quarter_of_the_idle_timeout(
    codec: SessionCodec, clock: Any, after: int, renewed: bool
) -> None:
    header = _start(codec)
    clock.advance(after)
    session = codec.load(header)
    session.get("count")
    commit = codec.commit(session)
    assert commit.vary_cookie
    assert bool(commit.set_cookie) is renewed
    if renewed:
        envelope = _envelope(commit)
        assert (envelope.created_at, envelope.issued_at) == (NOW, NOW + after)


@pytest.mark.parametrize(
    ("renew_after", "after", "renewed"), [(0, 1, True), (0.99, 1799, True), (None, 1799, False)]
)
def test_renew_after_bounds(
    make_codec: Any, clock: Any, renew_after: float, after: int, renewed: bool
) -> None:
    codec = make_codec(renew_after=renew_after)
    header = _start(codec)
    clock.advance(after)
    session = codec.load(header)
    session.get("count")
    assert bool(codec.commit(session).set_cookie) is renewed


def test_no_renewal_without_an_idle_timeout(make_codec: Any, clock: Any) -> None:
    codec = make_codec(idle_timeout=None)
    header = _start(codec)
    clock.advance(40000)
    session = codec.load(header)
    session.get("count")
    assert _response(codec.commit(session)) == VARY_ONLY


def test_a_cookie_of_an_older_key_is_resealed_under_the_primary_when_used(
    make_codec: Any, primary_key: str, old_key: str
) -> None:
    header = _start(make_codec(keys=KeyRing([old_key])))
    codec = make_codec(keys=KeyRing([primary_key, old_key]))
    assert _response(codec.commit(codec.load(header))) == NOTHING  # untouched: left alone
    session = codec.load(header)
    assert session["count"] == 1
    envelope = _envelope(codec.commit(session))
    assert envelope.kid == Key.from_secret(primary_key).kid
    assert envelope.created_at == NOW


def test_forcing_a_save_without_reading(codec: SessionCodec, clock: Any) -> None:
    header = _start(codec)
    clock.advance(5)
    session = codec.load(header)
    session.modified = True
    assert _envelope(codec.commit(session)).issued_at == NOW + 5


@pytest.mark.parametrize("value", [{1, 2}, float("nan"), "lone surrogate \ud800", b"bytes"])
def test_an_unserializable_value_raises_at_commit_naming_its_key(
    codec: SessionCodec, value: object
) -> None:
    session = codec.load(None)
    session["fine"] = [1, 2]
    session["bad"] = value
    with pytest.raises(UnserializableValue, match=r"session\['bad'\] cannot be stored") as caught:
        codec.commit(session)
    assert caught.value.key == "bad"


# -- expiry ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("after", "reason"), [(1799, None), (1800, InvalidReason.EXPIRED_IDLE)])
def test_idle_timeout(
    codec: SessionCodec, clock: Any, after: int, reason: InvalidReason | None
) -> None:
    header = _start(codec)
    clock.advance(after)
    assert codec.load(header).rejected is reason


def test_absolute_lifetime_ends_a_session_kept_alive_by_use(
    make_codec: Any, clock: Any, browser: Any
) -> None:
    codec = make_codec(idle_timeout=1800, absolute_lifetime=7200)
    browser.receive(codec.commit(_filled(codec.load(None))))
    max_ages = []
    for _ in range(7):  # a request every 1000 s, each renewing the cookie
        clock.advance(1000)
        session = codec.load(browser.header())
        assert session.get("count") == 1, session.rejected
        commit = codec.commit(session)
        max_ages.append(_max_age(commit))
        browser.receive(commit)
    # Max-Age follows the nearer deadline: the idle one, then the absolute one.
    assert max_ages == [1800, 1800, 1800, 1800, 1800, 1200, 200]
    clock.advance(200)
    assert codec.load(browser.header()).rejected is InvalidReason.EXPIRED_ABSOLUTE


def _max_age(commit: Commit) -> int:
    attributes = dict(part.partition("=")[::2] for part in commit.set_cookie[0].split("; ")[1:])
    return int(attributes["Max-Age"])


def _filled(session: Session) -> Session:
    session["count"] = 1
    return session


@pytest.mark.parametrize(("created_offset", "accepted"), [(0, True), (-1, False)])
def test_not_before_logs_out_sessions_created_earlier(
    make_codec: Any, clock: Any, created_offset: int, accepted: bool
) -> None:
    cutoff = NOW + 100
    clock.advance(100 + created_offset)
    header = _start(make_codec())
    clock.advance(10)
    session = make_codec(not_before=cutoff).load(header)
    assert session.rejected is (None if accepted else InvalidReason.NOT_BEFORE)


def test_a_not_before_in_the_future_is_refused(make_codec: Any) -> None:
    make_codec(not_before=NOW + 60)  # within the clock skew
    with pytest.raises(ConfigurationError, match=r"^not_before=1800000061 is 61 s in the future"):
        make_codec(not_before=NOW + 61)


@pytest.mark.parametrize(("ahead", "accepted"), [(60, True), (61, False)])
def test_clock_skew(make_codec: Any, clock: Any, ahead: int, accepted: bool) -> None:
    clock.advance(ahead)  # a server whose clock runs ahead seals the cookie
    header = _start(make_codec())
    clock.set(clock() - ahead)
    session = make_codec().load(header)
    assert session.rejected is (None if accepted else InvalidReason.FROM_THE_FUTURE)


@pytest.mark.parametrize("change", ["modify", "rekey"])
def test_a_session_from_a_clock_ahead_is_written_back(
    make_codec: Any, clock: Any, primary_key: str, old_key: str, change: str
) -> None:
    clock.advance(30)  # another server, its clock 30 s ahead, creates the session
    header = _start(make_codec(keys=KeyRing([old_key])) if change == "rekey" else make_codec())
    clock.set(clock() - 30)
    codec = make_codec(keys=KeyRing([primary_key, old_key]))
    session = codec.load(header)
    if change == "modify":
        session["count"] = 2
    else:
        session.mark_accessed()  # opened under the old key: resealed under the primary
    commit = codec.commit(session)
    assert len(commit.set_cookie) == 1
    written = codec.load(_header(codec, commit))
    assert written.rejected is None
    assert written.created_at == NOW  # never after the issue time
    assert written["count"] == (2 if change == "modify" else 1)


# -- deletion -------------------------------------------------------------------------------


def test_clearing_deletes_with_the_same_attributes(make_codec: Any) -> None:
    options = {"path": "/app", "domain": "example.com", "secure": True, "same_site": "strict"}
    codec = make_codec(**options)
    session = codec.load(_start(codec))
    session.clear()
    assert _response(codec.commit(session)) == (
        (
            f"session=; Path=/app; Domain=example.com; Max-Age=0; Expires={EPOCH}; "
            "Secure; HttpOnly; SameSite=Strict",
        ),
        True,
    )


def test_deleting_every_key_deletes_the_cookie(codec: SessionCodec) -> None:
    session = codec.load(_start(codec))
    del session["count"]
    (set_cookie,) = codec.commit(session).set_cookie
    assert set_cookie.startswith("session=; Path=/; Max-Age=0;")


def test_a_new_session_left_empty_sends_no_cookie(codec: SessionCodec) -> None:
    session = codec.load(None)
    session["a"] = 1
    del session["a"]
    assert _response(codec.commit(session)) == VARY_ONLY


def test_cleared_then_filled_starts_a_new_lifetime(codec: SessionCodec, clock: Any) -> None:
    header = _start(codec)
    clock.advance(100)
    session = codec.load(header)
    session.clear()  # a logout ...
    session["user"] = "bob"  # ... then a login
    envelope = _envelope(codec.commit(session))
    assert (envelope.created_at, envelope.issued_at) == (NOW + 100, NOW + 100)


def test_a_refused_cookie_is_deleted_on_an_untouched_response(codec: SessionCodec) -> None:
    session = codec.load("session=garbage")
    assert session.rejected is InvalidReason.MALFORMED
    commit = codec.commit(session)
    assert commit.set_cookie == (
        f"session=; Path=/; Max-Age=0; Expires={EPOCH}; HttpOnly; SameSite=Lax",
    )
    assert commit.vary_cookie


def test_a_refused_cookie_is_kept_without_clear_invalid(make_codec: Any) -> None:
    codec = make_codec(clear_invalid=False)
    assert _response(codec.commit(codec.load("session=garbage"))) == NOTHING
    session = codec.load("session=garbage")
    assert session.get("a") is None
    assert _response(codec.commit(session)) == VARY_ONLY


def test_a_refused_cookie_is_replaced_when_the_session_is_written(codec: SessionCodec) -> None:
    session = codec.load("session=garbage")
    session["a"] = 1
    (set_cookie,) = codec.commit(session).set_cookie
    assert re.match(f"session={VALUE}; Path=/; Max-Age=1800", set_cookie)


# -- attributes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "before_max_age", "after_expires"),
    [
        (
            {"cookie_name": "__Host-sid", "secure": True},
            "; Path=/",
            "; Secure; HttpOnly; SameSite=Lax",
        ),
        ({"domain": "example.com"}, "; Path=/; Domain=example.com", "; HttpOnly; SameSite=Lax"),
        ({"domain": ".example.com"}, "; Path=/; Domain=example.com", "; HttpOnly; SameSite=Lax"),
        ({"path": "/shop", "http_only": False}, "; Path=/shop", "; SameSite=Lax"),
        ({"same_site": None}, "; Path=/", "; HttpOnly"),
        ({"same_site": "strict"}, "; Path=/", "; HttpOnly; SameSite=Strict"),
        ({"same_site": "none", "secure": True}, "; Path=/", "; Secure; HttpOnly; SameSite=None"),
        (
            {"same_site": "none", "secure": True, "partitioned": True},
            "; Path=/",
            "; Secure; HttpOnly; SameSite=None; Partitioned",
        ),
    ],
)
def test_cookie_attributes(
    make_codec: Any, options: dict[str, Any], before_max_age: str, after_expires: str
) -> None:
    codec = make_codec(**options)
    name = codec.policy.cookie_name
    session = codec.load(None)
    session["a"] = 1
    (set_cookie,) = codec.commit(session).set_cookie
    attributes = f"{before_max_age}; Max-Age=1800; Expires={_date(NOW + 1800)}{after_expires}"
    assert re.fullmatch(re.escape(f"{name}=") + VALUE + re.escape(attributes), set_cookie)


def test_a_browser_session_cookie_has_no_max_age(make_codec: Any) -> None:
    codec = make_codec(persistent=False)
    session = codec.load(None)
    assert not session.persistent
    session["a"] = 1
    commit = codec.commit(session)
    assert re.fullmatch(f"session={VALUE}; Path=/; HttpOnly; SameSite=Lax", commit.set_cookie[0])
    assert _envelope(commit).flags == FLAG_IDENTITY  # not persistent
    assert codec.load(_header(codec, commit)).persistent is False


def test_max_age_is_capped_at_the_400_days_browsers_keep(make_codec: Any) -> None:
    codec = make_codec(idle_timeout=None, absolute_lifetime=3 * 365 * 24 * 3600)
    session = codec.load(None)
    session["a"] = 1
    assert f"; Max-Age={400 * 24 * 3600}; " in codec.commit(session).set_cookie[0]


def test_persistence_is_chosen_per_session(codec: SessionCodec) -> None:
    session = codec.load(None)
    session["a"] = 1
    session.persistent = False  # "remember me" unticked
    commit = codec.commit(session)
    assert "Max-Age" not in commit.set_cookie[0]
    session = codec.load(_header(codec, commit))
    assert session.persistent is False
    session.persistent = True  # ticked on a later request: resealed with Max-Age
    commit = codec.commit(session)
    assert "; Max-Age=1800; " in commit.set_cookie[0]
    assert _envelope(commit).flags == FLAG_PERSISTENT | FLAG_IDENTITY


# -- direct sealing -------------------------------------------------------------------------


def test_seal_makes_a_cookie_value_issued_now(codec: SessionCodec, clock: Any) -> None:
    clock.advance(30)
    value = codec.seal({"count": 3}, created_at=NOW, persistent=False)
    envelope = Envelope.parse(value)
    assert (envelope.created_at, envelope.issued_at) == (NOW, NOW + 30)
    assert envelope.flags == FLAG_IDENTITY  # not persistent, and with a new identity
    assert codec.load(f"session={value}").data() == {"count": 3}
    assert codec.clock is clock


def test_a_session_class_hands_out_the_adapters_subclass(make_codec: Any) -> None:
    class FrameworkSession(Session):
        __slots__ = ()

    codec = make_codec()
    typed = SessionCodec(codec.policy, clock=codec.clock, session_class=FrameworkSession)
    assert type(typed.load(None)) is FrameworkSession
    value = typed.seal({"count": 1})
    opened = typed.load(f"session={value}")
    assert type(opened) is FrameworkSession
    assert opened.data() == {"count": 1}
    assert type(typed.load("session=garbage")) is FrameworkSession

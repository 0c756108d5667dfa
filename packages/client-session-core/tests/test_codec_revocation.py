"""The codec and the policy's revocations: a revoked session opens as a refused one (REVOKED),
an unrevoked one as before, and the application's logout helpers (revoke, arevoke)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from client_session_core import InvalidReason, KeyRing, Session, SessionCodec, SessionPolicy
from client_session_core.adapter import Action
from client_session_core.revocation import MemoryRevocationStore, Revocations
from client_session_core.testing import ManualClock
from client_session_core.wire import FLAG_PERSISTENT, Sealer

from .conftest import NOW, PRIMARY_KEY, Browser

LIFETIME = 12 * 3600  # the policy's default absolute_lifetime
SKEW = 60  # and its clock_skew


class Process:
    """One server of a fleet: its own Revocations and codec over the shared store."""

    def __init__(self, store: MemoryRevocationStore, clock: ManualClock, **options: object):
        self.revocations = Revocations(store, clock=clock, autostart=False)
        self.codec = SessionCodec(
            SessionPolicy(
                keys=KeyRing([PRIMARY_KEY]),
                revocations=self.revocations,
                **options,  # type: ignore[arg-type]
            ),
            clock=clock,
        )

    def request(self, browser: Browser) -> Session:
        return self.codec.load(browser.header())

    def respond(self, browser: Browser, session: Session) -> Action:
        commit = self.codec.commit(session)
        browser.receive(commit)
        return commit.action


@pytest.fixture
def store(clock: ManualClock) -> MemoryRevocationStore:
    return MemoryRevocationStore(clock=clock)


@pytest.fixture
def here(store: MemoryRevocationStore, clock: ManualClock) -> Process:
    return Process(store, clock)


@pytest.fixture
def there(store: MemoryRevocationStore, clock: ManualClock) -> Process:
    return Process(store, clock)


def _signed_in(process: Process, browser: Browser, user: str | None = "alice") -> Session:
    session = process.request(browser)
    session.regenerate()
    session.bind_user(user)
    session["user"] = user
    assert process.respond(browser, session) is Action.START
    return session


def test_a_revoked_session_is_refused_by_every_copy_after_a_refresh(
    here: Process, there: Process, browser: Browser, clock: ManualClock
) -> None:
    _signed_in(here, browser)
    clock.advance(1800 // 4)  # renewal due: the session is resealed, its id kept
    session = there.request(browser)
    stolen = Browser()
    stolen.cookies = dict(browser.cookies)  # a copy taken before the logout
    assert session["user"] == "alice"
    assert there.respond(browser, session) is Action.RESEAL
    assert browser.cookies != stolen.cookies
    # Logout on this server: every copy ends, the renewed one and the one taken before.
    session = here.request(browser)
    assert here.revocations.revoke(session)
    session.clear()
    assert here.respond(browser, session) is Action.DELETE
    assert here.request(stolen).rejected is InvalidReason.REVOKED  # at once where it ran
    assert there.request(stolen).rejected is None  # the other server until its refresh
    assert there.revocations.refresh()
    refused = there.request(stolen)
    assert refused.rejected is InvalidReason.REVOKED
    assert refused.new
    assert dict(refused) == {}


def test_a_revoked_cookie_is_deleted_as_the_clear_rule_says(
    store: MemoryRevocationStore, clock: ManualClock, browser: Browser
) -> None:
    for clear_invalid, action in ((True, Action.DELETE), (False, Action.NOTHING)):
        process = Process(store, clock, clear_invalid=clear_invalid)
        _signed_in(process, browser)
        process.revocations.revoke(process.request(browser))
        refused = process.request(browser)
        assert refused.rejected is InvalidReason.REVOKED
        commit = process.codec.commit(refused)
        assert commit.action is action
        if clear_invalid:
            (deletion,) = commit.set_cookie
            assert deletion.startswith("session=;")
            assert "Max-Age=0" in deletion
        else:
            assert commit.set_cookie == ()
        browser.cookies.clear()


def test_a_users_not_before_refuses_the_sessions_that_began_before_it(
    here: Process, there: Process, browser: Browser, clock: ManualClock
) -> None:
    _signed_in(here, browser)
    other_device = Browser()
    _signed_in(there, other_device)
    bob = Browser()
    _signed_in(here, bob, user="bob")
    clock.advance(600)
    # A password change on this device: every other session of alice ends, bob's stays, and
    # this one carries on under a new identity created after the "not before".
    session = here.request(browser)
    here.revocations.revoke_user("alice")
    session.regenerate()
    assert here.respond(browser, session) is Action.START
    assert there.revocations.refresh()
    for process in (here, there):
        assert process.request(other_device).rejected is InvalidReason.REVOKED
        assert process.request(bob)["user"] == "bob"
        assert process.request(browser)["user"] == "alice"
    # A later login of alice, anywhere, is accepted.
    clock.advance(5)
    elsewhere = Browser()
    _signed_in(there, elsewhere)
    assert here.request(elsewhere)["user"] == "alice"
    # The entry ends one longest lifetime after the change, with every session it refused.
    clock.advance(LIFETIME + SKEW)
    assert there.revocations.refresh()
    assert len(there.revocations) == 0


def test_a_cookie_without_an_id_is_not_looked_up(
    here: Process, browser: Browser, clock: ManualClock
) -> None:
    # What the release before identities wrote: no id and no user, so nothing to revoke it
    # by but not_before; it opens, and gets an id when resealed, which can be revoked.
    old = Sealer(here.codec.policy.keys).seal(
        b'{"user":"alice"}', "session", NOW, NOW, FLAG_PERSISTENT
    )
    browser.cookies["session"] = old
    here.revocations.revoke_user("alice", not_before=NOW + 10)
    session = here.request(browser)
    assert session.rejected is None
    assert session.origin.session_id is None
    assert not here.revocations.revoke(session)  # no copy of it carries an id
    assert session["user"] == "alice"
    session_id = session.id
    assert here.respond(browser, session) is Action.RESEAL
    here.revocations.revoke_session_id(session_id)
    assert here.request(browser).rejected is InvalidReason.REVOKED


def test_revoke_keeps_the_id_until_the_sessions_absolute_deadline(
    here: Process, store: MemoryRevocationStore, browser: Browser, clock: ManualClock
) -> None:
    session = _signed_in(here, browser)
    clock.advance(600)
    opened = here.request(browser)
    assert opened.created_at == NOW
    opened.regenerate()  # the new id, not yet sent, is revoked too
    assert here.revocations.revoke(opened)
    assert set(store.changes(None).sessions) == {
        (session.id, NOW + LIFETIME + SKEW),
        (opened.id, NOW + 600 + LIFETIME + SKEW),
    }
    # A session with a lifetime of its own may hold a copy sealed with another, up to
    # max_session_lifetime: the deadline is the longest a copy of it can live.
    process = Process(store, clock, max_session_lifetime=30 * 24 * 3600)
    long = _signed_in(process, Browser())
    long.set_lifetime(absolute_lifetime=3600)
    process.revocations.revoke(long)
    assert (long.id, NOW + 600 + 30 * 24 * 3600 + SKEW) in store.changes(None).sessions


def test_a_new_session_has_nothing_to_revoke(here: Process, store: MemoryRevocationStore) -> None:
    assert not here.revocations.revoke(here.request(Browser()))
    assert len(store) == 0


def test_arevoke_revokes_off_the_event_loop(here: Process, browser: Browser) -> None:
    _signed_in(here, browser)
    session = here.request(browser)
    assert asyncio.run(here.revocations.arevoke(session))
    assert here.request(browser).rejected is InvalidReason.REVOKED


def test_a_revoked_cookie_is_logged_at_debug_without_content(
    here: Process, browser: Browser, caplog: pytest.LogCaptureFixture
) -> None:
    _signed_in(here, browser)
    here.revocations.revoke(here.request(browser))
    with caplog.at_level(logging.DEBUG, logger="client_session"):
        assert here.request(browser).rejected is InvalidReason.REVOKED
    records = [r for r in caplog.records if r.name.startswith("client_session")]
    assert [(r.name, r.levelno, r.getMessage()) for r in records] == [
        ("client_session", logging.DEBUG, "session cookie 'session' refused: revoked")
    ]

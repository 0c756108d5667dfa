"""The soak's judgement of revocations (``soaking._load``), over the reference harness on
127.0.0.1: a revoked copy that gets a fresh session is an expected refusal; one that still
opens its session is allowed until the interval plus the margin, and a failure after. The
load's clock is injected: no test waits."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator

import httpx
import pytest

from client_session_conformance import ManualClock, ReferenceHarness
from client_session_core import KeyRing, SessionPolicy
from client_session_core.revocation import MemoryRevocationStore, Revocations
from soaking._control import ring_for
from soaking._load import Load, RevocationRules, Stage, User
from soaking._server import START

pytestmark = pytest.mark.network

CLOCK_STEP = 60.0
RULES = RevocationRules(interval=2.0, margin=3.0)


class Clock:
    """The load's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@contextlib.contextmanager
def server(*, revoking: bool) -> Iterator[tuple[str, ManualClock]]:
    """A reference server whose policy revokes (an in-process store, read at once by the
    process that revoked), or one that ignores revocations: a server that never refuses."""
    clock = ManualClock(start=START)
    revocations = Revocations(MemoryRevocationStore(), clock=clock, autostart=False)
    policy = SessionPolicy(keys=KeyRing(ring_for(0)), revocations=revocations if revoking else None)
    with ReferenceHarness().serve(policy, clock) as url:
        yield url, clock


def new_load(url: str, clock: Clock) -> Load:
    stage = Stage(url, 0, START, CLOCK_STEP)
    return Load(stage, threads=1, users=1, rate=0, seed=1, revocations=RULES, clock=clock)


def logged_out_user(load: Load, http: httpx.Client, rng: random.Random) -> User:
    user = User()
    load._act(http, rng, user, "login")
    load._act(http, rng, user, "counter")
    assert user.bound
    assert user.count == 2  # the login kept the count under the new identity
    load._act(http, rng, user, "logout")
    assert user.cookies == {}
    assert len(user.revoked) == 1
    return user


def test_a_revoked_copy_that_gets_a_fresh_session_is_an_expected_refusal() -> None:
    clock = Clock()
    with server(revoking=True) as (url, _), httpx.Client() as http:
        load, rng = new_load(url, clock), random.Random(1)
        user = logged_out_user(load, http, rng)
        load._act(http, rng, user, "stolen")  # at once: either answer; this server refuses
        clock.now += RULES.interval + RULES.margin + 1
        load._act(http, rng, user, "stolen")
        load._act(http, rng, user, "counter")  # the user starts over, and that is no loss

    assert load.outcomes.failures == {}
    assert load.outcomes.revoked == {"session": 1}
    assert load.outcomes.refused == {"session": 2}
    assert load.outcomes.logins == 1
    assert user.count == 1


def test_a_revoked_copy_that_still_opens_is_allowed_until_due_and_a_failure_after() -> None:
    clock = Clock()
    with server(revoking=False) as (url, _), httpx.Client() as http:
        load, rng = new_load(url, clock), random.Random(1)
        user = logged_out_user(load, http, rng)
        clock.now += RULES.interval + RULES.margin - 0.1
        load._act(http, rng, user, "stolen")
        assert load.outcomes.failures == {}
        assert load.outcomes.accepted_early == {"session": 1}

        clock.now += 0.2
        load._act(http, rng, user, "stolen")

    assert load.outcomes.failures == {"revoked_accepted": 1}
    assert load.outcomes.examples[0].startswith(
        "revoked_accepted: a copy revoked (session) 5.1 s before, 0.1 s past its due time, "
        'opened: {"count": 2'
    )
    assert load.outcomes.refused == {}


def test_signing_out_everywhere_refuses_the_copies_of_every_older_login() -> None:
    clock = Clock()
    with server(revoking=True) as (url, server_clock), httpx.Client() as http:
        load, rng = new_load(url, clock), random.Random(1)
        user = User()
        load._act(http, rng, user, "login")  # another device's copy, bound to the account
        # Two clock steps later: that session certainly started before the "not before".
        server_clock.advance(2 * CLOCK_STEP)
        load.stage = Stage(url, 0, START + 2 * CLOCK_STEP, CLOCK_STEP)
        load._act(http, rng, user, "login")  # a second login: a second identity, same user
        load._act(http, rng, user, "logout_everywhere")
        assert [c.reach for c in user.revoked] == ["user"] * 3
        # The first login's copy, the second's, and the cookie sent: the last two started in
        # the second of the "not before", as far as the load can tell.
        assert [c.certain for c in user.revoked] == [True, False, False]
        older, *same_second = user.revoked
        clock.now += RULES.interval + RULES.margin + 1
        user.revoked = [older]
        load._act(http, rng, user, "stolen")
        assert load.outcomes.refused == {"user": 1}
        user.revoked = same_second
        for _ in range(4):
            load._act(http, rng, user, "stolen")
        load._act(http, rng, user, "login")  # after the "not before": accepted
        load._act(http, rng, user, "counter")

    assert load.outcomes.failures == {}
    assert load.outcomes.revoked == {"user": 1}
    assert load.outcomes.accepted_same_second == 4  # the rules let these open
    assert user.bound
    assert user.count == 2


def test_a_copy_of_the_last_second_that_opens_after_a_sign_out_is_no_failure() -> None:
    # The user's "not before" is whole seconds of the servers' clock and refuses sessions
    # created before it: a login in the same second (the soak's clock moves every 5 s) is
    # accepted, which the rules allow; the load must not count it as a failure.
    clock = Clock()
    with server(revoking=True) as (url, _), httpx.Client() as http:
        load, rng = new_load(url, clock), random.Random(1)
        user = User()
        load._act(http, rng, user, "login")
        load._act(http, rng, user, "logout_everywhere")
        clock.now += RULES.interval + RULES.margin + 1
        load._act(http, rng, user, "stolen")

    assert load.outcomes.failures == {}
    assert load.outcomes.accepted_same_second == 1
    assert load.outcomes.refused == {}

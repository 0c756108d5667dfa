"""The soak's judgement of answers (``soaking._load``), over the reference harness on
127.0.0.1: what it forgives, and what it counts as lost."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator

import httpx
import pytest

from client_session_conformance import ManualClock, ReferenceHarness
from client_session_core import KeyRing, SessionPolicy
from soaking._control import ring_for
from soaking._load import Load, Stage, User
from soaking._server import START

pytestmark = pytest.mark.network

CLOCK_STEP = 60.0


@contextlib.contextmanager
def servers(*generations: int) -> Iterator[dict[int, str]]:
    """A reference server for each key generation, on one shared clock, as a soak runs them."""
    clock = ManualClock(start=START)
    with contextlib.ExitStack() as stack:
        yield {
            generation: stack.enter_context(
                ReferenceHarness().serve(SessionPolicy(keys=KeyRing(ring_for(generation))), clock)
            )
            for generation in generations
        }


def new_load(url: str, generation: int) -> Load:
    return Load(Stage(url, generation, START, CLOCK_STEP), threads=1, users=1, rate=0, seed=1)


def test_a_session_forgotten_under_a_retired_key_is_expected_where_it_shows() -> None:
    # Seed 822715550 of a 20-second soak: a user's cookie sealed under key 0 first comes back
    # after the second rotation (key 0 retired) on /nested, whose answer starts a new session
    # under key 2. That answer must be judged: the user's next /counter shows the loss with a
    # cookie under key 2, which the server was not entitled to forget.
    with servers(0, 2) as url, httpx.Client() as http:
        load, user, rng = new_load(url[0], 0), User(), random.Random(1)
        for _ in range(3):
            load._act(http, rng, user, "counter")
        assert (user.count, user.sealed_generation) == (3, 0)
        load.stage = Stage(url[2], 2, START, CLOCK_STEP)

        load._act(http, rng, user, "nested")
        load._act(http, rng, user, "counter")

    assert load.outcomes.failures == {}
    assert load.outcomes.expired == {"retired_key": 1}
    assert (user.count, user.nested, user.sealed_generation) == (1, 1, 2)


def test_a_nested_item_the_server_did_not_keep_is_a_lost_count() -> None:
    # A lost in-place write, as an adapter that does not compare content at commit would
    # lose it: the cookie written before the second item comes back; /view must say so.
    with servers(0) as url, httpx.Client() as http:
        load, user, rng = new_load(url[0], 0), User(), random.Random(1)
        load._act(http, rng, user, "counter")
        load._act(http, rng, user, "nested")
        before_second_item = dict(user.cookies)
        load._act(http, rng, user, "nested")
        assert user.nested == 2
        user.cookies = before_second_item

        load._act(http, rng, user, "view")

    assert load.outcomes.failures == {"lost_count": 1}
    assert load.outcomes.examples == [
        "lost_count: view: expected count 1 and note None and 2 nested items, the server had "
        "1 and None and 1 nested items (reason to forget: None, cookie sealed under key 0, "
        "now key 0)"
    ]
    assert load.outcomes.expired == {}
    assert user.nested == 1  # the user carries on from what the server had

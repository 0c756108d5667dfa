"""Interoperability: every installed adapter reads every other's cookies, and the vectors."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import pytest

from ._harness import Harness, installed_harnesses
from ._revocation_suite import (
    REFUSAL_BOUND,
    SharedRevocationStore,
    cookie_of,
    opens,
    redis_url_or_skip,
    signed_in,
    wait_until_refused,
)
from ._servers import ServerPool
from ._suite import SUITE_KEY, ok, the_session_cookie, valid_vectors_or_none
from ._vectors import ValidVector

__all__ = ["InteropConformance"]


class InteropConformance:
    """Cross-adapter tests over every harness registered as an entry point.

    Run them where all the adapters are installed::

        class TestInterop(InteropConformance):
            pass

    For each ordered pair of harnesses (a harness with itself included) a session started
    in the first continues in the second, and both write the same cookie attributes;
    every valid test vector opens in every harness; a session logged out through the first
    is refused by the second, both sharing one real Redis, within the revocation interval.
    """

    extra_harnesses: ClassVar[Mapping[str, type[Harness]]] = {}
    """Harnesses to test beside the installed ones (by name), e.g. one not packaged yet."""

    @classmethod
    def harnesses(cls) -> dict[str, type[Harness]]:
        """The harnesses under test, by name: the installed ones and ``extra_harnesses``."""
        return {**installed_harnesses(), **cls.extra_harnesses}

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        """Parametrize by harness pair, by harness, and by valid vector."""
        names = sorted(self.harnesses())
        if "pair" in metafunc.fixturenames:
            pairs = [(first, second) for first in names for second in names]
            metafunc.parametrize("pair", pairs, ids=[f"{a}-then-{b}" for a, b in pairs])
        if "harness_name" in metafunc.fixturenames:
            metafunc.parametrize("harness_name", names)
        if "vector" in metafunc.fixturenames:
            vectors = valid_vectors_or_none()
            metafunc.parametrize("vector", vectors, ids=[v.description for v in vectors])

    @pytest.fixture(scope="class")
    @classmethod
    def pools(cls) -> Iterator[dict[str, ServerPool]]:
        """One server pool per harness, started on demand, stopped when the class ends."""
        with contextlib.ExitStack() as stack:
            yield {
                name: stack.enter_context(ServerPool(harness_class(), (SUITE_KEY,)))
                for name, harness_class in cls.harnesses().items()
            }

    def test_session_continues_across_adapters(
        self, pools: dict[str, ServerPool], pair: tuple[str, str]
    ) -> None:
        first, second = (pools[name].get() for name in pair)
        # One browser, two servers: the same cookies go to both.
        with first.client() as browser:
            assert ok(browser.get("/counter")) == {"count": 1}
            assert ok(browser.get(f"{second.url}/counter")) == {"count": 2}
            assert ok(browser.get("/counter")) == {"count": 3}
            assert ok(browser.get(f"{second.url}/nested", params={"item": "a"})) == {
                "count": 3,
                "nested": {"items": ["a"]},
            }
            assert ok(browser.get("/nested", params={"item": "b"}))["nested"] == {
                "items": ["a", "b"]
            }
            assert ok(browser.post(f"{second.url}/clear")) == {}
            assert ok(browser.get("/view")) == {}

    def test_adapters_write_the_same_cookie_attributes(
        self, pools: dict[str, ServerPool], pair: tuple[str, str]
    ) -> None:
        first, second = (pools[name].get() for name in pair)
        written: list[Any] = []
        for served in (first, second):
            with served.client() as browser:
                set_cookie = the_session_cookie(browser.get("/counter"), served)
                deletion = the_session_cookie(browser.post("/clear"), served)
                written.append((set_cookie.attributes, deletion.attributes))
        assert written[0] == written[1]

    def test_valid_vector_opens_in_every_adapter(
        self, pools: dict[str, ServerPool], harness_name: str, vector: ValidVector
    ) -> None:
        pool = pools[harness_name]
        served = pool.get(keys=vector.keys, cookie_name=vector.cookie_name, **vector.policy)
        served.clock.set(vector.now)
        with served.client() as browser:
            assert ok(browser.get("/view", cookie_header=vector.cookie_header)) == vector.session

    @pytest.fixture(scope="class")
    @classmethod
    def revocation_store(cls) -> Iterator[SharedRevocationStore]:
        """One redis-server shared by every harness's revocation server, for the class."""
        with redis_url_or_skip() as url:
            shared = SharedRevocationStore(url)
            try:
                yield shared
            finally:
                shared.close()

    def test_a_logout_in_one_adapter_is_refused_by_another(
        self,
        pools: dict[str, ServerPool],
        revocation_store: SharedRevocationStore,
        pair: tuple[str, str],
    ) -> None:
        first, second = (revocation_store.serve(pools[name]) for name in pair)
        with first.client() as browser:
            who = signed_in(browser, f"{pair[0]}-then-{pair[1]}")
            copy = cookie_of(browser)
            assert opens(second, copy) == who
            response = browser.post("/logout")
            since = time.monotonic()
            assert ok(response) == {}
            elapsed = wait_until_refused(second, copy, since)
        print(f"revocation: {pair[0]} -> {pair[1]} {elapsed * 1000:.1f} ms")
        assert elapsed <= REFUSAL_BOUND, (
            f"{pair[1]} refused a session logged out through {pair[0]} after {elapsed:.3f} s, "
            f"over the bound ({REFUSAL_BOUND} s)"
        )

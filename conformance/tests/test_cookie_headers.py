"""The Cookie header vectors (conformance/vectors/cookie-headers.json) over HTTP, in the
reference harness and in every other installed one: each header opens to the session the
vector says, so every adapter hands the core the header as the browser sent it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from client_session_conformance import Harness, ReferenceHarness
from client_session_conformance._harness import installed_harnesses
from client_session_conformance._servers import ServerPool
from client_session_conformance._vectors import CookieHeaderVector, load_cookie_header_vectors

HEADERS = load_cookie_header_vectors()
HARNESSES: dict[str, type[Harness]] = {"reference": ReferenceHarness, **installed_harnesses()}


@pytest.fixture(scope="module")
def pools() -> Iterator[dict[str, ServerPool]]:
    """One server pool per harness, each server started on first use."""
    with contextlib.ExitStack() as stack:
        yield {
            name: stack.enter_context(ServerPool(harness_class(), HEADERS[0].keys))
            for name, harness_class in HARNESSES.items()
        }


def test_the_vectors_are_read_by_one_reader() -> None:
    # So that each harness serves them all from one server.
    assert len({vector.configuration for vector in HEADERS}) == 1


@pytest.mark.parametrize("harness_name", sorted(HARNESSES))
@pytest.mark.parametrize("vector", HEADERS, ids=[vector.description for vector in HEADERS])
def test_a_cookie_header_opens_to_the_vectors_session(
    pools: dict[str, ServerPool], harness_name: str, vector: CookieHeaderVector
) -> None:
    served = pools[harness_name].get(
        keys=vector.keys, cookie_name=vector.cookie_name, **vector.policy
    )
    served.clock.set(vector.now)
    with served.client() as browser:
        response = browser.get("/view", cookie_header=vector.cookie_header)
    assert response.status_code == 200, response.text[:300]
    assert response.json() == vector.session

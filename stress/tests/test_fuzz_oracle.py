"""The fuzzer's oracle (``fuzzing._oracle``) on the real cookies of its corpus: each opens, and
is no forgery, by either path the fuzzer reads it (the codec, or the envelope reader alone)."""

from __future__ import annotations

import pytest

from client_session_core.wire import Envelope
from fuzzing._corpus import Fixture, build_fixture
from fuzzing._oracle import Oracle, Tally


@pytest.fixture(scope="module", params=[1, 3], ids=["single", "chunked"])
def fixture(request: pytest.FixtureRequest) -> Fixture:
    return build_fixture(f"max_chunks={request.param}", max_chunks=request.param)


def test_every_real_envelope_opens_and_is_no_forgery(fixture: Fixture) -> None:
    # Every cookie is sealed with an identity block now (flag bit 2), which Sealer.open gives
    # back before the serialized session: the oracle compares what was sealed, not the
    # session's serialization alone, which counted every real envelope as a forgery.
    tally = Tally()
    oracle = Oracle(fixture, tally)
    for value in fixture.originals:
        oracle.check_envelope(value)

    assert all(Envelope.parse(value).flags & 0x04 for value in fixture.originals)
    assert (tally.opened, tally.forgeries, tally.exceptions) == (len(fixture.originals), 0, 0)


def test_every_real_header_opens_to_its_session_and_is_no_forgery(fixture: Fixture) -> None:
    tally = Tally()
    oracle = Oracle(fixture, tally)
    for sealed in fixture.headers:
        oracle.check_header(sealed.header)

    assert tally.opened == len(fixture.headers)
    assert (tally.forgeries, tally.disagreements, tally.exceptions) == (0, 0, 0)


def test_an_envelope_of_another_session_id_is_a_forgery(fixture: Fixture) -> None:
    # The oracle's own check: what opened must be the original's sealed identity too.
    original = next(iter(fixture.originals.values()))
    other = original.__class__(**{**vars(original), "session_id": bytes(16)})
    tally = Tally()
    oracle = Oracle(fixture, tally)
    fixture.originals[original.value] = other
    try:
        oracle.check_envelope(original.value)
    finally:
        fixture.originals[original.value] = original

    assert tally.forgeries == 1

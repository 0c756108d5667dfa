"""The identity vectors (flag bit 2) as the suite loads them, opened by the core."""

from __future__ import annotations

from client_session_conformance import (
    InvalidVector,
    ValidVector,
    load_invalid_vectors,
    load_valid_vectors,
)
from client_session_core import SessionCodec


def _codec(vector: ValidVector | InvalidVector) -> SessionCodec:
    now = float(vector.now)
    return SessionCodec(vector.session_policy(), clock=lambda: now)


def test_identity_vectors_load_with_their_session_and_user_ids() -> None:
    valid = load_valid_vectors()
    with_identity = [vector for vector in valid if vector.session_id is not None]
    assert with_identity, "no valid vector holds an identity"
    assert any(vector.user_id is not None for vector in with_identity)
    for vector in valid:
        codec = _codec(vector)
        session = codec.load(vector.cookie_header)
        assert session.rejected is None, vector.description
        assert session.user_id == vector.user_id, vector.description
        if vector.session_id is None:
            # Sealed before identities: the session gets an id, written when it is resealed.
            assert session.origin.session_id is None, vector.description
        else:
            assert len(vector.session_id) == 22
            assert session.id == vector.session_id, vector.description


def test_identity_refusals_are_empty_sessions_with_bad_payload() -> None:
    refused = [v for v in load_invalid_vectors() if v.description.startswith("identity:")]
    reasons = {vector.reason for vector in refused}
    assert reasons == {"forged", "bad_payload"}
    for vector in refused:
        codec = _codec(vector)
        session = codec.load(vector.cookie_header)
        assert session.rejected is not None
        assert session.rejected.value == vector.reason, vector.description
        assert session.data() == {}

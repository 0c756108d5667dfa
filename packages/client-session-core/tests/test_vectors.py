"""The committed wire-format vectors (conformance/vectors/) against this implementation."""

from __future__ import annotations

import base64
import importlib.util
import json
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from client_session_core import (
    DEFAULT_KEYS_ENV,
    ConfigurationError,
    InvalidReason,
    JSONSerializer,
    Key,
    KeyFile,
    KeyRing,
    SessionCodec,
    SessionPolicy,
)
from client_session_core._cookies import parse_cookie_header
from client_session_core.wire import Envelope, seal_for_test_vector

VECTORS = Path(__file__).resolve().parents[3] / "conformance" / "vectors"
if not (VECTORS / "generate.py").is_file():  # pragma: no cover - a core sdist has no vectors
    pytest.skip(f"no test vectors at {VECTORS}", allow_module_level=True)

VALID: list[dict[str, Any]] = json.loads((VECTORS / "valid.json").read_text(encoding="utf-8"))
INVALID: list[dict[str, Any]] = json.loads((VECTORS / "invalid.json").read_text(encoding="utf-8"))
KEY_LISTS: list[dict[str, Any]] = json.loads((VECTORS / "keys.json").read_text(encoding="utf-8"))
KEY_FILES: list[dict[str, Any]] = json.loads(
    (VECTORS / "key-files.json").read_text(encoding="utf-8")
)
HEADERS: list[dict[str, Any]] = json.loads(
    (VECTORS / "cookie-headers.json").read_text(encoding="utf-8")
)


def _ids(vectors: list[dict[str, Any]]) -> list[str]:
    return [vector["description"] for vector in vectors]


def _codec(vector: dict[str, Any]) -> SessionCodec:
    policy = SessionPolicy(
        keys=KeyRing(vector["keys"]), cookie_name=vector["cookie_name"], **vector["policy"]
    )
    return SessionCodec(policy, clock=lambda: vector["now"])


def _load_both_ways(vector: dict[str, Any]) -> list[Any]:
    codec, name, cookie = _codec(vector), vector["cookie_name"], vector["cookie"]
    return [codec.load(f"{name}={cookie}"), codec.load_cookies({name: cookie})]


@pytest.mark.parametrize("vector", VALID, ids=_ids(VALID))
def test_a_valid_vector_opens_to_its_session(vector: dict[str, Any]) -> None:
    ceiling = _codec(vector).policy.session_lifetime_ceiling
    for session in _load_both_ways(vector):
        assert session.rejected is None
        assert not session.new
        assert session.data() == vector["session"]
        assert session.created_at == vector["created_at"]
        assert session.persistent is vector["persistent"]
        own = vector.get("lifetime")
        # Kept to be sealed again, each field cut to the reader's ceiling (wire-format.md).
        kept = None if own is None else (min(own["idle"], ceiling), min(own["absolute"], ceiling))
        assert session.sealed_lifetime == kept
        if "session_id" in vector:  # flag bit 2: the identity block opens with the session
            sealed_id = bytes.fromhex(vector["session_id"])
            assert session.origin.session_id == sealed_id
            assert session.id == base64.urlsafe_b64encode(sealed_id).rstrip(b"=").decode()
            assert session.user_id == vector["user_id"]
        else:  # a cookie of the release before identities: it gets one when resealed
            assert (session.origin.session_id, session.user_id) == (None, None)


@pytest.mark.parametrize("vector", VALID, ids=_ids(VALID))
def test_a_valid_vector_header_holds_its_fields(vector: dict[str, Any]) -> None:
    envelope = Envelope.parse(vector["cookie"])
    assert envelope.raw[0] == 1
    own = vector.get("lifetime")
    flags = (1 if vector["persistent"] else 0) | (0 if own is None else 2)
    flags |= 4 if "session_id" in vector else 0
    assert envelope.flags == vector["flags"] == flags
    assert envelope.lifetime == (None if own is None else (own["idle"], own["absolute"]))
    assert envelope.kid.hex() == vector["kid"]
    assert (envelope.created_at, envelope.issued_at) == (vector["created_at"], vector["issued_at"])
    assert (envelope.salt.hex(), envelope.nonce.hex()) == (vector["salt"], vector["nonce"])


@pytest.mark.parametrize("vector", VALID, ids=_ids(VALID))
def test_a_valid_vector_is_written_back_as_it_says(vector: dict[str, Any]) -> None:
    # "rewritten" only where the plaintext is a text that no writer writes (-0, escapes).
    written = vector.get("rewritten", vector["plaintext"]).encode("utf-8")
    assert ("rewritten" in vector) is (written != vector["plaintext"].encode("utf-8"))
    assert JSONSerializer().dumps(vector["session"]) == written
    for session in _load_both_ways(vector):
        assert JSONSerializer().dumps(session.data()) == written


def _integers(value: Any) -> list[int]:
    if isinstance(value, dict):
        return [number for item in value.values() for number in _integers(item)]
    if isinstance(value, list):
        return [number for item in value for number in _integers(item)]
    return [value] if isinstance(value, int) and not isinstance(value, bool) else []


@pytest.mark.parametrize("vector", VALID, ids=_ids(VALID))
def test_big_integers_marks_the_vectors_beyond_the_i_json_range(vector: dict[str, Any]) -> None:
    beyond = any(abs(number) > 2**53 - 1 for number in _integers(vector["session"]))
    assert vector.get("big_integers", False) is beyond


@pytest.mark.parametrize("vector", VALID, ids=_ids(VALID))
def test_sealing_a_valid_vector_gives_its_cookie(vector: dict[str, Any]) -> None:
    plaintext = vector["plaintext"].encode("utf-8")
    (key,) = [key for key in KeyRing(vector["keys"]) if key.kid.hex() == vector["kid"]]
    cookie = seal_for_test_vector(
        key,
        plaintext,
        cookie_name=vector["cookie_name"],
        created_at=vector["created_at"],
        issued_at=vector["issued_at"],
        flags=vector["flags"],
        lifetime=(own["idle"], own["absolute"]) if (own := vector.get("lifetime")) else None,
        identity=(
            (bytes.fromhex(vector["session_id"]), vector["user_id"])
            if "session_id" in vector
            else None
        ),
        salt=bytes.fromhex(vector["salt"]),
        nonce=bytes.fromhex(vector["nonce"]),
    )
    assert cookie == vector["cookie"]


@pytest.mark.parametrize("vector", INVALID, ids=_ids(INVALID))
def test_an_invalid_vector_gives_an_empty_session(vector: dict[str, Any]) -> None:
    for session in _load_both_ways(vector):
        assert session.rejected is InvalidReason(vector["reason"])
        assert session.new
        assert session.data() == {}


_KEY_ERRORS = {
    "no_key": "holds no key",
    "duplicate_kid": "same id",
    "key_list": "holds a comma or a line feed",
    "key_in_passphrase": "holds a generated key among other",
    "no_end_line": "does not end with the line",
    "end_line_twice": "times, and is not used",
    "text_after_end_line": "has text after its end line",
}


def _key_file(directory: Path, text: str) -> Path:
    path = directory / "session-keys"
    path.write_bytes(text.encode("utf-8"))
    path.chmod(0o600)
    return path


def _key_list_routes(
    text: str, directory: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Callable[[], KeyRing]]:
    """Every way a key list arrives in the core: the environment, a key option (what the
    adapters' secret_key=, keys= and settings go through), from_text, a key file."""

    def from_env() -> KeyRing:
        monkeypatch.delenv(f"{DEFAULT_KEYS_ENV}_FILE", raising=False)
        monkeypatch.setenv(DEFAULT_KEYS_ENV, text)
        return KeyRing.from_env()

    def from_file() -> KeyRing:
        return KeyRing.from_file(_key_file(directory, f"{text}\n{KeyFile.END_LINE}\n"))

    return {
        "from_text": lambda: KeyRing.from_text(text),
        "of": lambda: KeyRing.of(text),
        "from_env": from_env,
        "from_file": from_file,
    }


@pytest.mark.parametrize("vector", KEY_LISTS, ids=_ids(KEY_LISTS))
def test_a_key_list_vector_gives_its_key_ids_or_its_error_through_every_route(
    vector: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if "key_text" in vector:  # one key: an item of a list of keys
        routes: dict[str, Callable[[], Any]] = {
            "from_secret": lambda: [Key.from_secret(vector["key_text"])],
            "KeyRing": lambda: KeyRing([vector["key_text"]]),
            "of a list": lambda: KeyRing.of([vector["key_text"]]),
        }
        expected = [vector["kid"]] if "kid" in vector else None
    else:
        routes = _key_list_routes(vector["text"], tmp_path, monkeypatch)
        expected = vector.get("kids")
    for route, read in routes.items():
        if expected is not None:
            assert [key.kid.hex() for key in read()] == expected, route
        else:
            with pytest.raises(ConfigurationError, match=_KEY_ERRORS[vector["error"]]):
                read()


@pytest.mark.parametrize("vector", KEY_FILES, ids=_ids(KEY_FILES))
def test_a_key_file_vector_gives_its_key_ids_or_its_error(
    vector: dict[str, Any], tmp_path: Path
) -> None:
    path = _key_file(tmp_path, vector["file"])
    if "kids" in vector:
        assert [key.kid.hex() for key in KeyFile(path)] == vector["kids"]
    else:
        with pytest.raises(ConfigurationError, match=_KEY_ERRORS[vector["error"]]):
            KeyFile(path)


def test_the_key_vectors_pin_each_error_and_the_rule_of_every_route() -> None:
    errors = {vector.get("error") for vector in KEY_LISTS + KEY_FILES} - {None}
    assert errors == set(_KEY_ERRORS)
    # Issue 22: two generated keys joined by a comma are two keys through every route, and
    # never one passphrase where one key is expected.
    descriptions = _ids(KEY_LISTS)
    assert "two keys, primary first, comma-separated" in descriptions
    assert "one key: a text with a comma is never one passphrase" in descriptions
    assert len(set(descriptions)) == len(descriptions)
    assert len(set(_ids(KEY_FILES))) == len(KEY_FILES)


@pytest.mark.parametrize("vector", HEADERS, ids=_ids(HEADERS))
def test_a_cookie_header_vector_gives_its_value_and_its_session(vector: dict[str, Any]) -> None:
    name, header = vector["cookie_name"], vector["header"]
    assert parse_cookie_header(header, name).get(name) == vector["value"]
    session = _codec(vector).load(header)
    assert session.data() == vector["session"]
    assert session.rejected is (
        None if vector["reason"] is None else InvalidReason(vector["reason"])
    )
    assert session.new is (vector["session"] == {})


def test_the_vectors_cover_every_reason_a_cookie_header_can_have() -> None:
    reasons = {InvalidReason(vector["reason"]) for vector in INVALID}
    # Chunks need several cookies: the Cookie header vectors have them.
    assert InvalidReason.INCOMPLETE_CHUNKS not in reasons
    reasons |= {InvalidReason(vector["reason"]) for vector in HEADERS if vector["reason"]}
    # An old format too large to reseal needs a legacy reader, and a revoked session a
    # revocation store: neither is this format.
    assert reasons == set(InvalidReason) - {InvalidReason.TOO_LARGE, InvalidReason.REVOKED}
    for vectors in (VALID, INVALID, HEADERS):
        assert len(set(_ids(vectors))) == len(vectors)


def _generator() -> ModuleType:
    name = "client_session_vectors_generate"
    spec = importlib.util.spec_from_file_location(name, VECTORS / "generate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module


def test_the_committed_files_equal_a_fresh_generation() -> None:
    rendered: dict[str, str] = _generator().render()
    assert sorted(rendered) == sorted(path.name for path in VECTORS.glob("*.json"))
    for file_name, text in rendered.items():
        assert (VECTORS / file_name).read_text(encoding="utf-8") == text, (
            f"{file_name} is stale: run python conformance/vectors/generate.py"
        )

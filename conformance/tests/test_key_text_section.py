"""The key-text section of the suite: what it asks of a harness, and that it fails an adapter
that reads a key text as one key (as ``secret_key=`` and ``keys=`` did before ``KeyRing.of``
read a text as a key list)."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import ClassVar

import pytest

from client_session_conformance import ReferenceHarness, SessionConformance
from client_session_conformance._key_text_suite import NEW_KEY, OLD_KEY, key_text_params
from client_session_conformance._servers import ServerPool
from client_session_conformance.serving import keys_in_environment, read_worker_config
from client_session_core import DEFAULT_KEYS_ENV, Clock, KeyRing, SessionPolicy, generate_key

ROTATIONS = [f"{NEW_KEY},{OLD_KEY}", f"{NEW_KEY}\n{OLD_KEY}\n"]


class KeyListHarness(ReferenceHarness):
    """The reference harness, given its keys as a text that it reads as the core does: a key
    list."""

    key_text_options: ClassVar[tuple[str, ...]] = ("keys=",)

    def serve_with_key_text(
        self, option: str, key_text: str, clock: Clock
    ) -> contextlib.AbstractContextManager[str]:
        assert option == "keys="
        return self.serve(SessionPolicy(keys=self.ring(key_text)), clock)

    def ring(self, key_text: str) -> KeyRing:
        return KeyRing.of(key_text)


class OneKeyHarness(KeyListHarness):
    """Reads the whole text as one secret, as ``KeyRing.of`` did (its bytes: the core now
    refuses a passphrase holding a comma)."""

    def ring(self, key_text: str) -> KeyRing:
        return KeyRing([key_text.encode()])


@pytest.fixture
def section() -> SessionConformance:
    return SessionConformance()


def test_a_harness_reading_a_key_list_passes_the_section(section: SessionConformance) -> None:
    with ServerPool(KeyListHarness(), (generate_key(),)) as servers:
        for text in ROTATIONS:
            section.test_a_key_text_seals_under_its_first_key_alone(servers, "keys=", text)
            section.test_a_cookie_under_the_second_key_opens_and_is_resealed_under_the_first(
                servers, "keys=", text
            )
        section.test_without_the_old_key_its_cookies_are_refused(servers, "keys=")


def test_a_harness_reading_a_key_text_as_one_key_fails_the_section(
    section: SessionConformance,
) -> None:
    with ServerPool(OneKeyHarness(), (generate_key(),)) as servers:
        for text in ROTATIONS:
            with pytest.raises(AssertionError, match="sealed under a key that is not the first"):
                section.test_a_key_text_seals_under_its_first_key_alone(servers, "keys=", text)
            with pytest.raises(AssertionError, match="did not open a cookie sealed under its"):
                section.test_a_cookie_under_the_second_key_opens_and_is_resealed_under_the_first(
                    servers, "keys=", text
                )
        with pytest.raises(AssertionError, match="did not open a cookie sealed under its key"):
            section.test_without_the_old_key_its_cookies_are_refused(servers, "keys=")


def test_messages_name_the_option_and_the_text_but_never_a_key(
    section: SessionConformance,
) -> None:
    with (
        ServerPool(OneKeyHarness(), (generate_key(),)) as servers,
        pytest.raises(AssertionError) as failure,
    ):
        section.test_a_key_text_seals_under_its_first_key_alone(servers, "keys=", ROTATIONS[0])
    message = str(failure.value)
    assert 'keys= given "new,old"' in message
    assert NEW_KEY not in message
    assert OLD_KEY not in message


def test_a_harness_without_key_text_options_skips_saying_what_to_implement() -> None:
    (param,) = key_text_params(ReferenceHarness)
    (mark,) = param.marks
    assert mark.name == "skip"
    reason = mark.kwargs["reason"]
    assert reason.startswith("ReferenceHarness names no key-text option")
    assert "key_text_options" in reason
    assert "serve_with_key_text" in reason


def test_each_key_text_option_is_a_test_id() -> None:
    assert [param.id for param in key_text_params(KeyListHarness)] == ["keys="]


def test_a_harness_naming_options_must_serve_them() -> None:
    class Unfinished(ReferenceHarness):
        key_text_options = ("secret_key=",)

    with pytest.raises(NotImplementedError, match=r"implement serve_with_key_text\(option"):
        Unfinished().serve_with_key_text("secret_key=", NEW_KEY, lambda: 0.0)


def test_keys_in_environment_sets_the_text_and_restores_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(DEFAULT_KEYS_ENV, "before")
    monkeypatch.setenv(f"{DEFAULT_KEYS_ENV}_FILE", "/run/secrets/keys")
    with keys_in_environment(ROTATIONS[0]):
        assert os.environ[DEFAULT_KEYS_ENV] == ROTATIONS[0]
        assert f"{DEFAULT_KEYS_ENV}_FILE" not in os.environ  # KeyRing.from_env() refuses both
        assert [key.kid for key in KeyRing.from_env()] == [
            key.kid for key in KeyRing([NEW_KEY, OLD_KEY])
        ]
    assert os.environ[DEFAULT_KEYS_ENV] == "before"
    assert os.environ[f"{DEFAULT_KEYS_ENV}_FILE"] == "/run/secrets/keys"
    monkeypatch.delenv(DEFAULT_KEYS_ENV)
    with keys_in_environment(NEW_KEY):
        pass
    assert DEFAULT_KEYS_ENV not in os.environ


def test_keys_in_environment_holds_one_text_at_a_time() -> None:
    with keys_in_environment(NEW_KEY):
        second = keys_in_environment(OLD_KEY)
        with pytest.raises(RuntimeError, match="another server of this process"):
            second.__enter__()
        assert os.environ[DEFAULT_KEYS_ENV] == NEW_KEY
    with keys_in_environment(OLD_KEY):  # free again
        assert os.environ[DEFAULT_KEYS_ENV] == OLD_KEY


def test_a_gunicorn_worker_config_without_a_policy_reads_as_none(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"policy": None, "clock_file": None}), encoding="utf-8")
    assert read_worker_config(config).policy is None

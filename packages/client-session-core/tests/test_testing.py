"""client_session_core.testing: the clock that tests move by hand, and no suite needed for it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from client_session_core import KeyRing, SessionCodec, SessionPolicy
from client_session_core.testing import DEFAULT_START, ManualClock

TESTS = Path(__file__).parent


def test_manual_clock_moves_only_when_told() -> None:
    clock = ManualClock()
    assert clock() == DEFAULT_START == 1_800_000_000.0
    clock.advance(1.5)
    assert clock() == 1_800_000_001.5
    clock.set(1_700_000_000)
    assert clock() == 1_700_000_000.0
    assert repr(clock) == "ManualClock(1700000000.0)"


def test_manual_clock_ages_a_codecs_sessions(primary_key: str) -> None:
    policy = SessionPolicy(keys=KeyRing([primary_key]), idle_timeout=60)
    clock = ManualClock()
    codec = SessionCodec(policy, clock=clock)
    cookie = codec.seal({"count": 1})
    clock.advance(59)
    assert dict(codec.load(f"session={cookie}")) == {"count": 1}
    clock.advance(1)
    assert dict(codec.load(f"session={cookie}")) == {}


def test_manual_clock_mirrors_its_time_to_a_file_until_told_to_stop(tmp_path: Path) -> None:
    mirror = tmp_path / "now"
    clock = ManualClock(1_800_000_000.25)
    with clock.mirror_to(mirror):
        assert float(mirror.read_text("ascii")) == 1_800_000_000.25  # written at once
        clock.advance(0.1)
        assert float(mirror.read_text("ascii")) == clock() == 1_800_000_000.35
        clock.set(1_700_000_000)
        assert float(mirror.read_text("ascii")) == 1_700_000_000.0
    clock.advance(5)
    assert float(mirror.read_text("ascii")) == 1_700_000_000.0
    assert [path.name for path in tmp_path.iterdir()] == ["now"]  # no temporary file left


@pytest.mark.parametrize("seconds", [-1, float("nan")])
def test_manual_clock_refuses_to_go_back(seconds: float) -> None:
    with pytest.raises(ValueError, match="forward"):
        ManualClock().advance(seconds)


@pytest.mark.parametrize("timestamp", [-1.0, float("inf"), "1800000000"])
def test_manual_clock_refuses_impossible_times(timestamp: object) -> None:
    with pytest.raises(ValueError, match="finite number of seconds"):
        ManualClock(timestamp)  # type: ignore[arg-type]


def test_manual_clock_shows_the_public_module() -> None:
    assert ManualClock.__module__ == "client_session_core.testing"


def test_the_cores_tests_import_nothing_from_the_conformance_suite() -> None:
    # The suite depends on the core: the core's tests must not need the suite installed, or
    # the two distributions depend on each other (issue 24).
    importers = []
    for module in sorted(TESTS.glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            if any(name.split(".")[0] == "client_session_conformance" for name in names):
                importers.append(f"{module.name}:{node.lineno}")
    assert importers == []

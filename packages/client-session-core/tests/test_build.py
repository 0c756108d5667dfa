"""Which build of the request path runs: compiled by mypyc, or pure Python (hatch_build.py)."""

from __future__ import annotations

import ast
import sys
from importlib import import_module
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

import client_session_core
from client_session_core import (
    JSONSerializer,
    KeyRing,
    Session,
    SessionCodec,
    SessionPolicy,
    generate_key,
)
from client_session_core.adapter import Commit
from client_session_core.revocation import MemoryRevocationStore, Revocations
from client_session_core.wire import Sealer

HATCH_BUILD = Path(__file__).parents[1] / "hatch_build.py"


def _compiled_modules() -> tuple[str, ...]:
    """``COMPILED_MODULES`` of hatch_build.py (read, not imported: that needs hatchling)."""
    for node in ast.parse(HATCH_BUILD.read_text()).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "COMPILED_MODULES"
            for target in node.targets
        ):
            return tuple(ast.literal_eval(node.value))
    raise AssertionError(f"{HATCH_BUILD} declares no COMPILED_MODULES")


def test_the_request_path_is_all_compiled_or_all_python() -> None:
    # A wheel that compiled some of these and not others, or an extension left over beside
    # edited sources, shows here; COMPILED reports the build.
    modules = _compiled_modules()
    assert "_codec" in modules
    compiled = {
        name: (import_module(f"client_session_core.{name}").__file__ or "").endswith(
            tuple(EXTENSION_SUFFIXES)
        )
        for name in modules
    }
    assert compiled == dict.fromkeys(modules, client_session_core.COMPILED)


@pytest.mark.parametrize("base", [SessionCodec, Sealer, JSONSerializer, Session])
def test_the_public_classes_take_python_subclasses(base: type) -> None:
    # mypyc refuses subclasses written in Python unless a class allows them.
    subclass = type("Subclass", (base,), {"extra": True})
    assert issubclass(subclass, base)
    assert subclass.extra


def _interpreted_in_a_cycle(codec: SessionCodec) -> set[str]:
    """The interpreted functions of the package that one request cycle over ``codec`` calls:
    opening a cookie with an identity, sealing the changed session and asking it for a later
    change."""
    header = f"session={codec.seal({'count': 1}, user_id='alice')}"

    def cycle() -> Commit:
        session = codec.load(header)
        session["count"] = session.get("count", 0) + 1
        commit = codec.commit(session)
        # The late-change check of an adapter whose headers are sent (WSGI, Tornado).
        assert not session.unsaved
        return commit

    cycle()  # the first opens derive the cookie's subkey, once, in Python (_keys.py)
    interpreted: set[str] = set()

    def trace(frame: FrameType, event: str, arg: object) -> Any:
        code = frame.f_code
        if code.co_filename != __file__:
            interpreted.add(f"{Path(code.co_filename).name}: {code.co_name}")
        return None

    previous = sys.gettrace()  # a debugger's or coverage's, put back after
    sys.settrace(trace)
    try:
        commit = cycle()
    finally:
        sys.settrace(previous)
    assert commit.set_cookie
    return interpreted


@pytest.mark.skipif(not client_session_core.COMPILED, reason="the pure build runs Python")
def test_a_compiled_request_cycle_runs_no_python_of_the_core() -> None:
    # What the compiled build is for: opening a cookie, sealing the changed session and
    # asking it for a later change run no interpreted code of the package (a named tuple's
    # own __new__, or a property of a module left in Python, crept in once and cost about a
    # microsecond a request). Without revocations, an identity is never looked up.
    codec = SessionCodec(SessionPolicy(keys=KeyRing([generate_key()])))
    interpreted = _interpreted_in_a_cycle(codec)
    assert not interpreted, sorted(interpreted)


@pytest.mark.skipif(not client_session_core.COMPILED, reason="the pure build runs Python")
def test_with_revocations_the_cycle_calls_their_lookup_alone_in_python() -> None:
    # Revocations is Python (docs/compiled.md): with it set, its refuses() is the one
    # interpreted call of a request, dict lookups and no I/O.
    revocations = Revocations(MemoryRevocationStore(), autostart=False)
    codec = SessionCodec(SessionPolicy(keys=KeyRing([generate_key()]), revocations=revocations))
    assert _interpreted_in_a_cycle(codec) == {"_revocation.py: refuses"}

"""Which build of the request path runs: compiled by mypyc, or pure Python (hatch_build.py)."""

from __future__ import annotations

import ast
from importlib import import_module
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import pytest

import client_session_core
from client_session_core import JSONSerializer, Sealer, Session, SessionCodec

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
